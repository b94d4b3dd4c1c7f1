#include "mod_phs_startup.h"

#include <http_core.h>
#include <http_log.h>
#include <apr_strings.h>
#include <apr_hash.h>

#include "mod_phs_conf.h"

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

/* One server scope's part of the configuration tree: the first directive
 * of each name, and what the scope traps need. */
typedef struct {
    apr_hash_t *first;                  /* lower-case name -> directive */
    const ap_directive_t *secure_in_files;  /* PostHogSecure On inside a
                                           <Directory> or <Files> section */
    const ap_directive_t *secure_elsewhere; /* PostHogSecure On anywhere else */
    const ap_directive_t *proxies;      /* ProxyPass, ProxyPassMatch or
                                           RewriteRule [P] */
} phs_tree_scope_t;

/* The scopes of this configuration read, built in one walk of the tree at
 * check_config: looking each vhost up again in the whole tree made
 * `apachectl configtest` quadratic in the number of vhosts. */
typedef struct {
    phs_tree_scope_t *main_scope;
    apr_hash_t *vhosts;                 /* "file:line" -> scope */
} tree_index_t;

static tree_index_t *tree_index;

static int is_section(const ap_directive_t *d, const char *name)
{
    return !strcasecmp(d->directive, name);
}

/* <Directory> and <Files> sections: they apply to files httpd maps, never
 * to a URL mod_proxy takes. */
static int is_files_section(const ap_directive_t *d)
{
    return is_section(d, "<Directory") || is_section(d, "<DirectoryMatch")
           || is_section(d, "<Files") || is_section(d, "<FilesMatch");
}

static phs_tree_scope_t *scope_make(apr_pool_t *p)
{
    phs_tree_scope_t *scope = apr_pcalloc(p, sizeof(*scope));

    scope->first = apr_hash_make(p);
    return scope;
}

/* ProxyPass or ProxyPassMatch with a target (not `!`), or a RewriteRule
 * whose flags say P or proxy. */
static int sends_to_a_proxy(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d->args, *word;
    int i;

    if (!args)
        return 0;
    if (is_section(d, "ProxyPass") || is_section(d, "ProxyPassMatch")) {
        for (i = 0; i < 2 && *(word = ap_getword_conf(p, &args)); i++)
            if (!strcmp(word, "!"))
                return 0;
        return 1;
    }
    if (!is_section(d, "RewriteRule"))
        return 0;
    ap_getword_conf(p, &args);
    ap_getword_conf(p, &args);
    word = ap_getword_conf(p, &args);
    if (*word != '[')
        return 0;
    for (word = apr_pstrdup(p, word + 1); *word; ) {
        const char *flag = ap_getword(p, &word, ',');
        apr_size_t len = strcspn(flag, "=]");

        if ((len == 1 && (flag[0] | 0x20) == 'p')
            || (len == 5 && !strncasecmp(flag, "proxy", 5)))
            return 1;
    }
    return 0;
}

static void note_directive(apr_pool_t *p, phs_tree_scope_t *scope,
                           const ap_directive_t *d, int in_files)
{
    const char *name = apr_pstrdup(p, d->directive);

    ap_str_tolower((char *)name);
    if (!apr_hash_get(scope->first, name, APR_HASH_KEY_STRING))
        apr_hash_set(scope->first, name, APR_HASH_KEY_STRING, d);
    if (is_section(d, "PostHogSecure")
        && !strcasecmp(phs_tree_argument(p, d), "on")) {
        const ap_directive_t **slot = in_files ? &scope->secure_in_files
                                               : &scope->secure_elsewhere;

        if (!*slot)
            *slot = d;
    }
    if (!scope->proxies && sends_to_a_proxy(p, d))
        scope->proxies = d;
}

/* Depth first, in file order; a <VirtualHost> is a scope of its own. */
static void index_walk(apr_pool_t *p, const ap_directive_t *d,
                       phs_tree_scope_t *scope, int in_files)
{
    for (; d; d = d->next) {
        if (is_section(d, "<VirtualHost")) {
            phs_tree_scope_t *vhost = scope_make(p);

            apr_hash_set(tree_index->vhosts, apr_psprintf(p, "%s:%d",
                         d->filename, d->line_num), APR_HASH_KEY_STRING,
                         vhost);
            index_walk(p, d->first_child, vhost, 0);
            continue;
        }
        note_directive(p, scope, d, in_files);
        index_walk(p, d->first_child, scope,
                   in_files || is_files_section(d));
    }
}

static apr_status_t forget_index(void *data)
{
    (void)data;
    tree_index = NULL;
    return APR_SUCCESS;
}

int phs_startup_index_tree(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)s;
    tree_index = apr_pcalloc(ptemp, sizeof(*tree_index));
    tree_index->main_scope = scope_make(ptemp);
    tree_index->vhosts = apr_hash_make(ptemp);
    index_walk(ptemp, ap_conftree, tree_index->main_scope, 0);
    apr_pool_cleanup_register(ptemp, NULL, forget_index,
                              apr_pool_cleanup_null);
    return OK;
}

static const phs_tree_scope_t *phs_tree_scope_of(apr_pool_t *p,
                                                 const server_rec *s)
{
    phs_tree_scope_t *scope = NULL;

    if (s->is_virtual && s->defn_name)
        scope = apr_hash_get(tree_index->vhosts, apr_psprintf(p, "%s:%u",
                             s->defn_name, s->defn_line_number),
                             APR_HASH_KEY_STRING);
    return scope ? scope : tree_index->main_scope;
}

static const ap_directive_t *scope_find(apr_pool_t *p,
                                        const phs_tree_scope_t *scope,
                                        const char *name)
{
    char *lower = apr_pstrdup(p, name);

    ap_str_tolower(lower);
    return apr_hash_get(scope->first, lower, APR_HASH_KEY_STRING);
}

const ap_directive_t *phs_tree_setting(apr_pool_t *p, const server_rec *s,
                                       const char *name)
{
    return PHS_MERGE_PTR(scope_find(p, phs_tree_scope_of(p, s), name),
                         scope_find(p, tree_index->main_scope, name));
}

const char *phs_tree_argument(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d->args;

    return args ? ap_getword_conf(p, &args) : "";
}

/* `PostHogSecure On` only in <Directory> or <Files> sections of a server
 * that proxies: those sections never apply to a proxied URL. */
static void warn_files_only(apr_pool_t *p, server_rec *s)
{
    const phs_tree_scope_t *own = phs_tree_scope_of(p, s);
    const phs_tree_scope_t *main_scope = tree_index->main_scope;
    const ap_directive_t *in_files = PHS_MERGE_PTR(own->secure_in_files,
                                                  main_scope->secure_in_files);
    const ap_directive_t *proxies = PHS_MERGE_PTR(own->proxies,
                                                 main_scope->proxies);

    if (!in_files || !proxies || own->secure_elsewhere
        || main_scope->secure_elsewhere)
        return;
    phs_startup_warn(s, apr_psprintf(s->process->pconf, "PostHogSecure On "
                     "appears only inside <Directory> or <Files> sections "
                     "(%s:%d), and this server proxies (%s at %s:%d): those "
                     "sections never apply to proxied URLs, so nothing "
                     "proxied is protected. Put PostHogSecure On in the "
                     "<VirtualHost> itself or in a <Location> (vhost %s:%u)",
                     in_files->filename, in_files->line_num,
                     proxies->directive, proxies->filename,
                     proxies->line_num, s->server_hostname, s->port));
}

int phs_startup_check_scopes(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    for (; s; s = s->next)
        warn_files_only(ptemp, s);
    return OK;
}
