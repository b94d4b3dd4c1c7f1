#include "mod_phs_secret_key.h"
#include "phs_secret_key.h"
#include "phs_env.h"
#include "mod_phs_directive.h"
#include "mod_phs_startup.h"

#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>

/* The longest key a key file may hold.  The line buffer has room for it,
 * a "\r" and the NUL; the "\n" after it is read on its own. */
#define KEY_FILE_MAX 1022

/* The file's first line, trailing whitespace dropped; warns when other
 * users may read it. */
static const char *key_from_file(cmd_parms *cmd, const char *path,
                                 const char **key)
{
    const char *file = ap_server_root_relative(cmd->temp_pool, path);
    apr_finfo_t info;
    apr_file_t *f;
    char line[KEY_FILE_MAX + 2], *end, extra;
    apr_status_t rv;
    int cut;

    if (!*path || !file)
        return apr_psprintf(cmd->temp_pool, "invalid path '%s'", path);
    if ((rv = apr_file_open(&f, file, APR_FOPEN_READ, 0, cmd->temp_pool))
        != APR_SUCCESS
        || (rv = apr_file_info_get(&info, APR_FINFO_PROT | APR_FINFO_TYPE, f))
           != APR_SUCCESS)
        return apr_psprintf(cmd->temp_pool, "cannot read %s: %pm", file, &rv);
    if (info.filetype != APR_REG) {
        apr_file_close(f);
        return apr_psprintf(cmd->temp_pool, "%s is not a file", file);
    }
    if (info.protection & APR_FPROT_WREAD)
        phs_startup_warn(cmd->server, apr_psprintf(cmd->pool, "%s: %s is "
                         "readable by every user of this machine: chmod o-r "
                         "it", cmd->cmd->name, file));
    *line = '\0';
    apr_file_gets(line, sizeof(line), f);
    /* A line cut short would be a different key, silently. */
    cut = !strchr(line, '\n') && apr_file_getc(&extra, f) == APR_SUCCESS
          && extra != '\n';
    apr_file_close(f);
    for (end = line + strlen(line); end > line && apr_isspace(end[-1]); end--)
        ;
    *end = '\0';
    if (cut || end - line > KEY_FILE_MAX)
        return apr_psprintf(cmd->temp_pool, "the key in %s is longer than "
                            "%d bytes", file, KEY_FILE_MAX);
    *key = apr_pstrdup(cmd->pool, line);
    return NULL;
}

static const char *key_from_environment(cmd_parms *cmd, const char *name,
                                        const char **key)
{
    const char *value = *name ? getenv(name) : NULL;

    if (!*name)
        return "env: names no environment variable";
    if (!phs_env_is_set(value))
        return apr_psprintf(cmd->temp_pool, "the environment variable %s "
                            "is not set", name);
    *key = apr_pstrdup(cmd->pool, value);
    return NULL;
}

/* The key a directive names, checked.  Error messages never quote the
 * key, only where it came from. */
static const char *key_of(cmd_parms *cmd, const char *value, const char **out)
{
    const char *key = value, *source = value, *err = NULL, *problem;

    if (!strncmp(value, "env:", 4))
        err = key_from_environment(cmd, value + 4, &key);
    else if (!strncmp(value, "file:", 5))
        err = key_from_file(cmd, value + 5, &key);
    else {
        source = "written in the configuration";
        phs_startup_warn(cmd->server, apr_psprintf(cmd->pool, "%s is "
                         "written in the configuration, where whoever reads "
                         "it or /server-info sees it: use env:NAME or "
                         "file:PATH", cmd->cmd->name));
    }
    if (err)
        return phs_cmd_error(cmd, err);
    if ((problem = phs_secret_key_problem(key)))
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool, "unusable "
                             "key (%s): %s; %s", source, problem,
                             PHS_SECRET_KEY_ADVICE));
    *out = key;
    return NULL;
}

const char *phs_cmd_secret_key(cmd_parms *cmd, void *dconf, const char *value)
{
    (void)dconf;
    return key_of(cmd, value, &PHS_SERVER_CONF(cmd->server)->secret_key);
}

const char *phs_cmd_signing_key(cmd_parms *cmd, void *dconf,
                                const char *value)
{
    (void)dconf;
    return key_of(cmd, value, &PHS_SERVER_CONF(cmd->server)->signing_key);
}
