/* Who may in (httpd glue): internal redirects and subrequests decided on
 * their own URI, plain HTTP redirected to HTTPS, the deny-list, the
 * exemptions, the allow-list and the regions, each denial a 403 before any
 * handler or proxy runs, and refused again wherever another module would
 * let it through. */
#ifndef MOD_PHS_ACCESS_H
#define MOD_PHS_ACCESS_H

#include "mod_phs_config.h"

/* post_perdir_config: every request_rec decided, its POSTHOG_* variables
 * set; internal redirects and subrequests, whose access phase httpd skips
 * when their configuration is their parent's, refused there. */
int mod_phs_access_decide(request_rec *r);
/* post_perdir_config, before the decision: plain HTTP redirected to HTTPS
 * (301, 308 with a body). */
int mod_phs_access_https_redirect(request_rec *r);
/* access_checker: the initial request. */
int mod_phs_access_check(request_rec *r);
/* access_checker_ex and fixups: a denied request_rec stays refused. */
int mod_phs_access_refuse_again(request_rec *r);
/* handler, before any other: a client refused everywhere but at a whoami
 * location is refused after all when another handler is to answer there
 * (a per-directory RewriteRule [P], [H=...]). */
int mod_phs_access_refuse_unheard(request_rec *r);

/* startup: opens s's MaxMind database (each file once: `opened` maps
 * paths to open ones) and refuses regions without one; NULL or why httpd
 * must not start. */
const char *mod_phs_geoip_open(apr_pool_t *pconf, server_rec *s,
                               apr_hash_t *opened);
/* The client's country where r's vhost has a database, looked up once
 * per request_rec: its code, "" when the database cannot place the client
 * (or the client is unknown), NULL without a database. */
const char *mod_phs_geoip_client_country(request_rec *r);
/* The client's country in r's vhost's database: 1 with its code in
 * `country` (upper case, NUL-terminated), 0 when the database has no
 * country for the address, -1 when the vhost has no database. */
int mod_phs_geoip_country(request_rec *r, const phs_ip_t *client,
                          char country[3]);

#endif
