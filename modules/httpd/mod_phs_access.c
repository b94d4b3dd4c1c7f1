#include "mod_phs_access.h"
#include "mod_phs_request.h"
#include "phs_path_set.h"
#include "mod_phs_directive.h"
#include "mod_phs_client_ip.h"
#include "mod_phs_region.h"
#include "mod_phs_whoami.h"

#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_core.h>
#include <apr_strings.h>

APLOG_USE_MODULE(posthog_secure);

#define DEFAULT_DENY_MESSAGE "Access denied.\n"

typedef enum { ACCESS_ALLOWED, ACCESS_EXEMPT, ACCESS_DENIED } access_t;

static const char *const access_names[] = { "allowed", "exempt", "denied" };

/* Built once per configuration cycle in pre_config. */
static phs_path_set_t *default_exempt_paths;

/* The list a directive fills: cmd->info is the offset of a phs_blocks_t
 * in the directory record. */
static phs_blocks_t *scope_list(cmd_parms *cmd, void *dconf)
{
    return (phs_blocks_t *)((char *)dconf + (apr_size_t)cmd->info);
}

static phs_ip_set_t *list_set(cmd_parms *cmd, phs_blocks_t *list)
{
    if (!list->set)
        list->set = phs_ip_set_make(cmd->pool);
    list->state = PHS_BLOCKS_LIST;
    return list->set;
}

static const char *mixed_none_error(cmd_parms *cmd)
{
    return phs_cmd_error(cmd, "'none' cannot be combined with addresses "
                         "in one scope");
}

const char *phs_cmd_blocks(cmd_parms *cmd, void *dconf, const char *word)
{
    phs_blocks_t *list = scope_list(cmd, dconf);

    if (!strcasecmp(word, "none")) {
        if (list->state == PHS_BLOCKS_LIST)
            return mixed_none_error(cmd);
        list->state = PHS_BLOCKS_NONE;
        return NULL;
    }
    if (list->state == PHS_BLOCKS_NONE)
        return mixed_none_error(cmd);
    return phs_cmd_add_list(cmd, list_set(cmd, list), word);
}

const char *phs_cmd_blocks_file(cmd_parms *cmd, void *dconf, const char *path)
{
    phs_blocks_t *list = scope_list(cmd, dconf);

    if (list->state == PHS_BLOCKS_NONE)
        return mixed_none_error(cmd);
    return phs_cmd_add_file(cmd, list_set(cmd, list), path);
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

phs_blocks_t phs_blocks_union(apr_pool_t *p, const phs_blocks_t *outer,
                              const phs_blocks_t *inner)
{
    phs_blocks_t both;
    apr_array_header_t *every;

    /* `none` in an inner scope adds nothing and lifts nothing. */
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

int phs_blocks_contain(const phs_blocks_t *blocks, const phs_ip_t *ip)
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

const char *phs_cmd_deny_message(cmd_parms *cmd, void *dconf,
                                 const char *message)
{
    phs_dir_conf_t *conf = dconf;

    /* ap_custom_response() would take these for a redirect target. */
    if (*message == '/' || ap_is_url(message))
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is a "
                             "URL; use ErrorDocument 403 for a page", message));
    conf->deny_message = message;
    return NULL;
}

int phs_access_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    default_exempt_paths = phs_path_set_parse(pconf, PHS_DEFAULT_EXEMPT_PATHS);
    return OK;
}

typedef struct {
    access_t verdict;
    phs_counter_t counter;      /* what the verdict counts as */
    const char *reason;         /* denied: why */
} decision_t;

static const decision_t allowed = { ACCESS_ALLOWED, PHS_COUNT_ALLOWED, NULL };
static const decision_t exempted = { ACCESS_EXEMPT, PHS_COUNT_EXEMPT, NULL };

static decision_t denial(phs_counter_t counter, const char *reason)
{
    decision_t decision = { ACCESS_DENIED, counter, reason };

    return decision;
}

/* The client's address; 0 with the reason when it is unknown. */
static int client_address(request_rec *r, phs_ip_t *client,
                          const char **reason)
{
    const phs_request_t *state = phs_client_state(r);

    if (state->client_unknown) {
        *reason = state->unknown_reason;
        return 0;
    }
    if (!r->useragent_addr || !phs_ip_from_sockaddr(r->useragent_addr, client)) {
        *reason = "client address unknown";
        return 0;
    }
    return 1;
}

/* PostHog's rule after the allow-list: a listed country is denied, an
 * address the database cannot place is not. */
static decision_t decide_region(request_rec *r,
                                const phs_region_set_t *regions)
{
    const char *reason;
    char country[3];
    phs_ip_t client;
    int found;

    if (!client_address(r, &client, &reason))
        return denial(PHS_COUNT_DENIED_CLIENT_UNKNOWN, reason);
    found = phs_region_country(r, &client, country);
    /* check_config makes a database a condition of regions. */
    if (found < 0)
        return denial(PHS_COUNT_DENIED_REGION, "no PostHogGeoIPDatabase");
    if (found && phs_region_set_contains(regions, country, 2))
        return denial(PHS_COUNT_DENIED_REGION, apr_psprintf(r->pool,
                      "client country %s in PostHogBlockedGeoIPRegions",
                      country));
    return allowed;
}

/* The deny-list on every path, then the exemptions, then the allow-list,
 * else the regions. */
static decision_t decide(request_rec *r, const phs_dir_conf_t *conf)
{
    const phs_path_set_t *exempt = PHS_MERGE_PTR(conf->exempt_paths,
                                                 default_exempt_paths);
    const char *reason;
    phs_ip_t client;

    if (conf->blocked.state == PHS_BLOCKS_LIST) {
        /* Not known to be someone else: refused, as on restricted paths. */
        if (!client_address(r, &client, &reason))
            return denial(PHS_COUNT_DENIED_CLIENT_UNKNOWN, reason);
        if (phs_blocks_contain(&conf->blocked, &client))
            return denial(PHS_COUNT_DENIED_DENY_LISTED, "client address in "
                          "PostHogBlockedIPBlocks");
    }
    if (conf->ip_restriction == 0 || phs_path_set_exempts(exempt, r->uri))
        return exempted;
    if (conf->allowed.state == PHS_BLOCKS_LIST) {
        if (!client_address(r, &client, &reason))
            return denial(PHS_COUNT_DENIED_CLIENT_UNKNOWN, reason);
        if (!phs_ip_set_contains(conf->allowed.set, &client))
            return denial(PHS_COUNT_DENIED_NOT_ALLOWED, "client address not "
                          "in PostHogAllowedIPBlocks");
        return allowed;
    }
    if (conf->blocked_regions && phs_region_set_count(conf->blocked_regions))
        return decide_region(r, conf->blocked_regions);
    return allowed;
}

/* A whoami handler's look at a path: its subrequest is decided as any
 * other, but its denial is only shown to the one who asked. */
static int is_probe(const request_rec *r)
{
    const phs_request_t *main_state;

    if (!r->main)
        return 0;
    main_state = ap_get_module_config(r->main->request_config,
                                      &posthog_secure_module);
    return main_state && main_state->probing;
}

/* At error, as mod_authz_core logs its denials: an admin sees them with
 * the default LogLevel. */
static void deny(request_rec *r, const phs_dir_conf_t *conf,
                 const char *reason)
{
    if (!is_probe(r))
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "denied client %s (peer %s) for %s: %s",
                      r->useragent_ip, phs_peer_ip(r), r->uri, reason);
    if (!ap_response_code_string(r, ap_index_of_response(HTTP_FORBIDDEN)))
        ap_custom_response(r, HTTP_FORBIDDEN,
                           PHS_MERGE_PTR(conf->deny_message,
                                         DEFAULT_DENY_MESSAGE));
}

/* The three names share their first four bytes, which is APR's key
 * checksum, so apr_table_setn would compare each with the ones set before
 * it: they are added in one pass when none is there. */
static void export_variables(request_rec *r, const char *access)
{
    apr_table_t *env = r->subprocess_env;
    /* One is there already (a subrequest's copy of its parent's, a
     * SetEnvIf): replace, never double. */
    int replace = phs_table_has(env, "POSTHOG_");
    void (*put)(apr_table_t *, const char *, const char *) =
        replace ? apr_table_setn : apr_table_addn;

    put(env, "POSTHOG_ACCESS", access);
    if (!phs_client_state(r)->client_unknown)
        put(env, "POSTHOG_CLIENT_IP", r->useragent_ip);
    else if (replace)       /* no address rather than one set by others */
        apr_table_unset(env, "POSTHOG_CLIENT_IP");
    put(env, "POSTHOG_HTTPS", phs_request_is_https(r) ? "on" : "off");
}

static void record(request_rec *r, const decision_t *decision, int refused)
{
    phs_request_t *state = phs_request_state(r);

    state->access = access_names[decision->verdict];
    state->counter = decision->counter;
    state->denial = decision->reason;
    state->refused = refused;
    export_variables(r, state->access);
}

/* Decides this request_rec on its own URI, once.  The whoami page answers
 * every client at its own location, a refused one first of all (it is how
 * a refused client finds out why): there the denial is held, and given
 * after all if another handler is to answer (phs_access_refuse_unheard). */
static int check(request_rec *r)
{
    const phs_dir_conf_t *conf = PHS_DIR_CONF(r);
    phs_request_t *state = phs_request_state(r);
    decision_t decision;

    if (state->access)
        return state->refused ? HTTP_FORBIDDEN : DECLINED;
    decision = decide(r, conf);
    if (decision.verdict == ACCESS_DENIED
        && conf->handler == PHS_HANDLER_WHOAMI) {
        state->held_counter = decision.counter;
        state->held_denial = decision.reason;
        decision = exempted;
    }
    record(r, &decision, decision.verdict == ACCESS_DENIED);
    if (decision.verdict != ACCESS_DENIED)
        return DECLINED;
    deny(r, conf, decision.reason);
    return HTTP_FORBIDDEN;
}

static int is_refused(request_rec *r)
{
    const phs_request_t *state = ap_get_module_config(r->request_config,
                                                      &posthog_secure_module);

    return state && state->refused;
}

int phs_access_check(request_rec *r)
{
    return phs_access_enabled(r) ? check(r) : DECLINED;
}

/* httpd runs the access phase again for an internal redirect or a
 * subrequest only when its per-directory configuration differs from the
 * request it came from, so the same `ProxyPass /` location lets an
 * ErrorDocument, a CGI's local Location or a DirectoryIndex reach what the
 * client was refused.  Each is decided here, as soon as its location is
 * known, whatever ran before. */
PHS_NOINLINE
static int check_derived(request_rec *r)
{
    /* A refused request runs no handler: what follows it is the
     * ErrorDocument httpd sends for the 403, the admin's page for it. */
    if (r->prev && is_refused(r->prev)) {
        const phs_request_t *prev = phs_request_state(r->prev);
        decision_t decision = { ACCESS_DENIED, prev->counter, prev->denial };

        record(r, &decision, 0);
        return DECLINED;
    }
    return check(r);
}

int phs_access_check_derived(request_rec *r)
{
    return (r->main || r->prev) && phs_access_enabled(r) ? check_derived(r)
                                                         : DECLINED;
}

int phs_access_refuse_unheard(request_rec *r)
{
    const phs_request_t *state = ap_get_module_config(r->request_config,
                                                      &posthog_secure_module);
    decision_t decision;

    if (!state || !state->held_denial
        || phs_handler_is(r, PHS_WHOAMI_HANDLER))
        return DECLINED;
    decision = denial(state->held_counter, state->held_denial);
    record(r, &decision, 1);
    deny(r, PHS_DIR_CONF(r), decision.reason);
    return HTTP_FORBIDDEN;
}

/* `Satisfy Any` asks for credentials when the access phase fails, and a
 * module whose access_checker_ex says OK ends that phase: a denial is
 * given again in access_checker_ex and before any handler (fixups). */
int phs_access_refuse_again(request_rec *r)
{
    return is_refused(r) ? HTTP_FORBIDDEN : DECLINED;
}
