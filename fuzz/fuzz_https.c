/* Fuzz target: the redirect target and host check (phs_origin_target,
 * phs_https_location, phs_host_is_known, phs_hsts_check).
 *
 * Input: lines: the request target, the Host (as r->hostname), the
 * ServerName, then ServerAlias names (those with '*' or '?' are wildcards,
 * as httpd sorts them).  The first line and the whole input are also
 * checked as HSTS values. */
#include "fuzz.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>

#include "phs_https.h"

static const char *origin_target_ok(apr_pool_t *p,
                                    const char *request_target,
                                    const char **target)
{
    *target = phs_origin_target(p, request_target);
    if (!*target)
        return request_target[0] == '/' ? "an origin-form target was refused"
                                        : NULL;
    if ((*target)[0] != '/')
        return fuzz_broken(p, "target '%s' does not start with '/'",
                           fuzz_shown(p, *target));
    if (request_target[0] == '/' && *target != request_target)
        return "an origin-form target was not passed through as is";
    /* Path and query are copied byte for byte: the target is a piece of
     * what the client sent. */
    if (!strstr(request_target, *target))
        return fuzz_broken(p, "target '%s' is not part of '%s'",
                           fuzz_shown(p, *target),
                           fuzz_shown(p, request_target));
    return NULL;
}

/* Wildcard aliases never lend the client's host: only the ServerName and
 * the literal aliases count. */
static int naive_host_known(const char *host, const char *server_name,
                            const apr_array_header_t *names)
{
    int i;

    if (!*host)
        return 0;
    if (!strcasecmp(host, server_name))
        return 1;
    for (i = 0; i < names->nelts; i++)
        if (!strcasecmp(host, APR_ARRAY_IDX(names, i, const char *)))
            return 1;
    return 0;
}

static char *ascii_upper(apr_pool_t *p, const char *s)
{
    char *copy = apr_pstrdup(p, s), *c;

    for (c = copy; *c; c++)
        *c = (char)apr_toupper(*c);
    return copy;
}

static const char *host_check(apr_pool_t *p, const char *host,
                              const char *server_name,
                              const apr_array_header_t *names, int *known)
{
    *known = phs_host_is_known(host, server_name, names);
    if (*known != naive_host_known(host, server_name, names))
        return fuzz_broken(p, "host '%s' is %s, the model disagrees",
                           fuzz_shown(p, host), *known ? "known" : "unknown");
    if (phs_host_is_known(ascii_upper(p, host), server_name, names)
        != *known)
        return fuzz_broken(p, "host '%s' changes with case",
                           fuzz_shown(p, host));
    if (phs_host_is_known(NULL, server_name, names)
        || phs_host_is_known("", server_name, names))
        return "a missing or empty host is known";
    return NULL;
}

/* A host httpd can have: a name, an IPv4 address, or an IPv6 literal with
 * or without its brackets (ServerName and aliases are checked when the
 * configuration is read). */
static int plausible_host(const char *host)
{
    apr_size_t len = strlen(host);

    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
        host++;
        len -= 2;
    }
    if (!len)
        return 0;
    if (memchr(host, ':', len))
        return strspn(host, "0123456789abcdefABCDEF:.") >= len;
    return strspn(host, "abcdefghijklmnopqrstuvwxyz"
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") >= len;
}

/* The Location read back as a URL parser reads it (APR's, not the code
 * under test): https, the host (brackets aside), the port only when it is
 * not 443, then the target byte for byte. */
static const char *location_ok(apr_pool_t *p, const char *host,
                               unsigned port, const char *target)
{
    const char *got = phs_https_location(p, host, port, target);
    apr_size_t got_len = strlen(got), target_len = strlen(target);
    const char *bare = host;
    apr_uri_t uri;

    if (strncmp(got, "https://", 8) || got_len < 8 + target_len
        || strcmp(got + got_len - target_len, target))
        return fuzz_broken(p, "location '%s' is not https://...%s",
                           fuzz_shown(p, got), fuzz_shown(p, target));
    if (!plausible_host(host))
        return NULL;
    if (apr_uri_parse(p, apr_pstrcat(p, apr_pstrmemdup(p, got,
                      got_len - target_len), "/", NULL), &uri) != APR_SUCCESS
        || !uri.hostname || strcmp(uri.scheme, "https"))
        return fuzz_broken(p, "location '%s' does not parse as an https URL",
                           fuzz_shown(p, got));
    if (host[0] == '[' && host[strlen(host) - 1] == ']')
        bare = apr_pstrmemdup(p, host + 1, strlen(host) - 2);
    if (strcmp(uri.hostname, bare))
        return fuzz_broken(p, "location '%s' names host '%s', not '%s'",
                           fuzz_shown(p, got), fuzz_shown(p, uri.hostname),
                           fuzz_shown(p, bare));
    if (port == 443 ? uri.port_str != NULL
        : !uri.port_str || strcmp(uri.port_str, apr_psprintf(p, "%u", port)))
        return fuzz_broken(p, "location '%s': port %s, expected %u",
                           fuzz_shown(p, got),
                           uri.port_str ? uri.port_str : "none", port);
    return NULL;
}

/* The model of the check: ';'-separated tokens (empty ones skipped),
 * trimmed, each one of max-age=DIGITS, includeSubDomains, preload, once. */
static int naive_hsts_ok(apr_pool_t *p, const char *value)
{
    char *copy = apr_pstrdup(p, value), *token, *next;
    int max_age = 0, subdomains = 0, preload = 0;

    for (token = copy; token; token = next) {
        size_t len;

        next = strchr(token, ';');
        if (next)
            *next++ = '\0';
        if (!*token)
            continue;
        while (apr_isspace(*token))
            token++;
        for (len = strlen(token); len && apr_isspace(token[len - 1]); len--)
            ;
        if (len > 8 && !strncasecmp(token, "max-age=", 8)
            && strspn(token + 8, "0123456789") == len - 8)
            max_age++;
        else if (fuzz_same_word(token, len, "includesubdomains"))
            subdomains++;
        else if (fuzz_same_word(token, len, "preload"))
            preload++;
        else
            return 0;
    }
    return max_age == 1 && subdomains <= 1 && preload <= 1;
}

static const char *hsts_ok(apr_pool_t *p, const char *value)
{
    const char *error = phs_hsts_check(p, value);

    if ((error == NULL) != naive_hsts_ok(p, value))
        return fuzz_broken(p, "phs_hsts_check %s '%s'",
                           error ? "refuses" : "accepts",
                           fuzz_shown(p, value));
    return NULL;
}

static void sort_alias(apr_array_header_t *names,
                       apr_array_header_t *wild_names, const char *alias)
{
    apr_array_header_t *to = strpbrk(alias, "*?") ? wild_names : names;

    APR_ARRAY_PUSH(to, const char *) = alias;
}

const char *phs_check_https(apr_pool_t *p, const char *data,
                                     size_t size)
{
    static const unsigned ports[] = { 443, 8443, 80, 1, 65535 };
    apr_array_header_t *lines = fuzz_split_lines(p, data, size);
    apr_array_header_t *names = apr_array_make(p, 4, sizeof(char *));
    apr_array_header_t *wild = apr_array_make(p, 4, sizeof(char *));
    const char *request_target = fuzz_line_at(lines, 0, "");
    const char *host = fuzz_line_at(lines, 1, "");
    const char *server_name = fuzz_line_at(lines, 2, "posthog.example.com");
    const char *target, *failure, *redirect_host;
    int known, i;

    /* httpd keeps wildcard aliases apart; they must lend no host. */
    APR_ARRAY_PUSH(wild, const char *) = "*.posthog.example.com";
    for (i = 3; i < lines->nelts; i++)
        sort_alias(names, wild, APR_ARRAY_IDX(lines, i, const char *));
    if ((failure = origin_target_ok(p, request_target, &target))
        || (failure = host_check(p, host, server_name, names, &known))
        || (failure = hsts_ok(p, request_target))
        || (failure = hsts_ok(p, fuzz_exact_string(p, data, size))))
        return failure;
    if (!target)
        return NULL;
    /* Never a host the client made up: the Host only when it is known. */
    redirect_host = known ? host : server_name;
    for (i = 0; i < (int)(sizeof(ports) / sizeof(*ports)); i++)
        if ((failure = location_ok(p, redirect_host, ports[i], target)))
            return failure;
    return NULL;
}

#ifdef PHS_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return phs_fuzz_run(phs_check_https, data, size);
}
#endif
