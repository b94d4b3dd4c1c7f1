/* Fuzz target: PostHog's environment values and the key checks
 * (phs_env_bool, phs_env_is_set, phs_secret_key_problem,
 * phs_client_ip_signature), against plain models of the documented rules.
 *
 * Input: the whole text and each line are tried as values and keys; the
 * first line is the key, the second the IP, the third the seconds of a
 * signature. */
#include "fuzz.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "phs_secret_key.h"
#include "phs_env.h"
#include "phs_signed_ip.h"

static int naive_is_set(const char *value)
{
    for (; *value; value++)
        if (!apr_isspace(*value))
            return 1;
    return 0;
}

static int naive_bool(const char *value)
{
    static const char *const truths[] = { "y", "yes", "t", "true", "on", "1" };
    const char *end = value + strlen(value);
    size_t i;

    while (apr_isspace(*value))
        value++;
    while (end > value && apr_isspace(end[-1]))
        end--;
    if (end == value)
        return -1;
    for (i = 0; i < sizeof(truths) / sizeof(*truths); i++)
        if (fuzz_same_word(value, (size_t)(end - value), truths[i]))
            return 1;
    return 0;
}

/* p is a period of key when the key equals itself shifted by p. */
static size_t naive_period(const char *key, size_t len)
{
    size_t p;

    for (p = 1; p < len; p++)
        if (!memcmp(key, key + p, len - p))
            return p;
    return len;
}

static int naive_distinct(const char *key)
{
    int seen[256] = { 0 }, count = 0;

    for (; *key; key++) {
        count += !seen[(unsigned char)*key];
        seen[(unsigned char)*key] = 1;
    }
    return count;
}

static int naive_key_fit(const char *key)
{
    size_t len = strlen(key);

    return strcmp(key, PHS_SECRET_KEY_PLACEHOLDER) && len >= 32
           && naive_period(key, len) > 8 && naive_distinct(key) >= 8;
}

static const char *value_ok(apr_pool_t *p, const char *value)
{
    const char *problem = phs_secret_key_problem(value);

    if (phs_env_is_set(value) != naive_is_set(value))
        return fuzz_broken(p, "phs_env_is_set('%s') is wrong",
                           fuzz_shown(p, value));
    if (phs_env_bool(value) != naive_bool(value))
        return fuzz_broken(p, "phs_env_bool('%s') is %d",
                           fuzz_shown(p, value), phs_env_bool(value));
    if ((problem == NULL) != naive_key_fit(value))
        return fuzz_broken(p, "key '%s' is %s", fuzz_shown(p, value),
                           problem ? "refused" : "accepted");
    /* The key is never quoted back (a shorter one could be a word of the
     * message by chance). */
    if (problem && strlen(value) >= PHS_SECRET_KEY_MIN_LENGTH
        && strstr(problem, value))
        return "a key problem quotes the key";
    return phs_env_bool(NULL) == -1 && !phs_env_is_set(NULL)
           ? NULL : "NULL is not unset";
}

static int is_lower_hex(const char *s, size_t len)
{
    return strlen(s) == len && strspn(s, "0123456789abcdef") == len;
}

/* 64 lowercase hex digits, the same for the same input, another for
 * another second. */
static const char *signature_ok(apr_pool_t *p, const char *key,
                                const char *ip, apr_int64_t seconds)
{
    const char *mac = phs_client_ip_signature(p, key, ip, seconds);
    const char *same = phs_client_ip_signature(p, key, ip, seconds);
    const char *next = phs_client_ip_signature(p, key, ip, seconds ^ 1);

    if (!mac && !*key)
        return NULL;            /* an empty key is never accepted anyway */
    if (!mac || !is_lower_hex(mac, 64))
        return fuzz_broken(p, "signature '%s' is not 64 lowercase hex "
                           "digits", mac ? fuzz_shown(p, mac) : "(null)");
    if (!same || strcmp(mac, same) || !next || !strcmp(mac, next))
        return "the signature does not depend on its input alone";
    return NULL;
}

const char *phs_check_secret_key(apr_pool_t *p, const char *data, size_t size)
{
    apr_array_header_t *lines = fuzz_split_lines(p, data, size);
    const char *failure;
    int i;

    if ((failure = value_ok(p, fuzz_exact_string(p, data, size))))
        return failure;
    for (i = 0; i < lines->nelts; i++)
        if ((failure = value_ok(p, APR_ARRAY_IDX(lines, i, const char *))))
            return failure;
    return signature_ok(p, fuzz_line_at(lines, 0, ""),
                        fuzz_line_at(lines, 1, ""),
                        apr_atoi64(fuzz_line_at(lines, 2, "0")));
}

#ifdef PHS_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return phs_fuzz_run(phs_check_secret_key, data, size);
}
#endif
