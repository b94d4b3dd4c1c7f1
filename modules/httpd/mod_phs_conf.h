/* The module's configuration records, shared by the module's face
 * (mod_posthog_secure.c: create and merge) and the concern files in
 * modules/ (directive handlers and hooks).
 *
 * Every field starts "unset" and is merged field by field: a value set in a
 * scope wins over the enclosing scope's; defaults apply at use time. */
#ifndef MOD_PHS_CONF_H
#define MOD_PHS_CONF_H

#include <httpd.h>
#include <http_config.h>
#include <apr_hash.h>

#include "phs_ip_set.h"
#include "phs_client_ip.h"
#include "phs_path_set.h"
#include "phs_text.h"
#include "phs_region.h"

#define PHS_UNSET (-1)
#define PHS_AUTO 2          /* On|Off|Auto directives: 0, 1 or PHS_AUTO */

/* PostHogMode: PostHog's DEBUG and TEST turn its secure defaults off. */
typedef enum {
    PHS_MODE_PRODUCTION = 0,
    PHS_MODE_DEBUG,
    PHS_MODE_TEST
} phs_mode_t;

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

/* The deny-list of a scope within another: both lists apply. */
phs_blocks_t phs_blocks_union(apr_pool_t *p, const phs_blocks_t *outer,
                              const phs_blocks_t *inner);
/* 1 when ip is in a list of `blocks` (PHS_BLOCKS_LIST). */
int phs_blocks_contain(const phs_blocks_t *blocks, const phs_ip_t *ip);

/* An open MaxMind database (mod_phs_region). */
typedef struct phs_geoip_t phs_geoip_t;

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
    phs_path_set_t *exempt_paths;   /* PostHogExemptPaths; NULL: default */
    const char *deny_message;       /* PostHogDenyMessage; NULL: default */
    int secure_cookies;             /* PostHogSecureCookies: 0, 1, PHS_AUTO */
    int cookie_httponly;            /* PostHogCookieHttpOnly */
    apr_array_header_t *httponly_exempt; /* PostHogCookieHttpOnlyExempt */
    const char *cookie_samesite;    /* PostHogCookieSameSite; "Off": leave */
    int https_redirect;             /* PostHogHTTPSRedirect: 0, 1, PHS_AUTO */
    phs_path_set_t *redirect_exempt; /* PostHogHTTPSRedirectExempt */
    int sign_client_ip;             /* PostHogSignClientIP */
    int handler;                    /* SetHandler, as far as it names one
                                       of the module's: PHS_HANDLER_* */
} phs_dir_conf_t;

/* What `SetHandler` says in a section, read beside httpd's core (which
 * keeps it private): the access check must know a whoami location
 * before the handler is chosen. */
enum {
    PHS_HANDLER_OTHER = 0,          /* another handler, or None */
    PHS_HANDLER_METRICS,
    PHS_HANDLER_WHOAMI
};

/* Server and vhost scope: who is believed about the client's address. */
typedef struct {
    int mode;                       /* PostHogMode: a phs_mode_t */
    int behind_proxy;               /* PostHogBehindProxy */
    phs_ip_set_t *trusted_proxies;  /* PostHogTrustedProxies(File), sealed */
    int trust_all;                  /* PostHogTrustAllProxies */
    int proxy_hops;                 /* PostHogProxyHops */
    const char *client_ip_header;   /* PostHogClientIPHeader; the default
                                       is filled in at post_config */
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
    int signs_somewhere;            /* PostHogSignClientIP On appears in
                                       this vhost's configuration or the
                                       main server's */
    int secure_somewhere;           /* PostHogSecure On appears in this
                                       vhost's configuration or the main
                                       server's */
    const char *geoip_database;     /* PostHogGeoIPDatabase, absolute */
    int regions_somewhere;          /* PostHogBlockedGeoIPRegions with a
                                       code appears in this vhost's
                                       configuration or the main server's */
    /* Derived once at check_config from the merged fields above. */
    int resolve;                    /* walk the client-IP header */
    phs_name_list_t fields;         /* the request fields the module
                                       reads or removes, with their roles
                                       (phs_forwarded_headers_fields) */
    phs_trust_t trust;
    /* Set at post_config (check_config for geoip). */
    phs_geoip_t *geoip;             /* geoip_database, open */
    int counters_slot;              /* this vhost's counters; -1: none */
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


/* 1 when a name in `table` (request fields, variables) starts with
 * `prefix`, `len` bytes, in any case; the same first-letter test. */
static APR_INLINE int phs_table_has_prefix(const apr_table_t *table,
                                           const char *prefix,
                                           apr_size_t len)
{
    const apr_array_header_t *entries = apr_table_elts(table);
    const apr_table_entry_t *entry = (const apr_table_entry_t *)entries->elts;
    int i;

    for (i = 0; i < entries->nelts; i++)
        if (entry[i].key && (entry[i].key[0] | 0x20) == (prefix[0] | 0x20)
            && !strncasecmp(entry[i].key, prefix, len))
            return 1;
    return 0;
}

/* For a string literal. */
#define phs_table_has(table, prefix) \
    phs_table_has_prefix((table), (prefix), sizeof(prefix) - 1)

#endif
