#include "phs_signed_ip.h"

#include <string.h>

#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

const char *phs_client_ip_signature(apr_pool_t *p, const char *key,
                                    const char *ip, apr_int64_t seconds)
{
    const char *message = apr_psprintf(p, "%s:%" APR_INT64_T_FMT, ip, seconds);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0, i;
    char *hex;

    if (!HMAC(EVP_sha256(), key, (int)strlen(key),
              (const unsigned char *)message, strlen(message), mac, &mac_len))
        return NULL;
    hex = apr_palloc(p, mac_len * 2 + 1);
    for (i = 0; i < mac_len; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    return hex;
}
