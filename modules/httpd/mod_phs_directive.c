#include "mod_phs_directive.h"
#include "phs_text.h"
#include "mod_phs_conf.h"
#include "phs_path_set.h"
#include "mod_phs_startup.h"
#include "mod_phs_whoami.h"
#include "mod_phs_metrics.h"

#include <apr_strings.h>
#include <apr_lib.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

/* A set filled while the configuration is read, sealed once when it is
 * complete (sealing after each directive made a long list of directive
 * lines quadratic), and where its first directive stands, for the
 * warning about a list that holds every address. */
typedef struct {
    phs_ip_set_t *set;
    server_rec *s;
    const char *directive;
    const char *file;
    int line;
} unsealed_t;

static apr_array_header_t *unsealed_sets;

/* The last PostHogSecure of each section (by its directory record) while
 * the configuration is read: a second one that says the opposite wins
 * silently, which deserves a word. */
typedef struct {
    const ap_directive_t *directive;
    int on;
} secure_line_t;

static apr_hash_t *secure_lines;

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
    unsealed_t *entry;
    int i;

    if (in_htaccess(cmd)) {
        phs_ip_set_seal(set);
        return;
    }
    for (i = unsealed_sets->nelts - 1; i >= 0; i--)
        if (APR_ARRAY_IDX(unsealed_sets, i, unsealed_t).set == set)
            return;
    entry = apr_array_push(unsealed_sets);
    entry->set = set;
    entry->s = cmd->server;
    entry->directive = cmd->cmd->name;
    entry->file = cmd->directive ? cmd->directive->filename : "?";
    entry->line = cmd->directive ? cmd->directive->line_num : 0;
}

/* The address families a list holds whole, as a message says them. */
static const char *families(unsigned covers)
{
    return covers == (PHS_IP_SET_ALL_IPV4 | PHS_IP_SET_ALL_IPV6)
           ? "every address, IPv4 and IPv6"
           : covers == PHS_IP_SET_ALL_IPV4 ? "every IPv4 address"
                                           : "every IPv6 address";
}

void phs_warn_if_everything(server_rec *s, const phs_ip_set_t *set,
                            const char *what)
{
    unsigned covers = phs_ip_set_covers(set);
    apr_pool_t *p = s->process->pconf;

    if (!covers)
        return;
    if (strstr(what, "TrustedProxies") || strstr(what, "TRUSTED_PROXIES"))
        phs_startup_warn(s, apr_psprintf(p, "%s trusts %s: every client is "
                         "believed about its own address, as with "
                         "PostHogTrustAllProxies, which any client can forge. "
                         "List only the addresses of your proxies, or use "
                         "PostHogProxyHops N (vhost %s:%u)", what,
                         families(covers), s->server_hostname, s->port));
    else
        phs_startup_warn(s, apr_psprintf(p, "%s admits %s: it restricts "
                         "%s. List only the networks that may reach PostHog "
                         "(vhost %s:%u)", what, families(covers),
                         (covers & PHS_IP_SET_ALL_IPV6) && (covers
                          & PHS_IP_SET_ALL_IPV4) ? "nothing"
                         : covers & PHS_IP_SET_ALL_IPV4 ? "only IPv6 clients"
                         : "only IPv4 clients", s->server_hostname, s->port));
}

int phs_directive_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    unsealed_sets = apr_array_make(pconf, 8, sizeof(unsealed_t));
    secure_lines = apr_hash_make(pconf);
    return OK;
}

int phs_directive_seal_sets(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    int i;

    (void)pconf;
    (void)plog;
    (void)s;
    for (i = 0; i < unsealed_sets->nelts; i++) {
        const unsealed_t *entry = &APR_ARRAY_IDX(unsealed_sets, i,
                                                 unsealed_t);

        phs_ip_set_seal(entry->set);
        if (strcmp(entry->directive, "PostHogBlockedIPBlocks")
            && strcmp(entry->directive, "PostHogBlockedIPBlocksFile"))
            phs_warn_if_everything(entry->s, entry->set,
                                   apr_psprintf(ptemp, "%s at %s:%d",
                                                entry->directive, entry->file,
                                                entry->line));
    }
    apr_array_clear(unsealed_sets);
#ifdef __GLIBC__
    /* httpd reads its configuration twice at start, and again at every
     * restart: the sets of the read before, and each set's outgrown
     * arrays, were freed into the heap, where they stayed resident (with
     * 1M IPv6 blocks, 80 MB over the parent and two children).  The
     * children fork after this. */
    malloc_trim(0);
#endif
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

/* `PostHogSecure On` then `Off` (or Off then On) in one section: the last
 * one counts. */
static void warn_if_contradicted(cmd_parms *cmd, void *dconf, int on)
{
    secure_line_t *before = apr_hash_get(secure_lines, &dconf, sizeof(dconf));

    if (!cmd->directive)
        return;
    if (before && before->on != on)
        phs_startup_warn(cmd->server, apr_psprintf(cmd->pool, "PostHogSecure "
                         "%s at %s:%d follows PostHogSecure %s at %s:%d in "
                         "the same section: only the last one counts, so "
                         "the module is %s there. Keep one of them",
                         on ? "On" : "Off", cmd->directive->filename,
                         cmd->directive->line_num, on ? "Off" : "On",
                         before->directive->filename,
                         before->directive->line_num, on ? "on" : "off"));
    if (!before) {
        before = apr_palloc(cmd->pool, sizeof(*before));
        apr_hash_set(secure_lines, apr_pmemdup(cmd->pool, &dconf,
                                               sizeof(dconf)),
                     sizeof(dconf), before);
    }
    before->directive = cmd->directive;
    before->on = on;
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
        warn_if_contradicted(cmd, dconf, on);
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

const char *phs_cmd_set_handler(cmd_parms *cmd, void *dconf,
                                const char *value)
{
    phs_dir_conf_t *conf = dconf;

    (void)cmd;
    conf->handler = !strcasecmp(value, PHS_WHOAMI_HANDLER) ? PHS_HANDLER_WHOAMI
                    : !strcasecmp(value, PHS_METRICS_HANDLER)
                    ? PHS_HANDLER_METRICS : PHS_HANDLER_OTHER;
    return NULL;
}

/* On, Off, and Auto where `auto_ok`: 1, 0 or PHS_AUTO in *out, or an error
 * naming the token (httpd's own FLAG handler does not name it). */
static const char *on_off(cmd_parms *cmd, const char *value, int auto_ok,
                          int *out)
{
    if (!strcasecmp(value, "on"))
        *out = 1;
    else if (!strcasecmp(value, "off"))
        *out = 0;
    else if (auto_ok && !strcasecmp(value, "auto"))
        *out = PHS_AUTO;
    else
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is not "
                             "On%s Off%s", value, auto_ok ? "," : " or",
                             auto_ok ? " or Auto" : ""));
    return NULL;
}

const char *phs_cmd_flag_slot(cmd_parms *cmd, void *conf, const char *value)
{
    int on = 0;
    const char *err = on_off(cmd, value, 0, &on);

    return err ? err : ap_set_flag_slot(cmd, conf, on);
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
    int setting = 0;
    const char *err = on_off(cmd, value, 1, &setting);

    if (!err)
        *(int *)((char *)conf + (apr_size_t)cmd->info) = setting;
    return err;
}

const char *phs_cmd_server_int_slot(cmd_parms *cmd, void *conf,
                                    const char *value)
{
    const phs_int_slot_t *slot = cmd->info;
    char *end;
    apr_int64_t n = apr_strtoi64(value, &end, 10);

    (void)conf;
    if (!apr_isdigit(*value) || *end || n < slot->min || n > slot->max)
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is not "
                             "%s from %d to %d", value, slot->what,
                             slot->min, slot->max));
    *(int *)((char *)PHS_SERVER_CONF(cmd->server) + slot->offset) = (int)n;
    return NULL;
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

/* Fields HTTP itself needs: read as the client address or the scheme,
 * and removed from every request with PostHogForwardedHeaders rewrite,
 * they would break routing, framing or logins. */
static const char *const protocol_fields[] = {
    "Host", "Cookie", "Authorization", "Proxy-Authorization", "Connection",
    "Keep-Alive", "Content-Length", "Content-Type", "Transfer-Encoding",
    "TE", "Trailer", "Upgrade", "Expect"
};

const char *phs_cmd_server_header_slot(cmd_parms *cmd, void *conf,
                                       const char *value)
{
    const char **slot = (const char **)((char *)PHS_SERVER_CONF(cmd->server)
                                        + (apr_size_t)cmd->info);
    const char *c;
    size_t i;

    (void)conf;
    for (c = value; *c && phs_is_tchar((unsigned char)*c); c++)
        ;
    if (!*value || *c)
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool,
                             "'%s' is not a header name", value));
    for (i = 0; i < sizeof(protocol_fields) / sizeof(*protocol_fields); i++)
        if (phs_field_is(value, protocol_fields[i]))
            return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool,
                                 "'%s' is a field HTTP itself needs; name "
                                 "the header your proxy sets for it", value));
    *slot = value;
    return NULL;
}
