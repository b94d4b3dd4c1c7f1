/* The module's configuration: its two records, every default, and what
 * the directives (mod_phs_config.c) and PostHog's environment
 * (mod_phs_environment.c) fill in.  Every field starts "unset" and is
 * merged field by field: a value set in a scope wins over the enclosing
 * scope's (the deny-list excepted: the lists of every scope add up);
 * defaults apply at use time, from the PHS_DEFAULT_* below. */
#ifndef MOD_PHS_CONFIG_H
#define MOD_PHS_CONFIG_H

#include <httpd.h>
#include <http_config.h>
#include <ap_mmn.h>

#include "phs_ip_set.h"
#include "phs_client_ip.h"
#include "phs_path_set.h"
#include "phs_region.h"
#include "phs_text.h"

/* http_ssl.h (ap_ssl_conn_is_ssl) and the 2.4.48 request hooks. */
#if !AP_MODULE_MAGIC_AT_LEAST(20120211, 105)
#error "mod_posthog_secure needs httpd 2.4.48 or later"
#endif

#ifndef PHS_VERSION                 /* configure passes AC_INIT's */
#define PHS_VERSION "0.1.0"
#endif

/* ---------------------------------------------------------------- defaults */

/* PostHogExemptPaths: event ingestion, the health checks, the SDKs'
 * public calls that carry only the project token, and PostHog's public
 * webhook inputs and message tracking links (which third parties and email
 * recipients call; PostHog's own Caddy routes them past its web app); the
 * personal-API-key endpoints below them stay restricted. */
#define PHS_DEFAULT_EXEMPT_PATHS \
    "e i batch capture track engage s decide flags array static " \
    "_health _readyz _livez messaging-preferences " \
    "api/surveys api/product_tours api/early_access_features " \
    "api/web_experiments site_app api/conversations/v1/widget " \
    "public/webhooks public/m !flags/definitions"
/* PostHogHTTPSRedirectExempt: load balancers' health checks. */
#define PHS_DEFAULT_REDIRECT_EXEMPT "_health _readyz _livez"
/* PostHogDenyMessage: says nothing about what is behind. */
#define PHS_DEFAULT_DENY_MESSAGE "Access denied.\n"
/* PostHogDenyStatus: 404 hides that anything is there. */
#define PHS_DEFAULT_DENY_STATUS HTTP_FORBIDDEN
#define PHS_DEFAULT_HTTPS_PORT 443
#define PHS_DEFAULT_CLIENT_IP_HEADER "X-Forwarded-For"
#define PHS_DEFAULT_PROTO_HEADER "X-Forwarded-Proto"
/* PostHogCookieHttpOnlyExempt: the cookies PostHog's frontend reads from
 * JavaScript (its CSRF token, its instance and project cookies). */
#define PHS_DEFAULT_HTTPONLY_EXEMPT "posthog_csrftoken csrftoken ph_*"

/* The handlers `SetHandler` names. */
#define PHS_METRICS_HANDLER "posthog-secure-metrics"
#define PHS_WHOAMI_HANDLER "posthog-secure-whoami"

/* ----------------------------------------------------------------- records */

#define PHS_UNSET (-1)
#define PHS_AUTO 2          /* On|Off|Auto directives: 0, 1 or PHS_AUTO */

/* PostHogMode: PostHog's DEBUG and TEST turn its secure defaults off. */
typedef enum {
    PHS_MODE_PRODUCTION = 0,
    PHS_MODE_DEBUG,
    PHS_MODE_TEST
} phs_mode_t;

/* What `SetHandler` says in a section, read beside httpd's core (which
 * keeps it private): the access check must know a whoami location
 * before the handler is chosen. */
enum {
    PHS_HANDLER_OTHER = 0,          /* another handler, or None */
    PHS_HANDLER_METRICS,
    PHS_HANDLER_WHOAMI
};

/* The state of an address list (the allow-list, the deny-list) in one
 * scope. */
typedef enum {
    PHS_BLOCKS_UNSET = 0,
    PHS_BLOCKS_NONE,     /* `none`: no list */
    PHS_BLOCKS_LIST      /* the blocks of `set` */
} phs_blocks_state_t;

typedef struct {
    phs_blocks_state_t state;
    phs_ip_set_t *set;              /* with PHS_BLOCKS_LIST, sealed: this
                                       scope's own list */
    /* The deny-list only, once merged: every enclosing scope's list, this
     * one's included (they all apply; an inner list adds to the outer
     * ones, never replaces them).  NULL: `set` alone. */
    const apr_array_header_t *every;   /* of const phs_ip_set_t * */
} phs_blocks_t;

/* An open MaxMind database (mod_phs_access.c). */
typedef struct phs_geoip_t phs_geoip_t;

/* Directory scope (server, vhost, <Location>, <Directory>, .htaccess). */
typedef struct {
    /* PostHogSecure, in two halves: a .htaccess switches only the half its
     * AllowOverride class covers. */
    int access_enabled;             /* AuthConfig: allow-list, variables */
    int headers_enabled;            /* FileInfo: cookies, redirect, HSTS,
                                       headers for the backend */
    int ip_restriction;             /* PostHogIPRestriction */
    phs_blocks_t allowed;           /* PostHogAllowedIPBlocks(File) */
    phs_blocks_t blocked;           /* PostHogBlockedIPBlocks(File) */
    phs_region_set_t *blocked_regions; /* PostHogBlockedGeoIPRegions; empty:
                                       none */
    phs_path_set_t *exempt_paths;   /* PostHogExemptPaths */
    const char *deny_message;       /* PostHogDenyMessage */
    int deny_status;                /* PostHogDenyStatus: 403 or 404 */
    int report_only;                /* PostHogReportOnly */
    int secure_cookies;             /* PostHogSecureCookies: 0, 1, PHS_AUTO */
    int cookie_httponly;            /* PostHogCookieHttpOnly */
    apr_array_header_t *httponly_exempt; /* PostHogCookieHttpOnlyExempt, of
                                       phs_cookie_pattern_t; empty: none */
    const char *cookie_samesite;    /* PostHogCookieSameSite; "": Off */
    int https_redirect;             /* PostHogHTTPSRedirect: 0, 1, PHS_AUTO */
    phs_path_set_t *redirect_exempt; /* PostHogHTTPSRedirectExempt */
    int sign_client_ip;             /* PostHogSignClientIP */
    int handler;                    /* SetHandler, as far as it names one
                                       of the module's: PHS_HANDLER_* */
} phs_dir_conf_t;

/* Server and vhost scope: who is believed about the client's address. */
typedef struct {
    int mode;                       /* PostHogMode: a phs_mode_t */
    int behind_proxy;               /* PostHogBehindProxy */
    phs_ip_set_t *trusted_proxies;  /* PostHogTrustedProxies(File), sealed */
    int trust_all;                  /* PostHogTrustAllProxies */
    int proxy_hops;                 /* PostHogProxyHops */
    const char *client_ip_header;   /* PostHogClientIPHeader */
    const char *proto_header;       /* PostHogForwardedProtoHeader */
    int https_port;                 /* PostHogHTTPSPort */
    const char *canonical_host;     /* PostHogCanonicalHost */
    const char *hsts;               /* PostHogHSTS; "": Off */
    const char *secret_key;         /* PostHogSecretKey, resolved, checked */
    int from_environment;           /* PostHogFromEnvironment */
    int forwarded_headers;          /* PostHogForwardedHeaders: 1 rewrite
                                       (PHS_UNSET too), 0 keep */
    const char *signing_key;        /* PostHogSigningKey, resolved, checked;
                                       NULL: the secret key signs */
    const char *geoip_database;     /* PostHogGeoIPDatabase, absolute */
    /* Where the directives appear: in this vhost's configuration or the
     * main server's (any section). */
    int secure_somewhere;           /* PostHogSecure On */
    int signs_somewhere;            /* PostHogSignClientIP On */
    int regions_somewhere;          /* PostHogBlockedGeoIPRegions with a
                                       code */
    /* Derived once at check_config (mod_phs_startup.c) from the merged
     * fields above. */
    int resolve;                    /* walk the client-IP header */
    phs_name_list_t fields;         /* the request fields the module
                                       reads or removes, with their roles
                                       (mod_phs_client.c) */
    phs_trust_t trust;
    phs_geoip_t *geoip;             /* geoip_database, open */
    int counters_slot;              /* its counters (post_config); -1: none */
} phs_server_conf_t;

/* The build hides every other symbol (-fvisibility=hidden): calls between
 * the module's files then go direct instead of through the PLT. */
#if defined(__GNUC__)
#define PHS_EXPORTED __attribute__((visibility("default")))
#else
#define PHS_EXPORTED
#endif
extern module PHS_EXPORTED AP_MODULE_DECLARE_DATA posthog_secure_module;

#define PHS_SERVER_CONF(s) \
    ((phs_server_conf_t *)ap_get_module_config((s)->module_config, \
                                               &posthog_secure_module))

#define PHS_DIR_CONF(r) \
    ((phs_dir_conf_t *)ap_get_module_config((r)->per_dir_config, \
                                            &posthog_secure_module))

/* The two halves of PostHogSecure, for this request_rec's location. */
#define phs_access_enabled(r) (PHS_DIR_CONF(r)->access_enabled == 1)
#define phs_headers_enabled(r) (PHS_DIR_CONF(r)->headers_enabled == 1)

/* The first value that is set. */
#define PHS_MERGE_INT(child, parent) \
    ((child) != PHS_UNSET ? (child) : (parent))
#define PHS_MERGE_PTR(child, parent) ((child) ? (child) : (parent))

/* ------------------------------------------------- the records' defaults */

/* The effective values where a scope set none. */
const phs_path_set_t *mod_phs_exempt_paths(const phs_dir_conf_t *conf);
const phs_path_set_t *mod_phs_redirect_exempt(const phs_dir_conf_t *conf);
const apr_array_header_t *mod_phs_httponly_exempt(const phs_dir_conf_t *conf);
/* Secure cookies in r's scope (Auto is PostHog's rule: on unless
 * PostHogMode is debug or test); the HTTPS redirect follows them unless
 * set. */
int mod_phs_secure_cookies_on(const request_rec *r);
int mod_phs_https_redirect_on(const request_rec *r);
/* The key that signs: PostHogSigningKey, else the secret key; or NULL. */
#define mod_phs_signing_key(sconf) \
    PHS_MERGE_PTR((sconf)->signing_key, (sconf)->secret_key)

/* 1 when ip is in a list of `blocks` (PHS_BLOCKS_LIST). */
int mod_phs_blocks_contain(const phs_blocks_t *blocks, const phs_ip_t *ip);

/* --------------------------------------------- the module record's parts */

void *mod_phs_create_dir_conf(apr_pool_t *p, char *dir);
void *mod_phs_merge_dir_conf(apr_pool_t *p, void *parent, void *child);
void *mod_phs_create_server_conf(apr_pool_t *p, server_rec *s);
void *mod_phs_merge_server_conf(apr_pool_t *p, void *parent, void *child);
extern const command_rec mod_phs_directives[];

/* pre_config: the defaults' sets, the lists of sets to seal. */
void mod_phs_config_pre_config(apr_pool_t *pconf);
/* check_config, first: seals the sets the directives filled (a long list
 * of directive lines stays linear) and warns about an allow-list or a
 * trusted list that holds every address of a family. */
void mod_phs_config_seal_sets(apr_pool_t *ptemp);

/* What an address list is for. */
typedef enum { LIST_ALLOWED, LIST_BLOCKED, LIST_TRUSTED } list_kind_t;

/* The startup warning for a sealed allow-list or trusted list (`what`
 * names it: "PostHogAllowedIPBlocks at FILE:LINE", "ALLOWED_IP_BLOCKS")
 * that holds every IPv4 or every IPv6 address: it restricts nothing, or
 * lets every client choose its address.  A deny-list gets none. */
void mod_phs_warn_if_everything(server_rec *s, const phs_ip_set_t *set,
                                list_kind_t kind, const char *what);

#endif
