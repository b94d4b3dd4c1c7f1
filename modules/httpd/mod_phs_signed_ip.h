/* The signed client IP for the backend: X-PostHog-Client-IP, -Timestamp,
 * -Signature; forged copies from clients are removed (httpd glue). */
#ifndef MOD_PHS_SIGNED_IP_H
#define MOD_PHS_SIGNED_IP_H

#include "mod_phs_conf.h"
#include "phs_signed_ip.h"


const char *phs_cmd_sign_client_ip(cmd_parms *cmd, void *dconf,
                                   const char *value);

/* The key that signs: PostHogSigningKey, else the secret key; or NULL. */
#define phs_signing_key(sconf) \
    PHS_MERGE_PTR((sconf)->signing_key, (sconf)->secret_key)

int phs_signed_ip_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s);
int phs_signed_ip_add(request_rec *r);

#endif
