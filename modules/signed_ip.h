/* The signed client IP for the backend: X-PostHog-Client-IP, -Timestamp,
 * -Signature; forged copies from clients are removed (httpd glue). */
#ifndef PHS_SIGNED_IP_H
#define PHS_SIGNED_IP_H

#include "phs_conf.h"

#define PHS_CLIENT_IP_HEADER "X-PostHog-Client-IP"
#define PHS_CLIENT_IP_TIMESTAMP_HEADER PHS_CLIENT_IP_HEADER "-Timestamp"
#define PHS_CLIENT_IP_SIGNATURE_HEADER PHS_CLIENT_IP_HEADER "-Signature"

const char *phs_cmd_sign_client_ip(cmd_parms *cmd, void *dconf,
                                   const char *value);

/* The key that signs: PostHogSigningKey, else the secret key; or NULL. */
#define phs_signing_key(sconf) \
    PHS_MERGE_PTR((sconf)->signing_key, (sconf)->secret_key)

int phs_signed_ip_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp);
int phs_signed_ip_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s);
/* post_read_request: removes forged copies, every spelling. */
int phs_signed_ip_strip(request_rec *r);
int phs_signed_ip_add(request_rec *r);

#endif
