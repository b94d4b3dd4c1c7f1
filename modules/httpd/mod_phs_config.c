/* The configuration: create and merge of the two records, the command
 * table, and every directive's handler.  A bad value is refused with the
 * directive's name and the token (httpd adds the file and line). */
#include "mod_phs_config.h"
#include "mod_phs_startup.h"
#include "phs_cookie.h"
#include "phs_env.h"
#include "phs_https.h"
#include "phs_secret_key.h"

#include <http_core.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#if PHS_HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

/* ------------------------------------------------------------- defaults */

/* Built once per configuration read, in pre_config. */
static phs_path_set_t *default_exempt_paths;
static phs_path_set_t *default_redirect_exempt;
static apr_array_header_t *default_httponly_exempt;

const phs_path_set_t *mod_phs_exempt_paths(const phs_dir_conf_t *conf)
{
    return PHS_MERGE_PTR(conf->exempt_paths, default_exempt_paths);
}

const phs_path_set_t *mod_phs_redirect_exempt(const phs_dir_conf_t *conf)
{
    return PHS_MERGE_PTR(conf->redirect_exempt, default_redirect_exempt);
}

const apr_array_header_t *mod_phs_httponly_exempt(const phs_dir_conf_t *conf)
{
    return PHS_MERGE_PTR(conf->httponly_exempt, default_httponly_exempt);
}

int mod_phs_secure_cookies_on(const request_rec *r)
{
    int setting = PHS_DIR_CONF(r)->secure_cookies;
    int mode = PHS_SERVER_CONF(r->server)->mode;

    if (setting == PHS_UNSET || setting == PHS_AUTO)
        return mode == PHS_UNSET || mode == PHS_MODE_PRODUCTION;
    return setting;
}

int mod_phs_https_redirect_on(const request_rec *r)
{
    int setting = PHS_DIR_CONF(r)->https_redirect;

    if (setting == PHS_UNSET || setting == PHS_AUTO)
        return mod_phs_secure_cookies_on(r);
    return setting;
}

/* ----------------------------------------------------- create and merge */

void *mod_phs_create_dir_conf(apr_pool_t *p, char *dir)
{
    phs_dir_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    conf->access_enabled = PHS_UNSET;
    conf->headers_enabled = PHS_UNSET;
    conf->ip_restriction = PHS_UNSET;
    conf->secure_cookies = PHS_UNSET;
    conf->cookie_httponly = PHS_UNSET;
    conf->https_redirect = PHS_UNSET;
    conf->sign_client_ip = PHS_UNSET;
    conf->handler = PHS_UNSET;
    conf->deny_status = PHS_UNSET;
    conf->report_only = PHS_UNSET;
    return conf;
}

/* Adds a set to a union's array, once. */
static void append_set(apr_array_header_t *to, const phs_ip_set_t *set)
{
    int i;

    for (i = 0; i < to->nelts; i++)
        if (APR_ARRAY_IDX(to, i, const phs_ip_set_t *) == set)
            return;
    APR_ARRAY_PUSH(to, const phs_ip_set_t *) = set;
}

static void append_sets(apr_array_header_t *to, const phs_blocks_t *blocks)
{
    int n;

    if (!blocks->every)
        append_set(to, blocks->set);
    else
        for (n = 0; n < blocks->every->nelts; n++)
            append_set(to, APR_ARRAY_IDX(blocks->every, n,
                                         const phs_ip_set_t *));
}

/* The deny-list of a scope within another: both lists apply.  `none` in
 * an inner scope adds nothing and lifts nothing. */
static phs_blocks_t blocks_union(apr_pool_t *p, const phs_blocks_t *outer,
                                 const phs_blocks_t *inner)
{
    phs_blocks_t both;
    apr_array_header_t *every;

    if (inner->state != PHS_BLOCKS_LIST)
        return outer->state != PHS_BLOCKS_UNSET ? *outer : *inner;
    if (outer->state != PHS_BLOCKS_LIST || outer->set == inner->set)
        return *inner;
    every = apr_array_make(p, 4, sizeof(const phs_ip_set_t *));
    append_sets(every, outer);
    append_sets(every, inner);
    both = *inner;
    both.every = every;
    return both;
}

int mod_phs_blocks_contain(const phs_blocks_t *blocks, const phs_ip_t *ip)
{
    int i;

    if (!blocks->every)
        return phs_ip_set_contains(blocks->set, ip);
    for (i = 0; i < blocks->every->nelts; i++)
        if (phs_ip_set_contains(APR_ARRAY_IDX(blocks->every, i,
                                              const phs_ip_set_t *), ip))
            return 1;
    return 0;
}

void *mod_phs_merge_dir_conf(apr_pool_t *p, void *parent_conf,
                             void *child_conf)
{
    const phs_dir_conf_t *parent = parent_conf, *child = child_conf;
    phs_dir_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->access_enabled = PHS_MERGE_INT(child->access_enabled,
                                         parent->access_enabled);
    conf->headers_enabled = PHS_MERGE_INT(child->headers_enabled,
                                          parent->headers_enabled);
    conf->ip_restriction = PHS_MERGE_INT(child->ip_restriction,
                                         parent->ip_restriction);
    conf->allowed = child->allowed.state != PHS_BLOCKS_UNSET
                    ? child->allowed : parent->allowed;
    conf->blocked = blocks_union(p, &parent->blocked, &child->blocked);
    conf->blocked_regions = PHS_MERGE_PTR(child->blocked_regions,
                                          parent->blocked_regions);
    conf->exempt_paths = PHS_MERGE_PTR(child->exempt_paths,
                                       parent->exempt_paths);
    conf->deny_message = PHS_MERGE_PTR(child->deny_message,
                                       parent->deny_message);
    conf->secure_cookies = PHS_MERGE_INT(child->secure_cookies,
                                         parent->secure_cookies);
    conf->cookie_httponly = PHS_MERGE_INT(child->cookie_httponly,
                                          parent->cookie_httponly);
    conf->httponly_exempt = PHS_MERGE_PTR(child->httponly_exempt,
                                          parent->httponly_exempt);
    conf->cookie_samesite = PHS_MERGE_PTR(child->cookie_samesite,
                                          parent->cookie_samesite);
    conf->https_redirect = PHS_MERGE_INT(child->https_redirect,
                                         parent->https_redirect);
    conf->redirect_exempt = PHS_MERGE_PTR(child->redirect_exempt,
                                          parent->redirect_exempt);
    conf->sign_client_ip = PHS_MERGE_INT(child->sign_client_ip,
                                         parent->sign_client_ip);
    conf->handler = PHS_MERGE_INT(child->handler, parent->handler);
    conf->deny_status = PHS_MERGE_INT(child->deny_status,
                                      parent->deny_status);
    conf->report_only = PHS_MERGE_INT(child->report_only,
                                      parent->report_only);
    return conf;
}

void *mod_phs_create_server_conf(apr_pool_t *p, server_rec *s)
{
    phs_server_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    (void)s;
    conf->mode = PHS_UNSET;
    conf->behind_proxy = PHS_UNSET;
    conf->trust_all = PHS_UNSET;
    conf->proxy_hops = PHS_UNSET;
    conf->https_port = PHS_UNSET;
    conf->from_environment = PHS_UNSET;
    conf->forwarded_headers = PHS_UNSET;
    conf->secure_somewhere = PHS_UNSET;
    conf->signs_somewhere = PHS_UNSET;
    conf->regions_somewhere = PHS_UNSET;
    conf->counters_slot = -1;
    return conf;
}

void *mod_phs_merge_server_conf(apr_pool_t *p, void *parent_conf,
                                void *child_conf)
{
    const phs_server_conf_t *parent = parent_conf, *child = child_conf;
    phs_server_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->mode = PHS_MERGE_INT(child->mode, parent->mode);
    conf->behind_proxy = PHS_MERGE_INT(child->behind_proxy,
                                       parent->behind_proxy);
    conf->trusted_proxies = PHS_MERGE_PTR(child->trusted_proxies,
                                          parent->trusted_proxies);
    conf->trust_all = PHS_MERGE_INT(child->trust_all, parent->trust_all);
    conf->proxy_hops = PHS_MERGE_INT(child->proxy_hops, parent->proxy_hops);
    conf->client_ip_header = PHS_MERGE_PTR(child->client_ip_header,
                                           parent->client_ip_header);
    conf->proto_header = PHS_MERGE_PTR(child->proto_header,
                                       parent->proto_header);
    conf->https_port = PHS_MERGE_INT(child->https_port, parent->https_port);
    conf->canonical_host = PHS_MERGE_PTR(child->canonical_host,
                                         parent->canonical_host);
    conf->hsts = PHS_MERGE_PTR(child->hsts, parent->hsts);
    conf->secret_key = PHS_MERGE_PTR(child->secret_key, parent->secret_key);
    conf->from_environment = PHS_MERGE_INT(child->from_environment,
                                           parent->from_environment);
    conf->forwarded_headers = PHS_MERGE_INT(child->forwarded_headers,
                                            parent->forwarded_headers);
    conf->signing_key = PHS_MERGE_PTR(child->signing_key,
                                      parent->signing_key);
    conf->geoip_database = PHS_MERGE_PTR(child->geoip_database,
                                         parent->geoip_database);
    conf->secure_somewhere = PHS_MERGE_INT(child->secure_somewhere,
                                           parent->secure_somewhere);
    conf->signs_somewhere = PHS_MERGE_INT(child->signs_somewhere,
                                          parent->signs_somewhere);
    conf->regions_somewhere = PHS_MERGE_INT(child->regions_somewhere,
                                            parent->regions_somewhere);
    conf->counters_slot = -1;
    return conf;
}

/* ------------------------------------------------- shared value parsers */

/* "NAME: MESSAGE", for errors. */
static const char *cmd_error(cmd_parms *cmd, const char *message)
{
    return apr_pstrcat(cmd->pool, cmd->cmd->name, ": ", message, NULL);
}

static int in_htaccess(cmd_parms *cmd)
{
    return ap_check_cmd_context(cmd, NOT_IN_HTACCESS) != NULL;
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
        return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is not "
                         "On%s Off%s", value, auto_ok ? "," : " or",
                         auto_ok ? " or Auto" : ""));
    return NULL;
}

/* The field at cmd_data's offset in a record (the directory record, or
 * the server record of cmd->server). */
static void *slot_of(cmd_parms *cmd, void *record)
{
    return (char *)record + (apr_size_t)cmd->info;
}

static void *server_slot_of(cmd_parms *cmd)
{
    return slot_of(cmd, PHS_SERVER_CONF(cmd->server));
}


/* TAKE1: On|Off into the directory record's int at cmd_data. */
static const char *cmd_flag(cmd_parms *cmd, void *dconf, const char *value)
{
    return on_off(cmd, value, 0, slot_of(cmd, dconf));
}

/* TAKE1: On|Off into the server record's int at cmd_data. */
static const char *cmd_server_flag(cmd_parms *cmd, void *dconf,
                                   const char *value)
{
    (void)dconf;
    return on_off(cmd, value, 0, server_slot_of(cmd));
}

/* TAKE1: On|Off|Auto into the directory record's int at cmd_data. */
static const char *cmd_tristate(cmd_parms *cmd, void *dconf,
                                const char *value)
{
    return on_off(cmd, value, 1, slot_of(cmd, dconf));
}

/* A bounded number in the server record: the cmd_data of cmd_server_int. */
typedef struct {
    apr_size_t offset;
    int min, max;
    const char *what;          /* "a port", for the error */
} int_slot_t;

static const int_slot_t proxy_hops_slot = {
    APR_OFFSETOF(phs_server_conf_t, proxy_hops), 1, 100, "a hop count"
};
static const int_slot_t https_port_slot = {
    APR_OFFSETOF(phs_server_conf_t, https_port), 1, 65535, "a port"
};

static const char *cmd_server_int(cmd_parms *cmd, void *dconf,
                                  const char *value)
{
    const int_slot_t *slot = cmd->info;
    char *end;
    apr_int64_t n = apr_strtoi64(value, &end, 10);

    (void)dconf;
    if (!apr_isdigit(*value) || *end || n < slot->min || n > slot->max)
        return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is not "
                         "%s from %d to %d", value, slot->what, slot->min,
                         slot->max));
    *(int *)((char *)PHS_SERVER_CONF(cmd->server) + slot->offset) = (int)n;
    return NULL;
}

/* Fields HTTP itself needs: read as the client address or the scheme,
 * and removed from every request with PostHogForwardedHeaders rewrite,
 * they would break routing, framing or logins. */
static const char *const protocol_fields[] = {
    "Host", "Cookie", "Authorization", "Proxy-Authorization", "Connection",
    "Keep-Alive", "Content-Length", "Content-Type", "Transfer-Encoding",
    "TE", "Trailer", "Upgrade", "Expect"
};

/* TAKE1: a header name (an RFC 9110 token) into the server record. */
static const char *cmd_header_name(cmd_parms *cmd, void *dconf,
                                   const char *value)
{
    const char *c;
    size_t i;

    (void)dconf;
    for (c = value; *c && phs_is_tchar((unsigned char)*c); c++)
        ;
    if (!*value || *c)
        return cmd_error(cmd, apr_psprintf(cmd->temp_pool,
                         "'%s' is not a header name", value));
    for (i = 0; i < sizeof(protocol_fields) / sizeof(*protocol_fields); i++)
        if (phs_field_is(value, protocol_fields[i]))
            return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is a "
                             "field HTTP itself needs; name the header your "
                             "proxy sets for it", value));
    *(const char **)server_slot_of(cmd) = value;
    return NULL;
}

/* ITERATE: path entries, or `none`, into the directory record's set at
 * cmd_data; the first word in a scope starts a set of its own, replacing
 * the parent's.  `none` with entries in one scope is an error. */
static const char *cmd_paths(cmd_parms *cmd, void *dconf, const char *word)
{
    phs_path_set_t **set = slot_of(cmd, dconf);
    /* The scope's first word makes the set; after `none` it stays empty. */
    int after_none = *set && !phs_path_set_count(*set);
    const char *err;

    if (!*set)
        *set = phs_path_set_make(cmd->pool);
    if (!strcasecmp(word, "none")) {
        if (phs_path_set_count(*set))
            return cmd_error(cmd, "'none' cannot be combined with paths in "
                             "one scope");
        return NULL;
    }
    if (after_none)
        return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' cannot "
                         "follow 'none' in one scope", word));
    if ((err = phs_path_set_add(*set, word)))
        return cmd_error(cmd, err);
    return NULL;
}

/* ------------------------------------------------------ address lists */

/* A set filled while the configuration is read, sealed once when it is
 * complete (sealing after each directive made a long list of directive
 * lines quadratic), and where its first directive stands, for the
 * warning about a list that holds every address. */
typedef struct {
    phs_ip_set_t *set;
    list_kind_t kind;
    server_rec *s;
    const char *directive;
    const char *file;
    int line;
} unsealed_t;

static apr_array_header_t *unsealed_sets;

/* A .htaccess is read per request, after the configuration: its sets are
 * sealed at once (they are short); the others wait for
 * mod_phs_config_seal_sets. */
static void seal_later(cmd_parms *cmd, phs_ip_set_t *set, list_kind_t kind)
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
    entry->kind = kind;
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

void mod_phs_warn_if_everything(server_rec *s, const phs_ip_set_t *set,
                                list_kind_t kind, const char *what)
{
    unsigned covers = phs_ip_set_covers(set);
    int both = covers == (PHS_IP_SET_ALL_IPV4 | PHS_IP_SET_ALL_IPV6);
    apr_pool_t *p = s->process->pconf;

    if (!covers || kind == LIST_BLOCKED)
        return;
    if (kind == LIST_TRUSTED)
        mod_phs_startup_warn(s, apr_psprintf(p, "%s trusts %s: every client "
                             "is believed about its own address, as with "
                             "PostHogTrustAllProxies, which any client can "
                             "forge. List only the addresses of your "
                             "proxies, or use PostHogProxyHops N", what,
                             families(covers)));
    else
        mod_phs_startup_warn(s, apr_psprintf(p, "%s admits %s: it restricts "
                             "%s. List only the networks that may reach "
                             "PostHog", what, families(covers), both
                             ? "nothing" : covers & PHS_IP_SET_ALL_IPV4
                             ? "only IPv6 clients" : "only IPv4 clients"));
}

void mod_phs_config_seal_sets(apr_pool_t *ptemp)
{
    int i;

    for (i = 0; i < unsealed_sets->nelts; i++) {
        const unsealed_t *entry = &APR_ARRAY_IDX(unsealed_sets, i,
                                                 unsealed_t);

        phs_ip_set_seal(entry->set);
        mod_phs_warn_if_everything(entry->s, entry->set, entry->kind,
                                   apr_psprintf(ptemp, "%s at %s:%d",
                                                entry->directive, entry->file,
                                                entry->line));
    }
    apr_array_clear(unsealed_sets);
#if PHS_HAVE_MALLOC_TRIM
    /* httpd reads its configuration twice at start, and again at every
     * restart: the sets of the read before, and each set's outgrown
     * arrays, were freed into the heap, where they stayed resident (with
     * 1M IPv6 blocks, 80 MB over the parent and two children).  The
     * children fork after this. */
    malloc_trim(0);
#endif
}

/* One directive argument's addresses and CIDRs; an argument without any
 * address is an error. */
static const char *add_list(cmd_parms *cmd, phs_ip_set_t *set,
                            const char *list, list_kind_t kind)
{
    apr_size_t before = phs_ip_set_block_count(set);
    const char *err = phs_ip_set_add_list(set, list);

    if (err)
        return cmd_error(cmd, err);
    if (phs_ip_set_block_count(set) == before)
        return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "no address in "
                         "'%s'", list));
    seal_later(cmd, set, kind);
    return NULL;
}

/* A file of addresses and CIDRs (relative paths from ServerRoot); an empty
 * file gets a startup warning. */
static const char *add_file(cmd_parms *cmd, phs_ip_set_t *set,
                            const char *path, list_kind_t kind)
{
    const char *file = ap_server_root_relative(cmd->temp_pool, path);
    apr_size_t before = phs_ip_set_block_count(set);
    const char *err;

    if (!file)
        return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "invalid path "
                         "'%s'", path));
    if ((err = phs_ip_set_add_file(set, file, cmd->temp_pool)))
        return cmd_error(cmd, err);
    if (phs_ip_set_block_count(set) == before)
        mod_phs_startup_warn(cmd->server, apr_psprintf(cmd->pool, "%s: %s "
                             "holds no address", cmd->cmd->name, file));
    seal_later(cmd, set, kind);
    return NULL;
}

/* The list a directive fills: cmd->info is the offset of a phs_blocks_t
 * in the directory record. */
static phs_ip_set_t *scope_set(phs_blocks_t *list, cmd_parms *cmd)
{
    if (!list->set)
        list->set = phs_ip_set_make(cmd->pool);
    list->state = PHS_BLOCKS_LIST;
    return list->set;
}

static list_kind_t kind_of(cmd_parms *cmd)
{
    return (apr_size_t)cmd->info == APR_OFFSETOF(phs_dir_conf_t, blocked)
           ? LIST_BLOCKED : LIST_ALLOWED;
}

static const char *mixed_none_error(cmd_parms *cmd)
{
    return cmd_error(cmd, "'none' cannot be combined with addresses in one "
                     "scope");
}

/* ITERATE: PostHogAllowedIPBlocks, PostHogBlockedIPBlocks. */
static const char *cmd_blocks(cmd_parms *cmd, void *dconf, const char *word)
{
    phs_blocks_t *list = slot_of(cmd, dconf);

    if (!strcasecmp(word, "none")) {
        if (list->state == PHS_BLOCKS_LIST)
            return mixed_none_error(cmd);
        /* The deny-lists of every enclosing scope apply together: `none`
         * adds no list here, and lifts none, which is not what it reads
         * like. */
        if (kind_of(cmd) == LIST_BLOCKED && !in_htaccess(cmd)
            && cmd->directive)
            mod_phs_startup_warn(cmd->server, apr_psprintf(cmd->pool,
                                 "PostHogBlockedIPBlocks none at %s:%d lifts "
                                 "no deny-list: the lists of every enclosing "
                                 "scope still apply there. Remove the line, "
                                 "or the address from the list that holds it",
                                 cmd->directive->filename,
                                 cmd->directive->line_num));
        list->state = PHS_BLOCKS_NONE;
        return NULL;
    }
    if (list->state == PHS_BLOCKS_NONE)
        return mixed_none_error(cmd);
    return add_list(cmd, scope_set(list, cmd), word, kind_of(cmd));
}

/* TAKE1: PostHogAllowedIPBlocksFile, PostHogBlockedIPBlocksFile. */
static const char *cmd_blocks_file(cmd_parms *cmd, void *dconf,
                                   const char *path)
{
    phs_blocks_t *list = slot_of(cmd, dconf);

    if (list->state == PHS_BLOCKS_NONE)
        return mixed_none_error(cmd);
    return add_file(cmd, scope_set(list, cmd), path, kind_of(cmd));
}

static phs_ip_set_t *server_proxies(cmd_parms *cmd)
{
    phs_ip_set_t **set = server_slot_of(cmd);

    if (!*set)
        *set = phs_ip_set_make(cmd->pool);
    return *set;
}

static const char *cmd_trusted_proxies(cmd_parms *cmd, void *dconf,
                                       const char *word)
{
    (void)dconf;
    return add_list(cmd, server_proxies(cmd), word, LIST_TRUSTED);
}

static const char *cmd_trusted_proxies_file(cmd_parms *cmd, void *dconf,
                                            const char *path)
{
    (void)dconf;
    return add_file(cmd, server_proxies(cmd), path, LIST_TRUSTED);
}

/* -------------------------------------------------- PostHogSecure */

/* The last PostHogSecure of each section (by its directory record) while
 * the configuration is read: a second one that says the opposite wins
 * silently, which deserves a word. */
typedef struct {
    const ap_directive_t *directive;
    int on;
} secure_line_t;

static apr_hash_t *secure_lines;

static void warn_if_contradicted(cmd_parms *cmd, void *dconf, int on)
{
    secure_line_t *before = apr_hash_get(secure_lines, &dconf,
                                         sizeof(dconf));

    if (!cmd->directive)
        return;
    if (before && before->on != on)
        mod_phs_startup_warn(cmd->server, apr_psprintf(cmd->pool,
                             "PostHogSecure %s at %s:%d follows PostHogSecure "
                             "%s at %s:%d in the same section: only the last "
                             "one counts, so the module is %s there. Keep "
                             "one of them", on ? "On" : "Off",
                             cmd->directive->filename,
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
static const char *cmd_secure(cmd_parms *cmd, void *dconf, const char *value)
{
    phs_dir_conf_t *conf = dconf;
    int on = 0, by_name;
    const char *err = on_off(cmd, value, 0, &on);

    if (err)
        return err;
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

/* ------------------------------------------------- the other directives */

static const char *cmd_mode(cmd_parms *cmd, void *dconf, const char *value)
{
    static const char *const names[] = { "production", "debug", "test" };
    int mode;

    (void)dconf;
    for (mode = 0; mode < 3; mode++)
        if (!strcasecmp(value, names[mode])) {
            PHS_SERVER_CONF(cmd->server)->mode = mode;
            return NULL;
        }
    return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is not "
                     "production, debug or test", value));
}

static const char *cmd_deny_message(cmd_parms *cmd, void *dconf,
                                    const char *message)
{
    phs_dir_conf_t *conf = dconf;

    /* ap_custom_response() would take these for a redirect target. */
    if (*message == '/' || ap_is_url(message))
        return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is a URL; "
                         "use ErrorDocument 403 for a page", message));
    conf->deny_message = message;
    return NULL;
}

/* 403, or 404 to hide that anything is there; any other status would
 * tell a browser something else (a redirect, a login, an error). */
static const char *cmd_deny_status(cmd_parms *cmd, void *dconf,
                                   const char *value)
{
    phs_dir_conf_t *conf = dconf;

    if (!strcmp(value, "403") || !strcmp(value, "404")) {
        conf->deny_status = !strcmp(value, "403") ? HTTP_FORBIDDEN
                                                  : HTTP_NOT_FOUND;
        return NULL;
    }
    return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is not 403 or "
                     "404", value));
}

/* ITERATE: cookie names (name* for a prefix), or `none`: an empty list of
 * the scope's own, which replaces the parent's. */
static const char *cmd_httponly_exempt(cmd_parms *cmd, void *dconf,
                                       const char *word)
{
    phs_dir_conf_t *conf = dconf;
    apr_array_header_t *names = conf->httponly_exempt;
    const char *err;

    if (!strcasecmp(word, "none")) {
        if (names && names->nelts)
            return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'none' "
                             "cannot be combined with names in one scope "
                             "('%s')", APR_ARRAY_IDX(names, 0,
                             phs_cookie_pattern_t).text));
        conf->httponly_exempt = apr_array_make(cmd->pool, 1,
                                               sizeof(phs_cookie_pattern_t));
        return NULL;
    }
    if (names && !names->nelts)
        return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'none' cannot be "
                         "combined with names in one scope ('%s')", word));
    if ((err = phs_cookie_pattern_check(cmd->temp_pool, word)))
        return cmd_error(cmd, err);
    if (!names)
        names = conf->httponly_exempt =
            apr_array_make(cmd->pool, 4, sizeof(phs_cookie_pattern_t));
    phs_cookie_pattern_push(names, word);
    return NULL;
}

static const char *cmd_samesite(cmd_parms *cmd, void *dconf,
                                const char *value)
{
    static const char *const values[] = { "Lax", "Strict", "None", "Off" };
    phs_dir_conf_t *conf = dconf;
    int i;

    /* Off is "", as PostHogHSTS Off: set, so that it overrides a parent,
     * and nothing to add. */
    for (i = 0; i < 4; i++)
        if (!strcasecmp(value, values[i])) {
            conf->cookie_samesite = i == 3 ? "" : values[i];
            return NULL;
        }
    return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is not Lax, "
                     "Strict, None or Off", value));
}

/* A host name, an IPv4 address or an IPv6 literal (bracketed or not):
 * what may follow https:// safely, and no port (`name:8443` would be
 * taken for an IPv6 literal and bracketed). */
static int host_ok(const char *host)
{
    apr_size_t len = strlen(host);
    phs_ip_t ip;
    const char *c;

    if (len > 2 && host[0] == '[' && host[len - 1] == ']')
        return phs_ip_parse(host + 1, len - 2, &ip);
    if (strchr(host, ':'))
        return phs_ip_parse(host, len, &ip);
    for (c = host; *c; c++)
        if (!apr_isalnum(*c) && !strchr("-.", *c))
            return 0;
    return len > 0;
}

static const char *cmd_canonical_host(cmd_parms *cmd, void *dconf,
                                      const char *value)
{
    (void)dconf;
    if (!host_ok(value))
        return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is not a "
                         "host name or IP address (no scheme, port or path: "
                         "PostHogHTTPSPort sets the port)", value));
    PHS_SERVER_CONF(cmd->server)->canonical_host = value;
    return NULL;
}

static const char *cmd_hsts(cmd_parms *cmd, void *dconf, const char *value)
{
    const char *err;

    (void)dconf;
    if (!strcasecmp(value, "off")) {
        PHS_SERVER_CONF(cmd->server)->hsts = "";
        return NULL;
    }
    if ((err = phs_hsts_check(cmd->temp_pool, value)))
        return cmd_error(cmd, err);
    PHS_SERVER_CONF(cmd->server)->hsts = value;
    return NULL;
}

static const char *cmd_forwarded_headers(cmd_parms *cmd, void *dconf,
                                         const char *value)
{
    (void)dconf;
    if (!strcasecmp(value, "rewrite") || !strcasecmp(value, "keep")) {
        PHS_SERVER_CONF(cmd->server)->forwarded_headers =
            !strcasecmp(value, "rewrite");
        return NULL;
    }
    return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is not rewrite "
                     "or keep", value));
}

/* A vhost where signing is switched on somewhere (or inherits a main
 * server section that switches it on) needs a key, which may be set after
 * the directive: startup checks it. */
static const char *cmd_sign_client_ip(cmd_parms *cmd, void *dconf,
                                      const char *value)
{
    const char *err = cmd_flag(cmd, dconf, value);

    if (!err && ((phs_dir_conf_t *)dconf)->sign_client_ip == 1)
        PHS_SERVER_CONF(cmd->server)->signs_somewhere = 1;
    return err;
}

static const char *cmd_geoip_database(cmd_parms *cmd, void *dconf,
                                      const char *path)
{
    const char *file = ap_server_root_relative(cmd->pool, path);

    (void)dconf;
    if (!file)
        return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "invalid path "
                         "'%s'", path));
    PHS_SERVER_CONF(cmd->server)->geoip_database = file;
    return NULL;
}

/* ITERATE: country codes (commas or spaces between them), or `none`: an
 * empty set, which replaces the parent's. */
static const char *cmd_blocked_regions(cmd_parms *cmd, void *dconf,
                                       const char *word)
{
    phs_dir_conf_t *conf = dconf;
    phs_region_set_t *set = conf->blocked_regions;
    apr_size_t before = set ? phs_region_set_count(set) : 0;
    const char *err;

    if (!strcasecmp(word, "none")) {
        if (before)
            return cmd_error(cmd, "'none' cannot be combined with country "
                             "codes in one scope");
        conf->blocked_regions = phs_region_set_make(cmd->pool);
        return NULL;
    }
    if (set && !before)
        return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' cannot "
                         "follow 'none' in one scope", word));
    if (!set)
        set = conf->blocked_regions = phs_region_set_make(cmd->pool);
    if ((err = phs_region_set_add_list(set, cmd->temp_pool, word)))
        return cmd_error(cmd, err);
    if (phs_region_set_count(set) == before && !before)
        return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "no country code "
                         "in '%s'", word));
    PHS_SERVER_CONF(cmd->server)->regions_somewhere = 1;
    return NULL;
}

/* SetHandler, beside httpd's core (every module that declares a
 * directive is given it): notes whether a section names one of the
 * module's handlers; never an error, core checks the value.  Core lower
 * cases the name it hands to the handlers, so case does not matter. */
static const char *cmd_set_handler(cmd_parms *cmd, void *dconf,
                                   const char *value)
{
    phs_dir_conf_t *conf = dconf;

    (void)cmd;
    conf->handler = !strcasecmp(value, PHS_WHOAMI_HANDLER)
                    ? PHS_HANDLER_WHOAMI
                    : !strcasecmp(value, PHS_METRICS_HANDLER)
                    ? PHS_HANDLER_METRICS : PHS_HANDLER_OTHER;
    return NULL;
}

/* ---------------------------------------------------------------- keys */

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
        mod_phs_startup_warn(cmd->server, apr_psprintf(cmd->pool, "%s: %s is "
                             "readable by every user of this machine: chmod "
                             "o-r it", cmd->cmd->name, file));
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

/* TAKE1: PostHogSecretKey and PostHogSigningKey (env:NAME, file:PATH or
 * the key itself) into the server record's string at cmd_data, checked.
 * Error messages never quote the key, only where it came from. */
static const char *cmd_key(cmd_parms *cmd, void *dconf, const char *value)
{
    const char *key = value, *source = value, *err = NULL, *problem;

    (void)dconf;
    if (!strncmp(value, "env:", 4))
        err = key_from_environment(cmd, value + 4, &key);
    else if (!strncmp(value, "file:", 5))
        err = key_from_file(cmd, value + 5, &key);
    else {
        source = "written in the configuration";
        mod_phs_startup_warn(cmd->server, apr_psprintf(cmd->pool, "%s is "
                             "written in the configuration, where whoever "
                             "reads it or /server-info sees it: use env:NAME "
                             "or file:PATH", cmd->cmd->name));
    }
    if (err)
        return cmd_error(cmd, err);
    if ((problem = phs_secret_key_problem(key)))
        return cmd_error(cmd, apr_psprintf(cmd->temp_pool, "unusable key "
                         "(%s): %s; %s", source, problem,
                         PHS_SECRET_KEY_ADVICE));
    *(const char **)server_slot_of(cmd) = key;
    return NULL;
}

/* ------------------------------------------------------- command table */

#define DIR_SLOT(field) ((void *)APR_OFFSETOF(phs_dir_conf_t, field))
#define SERVER_SLOT(field) ((void *)APR_OFFSETOF(phs_server_conf_t, field))

const command_rec mod_phs_directives[] = {
    AP_INIT_TAKE1("PostHogSecure", cmd_secure, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG | OR_FILEINFO,
                  "On to enforce this module's settings in this scope (in "
                  ".htaccess: what its AllowOverride classes cover)"),
    AP_INIT_TAKE1("PostHogMode", cmd_mode, NULL, RSRC_CONF,
                  "production, debug or test: PostHog's DEBUG and TEST; the "
                  "Auto settings are off unless production"),
    AP_INIT_TAKE1("PostHogFromEnvironment", cmd_server_flag,
                  SERVER_SLOT(from_environment), RSRC_CONF,
                  "On to read PostHog's environment variables "
                  "(ALLOWED_IP_BLOCKS, TRUSTED_PROXIES, SECRET_KEY...)"),
    /* Who may come in. */
    AP_INIT_ITERATE("PostHogAllowedIPBlocks", cmd_blocks, DIR_SLOT(allowed),
                    RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                    "IP addresses and CIDR blocks allowed in, separated by "
                    "commas or spaces, or 'none' for no restriction"),
    AP_INIT_TAKE1("PostHogAllowedIPBlocksFile", cmd_blocks_file,
                  DIR_SLOT(allowed), RSRC_CONF | ACCESS_CONF,
                  "A file of allowed IP addresses and CIDR blocks, '#' "
                  "comments"),
    AP_INIT_TAKE1("PostHogIPRestriction", cmd_flag, DIR_SLOT(ip_restriction),
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "Off to exempt this scope from the allow-list"),
    AP_INIT_ITERATE("PostHogExemptPaths", cmd_paths, DIR_SLOT(exempt_paths),
                    RSRC_CONF | ACCESS_CONF,
                    "Paths open to every client (event ingestion, the SDKs' "
                    "public calls): segments joined by '/', '!' to restrict "
                    "a sub-path again; or 'none'"),
    AP_INIT_TAKE1("PostHogDenyMessage", cmd_deny_message, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "The text of the 403 response to a blocked client"),
    AP_INIT_TAKE1("PostHogDenyStatus", cmd_deny_status, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "403 (the default) or 404: the status of a denial"),
    AP_INIT_TAKE1("PostHogReportOnly", cmd_flag, DIR_SLOT(report_only),
                  RSRC_CONF | ACCESS_CONF,
                  "On to report every denial (log, POSTHOG_ACCESS, the "
                  "would_deny counters) and serve the request: the safe way "
                  "to roll out an allow-list"),
    AP_INIT_ITERATE("PostHogBlockedIPBlocks", cmd_blocks, DIR_SLOT(blocked),
                    RSRC_CONF | ACCESS_CONF,
                    "IP addresses and CIDR blocks refused on every path, "
                    "exempt ones included, or 'none'"),
    AP_INIT_TAKE1("PostHogBlockedIPBlocksFile", cmd_blocks_file,
                  DIR_SLOT(blocked), RSRC_CONF | ACCESS_CONF,
                  "A file of IP addresses and CIDR blocks refused on every "
                  "path, '#' comments"),
    AP_INIT_TAKE1("PostHogGeoIPDatabase", cmd_geoip_database, NULL,
                  RSRC_CONF, "A MaxMind database (.mmdb) with countries, "
                  "for PostHogBlockedGeoIPRegions"),
    AP_INIT_ITERATE("PostHogBlockedGeoIPRegions", cmd_blocked_regions, NULL,
                    RSRC_CONF | ACCESS_CONF,
                    "ISO 3166-1 alpha-2 country codes denied on restricted "
                    "paths where there is no allow-list, or 'none'"),
    /* Who the client is. */
    AP_INIT_TAKE1("PostHogBehindProxy", cmd_server_flag,
                  SERVER_SLOT(behind_proxy), RSRC_CONF,
                  "Whether forwarded headers are used at all (default: On "
                  "when a trust directive is set)"),
    AP_INIT_ITERATE("PostHogTrustedProxies", cmd_trusted_proxies,
                    SERVER_SLOT(trusted_proxies), RSRC_CONF,
                    "Proxy addresses and CIDR blocks whose forwarded headers "
                    "are believed"),
    AP_INIT_TAKE1("PostHogTrustedProxiesFile", cmd_trusted_proxies_file,
                  SERVER_SLOT(trusted_proxies), RSRC_CONF,
                  "A file of trusted proxy addresses and CIDR blocks, '#' "
                  "comments"),
    AP_INIT_TAKE1("PostHogTrustAllProxies", cmd_server_flag,
                  SERVER_SLOT(trust_all), RSRC_CONF,
                  "On to take the leftmost client-IP header entry from any "
                  "peer (spoofable; PostHog compatibility)"),
    AP_INIT_TAKE1("PostHogProxyHops", cmd_server_int,
                  (void *)&proxy_hops_slot, RSRC_CONF,
                  "The client is the Nth client-IP header entry from the "
                  "right"),
    AP_INIT_TAKE1("PostHogClientIPHeader", cmd_header_name,
                  SERVER_SLOT(client_ip_header), RSRC_CONF,
                  "The header carrying the client IP (X-Forwarded-For)"),
    AP_INIT_TAKE1("PostHogForwardedProtoHeader", cmd_header_name,
                  SERVER_SLOT(proto_header), RSRC_CONF,
                  "The header carrying the client's scheme "
                  "(X-Forwarded-Proto)"),
    /* HTTPS and cookies. */
    AP_INIT_TAKE1("PostHogSecureCookies", cmd_tristate,
                  DIR_SLOT(secure_cookies),
                  RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                  "On, Off or Auto (on unless PostHogMode is debug or "
                  "test): add Secure to every Set-Cookie"),
    AP_INIT_TAKE1("PostHogCookieHttpOnly", cmd_flag,
                  DIR_SLOT(cookie_httponly),
                  RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                  "Off to leave HttpOnly as the application sent it"),
    AP_INIT_ITERATE("PostHogCookieHttpOnlyExempt", cmd_httponly_exempt,
                    NULL, RSRC_CONF | ACCESS_CONF,
                    "Cookie names (name* for a prefix) never made HttpOnly, "
                    "or 'none'"),
    AP_INIT_TAKE1("PostHogCookieSameSite", cmd_samesite, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                  "Lax, Strict or None: added where a cookie has no "
                  "SameSite; Off leaves cookies as sent"),
    AP_INIT_TAKE1("PostHogHTTPSRedirect", cmd_tristate,
                  DIR_SLOT(https_redirect),
                  RSRC_CONF | ACCESS_CONF | OR_FILEINFO,
                  "On, Off or Auto (follows the secure-cookies setting): "
                  "redirect plain HTTP to HTTPS"),
    AP_INIT_ITERATE("PostHogHTTPSRedirectExempt", cmd_paths,
                    DIR_SLOT(redirect_exempt), RSRC_CONF | ACCESS_CONF,
                    "Paths served over plain HTTP (health checks), as "
                    "PostHogExemptPaths; or 'none'"),
    AP_INIT_TAKE1("PostHogHTTPSPort", cmd_server_int,
                  (void *)&https_port_slot, RSRC_CONF,
                  "The port of the HTTPS redirect target (443)"),
    AP_INIT_TAKE1("PostHogCanonicalHost", cmd_canonical_host, NULL,
                  RSRC_CONF, "The host of the HTTPS redirect target "
                  "(default: the request's host when it is this vhost's, "
                  "else ServerName)"),
    AP_INIT_TAKE1("PostHogHSTS", cmd_hsts, NULL, RSRC_CONF,
                  "Strict-Transport-Security value for HTTPS responses "
                  "(max-age=N[; includeSubDomains][; preload]), or Off"),
    /* What the backend is told. */
    AP_INIT_TAKE1("PostHogForwardedHeaders", cmd_forwarded_headers, NULL,
                  RSRC_CONF, "rewrite (the default): the backend is told "
                  "only the module's client and scheme; keep: client-sent "
                  "forwarded headers pass, as with mod_remoteip"),
    AP_INIT_TAKE1("PostHogSecretKey", cmd_key, SERVER_SLOT(secret_key),
                  RSRC_CONF, "PostHog's SECRET_KEY: env:NAME, file:PATH, or "
                  "the key itself (discouraged)"),
    AP_INIT_TAKE1("PostHogSigningKey", cmd_key, SERVER_SLOT(signing_key),
                  RSRC_CONF, "The key that signs the client IP (PostHog's "
                  "MANAGED_PROXY_SIGNING_KEYS): env:NAME, file:PATH, or the "
                  "key itself (discouraged); default: the secret key"),
    AP_INIT_TAKE1("PostHogSignClientIP", cmd_sign_client_ip,
                  DIR_SLOT(sign_client_ip), RSRC_CONF | ACCESS_CONF,
                  "On to send the backend the client IP signed with "
                  "HMAC-SHA256 and the secret key"),
    /* httpd's own, read too: whether a section names one of the module's
     * handlers. */
    AP_INIT_TAKE1("SetHandler", cmd_set_handler, NULL, OR_FILEINFO,
                  "a handler name that overrides any other configured "
                  "handler"),
    { NULL }
};

void mod_phs_config_pre_config(apr_pool_t *pconf)
{
    default_exempt_paths = phs_path_set_parse(pconf, PHS_DEFAULT_EXEMPT_PATHS);
    default_redirect_exempt = phs_path_set_parse(pconf,
                                                 PHS_DEFAULT_REDIRECT_EXEMPT);
    default_httponly_exempt = phs_cookie_patterns_parse(pconf,
                                               PHS_DEFAULT_HTTPONLY_EXEMPT);
    unsealed_sets = apr_array_make(pconf, 8, sizeof(unsealed_t));
    secure_lines = apr_hash_make(pconf);
}
