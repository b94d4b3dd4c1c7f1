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

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_signature(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
