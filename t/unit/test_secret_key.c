/* Unit tests of the secret-key checks, PostHog's environment parsing and
 * the client-IP signature (checked against the openssl command). */
#include "tap.h"
#include "secret_key.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdlib.h>

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

/* Output of a command, trailing newline dropped. */
static char *command_output(apr_pool_t *p, const char *command)
{
    char buf[512] = "";
    FILE *f = popen(command, "r");

    if (!f)
        return NULL;
    if (!fgets(buf, sizeof(buf), f))
        buf[0] = '\0';
    pclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return apr_pstrdup(p, buf);
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
            const char *key = command_output(p, commands[i]);
            const char *problem = key ? phs_secret_key_problem(key) : "no key";

            tap_ok(key && strlen(key) >= 32 && problem == NULL,
                   "a key from `%s` is accepted%s%s", commands[i],
                   problem ? ": " : "", problem ? problem : "");
        }
}

/* A test name for a value that may hold whitespace. */
static const char *shown(apr_pool_t *p, const char *value)
{
    char *out = apr_pstrdup(p, value), *c;

    for (c = out; *c; c++)
        if (*c == '\t' || *c == '\n')
            *c = '_';
    return out;
}

static void test_env_bool(apr_pool_t *p)
{
    static const char *const truths[] = {
        "y", "Y", "yes", "YES", "Yes", "t", "T", "true", "True", "TRUE",
        "on", "ON", "1", " true ", "\ttrue\n",
    };
    static const char *const falsehoods[] = {
        "n", "no", "false", "False", "off", "0", "2", "yess", "tru", "enable",
        "1 1", "-1", "nope",
    };
    static const char *const unset[] = { "", " ", "\t\n" };
    size_t i;

    for (i = 0; i < sizeof(truths) / sizeof(*truths); i++)
        tap_ok(phs_env_bool(truths[i]) == 1, "'%s' is true", shown(p, truths[i]));
    for (i = 0; i < sizeof(falsehoods) / sizeof(*falsehoods); i++)
        tap_ok(phs_env_bool(falsehoods[i]) == 0, "'%s' is false", falsehoods[i]);
    for (i = 0; i < sizeof(unset) / sizeof(*unset); i++) {
        tap_ok(phs_env_bool(unset[i]) == -1, "'%s' is unset", shown(p, unset[i]));
        tap_ok(!phs_env_is_set(unset[i]), "'%s' does not count as set",
               shown(p, unset[i]));
    }
    tap_ok(phs_env_bool(NULL) == -1 && !phs_env_is_set(NULL), "NULL is unset");
    tap_ok(phs_env_is_set("0"), "'0' counts as set");
}

static void test_signature(apr_pool_t *p)
{
    static const struct { const char *ip; apr_int64_t seconds; } cases[] = {
        { "198.51.100.7", 1795963777 }, { "2001:db8::1", 0 },
        { "127.0.0.1", 4102444800LL },
    };
    const char *key = "c0ffee-0123456789abcdef0123456789abcdef-k3y";
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const char *sig = phs_client_ip_signature(p, key, cases[i].ip,
                                                  cases[i].seconds);
        const char *want = command_output(p, apr_psprintf(p,
            "printf '%%s' '%s:%" APR_INT64_T_FMT "' | openssl dgst -sha256 "
            "-hmac '%s' | sed 's/^.*= //'", cases[i].ip, cases[i].seconds, key));

        tap_is_str(sig, want, apr_psprintf(p, "signature of %s at %" APR_INT64_T_FMT
                                           " matches openssl dgst", cases[i].ip,
                                           cases[i].seconds));
        tap_ok(sig && strlen(sig) == 64 && strspn(sig, "0123456789abcdef") == 64,
               "64 lowercase hex digits");
    }
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_bad_keys();
    test_good_keys(p);
    test_env_bool(p);
    test_signature(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
