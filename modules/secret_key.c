#include "secret_key.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* The shortest period p with key[i] == key[i - p] throughout. */
static apr_size_t period_of(const char *key, apr_size_t len)
{
    apr_size_t p, i;

    for (p = 1; p < len; p++) {
        for (i = p; i < len && key[i] == key[i - p]; i++)
            ;
        if (i == len)
            return p;
    }
    return len;
}

static int distinct_chars(const char *key)
{
    /* A flag, not a counter: a counter of chars wraps after 256 repeats
     * and would count the character again. */
    unsigned char seen[256] = { 0 };
    int count = 0;

    for (; *key; key++) {
        unsigned char c = (unsigned char)*key;

        if (!seen[c]) {
            seen[c] = 1;
            count++;
        }
    }
    return count;
}

/* A key this short a period repeats is a pattern, not a secret. */
#define MAX_PATTERN_PERIOD 8
#define MIN_DISTINCT_CHARS 8

const char *phs_secret_key_problem(const char *key)
{
    apr_size_t len = strlen(key);

    if (!strcmp(key, PHS_SECRET_KEY_PLACEHOLDER))
        return "it is PostHog's placeholder";
    if (len < PHS_SECRET_KEY_MIN_LENGTH)
        return "it is shorter than 32 characters";
    if (period_of(key, len) == 1)
        return "it is one repeated character";
    if (period_of(key, len) <= MAX_PATTERN_PERIOD)
        return "it is a short repeated pattern";
    if (distinct_chars(key) < MIN_DISTINCT_CHARS)
        return "it has fewer than 8 distinct characters";
    return NULL;
}

int phs_env_is_set(const char *value)
{
    if (!value)
        return 0;
    for (; *value; value++)
        if (!apr_isspace(*value))
            return 1;
    return 0;
}

int phs_env_bool(const char *value)
{
    static const char *const truths[] = { "y", "yes", "t", "true", "on", "1" };
    apr_size_t start, len, i;

    if (!phs_env_is_set(value))
        return -1;
    for (start = 0; apr_isspace(value[start]); start++)
        ;
    for (len = strlen(value + start); apr_isspace(value[start + len - 1]); len--)
        ;
    for (i = 0; i < sizeof(truths) / sizeof(*truths); i++)
        if (strlen(truths[i]) == len
            && !strncasecmp(value + start, truths[i], len))
            return 1;
    return 0;
}

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
