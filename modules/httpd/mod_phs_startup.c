#include "mod_phs_startup.h"

#include <http_core.h>
#include <http_log.h>
#include <apr_strings.h>

APLOG_USE_MODULE(posthog_secure);

typedef struct {
    server_rec *s;
    const char *message;
} warning_t;

static apr_array_header_t *warnings;

void phs_startup_warn(server_rec *s, const char *message)
{
    warning_t *w = apr_array_push(warnings);

    w->s = s;
    w->message = message;
}

static void report(void)
{
    int i;

    for (i = 0; i < warnings->nelts; i++) {
        const warning_t *w = &APR_ARRAY_IDX(warnings, i, warning_t);

        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, w->s, "%s", w->message);
    }
    apr_array_clear(warnings);
}

int phs_startup_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    warnings = apr_array_make(pconf, 4, sizeof(warning_t));
    return OK;
}

int phs_startup_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    (void)s;
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG)
        report();
    return OK;
}

void phs_startup_test_config(apr_pool_t *pconf, server_rec *s)
{
    (void)pconf;
    (void)s;
    report();
}

int phs_tree_is_vhost(const ap_directive_t *d)
{
    return !strcasecmp(d->directive, "<VirtualHost");
}

static const ap_directive_t *find_vhost(const ap_directive_t *d,
                                        const server_rec *s)
{
    const ap_directive_t *found;

    for (; d; d = d->next) {
        if (phs_tree_is_vhost(d)) {
            if ((unsigned)d->line_num == s->defn_line_number && s->defn_name
                && !strcmp(d->filename, s->defn_name))
                return d;
        }
        else if ((found = find_vhost(d->first_child, s)))
            return found;
    }
    return NULL;
}

const ap_directive_t *phs_tree_vhost_of(const server_rec *s)
{
    return s->is_virtual ? find_vhost(ap_conftree, s) : NULL;
}

/* Depth first, in file order; a nested <VirtualHost> is a scope of its
 * own. */
static const ap_directive_t *find_in(const ap_directive_t *d,
                                     const char *name)
{
    const ap_directive_t *found;

    for (; d; d = d->next) {
        if (phs_tree_is_vhost(d))
            continue;
        if (!strcasecmp(d->directive, name))
            return d;
        if ((found = find_in(d->first_child, name)))
            return found;
    }
    return NULL;
}

const ap_directive_t *phs_tree_find(const ap_directive_t *vhost,
                                    const char *name)
{
    return find_in(vhost ? vhost->first_child : ap_conftree, name);
}

const char *phs_tree_argument(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d->args;

    return args ? ap_getword_conf(p, &args) : "";
}
