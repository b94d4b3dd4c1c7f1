/* Unit tests of the client-IP signature, checked against openssl dgst. */
#include <apr_general.h>
#include <apr_strings.h>

#include "tap.h"
#include "phs_signed_ip.h"

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
        const char *want = tap_command_output(p, apr_psprintf(p,
            "printf '%%s' '%s:%" APR_INT64_T_FMT "' | openssl dgst -sha256 "
            "-hmac '%s' | sed 's/^.*= //'", cases[i].ip, cases[i].seconds, key));

        tap_is_str(sig, want, apr_psprintf(p, "signature of %s at %" APR_INT64_T_FMT
                                           " matches openssl dgst", cases[i].ip,
                                           cases[i].seconds));
        tap_ok(sig && strlen(sig) == 64 && strspn(sig, "0123456789abcdef") == 64,
               "64 lowercase hex digits");
    }
}

/* Known answers, computed once with Python's hmac module (not OpenSSL),
 * so that a fault shared by the module and openssl dgst still shows. */
static void test_known_answers(apr_pool_t *p)
{
    tap_is_str(phs_client_ip_signature(p, "c0ffee-0123456789abcdef0123456789abcdef-k3y",
                                       "198.51.100.7", 1795963777),
               "6a2eca7f2a9bc4389c425c0202c6d0af95e6b644050ff31271a6b9708ea3cdd5",
               "known answer: 198.51.100.7 at 1795963777");
    tap_is_str(phs_client_ip_signature(p, "Jefe", "192.0.2.1", 1700000000),
               "0c9fbfec013ac7c3d58437724365d9ca2be0dc4a270a186832945007329bded1",
               "known answer: a 4-byte key");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_signature(p);
    test_known_answers(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
