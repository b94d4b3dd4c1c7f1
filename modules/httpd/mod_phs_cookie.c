#include "mod_phs_cookie.h"
#include "mod_phs_request.h"
#include "phs_cookie.h"
#include "phs_raw_response.h"
#include "mod_phs_client_ip.h"
#include "mod_phs_directive.h"

#include <http_log.h>
#include <http_request.h>
#include <apr_atomic.h>
#include <apr_strings.h>

APLOG_USE_MODULE(posthog_secure);

/* Built once per configuration cycle in pre_config. */
static apr_array_header_t *default_httponly_exempt;

/* Warnings given once per child process. */
static volatile apr_uint32_t warned_plain_http, warned_samesite_none;

/* `none` in a scope: an empty list that replaces the parent's.  One
 * object for every scope, so a name after it (or it after a name) in the
 * same scope is seen and refused. */
static apr_array_header_t no_exempt_names = { NULL, sizeof(char *), 0, 0, NULL };

static const char *mixed_none_error(cmd_parms *cmd, const char *name)
{
    return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'none' cannot be "
                         "combined with names in one scope ('%s')", name));
}

const char *phs_cmd_httponly_exempt(cmd_parms *cmd, void *dconf,
                                    const char *word)
{
    phs_dir_conf_t *conf = dconf;
    const char *err;

    if (!strcasecmp(word, "none")) {
        if (conf->httponly_exempt && conf->httponly_exempt != &no_exempt_names)
            return mixed_none_error(cmd, APR_ARRAY_IDX(conf->httponly_exempt,
                                                       0, const char *));
        conf->httponly_exempt = &no_exempt_names;
        return NULL;
    }
    if (conf->httponly_exempt == &no_exempt_names)
        return mixed_none_error(cmd, word);
    if ((err = phs_cookie_pattern_check(cmd->temp_pool, word)))
        return phs_cmd_error(cmd, err);
    if (!conf->httponly_exempt)
        conf->httponly_exempt = apr_array_make(cmd->pool, 4, sizeof(char *));
    APR_ARRAY_PUSH(conf->httponly_exempt, const char *) = word;
    return NULL;
}

const char *phs_cmd_samesite(cmd_parms *cmd, void *dconf, const char *value)
{
    static const char *const values[] = { "Lax", "Strict", "None", "Off" };
    phs_dir_conf_t *conf = dconf;
    int i;

    for (i = 0; i < 4; i++)
        if (!strcasecmp(value, values[i])) {
            conf->cookie_samesite = values[i];
            return NULL;
        }
    return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is not "
                         "Lax, Strict, None or Off", value));
}

int phs_cookies_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp)
{
    char *list = apr_pstrdup(ptemp, PHS_DEFAULT_HTTPONLY_EXEMPT), *state, *w;

    (void)plog;
    default_httponly_exempt = apr_array_make(pconf, 4, sizeof(char *));
    for (w = apr_strtok(list, " ", &state); w; w = apr_strtok(NULL, " ", &state))
        APR_ARRAY_PUSH(default_httponly_exempt, const char *) =
            apr_pstrdup(pconf, w);
    return OK;
}

int phs_secure_cookies_on(const request_rec *r)
{
    const phs_dir_conf_t *conf = PHS_DIR_CONF(r);

    if (conf->secure_cookies == PHS_UNSET || conf->secure_cookies == PHS_AUTO)
        return phs_auto_is_on(r);
    return conf->secure_cookies;
}

static void policy_for(request_rec *r, phs_cookie_policy_t *policy)
{
    const phs_dir_conf_t *conf = PHS_DIR_CONF(r);

    policy->secure = phs_secure_cookies_on(r);
    policy->httponly = conf->cookie_httponly != 0;
    policy->httponly_exempt = PHS_MERGE_PTR(conf->httponly_exempt,
                                            default_httponly_exempt);
    policy->samesite = conf->cookie_samesite
                       && strcmp(conf->cookie_samesite, "Off")
                       ? conf->cookie_samesite : NULL;
}

/* Rewrites every Set-Cookie of a table in place: order and count stay. */
static int rewrite_table(request_rec *r, apr_table_t *headers,
                         const phs_cookie_policy_t *policy,
                         unsigned *warnings)
{
    const apr_array_header_t *fields = apr_table_elts(headers);
    apr_table_entry_t *field = (apr_table_entry_t *)fields->elts;
    int i, cookies = 0;

    for (i = 0; i < fields->nelts; i++)
        if (field[i].key && field[i].val
            && phs_field_is(field[i].key, "Set-Cookie")) {
            field[i].val = (char *)phs_cookie_rewrite(r->pool, policy,
                                                      field[i].val, warnings);
            cookies++;
        }
    return cookies;
}

/* 1 the first time in this process, 0 after: the flag is read before the
 * message is built, so a warning already given costs nothing. */
static int first_warning(volatile apr_uint32_t *flag)
{
    return apr_atomic_read32(flag) == 0 && apr_atomic_cas32(flag, 1, 0) == 0;
}

static void warn_once(request_rec *r, const phs_cookie_policy_t *policy,
                      int cookies, unsigned warnings)
{
    if (cookies && policy->secure && !phs_request_is_https(r)
        && first_warning(&warned_plain_http))
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "posthog_secure: "
                      "Secure cookies sent over plain HTTP (%s): browsers "
                      "drop them and PostHog logins loop. Serve PostHog over "
                      "HTTPS (behind a TLS proxy: PostHogTrustedProxies, so "
                      "its X-Forwarded-Proto counts), or use "
                      "PostHogSecureCookies Off or PostHogMode debug for a "
                      "test setup", r->uri);
    if ((warnings & PHS_COOKIE_WARN_SAMESITE_NONE_INSECURE)
        && first_warning(&warned_samesite_none))
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "posthog_secure: "
                      "a cookie with SameSite=None but without Secure (%s): "
                      "browsers reject it; turn PostHogSecureCookies On",
                      r->uri);
}

void phs_cookies_rewrite(request_rec *r)
{
    phs_cookie_policy_t policy;
    unsigned warnings = 0;
    int cookies;

    policy_for(r, &policy);
    cookies = rewrite_table(r, r->headers_out, &policy, &warnings)
              + rewrite_table(r, r->err_headers_out, &policy, &warnings);
    warn_once(r, &policy, cookies, warnings);
}

void phs_cookies_rewrite_raw_head(request_rec *r, const char *head,
                                  apr_size_t len, phs_raw_head_t *out)
{
    phs_cookie_policy_t policy;
    unsigned warnings = 0;

    policy_for(r, &policy);
    phs_raw_head_rewrite(r->pool, &policy, head, len, out, &warnings);
    warn_once(r, &policy, out->cookies, warnings);
}
