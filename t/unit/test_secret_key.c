/* Unit tests of the secret-key checks (good keys from the openssl
 * command). */
#include <apr_general.h>
#include <apr_strings.h>
#include <stdlib.h>

#include "tap.h"
#include "phs_secret_key.h"

static void test_bad_keys(void)
{
    static const struct { const char *key, *why; } bad[] = {
        { "<randomly generated secret key>", "placeholder" },
        { "", "shorter" },
        { "0123456789abcdef0123456789abcde", "shorter" },
        { "short", "shorter" },
        { "00000000000000000000000000000000000000000000", "repeated character" },
        { "abababababababababababababababababababab", "repeated pattern" },
        { "abcdefghabcdefghabcdefghabcdefghabcdefgh", "repeated pattern" },
        { "passwordpasswordpasswordpassword", "repeated pattern" },
        { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "distinct" },
        { "0101010101010101010101010101011001", "distinct" },
        { "abcabcabcabcabcabcabcabcabcabcabcXYZ", "distinct" },
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        const char *problem = phs_secret_key_problem(bad[i].key);

        tap_ok(problem && strstr(problem, bad[i].why), "key %zu refused: %s",
               i, problem ? problem : "(accepted)");
        tap_ok(!problem || strlen(bad[i].key) < 8 || !strstr(problem, bad[i].key),
               "the reason never quotes the key");
    }
}

static void test_good_keys(apr_pool_t *p)
{
    static const char *const commands[] = {
        "openssl rand -hex 32", "openssl rand -base64 48",
        "openssl rand -hex 16", "openssl rand -base64 24",
    };
    size_t i;
    int round;

    for (i = 0; i < sizeof(commands) / sizeof(*commands); i++)
        for (round = 0; round < 5; round++) {
            const char *key = tap_command_output(p, commands[i]);
            const char *problem = key ? phs_secret_key_problem(key) : "no key";

            tap_ok(key && strlen(key) >= 32 && problem == NULL,
                   "a key from `%s` is accepted%s%s", commands[i],
                   problem ? ": " : "", problem ? problem : "");
        }
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_bad_keys();
    test_good_keys(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
