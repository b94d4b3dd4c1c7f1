/* What leaves with a response.  The response filter rewrites every
 * Set-Cookie of the header tables (and, over HTTP/2, of the trailers) and
 * adds HSTS; the raw-head watcher, a connection filter, does the same for
 * heads that leave past httpd's header handling.
 *
 * mod_proxy_http forwards a backend's 101 Switching Protocols with
 * ap_send_interim_response(), which writes r->headers_out straight to the
 * connection's filters; mod_proxy_wstunnel (ProxyWebsocketFallbackToProxyHttp
 * Off) tunnels the backend's own head; mod_cgi and mod_cgid remove every
 * request filter for nph- scripts.  None of these heads passes the
 * response filter.  For a request that can send one (it asks for an
 * Upgrade, or runs an nph- script) in a PostHogSecure On scope, the watcher
 * reads the bytes: it rewrites each head's Set-Cookie fields, watches on
 * after a 1xx other than 101, and steps aside after the first other head,
 * when the response goes through the response filter after all, or when
 * the request ends. */
#include "mod_phs_response.h"
#include "mod_phs_request.h"
#include "mod_phs_report.h"
#include "phs_cookie.h"
#include "phs_raw_response.h"

#include <http_log.h>
#include <http_request.h>
#include <apr_atomic.h>
#include <apr_lib.h>
#include <apr_strings.h>

APLOG_USE_MODULE(posthog_secure);

#define HSTS_HEADER "Strict-Transport-Security"

static ap_filter_rec_t *response_filter_handle;
static ap_filter_rec_t *raw_filter_handle;

/* ------------------------------------------------------------- cookies */

/* Warnings given once per child process. */
static volatile apr_uint32_t warned_plain_http, warned_samesite_none;

static void policy_for(request_rec *r, phs_cookie_policy_t *policy)
{
    const phs_dir_conf_t *conf = PHS_DIR_CONF(r);

    policy->secure = mod_phs_secure_cookies_on(r);
    policy->httponly = conf->cookie_httponly != 0;
    policy->httponly_exempt = mod_phs_httponly_exempt(conf);
    policy->samesite = conf->cookie_samesite && *conf->cookie_samesite
                       ? conf->cookie_samesite : NULL;
}

/* 1 the first time in this process, 0 after. */
static int first_warning(volatile apr_uint32_t *flag)
{
    return apr_atomic_read32(flag) == 0 && apr_atomic_cas32(flag, 1, 0) == 0;
}

static void warn_once(request_rec *r, const phs_cookie_policy_t *policy,
                      int cookies, unsigned warnings)
{
    if (cookies && policy->secure && !mod_phs_request_is_https(r)
        && first_warning(&warned_plain_http))
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "Secure cookies sent "
                      "over plain HTTP (%s): browsers drop them and PostHog "
                      "logins loop. Serve PostHog over HTTPS (behind a TLS "
                      "proxy: PostHogTrustedProxies, so its X-Forwarded-Proto "
                      "counts), or use PostHogSecureCookies Off or "
                      "PostHogMode debug for a test setup", r->uri);
    if ((warnings & PHS_COOKIE_WARN_SAMESITE_NONE_INSECURE)
        && first_warning(&warned_samesite_none))
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "a cookie with "
                      "SameSite=None but without Secure (%s): browsers reject "
                      "it; turn PostHogSecureCookies On", r->uri);
}

/* The cookies of a table and their rewrites, in order. */
typedef struct {
    request_rec *r;
    const phs_cookie_policy_t *policy;
    unsigned *warnings;
    apr_array_header_t *values;     /* the rewritten values */
    int changed;
} cookie_pass_t;

static int rewrite_one(void *data, const char *key, const char *value)
{
    cookie_pass_t *pass = data;
    const char *rewritten = phs_cookie_rewrite(pass->r->pool, pass->policy,
                                               value, pass->warnings);

    (void)key;
    if (!pass->values)
        pass->values = apr_array_make(pass->r->pool, 4, sizeof(const char *));
    pass->changed += rewritten != value;
    APR_ARRAY_PUSH(pass->values, const char *) = rewritten;
    return 1;
}

/* Rewrites every Set-Cookie of a table: where one changes, they are all
 * taken out and put back rewritten, so their order and count stay.
 * Returns the number of cookies; *changed counts those rewritten. */
static int rewrite_table(request_rec *r, apr_table_t *headers,
                         const phs_cookie_policy_t *policy,
                         unsigned *warnings, int *changed)
{
    cookie_pass_t pass = { r, policy, warnings, NULL, 0 };
    int i;

    apr_table_do(rewrite_one, &pass, headers, "Set-Cookie", NULL);
    if (!pass.values)
        return 0;
    if (pass.changed) {
        apr_table_unset(headers, "Set-Cookie");
        for (i = 0; i < pass.values->nelts; i++)
            apr_table_addn(headers, "Set-Cookie",
                           APR_ARRAY_IDX(pass.values, i, const char *));
    }
    *changed += pass.changed;
    return pass.values->nelts;
}

/* The cookies of the given tables, counted and warned about once. */
static void rewrite_cookies(request_rec *r, apr_table_t *first,
                            apr_table_t *second)
{
    phs_cookie_policy_t policy;
    unsigned warnings = 0;
    int cookies, changed = 0;

    policy_for(r, &policy);
    cookies = rewrite_table(r, first, &policy, &warnings, &changed)
              + (second ? rewrite_table(r, second, &policy, &warnings,
                                        &changed) : 0);
    warn_once(r, &policy, cookies, warnings);
    if (changed)
        mod_phs_count(r->server, PHS_COUNT_COOKIES_REWRITTEN,
                      (apr_uint64_t)changed);
}

/* A head that leaves past the header tables, with the cookie policy of
 * r's scope. */
static void rewrite_raw_head(request_rec *r, const char *head, apr_size_t len,
                             phs_raw_head_t *out)
{
    phs_cookie_policy_t policy;
    unsigned warnings = 0;

    policy_for(r, &policy);
    phs_raw_head_rewrite(r->pool, &policy, head, len, out, &warnings);
    warn_once(r, &policy, out->cookies, warnings);
    if (out->rewritten)
        mod_phs_count(r->server, PHS_COUNT_COOKIES_REWRITTEN,
                      (apr_uint64_t)out->rewritten);
}

/* ---------------------------------------------------------------- HSTS */

static void add_hsts(request_rec *r)
{
    const char *hsts = PHS_SERVER_CONF(r->server)->hsts;

    if (!hsts || !*hsts || !mod_phs_request_is_https(r)
        || apr_table_get(r->headers_out, HSTS_HEADER)
        || apr_table_get(r->err_headers_out, HSTS_HEADER))
        return;
    apr_table_setn(r->headers_out, HSTS_HEADER, hsts);
}

/* ------------------------------------------------------ the raw heads */

typedef enum {
    WATCHING,
    STEPPED_ASIDE,               /* passes everything on */
    REFUSED                      /* a head could not be checked: the
                                    connection is aborted */
} watch_state_t;

/* At most one per connection, living in its request's pool. */
typedef struct {
    ap_filter_t *f;
    request_rec *r;              /* the request, or its last internal
                                    redirect: the scope that decides */
    watch_state_t state;
    int removed;                 /* from the connection's filters */
    char *head;                  /* the bytes of a head not complete yet */
    apr_size_t held;
    apr_size_t size;
} watcher_t;

static ap_filter_t *watcher_of(conn_rec *c)
{
    ap_filter_t *f;

    for (f = c->output_filters; f; f = f->next)
        if (f->frec == raw_filter_handle)
            return f;
    return NULL;
}

/* ap_remove_output_filter() takes a connection filter off the connection
 * only: the request's filters still lead to it until the request ends,
 * which is why a watcher that stepped aside stays in memory and passes
 * everything on. */
static void remove_watcher(watcher_t *w)
{
    if (!w->removed) {
        w->removed = 1;
        ap_remove_output_filter(w->f);
    }
}

/* The request's end passes through the filter, which removes itself then;
 * this is for a request that ends another way: no watcher outlives it. */
static apr_status_t watcher_cleanup(void *data)
{
    remove_watcher(data);
    return APR_SUCCESS;
}

/* A head received in part is not left behind: the watcher stays then. */
static void step_aside(watcher_t *w)
{
    if (w->state == WATCHING && !w->held) {
        w->state = STEPPED_ASIDE;
        remove_watcher(w);
    }
}

static int name_is(const char *s, apr_size_t len, const char *name)
{
    return strlen(name) == len && !strncmp(s, name, len);
}

/* What mod_cgi and mod_cgid run as an nph- script: their handler and a
 * file name starting "nph-".  Before the handler runs, a missing handler
 * is the content type (ap_invoke_handler); taking one request too many
 * for an nph- script costs only a watcher that steps aside. */
static int runs_nph_script(const request_rec *r)
{
    const char *handler = r->handler ? r->handler : r->content_type;
    apr_size_t len;

    /* The two names' first letters turn nearly every request away. */
    if (!handler || (handler[0] != 'c' && handler[0] != 'a') || !r->filename)
        return 0;
    len = strcspn(handler, "; ");
    return (name_is(handler, len, "cgi-script")
            || name_is(handler, len, "application/x-httpd-cgi"))
           && !strncmp(apr_filepath_name_get(r->filename), "nph-", 4);
}

/* mod_proxy_http and mod_proxy_wstunnel answer 101 to an Upgrade request
 * only, so other requests need no watcher. */
/* Whether the request asks for an Upgrade: noted at post_read_request in
 * a vhost where PostHogSecure On appears, looked up otherwise (a
 * .htaccess switching the module on). */
static int asks_upgrade(request_rec *r)
{
    if (PHS_SERVER_CONF(r->server)->secure_somewhere == 1)
        return mod_phs_client_state(r)->upgrade;
    return apr_table_get(r->headers_in, "Upgrade") != NULL;
}

static int may_send_raw_head(request_rec *r)
{
    return phs_headers_enabled(r) && (asks_upgrade(r) || runs_nph_script(r));
}

void mod_phs_response_insert_watcher(request_rec *r)
{
    ap_filter_t *f;
    watcher_t *w;

    /* A subrequest's response goes out through its main request's. */
    if (r->main)
        return;
    /* Only an internal redirect finds its request's watcher there. */
    f = r->prev ? watcher_of(r->connection) : NULL;
    if (f) {
        /* The redirect's scope decides. */
        ((watcher_t *)f->ctx)->r = r;
        if (!may_send_raw_head(r))
            step_aside(f->ctx);
        return;
    }
    if (!may_send_raw_head(r))
        return;
    w = apr_pcalloc(r->pool, sizeof(*w));
    w->r = r;
    w->f = ap_add_output_filter_handle(raw_filter_handle, w, r,
                                       r->connection);
    apr_pool_cleanup_register(r->pool, w, watcher_cleanup,
                              apr_pool_cleanup_null);
}

/* r's response goes through the response filter, so its head does not
 * leave raw: the watcher of r's connection, if any, steps aside. */
static void watcher_step_aside(request_rec *r)
{
    ap_filter_t *f = watcher_of(r->connection);

    if (f)
        step_aside(f->ctx);
}

/* Fail closed: what cannot be checked does not reach the client. */
static void refuse(watcher_t *w, apr_status_t rv, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, w->r, "%s "
                  "(%s): the connection is closed so that no cookie leaves "
                  "unchecked", why, w->r->uri);
    w->state = REFUSED;
    w->held = 0;
    w->f->c->aborted = 1;
}

static void hold(watcher_t *w, const char *data, apr_size_t n)
{
    if (!n)
        return;
    if (w->held + n > w->size) {
        apr_size_t size = w->size ? w->size : 1024;
        char *head;

        while (size < w->held + n)
            size *= 2;
        if (size > PHS_RAW_HEAD_MAX)
            size = PHS_RAW_HEAD_MAX;
        head = apr_palloc(w->r->pool, size);
        if (w->held)
            memcpy(head, w->head, w->held);
        w->head = head;
        w->size = size;
    }
    memcpy(w->head + w->held, data, n);
    w->held += n;
}

/* Puts the rewrite of the first `len` held bytes before `before`.  A head
 * cut short (the response ended inside it) is the last one. */
static void send_head(watcher_t *w, apr_bucket_brigade *bb,
                      apr_bucket *before, apr_size_t len, int complete)
{
    phs_raw_head_t head;

    rewrite_raw_head(w->r, w->head, len, &head);
    APR_BUCKET_INSERT_BEFORE(before, apr_bucket_heap_create(head.text,
                             head.len, NULL, bb->bucket_alloc));
    w->held = 0;
    if (!complete || !head.interim)
        w->state = STEPPED_ASIDE;
}

/* Takes the bytes of b (data, len) that belong to a head; returns the
 * bucket to look at next. */
static apr_bucket *take(watcher_t *w, apr_bucket_brigade *bb, apr_bucket *b,
                        const char *data, apr_size_t len)
{
    apr_size_t room = PHS_RAW_HEAD_MAX - w->held;
    apr_size_t n = len < room ? len : room, head_len = 0;
    phs_raw_head_found_t found;
    apr_bucket *next;

    hold(w, data, n);
    found = phs_raw_head_find(w->head, w->held, w->held - n, &head_len);
    if (found == PHS_RAW_HEAD_NOT_HTTP) {
        refuse(w, APR_SUCCESS, "a response head written past httpd's header "
               "handling (a backend's 101 or tunnelled answer, an nph- "
               "script) does not begin with \"HTTP\"");
        return APR_BUCKET_NEXT(b);
    }
    if (found == PHS_RAW_HEAD_INCOMPLETE) {
        if (w->held == PHS_RAW_HEAD_MAX)
            refuse(w, APR_SUCCESS, apr_psprintf(w->r->pool, "a response head "
                   "written past httpd's header handling is longer than %d "
                   "bytes", PHS_RAW_HEAD_MAX));
        next = APR_BUCKET_NEXT(b);
        apr_bucket_delete(b);
        return next;
    }
    /* The head ends inside b: what follows stays in the brigade. */
    if (head_len - (w->held - n) < len) {
        apr_status_t rv = apr_bucket_split(b, head_len - (w->held - n));

        if (rv != APR_SUCCESS) {
            refuse(w, rv, "the response could not be split after its head");
            return APR_BUCKET_NEXT(b);
        }
    }
    next = APR_BUCKET_NEXT(b);
    apr_bucket_delete(b);
    send_head(w, bb, next, head_len, 1);
    return next;
}

static void watch(watcher_t *w, apr_bucket_brigade *bb)
{
    apr_bucket *b = APR_BRIGADE_FIRST(bb);

    while (b != APR_BRIGADE_SENTINEL(bb) && w->state == WATCHING) {
        const char *data;
        apr_size_t len;
        apr_status_t rv;

        if (APR_BUCKET_IS_METADATA(b)) {
            if ((APR_BUCKET_IS_EOS(b) || AP_BUCKET_IS_EOR(b)) && w->held)
                send_head(w, bb, b, w->held, 0);
            b = APR_BUCKET_NEXT(b);
            continue;
        }
        rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ);
        if (rv != APR_SUCCESS) {
            refuse(w, rv, "the response could not be read while looking "
                   "for its head");
            return;
        }
        b = take(w, bb, b, data, len);
    }
}

static void drop_data(apr_bucket_brigade *bb)
{
    apr_bucket *b, *next;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = next) {
        next = APR_BUCKET_NEXT(b);
        if (!APR_BUCKET_IS_METADATA(b))
            apr_bucket_delete(b);
    }
}

static int request_ends(apr_bucket_brigade *bb)
{
    apr_bucket *b;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b))
        if (AP_BUCKET_IS_EOR(b))
            return 1;
    return 0;
}

static apr_status_t raw_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    watcher_t *w = f->ctx;
    apr_status_t rv;
    int refused;

    if (w->state == WATCHING)
        watch(w, bb);
    refused = w->state == REFUSED;
    if (refused)
        drop_data(bb);
    if (w->state != WATCHING || request_ends(bb))
        remove_watcher(w);
    /* The request's end frees w with the request's pool: w is not used
     * after this. */
    rv = ap_pass_brigade(f->next, bb);
    return refused ? APR_ECONNABORTED : rv;
}

/* ------------------------------------------------- the response filter */

/* httpd 2.4 sends a response's trailers (r->trailers_out) over HTTP/2
 * only: its HTTP/1.1 chunk filter writes none. */
static int may_send_trailers(const request_rec *r)
{
    return r->proto_num >= HTTP_VERSION(2, 0);
}

static int ends_response(apr_bucket_brigade *bb)
{
    apr_bucket *b;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b))
        if (APR_BUCKET_IS_EOS(b))
            return 1;
    return 0;
}

/* The head's rules on the first brigade; where trailers may follow, the
 * filter stays until the end of the response and rewrites their cookies
 * then, before mod_http2 sends them. */
static apr_status_t response_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    static char watching_trailers;

    if (f->ctx != &watching_trailers) {
        rewrite_cookies(f->r, f->r->headers_out, f->r->err_headers_out);
        add_hsts(f->r);
        watcher_step_aside(f->r);
        f->ctx = &watching_trailers;
        if (!may_send_trailers(f->r)) {
            ap_remove_output_filter(f);
            return ap_pass_brigade(f->next, bb);
        }
    }
    if (ends_response(bb)) {
        rewrite_cookies(f->r, f->r->trailers_out, NULL);
        ap_remove_output_filter(f);
    }
    return ap_pass_brigade(f->next, bb);
}

void mod_phs_response_insert_filter(request_rec *r)
{
    /* By handle: adding by name would look the name up on every request. */
    if (phs_headers_enabled(r))
        ap_add_output_filter_handle(response_filter_handle, NULL, r,
                                    r->connection);
}

/* The response filter after every content-set filter (mod_headers'
 * `Header` included), before the headers go; the watcher before mod_ssl. */
void mod_phs_response_register_filters(void)
{
    response_filter_handle = ap_register_output_filter(PHS_RESPONSE_FILTER,
                                 response_filter, NULL,
                                 AP_FTYPE_CONTENT_SET + 5);
    raw_filter_handle = ap_register_output_filter(PHS_RAW_RESPONSE_FILTER,
                            raw_filter, NULL, AP_FTYPE_CONNECTION);
}
