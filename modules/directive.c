#include "directive.h"
#include "phs_conf.h"
#include "path_segment.h"

#include <http_log.h>
#include <apr_strings.h>
#include <apr_lib.h>

const char *phs_cmd_error(cmd_parms *cmd, const char *message)
{
    return apr_pstrcat(cmd->pool, cmd->cmd->name, ": ", message, NULL);
}

APLOG_USE_MODULE(posthog_secure);

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
    phs_ip_set_seal(set);
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
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server,
                     "%s: %s holds no address", cmd->cmd->name, file);
    phs_ip_set_seal(set);
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

const char *phs_cmd_segments_slot(cmd_parms *cmd, void *conf,
                                  const char *word)
{
    apr_hash_t **set = (apr_hash_t **)((char *)conf + (apr_size_t)cmd->info);
    const char *err;

    if (!*set)
        *set = apr_hash_make(cmd->pool);
    if (!strcasecmp(word, "none"))
        return NULL;
    if ((err = phs_segment_add(*set, word)))
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
