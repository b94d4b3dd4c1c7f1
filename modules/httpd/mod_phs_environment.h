/* PostHog's own environment variables as httpd's configuration
 * (PostHogFromEnvironment On): the same env block configures PostHog and
 * the httpd in front of it.  An explicit directive always beats the
 * environment. */
#ifndef MOD_PHS_ENVIRONMENT_H
#define MOD_PHS_ENVIRONMENT_H

#include "mod_phs_config.h"

/* Fills what the directives of s left unset from ALLOWED_IP_BLOCKS,
 * TRUSTED_PROXIES, IS_BEHIND_PROXY, SECURE_COOKIES,
 * DISABLE_SECURE_SSL_REDIRECT, BLOCKED_GEOIP_REGIONS, DEBUG, TEST,
 * SECRET_KEY and MANAGED_PROXY_SIGNING_KEYS; refuses TRUST_ALL_PROXIES=true
 * unless PostHogTrustAllProxies says what httpd should do.  NULL, or why
 * httpd must not start (naming the variable). */
const char *mod_phs_environment_import(apr_pool_t *pconf, server_rec *s);

#endif
