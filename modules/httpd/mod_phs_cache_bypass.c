#include "mod_phs_cache_bypass.h"
#include "mod_phs_startup.h"

#include <apr_strings.h>

/* A server scope's own setting, else the main server's, as mod_cache
 * merges them (mod_cache keeps its settings private: they are read from
 * the parsed configuration). */
static const ap_directive_t *setting(const ap_directive_t *vhost,
                                     const char *name)
{
    return PHS_MERGE_PTR(phs_tree_find(vhost, name),
                         phs_tree_find(NULL, name));
}

static void warn_if_bypassed(apr_pool_t *p, server_rec *s)
{
    const ap_directive_t *vhost = phs_tree_vhost_of(s);
    const ap_directive_t *quick = setting(vhost, "CacheQuickHandler");
    const ap_directive_t *cache = setting(vhost, "CacheEnable");
    const char *where;

    if (!cache || (quick && !strcasecmp(phs_tree_argument(p, quick), "off")))
        return;
    where = vhost ? apr_psprintf(p, "the <VirtualHost> at %s:%d",
                                 vhost->filename, vhost->line_num)
                  : "the main server";
    phs_startup_warn(s, apr_psprintf(s->process->pconf, "posthog_secure: in "
                     "%s, mod_cache answers from its cache (CacheEnable at "
                     "%s:%d) before any access check, since CacheQuickHandler "
                     "is On (its default): a client outside "
                     "PostHogAllowedIPBlocks can be sent a page cached for an "
                     "allowed one, over plain HTTP too. Set CacheQuickHandler "
                     "Off there", where, cache->filename, cache->line_num));
}

int phs_cache_bypass_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                  apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    if (!ap_find_linked_module("mod_cache.c"))
        return OK;
    for (; s; s = s->next)
        if (PHS_SERVER_CONF(s)->secure_somewhere == 1)
            warn_if_bypassed(ptemp, s);
    return OK;
}
