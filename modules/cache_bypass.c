#include "cache_bypass.h"

#include <http_log.h>
#include <apr_strings.h>

APLOG_USE_MODULE(posthog_secure);

/* What one server scope (the main server, or a <VirtualHost>) sets, read
 * from the parsed configuration: mod_cache keeps its settings private. */
typedef struct {
    const ap_directive_t *vhost;        /* NULL: the main server */
    int quick;                          /* CacheQuickHandler, or PHS_UNSET */
    const ap_directive_t *cache_enable; /* the first CacheEnable */
    int secure;                         /* a PostHogSecure On */
} scope_t;

static int is_virtual_host(const ap_directive_t *d)
{
    return !strcasecmp(d->directive, "<VirtualHost");
}

/* The directive's first argument, quoted or not, is `value`. */
static int argument_is(apr_pool_t *p, const ap_directive_t *d,
                       const char *value)
{
    const char *args = d->args;

    return args && !strcasecmp(ap_getword_conf(p, &args), value);
}

/* Reads one scope's directives, in sections too (<Location>, <IfModule>),
 * but not in the virtual hosts, which are scopes of their own. */
static void read_scope(apr_pool_t *p, const ap_directive_t *d,
                       scope_t *scope)
{
    for (; d; d = d->next) {
        if (is_virtual_host(d))
            continue;
        if (!strcasecmp(d->directive, "CacheQuickHandler"))
            scope->quick = !argument_is(p, d, "off");
        else if (!strcasecmp(d->directive, "CacheEnable")) {
            if (!scope->cache_enable)
                scope->cache_enable = d;
        }
        else if (!strcasecmp(d->directive, "PostHogSecure"))
            scope->secure |= argument_is(p, d, "on");
        read_scope(p, d->first_child, scope);
    }
}

static scope_t scope_of(apr_pool_t *p, const ap_directive_t *vhost,
                        const ap_directive_t *directives)
{
    scope_t scope = { vhost, PHS_UNSET, NULL, 0 };

    read_scope(p, directives, &scope);
    return scope;
}

/* A virtual host inherits each setting it does not make from the main
 * server, as mod_cache merges them. */
static void warn_if_bypassed(apr_pool_t *p, server_rec *s,
                             const scope_t *main_scope,
                             const scope_t *scope)
{
    int quick = PHS_MERGE_INT(scope->quick,
                              PHS_MERGE_INT(main_scope->quick, 1));
    const ap_directive_t *cache = PHS_MERGE_PTR(scope->cache_enable,
                                                main_scope->cache_enable);
    const char *where;

    if (!quick || !cache || !(scope->secure || main_scope->secure))
        return;
    where = scope->vhost ? apr_psprintf(p, "the <VirtualHost> at %s:%d",
                                        scope->vhost->filename,
                                        scope->vhost->line_num)
                         : "the main server";
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "posthog_secure: in %s, "
                 "mod_cache answers from its cache (CacheEnable at %s:%d) "
                 "before any access check, since CacheQuickHandler is On "
                 "(its default): a client outside PostHogAllowedIPBlocks can "
                 "be sent a page cached for an allowed one, over plain HTTP "
                 "too. Set CacheQuickHandler Off there", where,
                 cache->filename, cache->line_num);
}

/* Finds the virtual hosts, wherever they are (<IfModule>, <IfDefine>). */
static void check_virtual_hosts(apr_pool_t *p, server_rec *s,
                                const ap_directive_t *d,
                                const scope_t *main_scope)
{
    for (; d; d = d->next) {
        if (is_virtual_host(d)) {
            scope_t vhost = scope_of(p, d, d->first_child);

            warn_if_bypassed(p, s, main_scope, &vhost);
        }
        else
            check_virtual_hosts(p, s, d->first_child, main_scope);
    }
}

static void check(apr_pool_t *p, server_rec *s)
{
    scope_t main_scope;

    if (!ap_find_linked_module("mod_cache.c"))
        return;
    main_scope = scope_of(p, NULL, ap_conftree);
    warn_if_bypassed(p, s, &main_scope, &main_scope);
    check_virtual_hosts(p, s, ap_conftree, &main_scope);
}

int phs_cache_bypass_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                 apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    check(ptemp, s);
    return OK;
}

void phs_cache_bypass_test_config(apr_pool_t *pconf, server_rec *s)
{
    check(pconf, s);
}
