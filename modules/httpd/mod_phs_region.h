/* Region blocking as PostHog's BLOCKED_GEOIP_REGIONS: the MaxMind
 * database (PostHogGeoIPDatabase) and the blocked countries
 * (PostHogBlockedGeoIPRegions) (httpd glue around phs_region). */
#ifndef MOD_PHS_REGION_H
#define MOD_PHS_REGION_H

#include "mod_phs_conf.h"

const char *phs_cmd_geoip_database(cmd_parms *cmd, void *dconf,
                                   const char *path);
/* ITERATE: codes (commas or spaces between them), or `none`. */
const char *phs_cmd_blocked_regions(cmd_parms *cmd, void *dconf,
                                    const char *word);

/* check_config, after the environment's: opens each vhost's database
 * (a configtest error names a file that is missing or not a MaxMind
 * database) and refuses regions without one. */
int phs_region_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s);

/* The client's country in this vhost's database: 1 with its code in
 * `country` (upper case, NUL-terminated), 0 when the database has no
 * country for the address, -1 when the vhost has no database. */
int phs_region_country(request_rec *r, const phs_ip_t *client,
                       char country[3]);

#endif
