/* The signed client IP in PostHog's format (its
 * ManagedProxyClientIPMiddleware).  APR and OpenSSL only. */
#ifndef PHS_SIGNED_IP_H
#define PHS_SIGNED_IP_H

#include <apr_pools.h>

#define PHS_CLIENT_IP_HEADER "X-PostHog-Client-IP"
#define PHS_CLIENT_IP_TIMESTAMP_HEADER PHS_CLIENT_IP_HEADER "-Timestamp"
#define PHS_CLIENT_IP_SIGNATURE_HEADER PHS_CLIENT_IP_HEADER "-Signature"

/* Lowercase hex HMAC-SHA256(key, "<ip>:<seconds>"), 64 characters. */
const char *phs_client_ip_signature(apr_pool_t *p, const char *key,
                                    const char *ip, apr_int64_t seconds);

#endif
