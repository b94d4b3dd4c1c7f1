#include "mod_phs_cookie.h"
#include "mod_phs_request.h"
#include "phs_cookie.h"
#include "phs_raw_response.h"
#include "mod_phs_client_ip.h"
#include "mod_phs_directive.h"
#include "mod_phs_metrics.h"

#include <http_log.h>
#include <http_request.h>
#include <apr_atomic.h>
#include <apr_strings.h>

APLOG_USE_MODULE(posthog_secure);

/* The cookies PostHog's frontend reads from JavaScript (its CSRF token,
 * its instance and project cookies): never HttpOnly unless configured. */
static const phs_cookie_pattern_t default_exempt_names[] = {
    { "posthog_csrftoken", 17, 0 }, { "csrftoken", 9, 0 }, { "ph_*", 3, 1 }
};
static const apr_array_header_t default_httponly_exempt = {
    NULL, sizeof(phs_cookie_pattern_t), 3, 3, (char *)default_exempt_names
};

/* Warnings given once per child process. */
static volatile apr_uint32_t warned_plain_http, warned_samesite_none;

/* `none` in a scope: an empty list that replaces the parent's.  One
 * object for every scope, so a name after it (or it after a name) in the
 * same scope is seen and refused. */
static apr_array_header_t no_exempt_names = {
    NULL, sizeof(phs_cookie_pattern_t), 0, 0, NULL
};

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
            return mixed_none_error(cmd, APR_ARRAY_IDX(
                       conf->httponly_exempt, 0, phs_cookie_pattern_t).text);
        conf->httponly_exempt = &no_exempt_names;
        return NULL;
    }
    if (conf->httponly_exempt == &no_exempt_names)
        return mixed_none_error(cmd, word);
    if ((err = phs_cookie_pattern_check(cmd->temp_pool, word)))
        return phs_cmd_error(cmd, err);
    if (!conf->httponly_exempt)
        conf->httponly_exempt = apr_array_make(cmd->pool, 4,
                                               sizeof(phs_cookie_pattern_t));
    phs_cookie_pattern_push(conf->httponly_exempt, word);
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

int phs_secure_cookies_on(const request_rec *r)
{
    const phs_dir_conf_t *conf = PHS_DIR_CONF(r);
    int mode = PHS_SERVER_CONF(r->server)->mode;

    /* Auto is PostHog's rule: on unless DEBUG or TEST. */
    if (conf->secure_cookies == PHS_UNSET || conf->secure_cookies == PHS_AUTO)
        return mode == PHS_UNSET || mode == PHS_MODE_PRODUCTION;
    return conf->secure_cookies;
}

static void policy_for(request_rec *r, phs_cookie_policy_t *policy)
{
    const phs_dir_conf_t *conf = PHS_DIR_CONF(r);

    policy->secure = phs_secure_cookies_on(r);
    policy->httponly = conf->cookie_httponly != 0;
    policy->httponly_exempt = PHS_MERGE_PTR(conf->httponly_exempt,
                                            &default_httponly_exempt);
    policy->samesite = conf->cookie_samesite
                       && strcmp(conf->cookie_samesite, "Off")
                       ? conf->cookie_samesite : NULL;
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

    if (!apr_table_get(headers, "Set-Cookie"))
        return 0;
    pass.values = apr_array_make(r->pool, 4, sizeof(const char *));
    apr_table_do(rewrite_one, &pass, headers, "Set-Cookie", NULL);
    if (pass.changed) {
        apr_table_unset(headers, "Set-Cookie");
        for (i = 0; i < pass.values->nelts; i++)
            apr_table_addn(headers, "Set-Cookie",
                           APR_ARRAY_IDX(pass.values, i, const char *));
    }
    *changed += pass.changed;
    return pass.values->nelts;
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
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "Secure cookies sent "
                      "over plain HTTP (%s): browsers drop them and PostHog "
                      "logins loop. Serve PostHog over "
                      "HTTPS (behind a TLS proxy: PostHogTrustedProxies, so "
                      "its X-Forwarded-Proto counts), or use "
                      "PostHogSecureCookies Off or PostHogMode debug for a "
                      "test setup", r->uri);
    if ((warnings & PHS_COOKIE_WARN_SAMESITE_NONE_INSECURE)
        && first_warning(&warned_samesite_none))
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "a cookie with "
                      "SameSite=None but without Secure (%s): browsers reject "
                      "it; turn PostHogSecureCookies On",
                      r->uri);
}

void phs_cookies_rewrite(request_rec *r)
{
    phs_cookie_policy_t policy;
    unsigned warnings = 0;
    int cookies, changed = 0;

    policy_for(r, &policy);
    cookies = rewrite_table(r, r->headers_out, &policy, &warnings, &changed)
              + rewrite_table(r, r->err_headers_out, &policy, &warnings,
                              &changed);
    warn_once(r, &policy, cookies, warnings);
    if (changed)
        phs_metrics_count(r->server, PHS_COUNT_COOKIES_REWRITTEN,
                          (apr_uint64_t)changed);
}

void phs_cookies_rewrite_trailers(request_rec *r)
{
    phs_cookie_policy_t policy;
    unsigned warnings = 0;
    int changed = 0;

    policy_for(r, &policy);
    if (rewrite_table(r, r->trailers_out, &policy, &warnings, &changed)
        && changed)
        phs_metrics_count(r->server, PHS_COUNT_COOKIES_REWRITTEN,
                          (apr_uint64_t)changed);
}

void phs_cookies_rewrite_raw_head(request_rec *r, const char *head,
                                  apr_size_t len, phs_raw_head_t *out)
{
    phs_cookie_policy_t policy;
    unsigned warnings = 0;

    policy_for(r, &policy);
    phs_raw_head_rewrite(r->pool, &policy, head, len, out, &warnings);
    warn_once(r, &policy, out->cookies, warnings);
    if (out->rewritten)
        phs_metrics_count(r->server, PHS_COUNT_COOKIES_REWRITTEN,
                          (apr_uint64_t)out->rewritten);
}
