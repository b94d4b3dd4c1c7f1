/* Who may in: the HTTPS redirect, then the access decision of every
 * request_rec on its own URI, a denial given before any handler runs and
 * again wherever another module would let it through. */
#include "mod_phs_access.h"
#include "mod_phs_request.h"
#include "mod_phs_client.h"
#include "mod_phs_report.h"
#include "mod_phs_startup.h"
#include "phs_https.h"

#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_core.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include <errno.h>
#include <maxminddb.h>

APLOG_USE_MODULE(posthog_secure);

/* -------------------------------------------------------- the redirect */

/* Never a host the client made up: the canonical host, else the Host
 * header only when it is the ServerName or a literal ServerAlias (a
 * wildcard alias matches hosts the client invents), else the ServerName. */
static const char *redirect_host(const request_rec *r,
                                 const phs_server_conf_t *sconf)
{
    const server_rec *s = r->server;

    if (sconf->canonical_host)
        return sconf->canonical_host;
    if (phs_host_is_known(r->hostname, s->server_hostname, s->names))
        return r->hostname;
    return s->server_hostname;
}

int mod_phs_access_https_redirect(request_rec *r)
{
    const phs_server_conf_t *sconf = PHS_SERVER_CONF(r->server);
    const char *target;

    /* The whoami page answers over plain HTTP too: a client behind a TLS
     * proxy httpd does not trust is redirected everywhere else, and asks
     * why. */
    if (!phs_headers_enabled(r) || r->main || r->prev
        || PHS_DIR_CONF(r)->handler == PHS_HANDLER_WHOAMI
        || !mod_phs_https_redirect_on(r) || mod_phs_request_is_https(r)
        || phs_path_set_exempts(mod_phs_redirect_exempt(PHS_DIR_CONF(r)),
                                r->uri)
        || !(target = phs_origin_target(r->pool, r->unparsed_uri)))
        return DECLINED;
    apr_table_setn(r->headers_out, "Location",
                   phs_https_location(r->pool, redirect_host(r, sconf),
                                      sconf->https_port == PHS_UNSET
                                      ? PHS_DEFAULT_HTTPS_PORT
                                      : (unsigned)sconf->https_port,
                                      target));
    mod_phs_count(r->server, PHS_COUNT_HTTPS_REDIRECTS, 1);
    /* 308 keeps the method and body of an SDK's POST; 301 is for GET/HEAD. */
    return r->method_number == M_GET ? HTTP_MOVED_PERMANENTLY
                                     : HTTP_PERMANENT_REDIRECT;
}

/* --------------------------------------------------------- the regions */

struct phs_geoip_t {
    MMDB_s mmdb;
    const char *path;
};

static apr_status_t close_database(void *data)
{
    MMDB_close(&((phs_geoip_t *)data)->mmdb);
    return APR_SUCCESS;
}

/* A database without countries (an ASN one) would place no one, and
 * block no one, silently. */
static void check_type(server_rec *s, apr_pool_t *pconf, const phs_geoip_t *db)
{
    const char *type = db->mmdb.metadata.database_type;

    if (!type || (!ap_strcasestr(type, "country")
                  && !ap_strcasestr(type, "city")))
        mod_phs_startup_warn(s, apr_psprintf(pconf, "PostHogGeoIPDatabase %s "
                             "is a '%s' database, not a Country or City one: "
                             "addresses it has no country for are never "
                             "region-blocked", db->path,
                             type ? type : "untyped"));
}

/* Opened in the parent, once per configuration (each start and graceful
 * restart reads the file again); the children inherit the read-only
 * mapping, so they all answer from the same file whatever happens to it
 * on disk meanwhile. */
const char *mod_phs_geoip_open(apr_pool_t *pconf, server_rec *s,
                               apr_hash_t *opened)
{
    phs_server_conf_t *conf = PHS_SERVER_CONF(s);
    const char *path = conf->geoip_database;
    phs_geoip_t *db;
    int status;

    conf->geoip = NULL;
    if (!path)
        return conf->regions_somewhere == 1
               ? "PostHogBlockedGeoIPRegions (or BLOCKED_GEOIP_REGIONS with "
                 "PostHogFromEnvironment On) needs PostHogGeoIPDatabase"
               : NULL;
    if (!(db = apr_hash_get(opened, path, APR_HASH_KEY_STRING))) {
        db = apr_pcalloc(pconf, sizeof(*db));
        db->path = path;
        status = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb);
        if (status != MMDB_SUCCESS)
            return apr_psprintf(pconf, "PostHogGeoIPDatabase: cannot open "
                                "%s: %s%s", path, MMDB_strerror(status),
                                status == MMDB_IO_ERROR && errno
                                ? apr_psprintf(pconf, " (%s)", strerror(errno))
                                : "");
        apr_pool_cleanup_register(pconf, db, close_database,
                                  apr_pool_cleanup_null);
        check_type(s, pconf, db);
        apr_hash_set(opened, path, APR_HASH_KEY_STRING, db);
    }
    conf->geoip = db;
    return NULL;
}

int mod_phs_geoip_country(request_rec *r, const phs_ip_t *client,
                          char country[3])
{
    const phs_geoip_t *db = PHS_SERVER_CONF(r->server)->geoip;
    const apr_sockaddr_t *addr;
    MMDB_lookup_result_s found;
    MMDB_entry_data_s code;
    int status;

    if (!db)
        return -1;
    /* IPv4 (mapped ones included) in the database's IPv4 subtree. */
    if (!(addr = mod_phs_client_sockaddr(r->pool, client, "", 0)))
        return 0;
    found = MMDB_lookup_sockaddr(&db->mmdb, (const struct sockaddr *)&addr->sa,
                                 &status);
    if (status != MMDB_SUCCESS) {
        /* An IPv6 client and an IPv4-only database, a damaged tree. */
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "%s: no country for "
                      "%s: %s", db->path, r->useragent_ip,
                      MMDB_strerror(status));
        return 0;
    }
    if (!found.found_entry
        || MMDB_get_value(&found.entry, &code, "country", "iso_code",
                          NULL) != MMDB_SUCCESS
        || !code.has_data || code.type != MMDB_DATA_TYPE_UTF8_STRING
        || code.data_size != 2)
        return 0;
    country[0] = (char)apr_toupper(code.utf8_string[0]);
    country[1] = (char)apr_toupper(code.utf8_string[1]);
    country[2] = '\0';
    return 1;
}

/* -------------------------------------------------------- the decision */

typedef enum {
    ACCESS_ALLOWED, ACCESS_EXEMPT, ACCESS_DENIED, ACCESS_REPORT_ONLY
} access_t;

/* POSTHOG_ACCESS. */
static const char *const access_names[] = {
    "allowed", "exempt", "denied", "report-only"
};

typedef struct {
    access_t verdict;
    phs_counter_t counter;      /* what the verdict counts as */
    const char *reason;         /* denied: why, for the log */
} decision_t;

static const decision_t allowed = { ACCESS_ALLOWED, PHS_COUNT_ALLOWED, NULL };
static const decision_t exempted = { ACCESS_EXEMPT, PHS_COUNT_EXEMPT, NULL };

static decision_t denial(phs_counter_t counter, const char *reason)
{
    decision_t decision = { ACCESS_DENIED, counter, reason };

    return decision;
}

/* POSTHOG_DENY_REASON of a denial (or would-be denial) counter. */
static const char *reason_token(phs_counter_t counter)
{
    static const char *const tokens[PHS_DENIAL_REASONS] = {
        "not_allowed", "blocked", "region", "client_unknown"
    };

    if (counter >= PHS_COUNT_WOULD_DENY_NOT_ALLOWED)
        counter -= PHS_COUNT_WOULD_DENY_NOT_ALLOWED
                   - PHS_COUNT_DENIED_NOT_ALLOWED;
    return tokens[counter - PHS_COUNT_DENIED_NOT_ALLOWED];
}

/* The client's address; 0 with the reason when it is unknown. */
static int client_address(request_rec *r, phs_ip_t *client,
                          const char **reason)
{
    const phs_request_t *state = mod_phs_client_state(r);

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

const char *mod_phs_geoip_client_country(request_rec *r)
{
    phs_request_t *state = mod_phs_request_state(r);
    const char *reason;
    char code[3];
    phs_ip_t client;

    if (!state->country && PHS_SERVER_CONF(r->server)->geoip)
        state->country = client_address(r, &client, &reason)
                         && mod_phs_geoip_country(r, &client, code) == 1
                         ? apr_pstrdup(r->pool, code) : "";
    return state->country;
}

/* PostHog's rule after the allow-list: a listed country is denied, an
 * address the database cannot place is not; a client that cannot be known
 * is denied. */
static decision_t decide_region(request_rec *r,
                                const phs_region_set_t *regions)
{
    const char *reason, *country;
    phs_ip_t client;

    if (!client_address(r, &client, &reason))
        return denial(PHS_COUNT_DENIED_CLIENT_UNKNOWN, reason);
    /* Startup makes a database a condition of regions. */
    if (!(country = mod_phs_geoip_client_country(r)))
        return denial(PHS_COUNT_DENIED_REGION, "no PostHogGeoIPDatabase");
    if (*country && phs_region_set_contains(regions, country, 2))
        return denial(PHS_COUNT_DENIED_REGION, apr_psprintf(r->pool,
                      "client country %s in PostHogBlockedGeoIPRegions",
                      country));
    return allowed;
}

/* The deny-list on every path, then the exemptions, then the allow-list,
 * else the regions. */
static decision_t decide(request_rec *r, const phs_dir_conf_t *conf)
{
    const char *reason;
    phs_ip_t client;

    if (conf->blocked.state == PHS_BLOCKS_LIST) {
        /* Not known to be someone else: refused, as on restricted paths. */
        if (!client_address(r, &client, &reason))
            return denial(PHS_COUNT_DENIED_CLIENT_UNKNOWN, reason);
        if (mod_phs_blocks_contain(&conf->blocked, &client))
            return denial(PHS_COUNT_DENIED_DENY_LISTED, "client address in "
                          "PostHogBlockedIPBlocks");
    }
    if (conf->ip_restriction == 0
        || phs_path_set_exempts(mod_phs_exempt_paths(conf), r->uri))
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

/* For logs, SetEnvIf, `Require env`, mod_headers, CGI and other modules;
 * values another module set before (a SetEnvIf, a subrequest's copy of
 * its parent's) are replaced. */
static void export_variables(request_rec *r, phs_request_t *state)
{
    apr_table_t *env = r->subprocess_env;
    const char *country = mod_phs_geoip_client_country(r);

    apr_table_setn(env, "POSTHOG_ACCESS", state->access);
    if (mod_phs_client_state(r)->client_unknown)
        apr_table_unset(env, "POSTHOG_CLIENT_IP");
    else
        apr_table_setn(env, "POSTHOG_CLIENT_IP", r->useragent_ip);
    apr_table_setn(env, "POSTHOG_HTTPS",
                   mod_phs_request_is_https(r) ? "on" : "off");
    if (state->reason_token)
        apr_table_setn(env, "POSTHOG_DENY_REASON", state->reason_token);
    else
        apr_table_unset(env, "POSTHOG_DENY_REASON");
    if (country)
        apr_table_setn(env, "POSTHOG_COUNTRY", country);
}

static void record(request_rec *r, phs_request_t *state,
                   const decision_t *decision, int refused)
{
    int denied = decision->verdict == ACCESS_DENIED
                 || decision->verdict == ACCESS_REPORT_ONLY;

    state->access = access_names[decision->verdict];
    state->counter = decision->counter;
    state->denial = decision->reason;
    state->reason_token = denied ? reason_token(decision->counter) : NULL;
    state->would_deny = decision->verdict == ACCESS_REPORT_ONLY;
    state->refused = refused;
    state->status = PHS_MERGE_INT(PHS_DIR_CONF(r)->deny_status,
                                  PHS_DEFAULT_DENY_STATUS);
    export_variables(r, state);
}

/* Decides this request_rec on its own URI, once.  A denial where
 * PostHogReportOnly is On is only reported.  The whoami page answers
 * every client at its own location, a refused one first of all (it is how
 * a refused client finds out why): there the denial is held, and given
 * after all if another handler is to answer (mod_phs_access_refuse_unheard). */
static phs_request_t *decide_once(request_rec *r)
{
    const phs_dir_conf_t *conf = PHS_DIR_CONF(r);
    phs_request_t *state = mod_phs_request_state(r);
    decision_t decision;

    if (state->access)
        return state;
    decision = decide(r, conf);
    if (decision.verdict == ACCESS_DENIED && conf->report_only == 1) {
        decision.verdict = ACCESS_REPORT_ONLY;
        decision.counter = PHS_WOULD_DENY(decision.counter);
    }
    else if (decision.verdict == ACCESS_DENIED
             && conf->handler == PHS_HANDLER_WHOAMI) {
        state->held_counter = decision.counter;
        state->held_denial = decision.reason;
        decision = exempted;
    }
    record(r, state, &decision, decision.verdict == ACCESS_DENIED);
    return state;
}

/* A whoami handler's look at a path: its subrequest is decided as any
 * other, but its denial is only shown to the one who asked. */
static int is_probe(const request_rec *r)
{
    const phs_request_t *main_state = r->main
                                      ? mod_phs_request_state_of(r->main)
                                      : NULL;

    return main_state && main_state->probing;
}

/* The refusal: at error, as mod_authz_core logs its denials (an admin sees
 * them with the default LogLevel), with PostHogDenyStatus and
 * PostHogDenyMessage unless an ErrorDocument answers that status.  A
 * report-only denial is logged at warn, once, and served. */
static int enforce(request_rec *r, phs_request_t *state)
{
    if (state->would_deny) {
        if (!state->reported && !is_probe(r))
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "would deny "
                          "client %s (peer %s) for %s: %s (PostHogReportOnly "
                          "On: served)", r->useragent_ip, mod_phs_peer_ip(r),
                          r->uri, state->denial);
        state->reported = 1;
        return DECLINED;
    }
    if (!state->refused)
        return DECLINED;
    if (!is_probe(r))
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "denied client %s (peer %s) for %s: %s",
                      r->useragent_ip, mod_phs_peer_ip(r), r->uri,
                      state->denial);
    if (!ap_response_code_string(r, ap_index_of_response(state->status)))
        ap_custom_response(r, state->status,
                           PHS_MERGE_PTR(PHS_DIR_CONF(r)->deny_message,
                                         PHS_DEFAULT_DENY_MESSAGE));
    return state->status;
}

int mod_phs_access_check(request_rec *r)
{
    return phs_access_enabled(r) ? enforce(r, decide_once(r)) : DECLINED;
}

/* Every request_rec is decided as soon as its location is known, so that
 * SetEnvIf and the other header_parser hooks see the verdict.  httpd runs
 * the access phase again for an internal redirect or a subrequest only
 * when its per-directory configuration differs from the request it came
 * from, so the same `ProxyPass /` location lets an ErrorDocument, a CGI's
 * local Location or a DirectoryIndex reach what the client was refused:
 * those are refused here, whatever ran before.  A refused request runs no
 * handler: what follows it is the ErrorDocument httpd sends for the
 * refusal, the admin's page for it, which is served. */
int mod_phs_access_decide(request_rec *r)
{
    const phs_request_t *prev;

    if (!phs_access_enabled(r))
        return DECLINED;
    if (!r->main && !r->prev) {
        decide_once(r);
        return DECLINED;
    }
    prev = r->prev ? mod_phs_request_state_of(r->prev) : NULL;
    if (prev && prev->refused) {
        phs_request_t *state = mod_phs_request_state(r);
        decision_t decision = { ACCESS_DENIED, prev->counter, prev->denial };

        record(r, state, &decision, 0);
        return DECLINED;
    }
    return enforce(r, decide_once(r));
}

/* `Satisfy Any` asks for credentials when the access phase fails, and a
 * module whose access_checker_ex says OK ends that phase: a denial is
 * given again in access_checker_ex and before any handler (fixups). */
int mod_phs_access_refuse_again(request_rec *r)
{
    const phs_request_t *state = mod_phs_request_state_of(r);

    return state && state->refused ? state->status : DECLINED;
}

int mod_phs_access_refuse_unheard(request_rec *r)
{
    const phs_request_t *seen = mod_phs_request_state_of(r);
    phs_request_t *state;
    decision_t decision;

    if (!seen || !seen->held_denial
        || mod_phs_handler_is(r, PHS_WHOAMI_HANDLER))
        return DECLINED;
    state = mod_phs_request_state(r);
    decision = denial(state->held_counter, state->held_denial);
    record(r, state, &decision, 1);
    return enforce(r, state);
}
