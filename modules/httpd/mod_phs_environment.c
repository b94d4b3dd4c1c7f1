#include "mod_phs_environment.h"
#include "phs_secret_key.h"
#include "phs_env.h"

#include <apr_strings.h>

/* A list variable into a sealed set; NULL or a message naming it. */
static const char *env_blocks(apr_pool_t *p, server_rec *s, list_kind_t kind,
                              const char *name, phs_ip_set_t **set)
{
    const char *err;

    *set = phs_ip_set_make(p);
    if ((err = phs_ip_set_add_list(*set, getenv(name))))
        return apr_psprintf(p, "%s: %s", name, err);
    /* As the directives refuse it: "," would be an empty allow-list,
     * which denies everyone. */
    if (!phs_ip_set_block_count(*set))
        return apr_psprintf(p, "%s: no address in '%s'", name, getenv(name));
    phs_ip_set_seal(*set);
    mod_phs_warn_if_everything(s, *set, kind, name);
    return NULL;
}

static void import_mode(phs_server_conf_t *sconf)
{
    if (sconf->mode != PHS_UNSET)
        return;
    sconf->mode = phs_env_bool(getenv("TEST")) == 1 ? PHS_MODE_TEST
                  : phs_env_bool(getenv("DEBUG")) == 1 ? PHS_MODE_DEBUG
                  : PHS_MODE_PRODUCTION;
}

/* PostHog behind httpd wants TRUST_ALL_PROXIES=true (httpd overwrites
 * X-Forwarded-For for it); httpd reading the same variable would believe
 * the leftmost entry any client writes.  Only a directive says which. */
#define TRUST_ALL_REFUSED \
    "TRUST_ALL_PROXIES=%s would make httpd take the leftmost X-Forwarded-For " \
    "entry from any peer, so any client could choose its own address and " \
    "pass the allow-list. PostHog behind httpd does want it (httpd " \
    "overwrites the header for PostHog); httpd does not. Add " \
    "'PostHogTrustAllProxies Off' to ignore it in httpd (trust the proxies " \
    "in front of httpd with PostHogTrustedProxies or PostHogProxyHops), or " \
    "'PostHogTrustAllProxies On' only if every request reaches httpd " \
    "through a proxy that overwrites the header"

/* Proxies from the environment count only with IS_BEHIND_PROXY, as in
 * PostHog.  A trust directive of the vhost is not the environment's, and
 * an explicit directive beats the environment: IS_BEHIND_PROXY=false
 * leaves it on (PostHogBehindProxy Off turns it off). */
static const char *import_proxies(apr_pool_t *p, server_rec *s,
                                  phs_server_conf_t *sconf)
{
    const char *behind = getenv("IS_BEHIND_PROXY");
    const char *trust_all = getenv("TRUST_ALL_PROXIES");
    int directed = sconf->trusted_proxies || sconf->proxy_hops > 0
                   || sconf->trust_all == 1;

    if (sconf->behind_proxy == PHS_UNSET && !directed)
        sconf->behind_proxy = phs_env_bool(behind) == 1;
    if (sconf->trust_all == PHS_UNSET && phs_env_bool(trust_all) == 1)
        return apr_psprintf(p, TRUST_ALL_REFUSED, trust_all);
    if (!sconf->trusted_proxies && phs_env_is_set(getenv("TRUSTED_PROXIES")))
        return env_blocks(p, s, LIST_TRUSTED, "TRUSTED_PROXIES",
                          &sconf->trusted_proxies);
    return NULL;
}

/* PostHog applies them where ALLOWED_IP_BLOCKS is empty, as the access
 * check does (mod_phs_access.c). */
static const char *import_regions(apr_pool_t *p, phs_server_conf_t *sconf,
                                  phs_dir_conf_t *dconf)
{
    const char *codes = getenv("BLOCKED_GEOIP_REGIONS"), *err;

    if (dconf->blocked_regions || !phs_env_is_set(codes))
        return NULL;
    dconf->blocked_regions = phs_region_set_make(p);
    if ((err = phs_region_set_add_list(dconf->blocked_regions, p, codes)))
        return apr_psprintf(p, "BLOCKED_GEOIP_REGIONS: %s", err);
    if (phs_region_set_count(dconf->blocked_regions))
        sconf->regions_somewhere = 1;
    return NULL;
}

static const char *import_dir(apr_pool_t *p, server_rec *s,
                              phs_dir_conf_t *dconf)
{
    if (dconf->secure_cookies == PHS_UNSET
        && phs_env_is_set(getenv("SECURE_COOKIES")))
        dconf->secure_cookies = phs_env_bool(getenv("SECURE_COOKIES"));
    if (dconf->https_redirect == PHS_UNSET
        && phs_env_bool(getenv("DISABLE_SECURE_SSL_REDIRECT")) == 1)
        dconf->https_redirect = 0;
    if (dconf->allowed.state == PHS_BLOCKS_UNSET
        && phs_env_is_set(getenv("ALLOWED_IP_BLOCKS"))) {
        dconf->allowed.state = PHS_BLOCKS_LIST;
        return env_blocks(p, s, LIST_ALLOWED, "ALLOWED_IP_BLOCKS",
                          &dconf->allowed.set);
    }
    return NULL;
}

/* PostHog verifies with any of MANAGED_PROXY_SIGNING_KEYS; the first
 * signs. */
static const char *import_signing_key(apr_pool_t *p, phs_server_conf_t *sconf)
{
    const char *keys = getenv("MANAGED_PROXY_SIGNING_KEYS"), *problem;
    char *first, *state;

    if (sconf->signing_key || !phs_env_is_set(keys))
        return NULL;
    first = apr_strtok(apr_pstrdup(p, keys), ", \t", &state);
    if (!first)
        return "MANAGED_PROXY_SIGNING_KEYS holds no key";
    if ((problem = phs_secret_key_problem(first)))
        return apr_psprintf(p, "MANAGED_PROXY_SIGNING_KEYS: the first key: "
                            "%s; %s", problem, PHS_SECRET_KEY_ADVICE);
    sconf->signing_key = first;
    return NULL;
}

/* Like PostHog, production refuses to run without a real key. */
static const char *import_secret_key(apr_pool_t *p, phs_server_conf_t *sconf)
{
    const char *key = getenv("SECRET_KEY"), *problem;

    if (!sconf->secret_key && phs_env_is_set(key)) {
        if ((problem = phs_secret_key_problem(key)))
            return apr_psprintf(p, "SECRET_KEY: %s; %s", problem,
                                PHS_SECRET_KEY_ADVICE);
        sconf->secret_key = apr_pstrdup(p, key);
    }
    if (!sconf->secret_key && sconf->mode == PHS_MODE_PRODUCTION)
        return "SECRET_KEY is not set: PostHog does not run in production "
               "without it; " PHS_SECRET_KEY_ADVICE " (or set DEBUG or TEST)";
    return NULL;
}

const char *mod_phs_environment_import(apr_pool_t *p, server_rec *s)
{
    phs_server_conf_t *sconf = PHS_SERVER_CONF(s);
    phs_dir_conf_t *dconf = ap_get_module_config(s->lookup_defaults,
                                                 &posthog_secure_module);
    const char *err;

    import_mode(sconf);
    if ((err = import_proxies(p, s, sconf)) || (err = import_dir(p, s, dconf))
        || (err = import_regions(p, sconf, dconf))
        || (err = import_signing_key(p, sconf)))
        return err;
    return import_secret_key(p, sconf);
}
