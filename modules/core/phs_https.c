#include "phs_https.h"
#include "phs_text.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>

int phs_host_is_known(const char *host, const char *server_name,
                      const apr_array_header_t *names)
{
    int i;

    if (!host || !*host)
        return 0;
    if (server_name && !strcasecmp(host, server_name))
        return 1;
    for (i = 0; names && i < names->nelts; i++)
        if (!strcasecmp(host, APR_ARRAY_IDX(names, i, const char *)))
            return 1;
    return 0;
}

const char *phs_https_location(apr_pool_t *p, const char *host,
                               unsigned port, const char *target)
{
    int v6 = strchr(host, ':') && host[0] != '[';

    return apr_pstrcat(p, "https://", v6 ? "[" : "", host, v6 ? "]" : "",
                       port == 443 ? "" : apr_psprintf(p, ":%u", port),
                       target, NULL);
}

const char *phs_origin_target(apr_pool_t *p, const char *request_target)
{
    apr_uri_t uri;

    if (!request_target)
        return NULL;
    if (request_target[0] == '/')
        return request_target;
    if (apr_uri_parse(p, request_target, &uri) != APR_SUCCESS || !uri.scheme
        || !uri.path || uri.path[0] != '/')
        return NULL;
    return uri.query ? apr_pstrcat(p, uri.path, "?", uri.query, NULL)
                     : uri.path;
}

static int is_decimal(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!apr_isdigit(*s))
            return 0;
    return 1;
}

static char *trim(char *s)
{
    char *end;

    while (apr_isspace(*s))
        s++;
    for (end = s + strlen(s); end > s && apr_isspace(end[-1]); end--)
        ;
    *end = '\0';
    return s;
}

const char *phs_hsts_check(apr_pool_t *p, const char *value)
{
    char *copy = apr_pstrdup(p, value), *state, *token;
    int max_age = 0, subdomains = 0, preload = 0;

    for (token = apr_strtok(copy, ";", &state); token;
         token = apr_strtok(NULL, ";", &state)) {
        token = trim(token);
        if (!strncasecmp(token, "max-age=", 8) && is_decimal(token + 8)
            && !max_age++)
            continue;
        if (!strcasecmp(token, "includeSubDomains") && !subdomains++)
            continue;
        if (!strcasecmp(token, "preload") && !preload++)
            continue;
        return apr_psprintf(p, "'%s' in '%s' is not max-age=SECONDS, "
                            "includeSubDomains or preload (each once)",
                            phs_text_quote(p, token, strlen(token)), value);
    }
    if (!max_age)
        return apr_psprintf(p, "'%s' has no max-age=SECONDS", value);
    return NULL;
}
