/* mod_posthog_secure: PostHog's self-hosting security, enforced by httpd.
 *
 * This file is the module's face: the directive table, the configuration
 * records' create and merge, and the hook registration.  The work lives in
 * modules/, one file pair per concern. */
#include "mod_phs_conf.h"
#include "mod_phs_access.h"
#include "mod_phs_directive.h"
#include "mod_phs_client_ip.h"
#include "mod_phs_cookie.h"
#include "mod_phs_https.h"
#include "mod_phs_response.h"
#include "mod_phs_raw_response.h"
#include "mod_phs_secret_key.h"
#include "mod_phs_env.h"
#include "mod_phs_signed_ip.h"
#include "mod_phs_cache_bypass.h"
#include "mod_phs_startup.h"
#include "mod_phs_forwarded_headers.h"
#include "mod_phs_region.h"
#include "mod_phs_metrics.h"
#include "mod_phs_whoami.h"

#include <http_request.h>
#include <http_protocol.h>
#include <mod_status.h>
#include <mod_proxy.h>

static void *create_dir_conf(apr_pool_t *p, char *dir)
{
    phs_dir_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    conf->access_enabled = PHS_UNSET;
    conf->headers_enabled = PHS_UNSET;
    conf->ip_restriction = PHS_UNSET;
    conf->secure_cookies = PHS_UNSET;
    conf->cookie_httponly = PHS_UNSET;
    conf->https_redirect = PHS_UNSET;
    conf->sign_client_ip = PHS_UNSET;
    conf->handler = PHS_UNSET;
    return conf;
}

static void *merge_dir_conf(apr_pool_t *p, void *parent_conf, void *child_conf)
{
    const phs_dir_conf_t *parent = parent_conf, *child = child_conf;
    phs_dir_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->access_enabled = PHS_MERGE_INT(child->access_enabled,
                                         parent->access_enabled);
    conf->headers_enabled = PHS_MERGE_INT(child->headers_enabled,
                                          parent->headers_enabled);
    conf->ip_restriction = PHS_MERGE_INT(child->ip_restriction,
                                         parent->ip_restriction);
    conf->allowed = child->allowed.state != PHS_BLOCKS_UNSET
                    ? child->allowed : parent->allowed;
    conf->blocked = phs_blocks_union(p, &parent->blocked, &child->blocked);
    conf->blocked_regions = PHS_MERGE_PTR(child->blocked_regions,
                                          parent->blocked_regions);
    conf->exempt_paths = PHS_MERGE_PTR(child->exempt_paths,
                                       parent->exempt_paths);
    conf->deny_message = PHS_MERGE_PTR(child->deny_message,
                                       parent->deny_message);
    conf->secure_cookies = PHS_MERGE_INT(child->secure_cookies,
                                         parent->secure_cookies);
    conf->cookie_httponly = PHS_MERGE_INT(child->cookie_httponly,
                                          parent->cookie_httponly);
    conf->httponly_exempt = PHS_MERGE_PTR(child->httponly_exempt,
                                          parent->httponly_exempt);
    conf->cookie_samesite = PHS_MERGE_PTR(child->cookie_samesite,
                                          parent->cookie_samesite);
    conf->https_redirect = PHS_MERGE_INT(child->https_redirect,
                                         parent->https_redirect);
    conf->redirect_exempt = PHS_MERGE_PTR(child->redirect_exempt,
                                          parent->redirect_exempt);
    conf->sign_client_ip = PHS_MERGE_INT(child->sign_client_ip,
                                         parent->sign_client_ip);
    conf->handler = PHS_MERGE_INT(child->handler, parent->handler);
    return conf;
}

static void *create_server_conf(apr_pool_t *p, server_rec *s)
{
    phs_server_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    (void)s;
    conf->mode = PHS_UNSET;
    conf->behind_proxy = PHS_UNSET;
    conf->trust_all = PHS_UNSET;
    conf->proxy_hops = PHS_UNSET;
    conf->https_port = PHS_UNSET;
    conf->from_environment = PHS_UNSET;
    conf->secure_somewhere = PHS_UNSET;
    conf->signs_somewhere = PHS_UNSET;
    conf->forwarded_headers = PHS_UNSET;
    conf->regions_somewhere = PHS_UNSET;
    conf->counters_slot = -1;
    return conf;
}

static void *merge_server_conf(apr_pool_t *p, void *parent_conf,
                               void *child_conf)
{
    const phs_server_conf_t *parent = parent_conf, *child = child_conf;
    phs_server_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->mode = PHS_MERGE_INT(child->mode, parent->mode);
    conf->behind_proxy = PHS_MERGE_INT(child->behind_proxy,
                                       parent->behind_proxy);
    conf->trusted_proxies = PHS_MERGE_PTR(child->trusted_proxies,
                                          parent->trusted_proxies);
    conf->trust_all = PHS_MERGE_INT(child->trust_all, parent->trust_all);
    conf->proxy_hops = PHS_MERGE_INT(child->proxy_hops, parent->proxy_hops);
    conf->client_ip_header = PHS_MERGE_PTR(child->client_ip_header,
                                           parent->client_ip_header);
    conf->proto_header = PHS_MERGE_PTR(child->proto_header,
                                       parent->proto_header);
    conf->https_port = PHS_MERGE_INT(child->https_port, parent->https_port);
    conf->canonical_host = PHS_MERGE_PTR(child->canonical_host,
                                         parent->canonical_host);
    conf->hsts = PHS_MERGE_PTR(child->hsts, parent->hsts);
    conf->secret_key = PHS_MERGE_PTR(child->secret_key, parent->secret_key);
    conf->from_environment = PHS_MERGE_INT(child->from_environment,
                                           parent->from_environment);
    conf->secure_somewhere = PHS_MERGE_INT(child->secure_somewhere,
                                           parent->secure_somewhere);
    conf->signs_somewhere = PHS_MERGE_INT(child->signs_somewhere,
                                          parent->signs_somewhere);
    conf->forwarded_headers = PHS_MERGE_INT(child->forwarded_headers,
                                            parent->forwarded_headers);
    conf->signing_key = PHS_MERGE_PTR(child->signing_key,
                                      parent->signing_key);
    conf->geoip_database = PHS_MERGE_PTR(child->geoip_database,
                                         parent->geoip_database);
    conf->regions_somewhere = PHS_MERGE_INT(child->regions_somewhere,
                                            parent->regions_somewhere);
    conf->counters_slot = -1;
    return conf;
}

#define DIR_SLOT(field) ((void *)APR_OFFSETOF(phs_dir_conf_t, field))
#define SERVER_SLOT(field) ((void *)APR_OFFSETOF(phs_server_conf_t, field))

static const command_rec directives[] = {
    AP_INIT_TAKE1("PostHogSecure", phs_cmd_secure, NULL,
                 RSRC_CONF | ACCESS_CONF | OR_AUTHCFG | OR_FILEINFO,
                 "On to enforce this module's settings in this scope (in "
                 ".htaccess: what its AllowOverride classes cover)"),
    AP_INIT_ITERATE("PostHogAllowedIPBlocks", phs_cmd_blocks,
                    DIR_SLOT(allowed), RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                    "IP addresses and CIDR blocks allowed in, separated by "
                    "commas or spaces, or 'none' for no restriction"),
    AP_INIT_TAKE1("PostHogAllowedIPBlocksFile", phs_cmd_blocks_file,
                  DIR_SLOT(allowed), RSRC_CONF | ACCESS_CONF,
                  "A file of allowed IP addresses and CIDR blocks, '#' "
                  "comments"),
    AP_INIT_ITERATE("PostHogBlockedIPBlocks", phs_cmd_blocks,
                    DIR_SLOT(blocked), RSRC_CONF | ACCESS_CONF,
                    "IP addresses and CIDR blocks refused on every path, "
                    "exempt ones included, or 'none'"),
    AP_INIT_TAKE1("PostHogBlockedIPBlocksFile", phs_cmd_blocks_file,
                  DIR_SLOT(blocked), RSRC_CONF | ACCESS_CONF,
                  "A file of IP addresses and CIDR blocks refused on every "
                  "path, '#' comments"),
    AP_INIT_TAKE1("PostHogGeoIPDatabase", phs_cmd_geoip_database, NULL,
                  RSRC_CONF, "A MaxMind database (.mmdb) with countries, "
                  "for PostHogBlockedGeoIPRegions"),
    AP_INIT_ITERATE("PostHogBlockedGeoIPRegions", phs_cmd_blocked_regions,
                    NULL, RSRC_CONF | ACCESS_CONF,
                    "ISO 3166-1 alpha-2 country codes denied on restricted "
                    "paths where there is no allow-list, or 'none'"),
    AP_INIT_TAKE1("PostHogIPRestriction", phs_cmd_flag_slot,
                 DIR_SLOT(ip_restriction),
                 RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                 "Off to exempt this scope from the allow-list"),
    AP_INIT_ITERATE("PostHogExemptPaths", phs_cmd_paths_slot,
                    DIR_SLOT(exempt_paths),
                    RSRC_CONF | ACCESS_CONF,
                    "Paths open to every client (event ingestion, the "
                    "SDKs' public calls): segments joined by '/', '!' to "
                    "restrict a sub-path again; or 'none'"),
    AP_INIT_TAKE1("PostHogDenyMessage", phs_cmd_deny_message, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "The text of the 403 response to a blocked client"),
    AP_INIT_TAKE1("PostHogBehindProxy", phs_cmd_server_flag_slot,
                  SERVER_SLOT(behind_proxy), RSRC_CONF,
                  "Whether forwarded headers are used at all (default: On "
                  "when a trust directive is set)"),
    AP_INIT_ITERATE("PostHogTrustedProxies", phs_cmd_trusted_proxies, NULL,
                    RSRC_CONF, "Proxy addresses and CIDR blocks whose "
                    "forwarded headers are believed"),
    AP_INIT_TAKE1("PostHogTrustedProxiesFile", phs_cmd_trusted_proxies_file,
                  NULL, RSRC_CONF, "A file of trusted proxy addresses and "
                  "CIDR blocks, '#' comments"),
    AP_INIT_TAKE1("PostHogTrustAllProxies", phs_cmd_server_flag_slot,
                  SERVER_SLOT(trust_all), RSRC_CONF,
                  "On to take the leftmost client-IP header entry from any "
                  "peer (spoofable; PostHog compatibility)"),
    AP_INIT_TAKE1("PostHogProxyHops", phs_cmd_server_int_slot,
                  PHS_INT_SLOT(proxy_hops, 1, 100, "a hop count"), RSRC_CONF,
                  "The client is the Nth client-IP header entry from the "
                  "right"),
    AP_INIT_TAKE1("PostHogClientIPHeader", phs_cmd_server_header_slot,
                  SERVER_SLOT(client_ip_header), RSRC_CONF,
                  "The header carrying the client IP (X-Forwarded-For)"),
    AP_INIT_TAKE1("PostHogForwardedProtoHeader", phs_cmd_server_header_slot,
                  SERVER_SLOT(proto_header), RSRC_CONF,
                  "The header carrying the client's scheme "
                  "(X-Forwarded-Proto)"),
    AP_INIT_TAKE1("PostHogMode", phs_cmd_mode, NULL, RSRC_CONF,
                  "production, debug or test: PostHog's DEBUG and TEST; the "
                  "Auto settings are off unless production"),
    AP_INIT_TAKE1("PostHogSecureCookies", phs_cmd_tristate_slot,
                  DIR_SLOT(secure_cookies),
                  RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                  "On, Off or Auto (on unless PostHogMode is debug or "
                  "test): add Secure to every Set-Cookie"),
    AP_INIT_TAKE1("PostHogCookieHttpOnly", phs_cmd_flag_slot,
                  DIR_SLOT(cookie_httponly),
                  RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                  "Off to leave HttpOnly as the application sent it"),
    AP_INIT_ITERATE("PostHogCookieHttpOnlyExempt", phs_cmd_httponly_exempt,
                    NULL, RSRC_CONF | ACCESS_CONF,
                    "Cookie names (name* for a prefix) never made HttpOnly, "
                    "or 'none'"),
    AP_INIT_TAKE1("PostHogCookieSameSite", phs_cmd_samesite, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                  "Lax, Strict or None: added where a cookie has no "
                  "SameSite; Off leaves cookies as sent"),
    AP_INIT_TAKE1("PostHogHTTPSRedirect", phs_cmd_tristate_slot,
                  DIR_SLOT(https_redirect),
                  RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                  "On, Off or Auto (follows the secure-cookies setting): "
                  "redirect plain HTTP to HTTPS"),
    AP_INIT_ITERATE("PostHogHTTPSRedirectExempt", phs_cmd_paths_slot,
                    DIR_SLOT(redirect_exempt), RSRC_CONF | ACCESS_CONF,
                    "Paths served over plain HTTP (health checks), as "
                    "PostHogExemptPaths; or 'none'"),
    AP_INIT_TAKE1("PostHogHTTPSPort", phs_cmd_server_int_slot,
                  PHS_INT_SLOT(https_port, 1, 65535, "a port"), RSRC_CONF,
                  "The port of the HTTPS redirect target (443)"),
    AP_INIT_TAKE1("PostHogCanonicalHost", phs_cmd_canonical_host, NULL,
                  RSRC_CONF, "The host of the HTTPS redirect target "
                  "(default: the request's host when it is this vhost's, "
                  "else ServerName)"),
    AP_INIT_TAKE1("PostHogHSTS", phs_cmd_hsts, NULL, RSRC_CONF,
                  "Strict-Transport-Security value for HTTPS responses "
                  "(max-age=N[; includeSubDomains][; preload]), or Off"),
    AP_INIT_TAKE1("PostHogSecretKey", phs_cmd_secret_key, NULL, RSRC_CONF,
                  "PostHog's SECRET_KEY: env:NAME, file:PATH, or the key "
                  "itself (discouraged)"),
    AP_INIT_TAKE1("PostHogFromEnvironment", phs_cmd_server_flag_slot,
                  SERVER_SLOT(from_environment), RSRC_CONF,
                  "On to read PostHog's environment variables "
                  "(ALLOWED_IP_BLOCKS, TRUSTED_PROXIES, SECRET_KEY...)"),
    AP_INIT_TAKE1("PostHogForwardedHeaders", phs_cmd_forwarded_headers, NULL,
                  RSRC_CONF, "rewrite (the default): the backend is told "
                  "only the module's client and scheme; keep: client-sent "
                  "forwarded headers pass, as with mod_remoteip"),
    AP_INIT_TAKE1("PostHogSigningKey", phs_cmd_signing_key, NULL, RSRC_CONF,
                  "The key that signs the client IP (PostHog's "
                  "MANAGED_PROXY_SIGNING_KEYS): env:NAME, file:PATH, or the "
                  "key itself (discouraged); default: the secret key"),
    AP_INIT_TAKE1("PostHogSignClientIP", phs_cmd_sign_client_ip,
                  DIR_SLOT(sign_client_ip), RSRC_CONF | ACCESS_CONF,
                  "On to send the backend the client IP signed with "
                  "HMAC-SHA256 and the secret key"),
    /* httpd's own, read too (every module that declares a directive is
     * given it): whether a section names one of the module's handlers. */
    AP_INIT_TAKE1("SetHandler", phs_cmd_set_handler, NULL, OR_FILEINFO,
                  "a handler name that overrides any other configured "
                  "handler"),
    { NULL }
};

/* mod_remoteip sets the client from the PROXY protocol in the same
 * phase: this module starts from what it found. */
static const char *const after_remoteip[] = { "mod_remoteip.c", NULL };

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    /* Reading the configuration: per-generation state, then the checks
     * (the environment first: it may bring the key signing needs). */
    ap_hook_pre_config(phs_startup_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_pre_config(phs_directive_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_pre_config(phs_access_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_pre_config(phs_https_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(phs_directive_seal_sets, NULL, NULL,
                         APR_HOOK_REALLY_FIRST);
    ap_hook_check_config(phs_startup_index_tree, NULL, NULL,
                         APR_HOOK_REALLY_FIRST);
    ap_hook_check_config(phs_env_check_config, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_check_config(phs_client_ip_check_config, NULL, NULL,
                         APR_HOOK_MIDDLE);
    ap_hook_check_config(phs_signed_ip_check_config, NULL, NULL,
                         APR_HOOK_MIDDLE);
    ap_hook_check_config(phs_cache_bypass_check_config, NULL, NULL,
                         APR_HOOK_MIDDLE);
    ap_hook_check_config(phs_region_check_config, NULL, NULL,
                         APR_HOOK_MIDDLE);
    ap_hook_check_config(phs_startup_check_scopes, NULL, NULL,
                         APR_HOOK_MIDDLE);
    /* Starting: sets sealed, counters made, startup warnings given once. */
    ap_hook_post_config(phs_metrics_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(phs_startup_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_test_config(phs_startup_test_config, NULL, NULL, APR_HOOK_MIDDLE);

    /* 1. post_read_request, after mod_remoteip: the client, forged
     * headers removed. */
    ap_hook_post_read_request(phs_client_ip_resolve, after_remoteip, NULL,
                              APR_HOOK_FIRST);
    /* 2. post_perdir_config: internal redirects and subrequests decided. */
    ap_hook_post_perdir_config(phs_access_check_derived, NULL, NULL,
                               APR_HOOK_REALLY_FIRST);
    /* 3. header_parser: plain HTTP redirected. */
    ap_hook_header_parser(phs_https_redirect, NULL, NULL, APR_HOOK_FIRST);
    /* 4. access: the allow-list; a denial holds under Satisfy Any. */
    ap_hook_check_access(phs_access_check, NULL, NULL, APR_HOOK_FIRST,
                         AP_AUTH_INTERNAL_PER_URI);
    ap_hook_check_access_ex(phs_access_refuse_again, NULL, NULL,
                            APR_HOOK_REALLY_FIRST, AP_AUTH_INTERNAL_PER_URI);
    /* 5. fixups: refused again, then what the backend is told. */
    ap_hook_fixups(phs_access_refuse_again, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_fixups(phs_forwarded_headers_rewrite, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(phs_signed_ip_add, NULL, NULL, APR_HOOK_MIDDLE);
    /* mod_proxy's fixups, after it added its own X-Forwarded-For: the
     * backend gets exactly the module's fields. */
    APR_OPTIONAL_HOOK(proxy, fixups, phs_forwarded_headers_proxy_fixups, NULL,
                      NULL, APR_HOOK_MIDDLE);
    /* 6. handler: the counters and the requester's own diagnosis, before
     * mod_proxy's, so that their locations are answered inside a
     * `ProxyPass /` vhost and never proxied. */
    ap_hook_handler(phs_metrics_handler, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_handler(phs_whoami_handler, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_handler(phs_access_refuse_unheard, NULL, NULL,
                    APR_HOOK_REALLY_FIRST);
    APR_OPTIONAL_HOOK(ap, status_hook, phs_metrics_status, NULL, NULL,
                      APR_HOOK_MIDDLE);
    /* 7. output: the cookie and HSTS filter, after every content-set
     * filter (mod_headers' `Header` included), before the headers go; the
     * connection filter for heads that skip it, before mod_ssl's. */
    ap_hook_insert_filter(phs_response_insert_filter, NULL, NULL,
                          APR_HOOK_LAST);
    ap_hook_insert_error_filter(phs_response_insert_filter, NULL, NULL,
                                APR_HOOK_LAST);
    ap_hook_insert_filter(phs_raw_response_insert_filter, NULL, NULL,
                          APR_HOOK_LAST);
    phs_response_filter_handle =
        ap_register_output_filter(PHS_RESPONSE_FILTER, phs_response_filter,
                                  NULL, AP_FTYPE_CONTENT_SET + 5);
    phs_raw_response_filter_handle =
        ap_register_output_filter(PHS_RAW_RESPONSE_FILTER,
                                  phs_raw_response_filter, NULL,
                                  AP_FTYPE_CONNECTION);
    /* 8. log_transaction: the verdict counted, once per client request. */
    ap_hook_log_transaction(phs_metrics_log_transaction, NULL, NULL,
                            APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(posthog_secure) = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,
    merge_dir_conf,
    create_server_conf,
    merge_server_conf,
    directives,
    register_hooks,
    AP_MODULE_FLAG_NONE
};
