#include "phs_raw_response.h"
#include "phs_text.h"

#include <string.h>

#include <apr_strings.h>

/* Raw response heads, read as Chromium and Firefox read them: a head ends
 * at LF LF or LF CR LF; a line starting with a blank continues the field
 * before it (obs-fold), and field names are trimmed of blanks.  Where they
 * differ the head is made unambiguous: NUL and bare CR become spaces, a
 * folded Set-Cookie goes out on one line, and a line starting with a blank
 * that continues no field is dropped. */

static int starts_like_http(const char *bytes, apr_size_t len)
{
    static const char http[] = "http";
    apr_size_t i;

    for (i = 0; i < len && i < sizeof(http) - 1; i++)
        if ((char)(bytes[i] | 0x20) != http[i])     /* ASCII lower case */
            return 0;
    return 1;
}

phs_raw_head_found_t phs_raw_head_find(const char *bytes, apr_size_t len,
                                       apr_size_t scanned,
                                       apr_size_t *head_len)
{
    /* The end may have begun in the last two bytes scanned before. */
    apr_size_t i = scanned > 2 ? scanned - 2 : 0;
    const char *lf;

    if (!starts_like_http(bytes, len))
        return PHS_RAW_HEAD_NOT_HTTP;
    while (i < len && (lf = memchr(bytes + i, '\n', len - i))) {
        apr_size_t after = (apr_size_t)(lf - bytes) + 1;

        if (after < len && bytes[after] == '\n') {
            *head_len = after + 1;
            return PHS_RAW_HEAD_COMPLETE;
        }
        if (after + 1 < len && bytes[after] == '\r' && bytes[after + 1] == '\n') {
            *head_len = after + 2;
            return PHS_RAW_HEAD_COMPLETE;
        }
        i = after;
    }
    return PHS_RAW_HEAD_INCOMPLETE;
}

/* Browsers differ on NUL (Chromium erases it, joining what is around it)
 * and on a CR not before LF (Chromium ends a line there, Firefox does
 * not); RFC 9110 5.5 and RFC 9112 2.2 let a recipient replace them with
 * SP, after which every browser reads the same lines.  Returns `head`
 * itself when it has none. */
static const char *canonical_head(apr_pool_t *p, const char *head,
                                  apr_size_t len)
{
    char *copy = NULL;
    apr_size_t i;

    for (i = 0; i < len; i++)
        if (head[i] == '\0'
            || (head[i] == '\r' && (i + 1 == len || head[i + 1] != '\n'))) {
            if (!copy)
                copy = apr_pmemdup(p, head, len);
            copy[i] = ' ';
        }
    return copy ? copy : head;
}

/* One line of the head: its text, and where the next line begins. */
typedef struct {
    const char *start;
    const char *end;             /* before CR LF or LF */
    const char *next;
} head_line_t;

static head_line_t line_at(const char *s, const char *end)
{
    head_line_t line;
    const char *lf = memchr(s, '\n', (apr_size_t)(end - s));

    line.start = s;
    line.next = lf ? lf + 1 : end;
    line.end = lf ? lf : end;
    if (line.end > s && line.end[-1] == '\r')
        line.end--;
    return line;
}

/* 1xx but 101: another head follows.  Chromium reads the status as the
 * digits after the first space (and the spaces after it), however many;
 * Firefox as atoi() of what follows the first space, cast to 16 bits.
 * They agree on three digits after spaces; any other status line counts
 * as interim, so the watching goes on (and what follows must be a head). */
static int status_is_interim(head_line_t status)
{
    const char *c = memchr(status.start, ' ',
                           (apr_size_t)(status.end - status.start));
    int code = 0, digits = 0;

    if (!c)
        return 1;
    while (c < status.end && *c == ' ')
        c++;
    for (; c < status.end && *c >= '0' && *c <= '9'; c++, digits++)
        if (digits < 3)
            code = code * 10 + (*c - '0');
    if (digits != 3)
        return 1;
    return code / 100 == 1 && code != 101;
}

/* A field line that a following line starting with a blank continues
 * (Chromium's IsLineSegmentContinuable): a ':' after a non-empty name that
 * does not start with a blank. */
static int line_is_continuable(head_line_t line)
{
    const char *colon = memchr(line.start, ':',
                               (apr_size_t)(line.end - line.start));

    return colon && colon > line.start && !phs_is_blank(*line.start);
}

/* The ':' of a Set-Cookie field line, or NULL. */
static const char *set_cookie_colon(head_line_t line)
{
    const char *colon = memchr(line.start, ':',
                               (apr_size_t)(line.end - line.start));

    return colon && phs_span_is(phs_span_trimmed(line.start, colon), "set-cookie")
           ? colon : NULL;
}

/* The output, as pieces of the head and new text. */
typedef struct {
    apr_array_header_t *pieces;  /* struct iovec */
    const char *kept_from;       /* the head from here is not in pieces yet */
} head_out_t;

static void out_put(head_out_t *out, const char *s, apr_size_t len)
{
    struct iovec *piece = apr_array_push(out->pieces);

    piece->iov_base = (void *)s;
    piece->iov_len = len;
}

/* The head up to `s` goes out as it is. */
static void out_keep_to(head_out_t *out, const char *s)
{
    out_put(out, out->kept_from, (apr_size_t)(s - out->kept_from));
}

/* A Set-Cookie field being read: its first line, and its value with the
 * lines that continue it joined by one space, as Chromium joins them. */
typedef struct {
    const char *colon;           /* of its first line; NULL: none open */
    const char *end;             /* after the text of its last line */
    const char *value;
    int folded;
} head_cookie_t;

static void cookie_open(apr_pool_t *p, head_cookie_t *cookie,
                        head_line_t line, const char *colon)
{
    cookie->colon = colon;
    cookie->end = line.end;
    cookie->value = apr_pstrmemdup(p, colon + 1,
                                   (apr_size_t)(line.end - colon - 1));
    cookie->folded = 0;
}

static void cookie_continue(apr_pool_t *p, head_cookie_t *cookie,
                            head_line_t line)
{
    const char *text = line.start;

    while (text < line.end && phs_is_blank(*text))
        text++;
    cookie->value = apr_pstrcat(p, cookie->value, " ",
                                apr_pstrmemdup(p, text,
                                               (apr_size_t)(line.end - text)),
                                NULL);
    cookie->end = line.end;
    cookie->folded = 1;
}

/* Puts the field rewritten into the output when it changes: the head up
 * to its value, then the new value on one line.  1 when the rewrite
 * changed the cookie. */
static int cookie_close(apr_pool_t *p, const phs_cookie_policy_t *policy,
                        head_cookie_t *cookie, head_out_t *out,
                        unsigned *warnings)
{
    const char *value;

    if (!cookie->colon)
        return 0;
    value = phs_cookie_rewrite(p, policy, cookie->value, warnings);
    if (value != cookie->value || cookie->folded) {
        out_keep_to(out, cookie->colon + 1);
        out_put(out, value, strlen(value));
        out->kept_from = cookie->end;
    }
    cookie->colon = NULL;
    return value != cookie->value;
}

void phs_raw_head_rewrite(apr_pool_t *p, const phs_cookie_policy_t *policy,
                          const char *head, apr_size_t len,
                          phs_raw_head_t *result, unsigned *warnings)
{
    const char *text = canonical_head(p, head, len), *end = text + len;
    head_line_t line = line_at(text, end);
    head_cookie_t cookie = { NULL, NULL, NULL, 0 };
    head_out_t out;
    int continuable = 0;

    out.pieces = apr_array_make(p, 8, sizeof(struct iovec));
    out.kept_from = text;
    result->interim = status_is_interim(line);
    result->cookies = result->rewritten = 0;
    for (line = line_at(line.next, end); line.start < end
         && line.end > line.start; line = line_at(line.next, end)) {
        const char *colon;

        if (continuable && phs_is_blank(*line.start)) {
            if (cookie.colon)
                cookie_continue(p, &cookie, line);
            continue;
        }
        result->rewritten += cookie_close(p, policy, &cookie, &out, warnings);
        if (phs_is_blank(*line.start)) {
            /* After the status line, a line without a field name, or one
             * such line: Chromium reads it as a field of its own, Firefox
             * does not, RFC 9112 2.2 says to ignore it.  Dropped. */
            out_keep_to(&out, line.start);
            out.kept_from = line.next;
            continue;
        }
        continuable = line_is_continuable(line);
        if ((colon = set_cookie_colon(line))) {
            cookie_open(p, &cookie, line, colon);
            result->cookies++;
        }
    }
    result->rewritten += cookie_close(p, policy, &cookie, &out, warnings);
    if (!out.pieces->nelts) {
        result->text = text;
        result->len = len;
        return;
    }
    out_keep_to(&out, end);
    result->text = apr_pstrcatv(p, (const struct iovec *)out.pieces->elts,
                                out.pieces->nelts, &result->len);
}
