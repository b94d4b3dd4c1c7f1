#include "mod_phs_region.h"
#include "mod_phs_directive.h"
#include "mod_phs_startup.h"

#include <http_log.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>

APLOG_USE_MODULE(posthog_secure);

struct phs_geoip_t {
    MMDB_s mmdb;
    const char *path;
};

const char *phs_cmd_geoip_database(cmd_parms *cmd, void *dconf,
                                   const char *path)
{
    const char *file = ap_server_root_relative(cmd->pool, path);

    (void)dconf;
    if (!file)
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool,
                             "invalid path '%s'", path));
    PHS_SERVER_CONF(cmd->server)->geoip_database = file;
    return NULL;
}

/* `none` is an empty set, which replaces the parent's. */
const char *phs_cmd_blocked_regions(cmd_parms *cmd, void *dconf,
                                    const char *word)
{
    phs_dir_conf_t *conf = dconf;
    phs_region_set_t *set = conf->blocked_regions;
    apr_size_t before = set ? phs_region_set_count(set) : 0;
    const char *err;

    if (!strcasecmp(word, "none")) {
        if (before)
            return phs_cmd_error(cmd, "'none' cannot be combined with "
                                 "country codes in one scope");
        conf->blocked_regions = phs_region_set_make(cmd->pool);
        return NULL;
    }
    if (set && !before)
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' cannot "
                             "follow 'none' in one scope", word));
    if (!set)
        set = conf->blocked_regions = phs_region_set_make(cmd->pool);
    if ((err = phs_region_set_add_list(set, cmd->temp_pool, word)))
        return phs_cmd_error(cmd, err);
    if (phs_region_set_count(set) == before && !before)
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool,
                             "no country code in '%s'", word));
    PHS_SERVER_CONF(cmd->server)->regions_somewhere = 1;
    return NULL;
}

static apr_status_t close_database(void *data)
{
    MMDB_close(&((phs_geoip_t *)data)->mmdb);
    return APR_SUCCESS;
}

/* Opened in the parent, once per configuration (each start and graceful
 * restart reads the file again); the children inherit the read-only
 * mapping, so they all answer from the same file whatever happens to it
 * on disk meanwhile. */
/* A database without countries (an ASN one) would place no one, and
 * block no one, silently. */
static void check_type(server_rec *s, apr_pool_t *pconf, const phs_geoip_t *db)
{
    const char *type = db->mmdb.metadata.database_type;

    if (!type || (!ap_strcasestr(type, "country")
                  && !ap_strcasestr(type, "city")))
        phs_startup_warn(s, apr_psprintf(pconf, "PostHogGeoIPDatabase %s is "
                         "a '%s' database, not a Country or City one: "
                         "addresses it has no country for are never "
                         "region-blocked", db->path, type ? type : "untyped"));
}

static const char *open_database(server_rec *s, apr_pool_t *pconf,
                                 apr_hash_t *opened, const char *path,
                                 phs_geoip_t **out)
{
    phs_geoip_t *db = apr_hash_get(opened, path, APR_HASH_KEY_STRING);
    int status;

    if (!db) {
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
    *out = db;
    return NULL;
}

int phs_region_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *opened = apr_hash_make(ptemp);
    const char *err = NULL;

    (void)plog;
    for (; s; s = s->next) {
        phs_server_conf_t *conf = PHS_SERVER_CONF(s);

        conf->geoip = NULL;
        if (conf->geoip_database)
            err = open_database(s, pconf, opened, conf->geoip_database,
                                &conf->geoip);
        else if (conf->regions_somewhere == 1)
            err = "PostHogBlockedGeoIPRegions (or BLOCKED_GEOIP_REGIONS with "
                  "PostHogFromEnvironment On) needs PostHogGeoIPDatabase";
        if (err) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                         "%s (vhost %s:%u)", err, s->server_hostname,
                         s->port);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

/* The address as the database reads it: IPv4 (mapped ones included) in
 * its IPv4 subtree, IPv6 otherwise. */
static void client_sockaddr(const phs_ip_t *ip,
                                 struct sockaddr_storage *sa)
{
    memset(sa, 0, sizeof(*sa));
    if (phs_ip_is_v4(ip)) {
        struct sockaddr_in *v4 = (struct sockaddr_in *)sa;

        v4->sin_family = AF_INET;
        v4->sin_addr.s_addr = htonl((apr_uint32_t)ip->lo);
    }
    else {
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
        int i;

        v6->sin6_family = AF_INET6;
        for (i = 0; i < 8; i++) {
            v6->sin6_addr.s6_addr[i] = (unsigned char)(ip->hi >> (56 - 8 * i));
            v6->sin6_addr.s6_addr[i + 8] =
                (unsigned char)(ip->lo >> (56 - 8 * i));
        }
    }
}

int phs_region_country(request_rec *r, const phs_ip_t *client,
                       char country[3])
{
    const phs_geoip_t *db = PHS_SERVER_CONF(r->server)->geoip;
    struct sockaddr_storage sa;
    MMDB_lookup_result_s found;
    MMDB_entry_data_s code;
    int status;

    if (!db)
        return -1;
    client_sockaddr(client, &sa);
    found = MMDB_lookup_sockaddr(&db->mmdb, (struct sockaddr *)&sa, &status);
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
