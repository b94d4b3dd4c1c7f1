#include "mod_phs_cache_bypass.h"
#include "mod_phs_startup.h"

#include <apr_strings.h>

static void warn_if_bypassed(apr_pool_t *p, server_rec *s)
{
    /* A server scope's own setting, else the main server's, as mod_cache
     * merges them (mod_cache keeps its settings private: they are read
     * from the parsed configuration). */
    const ap_directive_t *quick = phs_tree_setting(p, s, "CacheQuickHandler");
    const ap_directive_t *cache = phs_tree_setting(p, s, "CacheEnable");
    const char *where;

    if (!cache || (quick && !strcasecmp(phs_tree_argument(p, quick), "off")))
        return;
    where = s->is_virtual && s->defn_name
            ? apr_psprintf(p, "the <VirtualHost> at %s:%u", s->defn_name,
                           s->defn_line_number)
            : "the main server";
    phs_startup_warn(s, apr_psprintf(s->process->pconf, "in "
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
