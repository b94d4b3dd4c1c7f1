/* Starting and restarting.  check_config takes the configuration read in
 * the order below; anything wrong stops `apachectl configtest` and the
 * start with the vhost named, and anything that looks safe and is not is
 * warned about once per start. */
#include "mod_phs_startup.h"
#include "mod_phs_config.h"
#include "mod_phs_environment.h"
#include "mod_phs_client.h"
#include "mod_phs_access.h"
#include "mod_phs_report.h"

#include <http_core.h>
#include <http_log.h>
#include <apr_hash.h>
#include <apr_strings.h>

APLOG_USE_MODULE(posthog_secure);

/* ------------------------------------------------------------- warnings */

typedef struct {
    server_rec *s;
    const char *message;
} warning_t;

static apr_array_header_t *warnings;

void mod_phs_startup_warn(server_rec *s, const char *message)
{
    warning_t *w = apr_array_push(warnings);

    w->s = s;
    w->message = message;
}

static void report_warnings(void)
{
    int i;

    for (i = 0; i < warnings->nelts; i++) {
        const warning_t *w = &APR_ARRAY_IDX(warnings, i, warning_t);

        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, w->s, "%s (vhost %s:%u)",
                     w->message, w->s->server_hostname, w->s->port);
    }
    apr_array_clear(warnings);
}

/* A configuration httpd must not start with. */
static int refuse(server_rec *s, const char *message)
{
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                 "%s (vhost %s:%u)", message, s->server_hostname, s->port);
    return HTTP_INTERNAL_SERVER_ERROR;
}

/* --------------------------------------------------- the configuration tree */

/* One server scope's part of the configuration tree: the first directive
 * of each name, and what the scope traps need. */
typedef struct {
    apr_hash_t *first;                  /* lower-case name -> directive */
    const ap_directive_t *secure_in_files;  /* PostHogSecure On inside a
                                           <Directory> or <Files> section */
    const ap_directive_t *secure_elsewhere; /* PostHogSecure On anywhere else */
    const ap_directive_t *proxies;      /* ProxyPass, ProxyPassMatch or
                                           RewriteRule [P] */
    const ap_directive_t *report_only;  /* PostHogReportOnly On */
} tree_scope_t;

/* The scopes of this configuration read, built in one walk of the tree:
 * looking each vhost up again in the whole tree made `apachectl
 * configtest` quadratic in the number of vhosts. */
typedef struct {
    tree_scope_t *main_scope;
    apr_hash_t *vhosts;                 /* "file:line" -> scope */
} tree_index_t;

static int is_named(const ap_directive_t *d, const char *name)
{
    return !strcasecmp(d->directive, name);
}

/* <Directory> and <Files> sections: they apply to files httpd maps, never
 * to a URL mod_proxy takes. */
static int is_files_section(const ap_directive_t *d)
{
    return is_named(d, "<Directory") || is_named(d, "<DirectoryMatch")
           || is_named(d, "<Files") || is_named(d, "<FilesMatch");
}

static tree_scope_t *scope_make(apr_pool_t *p)
{
    tree_scope_t *scope = apr_pcalloc(p, sizeof(*scope));

    scope->first = apr_hash_make(p);
    return scope;
}

/* The directive's first argument, unquoted as httpd reads it, or "". */
static const char *first_argument(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d->args;

    return args ? ap_getword_conf(p, &args) : "";
}

/* ProxyPass or ProxyPassMatch with a target (not `!`), or a RewriteRule
 * whose flags say P or proxy. */
static int sends_to_a_proxy(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d->args, *word, *flags;
    int i;

    if (!args)
        return 0;
    if (is_named(d, "ProxyPass") || is_named(d, "ProxyPassMatch")) {
        for (i = 0; i < 2 && *(word = ap_getword_conf(p, &args)); i++)
            if (!strcmp(word, "!"))
                return 0;
        return 1;
    }
    if (!is_named(d, "RewriteRule"))
        return 0;
    ap_getword_conf(p, &args);
    ap_getword_conf(p, &args);
    word = ap_getword_conf(p, &args);
    if (*word != '[')
        return 0;
    for (flags = apr_pstrdup(p, word + 1); *flags; ) {
        const char *flag = ap_getword(p, &flags, ',');
        apr_size_t len = strcspn(flag, "=]");

        if ((len == 1 && (flag[0] | 0x20) == 'p')
            || (len == 5 && !strncasecmp(flag, "proxy", 5)))
            return 1;
    }
    return 0;
}

static void note_directive(apr_pool_t *p, tree_scope_t *scope,
                           const ap_directive_t *d, int in_files)
{
    char *name = apr_pstrdup(p, d->directive);

    ap_str_tolower(name);
    if (!apr_hash_get(scope->first, name, APR_HASH_KEY_STRING))
        apr_hash_set(scope->first, name, APR_HASH_KEY_STRING, d);
    if (is_named(d, "PostHogSecure")
        && !strcasecmp(first_argument(p, d), "on")) {
        const ap_directive_t **slot = in_files ? &scope->secure_in_files
                                               : &scope->secure_elsewhere;

        if (!*slot)
            *slot = d;
    }
    if (!scope->proxies && sends_to_a_proxy(p, d))
        scope->proxies = d;
    if (!scope->report_only && is_named(d, "PostHogReportOnly")
        && !strcasecmp(first_argument(p, d), "on"))
        scope->report_only = d;
}

/* Depth first, in file order; a <VirtualHost> is a scope of its own. */
static void index_walk(apr_pool_t *p, tree_index_t *index,
                       const ap_directive_t *d, tree_scope_t *scope,
                       int in_files)
{
    for (; d; d = d->next) {
        if (is_named(d, "<VirtualHost")) {
            tree_scope_t *vhost = scope_make(p);

            apr_hash_set(index->vhosts, apr_psprintf(p, "%s:%d", d->filename,
                         d->line_num), APR_HASH_KEY_STRING, vhost);
            index_walk(p, index, d->first_child, vhost, 0);
            continue;
        }
        note_directive(p, scope, d, in_files);
        index_walk(p, index, d->first_child, scope,
                   in_files || is_files_section(d));
    }
}

static tree_index_t *index_tree(apr_pool_t *ptemp)
{
    tree_index_t *index = apr_pcalloc(ptemp, sizeof(*index));

    index->main_scope = scope_make(ptemp);
    index->vhosts = apr_hash_make(ptemp);
    index_walk(ptemp, index, ap_conftree, index->main_scope, 0);
    return index;
}

static const tree_scope_t *scope_of(apr_pool_t *p, const tree_index_t *index,
                                    const server_rec *s)
{
    tree_scope_t *scope = NULL;

    if (s->is_virtual && s->defn_name)
        scope = apr_hash_get(index->vhosts, apr_psprintf(p, "%s:%u",
                             s->defn_name, s->defn_line_number),
                             APR_HASH_KEY_STRING);
    return scope ? scope : index->main_scope;
}

static const ap_directive_t *scope_find(apr_pool_t *p,
                                        const tree_scope_t *scope,
                                        const char *name)
{
    char *lower = apr_pstrdup(p, name);

    ap_str_tolower(lower);
    return apr_hash_get(scope->first, lower, APR_HASH_KEY_STRING);
}

/* The first directive named `name` in the part of the tree that
 * configures s, else in the main server's part, which a vhost inherits:
 * what other modules keep private, read from the parsed configuration. */
static const ap_directive_t *setting(apr_pool_t *p, const tree_index_t *index,
                                     const server_rec *s, const char *name)
{
    return PHS_MERGE_PTR(scope_find(p, scope_of(p, index, s), name),
                         scope_find(p, index->main_scope, name));
}

/* ------------------------------------------------------ the check steps */

/* Whom each vhost believes, once; only where PostHogSecure On appears:
 * elsewhere the module changes nothing, the client address included. */
static void derive_trust(server_rec *s, phs_server_conf_t *conf)
{
    int hops = conf->proxy_hops > 0 ? conf->proxy_hops : 0;
    int trust_all = conf->trust_all == 1 && !hops;
    int any_trust = conf->trusted_proxies || trust_all || hops;

    conf->client_ip_header = PHS_MERGE_PTR(conf->client_ip_header,
                                           PHS_DEFAULT_CLIENT_IP_HEADER);
    conf->proto_header = PHS_MERGE_PTR(conf->proto_header,
                                       PHS_DEFAULT_PROTO_HEADER);
    conf->resolve = conf->secure_somewhere == 1 && any_trust
                    && conf->behind_proxy != 0;
    conf->trust.trusted = conf->trusted_proxies;
    conf->trust.trust_all = trust_all;
    conf->trust.hops = hops;
    conf->trust.rfc7239 = !strcasecmp(conf->client_ip_header, "Forwarded");
    mod_phs_client_fields(conf);
    if (conf->secure_somewhere != 1)
        return;
    if (conf->behind_proxy == 1 && !any_trust)
        mod_phs_startup_warn(s, "PostHogBehindProxy On without "
                             "PostHogTrustedProxies, PostHogProxyHops or "
                             "PostHogTrustAllProxies (IS_BEHIND_PROXY=true "
                             "read by PostHogFromEnvironment counts as "
                             "PostHogBehindProxy On): forwarded headers are "
                             "ignored");
    if (conf->trust_all == 1 && hops)
        mod_phs_startup_warn(s, "PostHogProxyHops overrides "
                             "PostHogTrustAllProxies");
    else if (trust_all && conf->resolve)
        mod_phs_startup_warn(s, apr_psprintf(s->process->pconf,
                             "PostHogTrustAllProxies On takes the leftmost %s "
                             "entry, which any client can forge unless every "
                             "request passes a proxy that overwrites the "
                             "header; PostHogProxyHops is the safe choice",
                             conf->client_ip_header));
}

/* One field cannot say both who the client is and how it came; and
 * mod_remoteip consumes its header before this module walks it: the walk
 * would start from an address the header gave, trusted twice. */
static const char *header_conflict(apr_pool_t *p, const tree_index_t *index,
                                   server_rec *s,
                                   const phs_server_conf_t *conf)
{
    const ap_directive_t *header;

    if (conf->secure_somewhere == 1
        && phs_field_is(conf->client_ip_header, conf->proto_header))
        return apr_psprintf(p, "PostHogClientIPHeader and "
                            "PostHogForwardedProtoHeader both name '%s': the "
                            "scheme would be read from the client address "
                            "header; name the header your proxy sets for "
                            "each", conf->proto_header);
    if (!conf->resolve || !ap_find_linked_module("mod_remoteip.c")
        || !(header = setting(p, index, s, "RemoteIPHeader"))
        || strcasecmp(first_argument(p, header), conf->client_ip_header))
        return NULL;
    return apr_psprintf(p, "RemoteIPHeader (%s:%d) and PostHogClientIPHeader "
                        "both name %s: the client address would be read from "
                        "it twice. Keep one: this module's trust directives, "
                        "or mod_remoteip's (and mod_remoteip alone for "
                        "RemoteIPProxyProtocol)", header->filename,
                        header->line_num, conf->client_ip_header);
}

static const char *signing_needs_a_key(const phs_server_conf_t *conf)
{
    if (conf->signs_somewhere != 1 || mod_phs_signing_key(conf))
        return NULL;
    return "PostHogSignClientIP On needs PostHogSigningKey or "
           "PostHogSecretKey (or MANAGED_PROXY_SIGNING_KEYS or SECRET_KEY "
           "with PostHogFromEnvironment On)";
}

/* mod_cache answers CacheEnable'd paths in its quick handler, before any
 * access check (mod_cache keeps its settings private: they are read from
 * the parsed configuration, as mod_cache merges them). */
static void warn_if_cache_bypasses(apr_pool_t *p, const tree_index_t *index,
                                   server_rec *s)
{
    const ap_directive_t *quick = setting(p, index, s, "CacheQuickHandler");
    const ap_directive_t *cache = setting(p, index, s, "CacheEnable");
    const char *where;

    if (!ap_find_linked_module("mod_cache.c") || !cache
        || (quick && !strcasecmp(first_argument(p, quick), "off")))
        return;
    where = s->is_virtual && s->defn_name
            ? apr_psprintf(p, "the <VirtualHost> at %s:%u", s->defn_name,
                           s->defn_line_number)
            : "the main server";
    mod_phs_startup_warn(s, apr_psprintf(s->process->pconf, "in %s, "
                         "mod_cache answers from its cache (CacheEnable at "
                         "%s:%d) before any access check, since "
                         "CacheQuickHandler is On (its default): a client "
                         "outside PostHogAllowedIPBlocks can be sent a page "
                         "cached for an allowed one, over plain HTTP too. Set "
                         "CacheQuickHandler Off there", where, cache->filename,
                         cache->line_num));
}

/* `PostHogSecure On` only in <Directory> or <Files> sections of a server
 * that proxies: those sections never apply to a proxied URL. */
static void warn_if_files_only(apr_pool_t *p, const tree_index_t *index,
                               server_rec *s)
{
    const tree_scope_t *own = scope_of(p, index, s);
    const tree_scope_t *main_scope = index->main_scope;
    const ap_directive_t *in_files = PHS_MERGE_PTR(own->secure_in_files,
                                                  main_scope->secure_in_files);
    const ap_directive_t *proxies = PHS_MERGE_PTR(own->proxies,
                                                 main_scope->proxies);

    if (!in_files || !proxies || own->secure_elsewhere
        || main_scope->secure_elsewhere)
        return;
    mod_phs_startup_warn(s, apr_psprintf(s->process->pconf, "PostHogSecure "
                         "On appears only inside <Directory> or <Files> "
                         "sections (%s:%d), and this server proxies (%s at "
                         "%s:%d): those sections never apply to proxied URLs, "
                         "so nothing proxied is protected. Put PostHogSecure "
                         "On in the <VirtualHost> itself or in a <Location>",
                         in_files->filename, in_files->line_num,
                         proxies->directive, proxies->filename,
                         proxies->line_num));
}

/* PostHogReportOnly On serves every request it would refuse: said once
 * per vhost at every start, so that it is not forgotten on. */
static void say_if_report_only(apr_pool_t *p, const tree_index_t *index,
                               server_rec *s)
{
    const ap_directive_t *on = PHS_MERGE_PTR(scope_of(p, index, s)->report_only,
                                             index->main_scope->report_only);

    if (on)
        mod_phs_startup_warn(s, apr_psprintf(s->process->pconf,
                             "PostHogReportOnly On (%s:%d): the requests it "
                             "would deny are served, and logged at warn as "
                             "\"would deny\" and counted as would_deny. Turn "
                             "it Off once the log shows no one who should "
                             "get in", on->filename, on->line_num));
}

/* One vhost's configuration, completed and checked; NULL or why httpd
 * must not start. */
static const char *check_vhost(apr_pool_t *pconf, apr_pool_t *ptemp,
                               const tree_index_t *index, apr_hash_t *opened,
                               server_rec *s)
{
    phs_server_conf_t *conf = PHS_SERVER_CONF(s);
    const char *err;

    if (conf->from_environment == 1
        && (err = mod_phs_environment_import(pconf, s)))
        return apr_pstrcat(ptemp, "PostHogFromEnvironment: ", err, NULL);
    derive_trust(s, conf);
    if ((err = header_conflict(ptemp, index, s, conf))
        || (err = signing_needs_a_key(conf))
        || (err = mod_phs_geoip_open(pconf, s, opened)))
        return err;
    if (conf->secure_somewhere == 1) {
        warn_if_cache_bypasses(ptemp, index, s);
        say_if_report_only(ptemp, index, s);
    }
    warn_if_files_only(ptemp, index, s);
    return NULL;
}

/* ---------------------------------------------------------------- hooks */

int mod_phs_startup_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    warnings = apr_array_make(pconf, 4, sizeof(warning_t));
    mod_phs_config_pre_config(pconf);
    return OK;
}

/* The environment first in each vhost: it may bring the key signing
 * needs, the lists trust is derived from, the regions' database need. */
int mod_phs_startup_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                 apr_pool_t *ptemp, server_rec *s)
{
    const tree_index_t *index;
    apr_hash_t *opened = apr_hash_make(ptemp);
    const char *err;

    (void)plog;
    mod_phs_config_seal_sets(ptemp);
    index = index_tree(ptemp);
    for (; s; s = s->next)
        if ((err = check_vhost(pconf, ptemp, index, opened, s)))
            return refuse(s, err);
    return OK;
}

int mod_phs_startup_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                apr_pool_t *ptemp, server_rec *s)
{
    int status;

    (void)plog;
    if ((status = mod_phs_report_post_config(pconf, ptemp, s)) != OK)
        return status;
    /* The first read of a start only checks; the second one serves. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                 "mod_posthog_secure/" PHS_VERSION " configured");
    report_warnings();
    return OK;
}

void mod_phs_startup_test_config(apr_pool_t *pconf, server_rec *s)
{
    (void)pconf;
    (void)s;
    report_warnings();
}
