#include "mod_phs_directive.h"
#include "mod_phs_conf.h"
#include "phs_path_set.h"
#include "mod_phs_startup.h"

#include <apr_strings.h>
#include <apr_lib.h>

/* The sets filled while the configuration is read, sealed once when it is
 * complete: sealing after each directive made a long list of directive
 * lines quadratic. */
static apr_array_header_t *unsealed_sets;

const char *phs_cmd_error(cmd_parms *cmd, const char *message)
{
    return apr_pstrcat(cmd->pool, cmd->cmd->name, ": ", message, NULL);
}

static int in_htaccess(cmd_parms *cmd)
{
    return ap_check_cmd_context(cmd, NOT_IN_HTACCESS) != NULL;
}

/* A .htaccess is read per request, after post_config: its sets are sealed
 * at once (they are short); the others wait for phs_directive_seal_sets. */
static void seal_later(cmd_parms *cmd, phs_ip_set_t *set)
{
    int i;

    if (in_htaccess(cmd)) {
        phs_ip_set_seal(set);
        return;
    }
    for (i = unsealed_sets->nelts - 1; i >= 0; i--)
        if (APR_ARRAY_IDX(unsealed_sets, i, phs_ip_set_t *) == set)
            return;
    APR_ARRAY_PUSH(unsealed_sets, phs_ip_set_t *) = set;
}

int phs_directive_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    unsealed_sets = apr_array_make(pconf, 8, sizeof(phs_ip_set_t *));
    return OK;
}

int phs_directive_seal_sets(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    int i;

    (void)pconf;
    (void)plog;
    (void)ptemp;
    (void)s;
    for (i = 0; i < unsealed_sets->nelts; i++)
        phs_ip_set_seal(APR_ARRAY_IDX(unsealed_sets, i, phs_ip_set_t *));
    apr_array_clear(unsealed_sets);
    return OK;
}

const char *phs_cmd_add_list(cmd_parms *cmd, phs_ip_set_t *set,
                             const char *list)
{
    apr_size_t before = phs_ip_set_block_count(set);
    const char *err = phs_ip_set_add_list(set, list);

    if (err)
        return phs_cmd_error(cmd, err);
    if (phs_ip_set_block_count(set) == before)
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool,
                             "no address in '%s'", list));
    seal_later(cmd, set);
    return NULL;
}

const char *phs_cmd_add_file(cmd_parms *cmd, phs_ip_set_t *set,
                             const char *path)
{
    const char *file = ap_server_root_relative(cmd->temp_pool, path);
    apr_size_t before = phs_ip_set_block_count(set);
    const char *err;

    if (!file)
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool,
                             "invalid path '%s'", path));
    if ((err = phs_ip_set_add_file(set, file, cmd->temp_pool)))
        return phs_cmd_error(cmd, err);
    if (phs_ip_set_block_count(set) == before)
        phs_startup_warn(cmd->server, apr_psprintf(cmd->pool, "%s: %s holds "
                         "no address", cmd->cmd->name, file));
    seal_later(cmd, set);
    return NULL;
}

/* In the server configuration both halves; in a .htaccess only those its
 * AllowOverride classes grant, so that `PostHogSecure Off` under
 * AuthConfig cannot switch off the cookie rewrite or the redirect. */
const char *phs_cmd_secure(cmd_parms *cmd, void *dconf, const char *value)
{
    phs_dir_conf_t *conf = dconf;
    int on, by_name;

    if (!strcasecmp(value, "on"))
        on = 1;
    else if (!strcasecmp(value, "off"))
        on = 0;
    else
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool,
                             "'%s' is not On or Off", value));
    if (!in_htaccess(cmd)) {
        conf->access_enabled = conf->headers_enabled = on;
        if (on)
            PHS_SERVER_CONF(cmd->server)->secure_somewhere = 1;
        return NULL;
    }
    by_name = cmd->override_list
              && apr_table_get(cmd->override_list, cmd->cmd->name);
    if (by_name || (cmd->override & OR_AUTHCFG))
        conf->access_enabled = on;
    if (by_name || (cmd->override & OR_FILEINFO))
        conf->headers_enabled = on;
    return NULL;
}

const char *phs_cmd_flag_slot(cmd_parms *cmd, void *conf, const char *value)
{
    int *slot = (int *)((char *)conf + (apr_size_t)cmd->info);

    if (!strcasecmp(value, "on"))
        *slot = 1;
    else if (!strcasecmp(value, "off"))
        *slot = 0;
    else
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool,
                             "'%s' is not On or Off", value));
    return NULL;
}

const char *phs_cmd_server_flag_slot(cmd_parms *cmd, void *conf,
                                     const char *value)
{
    (void)conf;
    return phs_cmd_flag_slot(cmd, PHS_SERVER_CONF(cmd->server), value);
}

const char *phs_cmd_tristate_slot(cmd_parms *cmd, void *conf,
                                  const char *value)
{
    int *slot = (int *)((char *)conf + (apr_size_t)cmd->info);

    if (!strcasecmp(value, "auto")) {
        *slot = PHS_AUTO;
        return NULL;
    }
    if (strcasecmp(value, "on") && strcasecmp(value, "off"))
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool,
                             "'%s' is not On, Off or Auto", value));
    return phs_cmd_flag_slot(cmd, conf, value);
}

const char *phs_cmd_paths_slot(cmd_parms *cmd, void *conf, const char *word)
{
    phs_path_set_t **set = (phs_path_set_t **)((char *)conf
                                               + (apr_size_t)cmd->info);
    /* The scope's first word makes the set; after `none` it stays empty. */
    int after_none = *set && !phs_path_set_count(*set);
    const char *err;

    if (!*set)
        *set = phs_path_set_make(cmd->pool);
    if (!strcasecmp(word, "none")) {
        if (phs_path_set_count(*set))
            return phs_cmd_error(cmd, "'none' cannot be combined with "
                                 "paths in one scope");
        return NULL;
    }
    if (after_none)
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' "
                             "cannot follow 'none' in one scope", word));
    if ((err = phs_path_set_add(*set, word)))
        return phs_cmd_error(cmd, err);
    return NULL;
}

const char *phs_cmd_mode(cmd_parms *cmd, void *conf, const char *value)
{
    static const char *const names[] = { "production", "debug", "test" };
    int mode;

    (void)conf;
    for (mode = 0; mode < 3; mode++)
        if (!strcasecmp(value, names[mode])) {
            PHS_SERVER_CONF(cmd->server)->mode = mode;
            return NULL;
        }
    return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is not "
                         "production, debug or test", value));
}

int phs_auto_is_on(const request_rec *r)
{
    int mode = PHS_SERVER_CONF(r->server)->mode;

    return mode == PHS_UNSET || mode == PHS_MODE_PRODUCTION;
}

/* RFC 9110 token characters: what a header field name may hold. */
static int is_tchar(unsigned char c)
{
    return apr_isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

const char *phs_cmd_server_header_slot(cmd_parms *cmd, void *conf,
                                       const char *value)
{
    const char **slot = (const char **)((char *)PHS_SERVER_CONF(cmd->server)
                                        + (apr_size_t)cmd->info);
    const char *c;

    (void)conf;
    for (c = value; *c && is_tchar((unsigned char)*c); c++)
        ;
    if (!*value || *c)
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool,
                             "'%s' is not a header name", value));
    *slot = value;
    return NULL;
}
