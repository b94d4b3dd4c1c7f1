/* Unit tests of the whoami JSON. */
#include <apr_general.h>
#include <apr_strings.h>

#include "tap.h"
#include "phs_whoami.h"

static void test_quote(apr_pool_t *p)
{
    tap_is_str(phs_json_quote(p, "192.0.2.1, 10.0.0.1", 19),
               "\"192.0.2.1, 10.0.0.1\"", "plain text as it is");
    tap_is_str(phs_json_quote(p, "a\"b\\c", 5), "\"a\\\"b\\\\c\"",
               "quote and backslash escaped");
    tap_is_str(phs_json_quote(p, "\n\t\x01\x7f", 4),
               "\"\\u000a\\u0009\\u0001\\u007f\"", "control bytes as \\u00XX");
    tap_is_str(phs_json_quote(p, "\xc3\xa9\xff", 3),
               "\"\\u00c3\\u00a9\\u00ff\"", "bytes over 0x7f as \\u00XX: "
               "ASCII out, valid JSON whatever the bytes");
    tap_is_str(phs_json_quote(p, "a\0b", 3), "\"a\\u0000b\"",
               "a NUL byte inside");
    tap_is_str(phs_json_quote(p, "", 0), "\"\"", "empty");
}

static void test_object(apr_pool_t *p)
{
    phs_json_t *json = phs_json_make(p);

    tap_is_str(phs_json_text(json), "{\n}\n", "an empty object");
    phs_json_string(json, "peer", "127.0.0.1");
    phs_json_string(json, "header", NULL);
    phs_json_bool(json, "https", 1);
    phs_json_bool(json, "trusted", 0);
    phs_json_list(json, "hops", " 10.0.0.1,10.0.0.2 ,, ");
    phs_json_list(json, "none", NULL);
    phs_json_list(json, "empty", "");
    tap_is_str(phs_json_text(json),
               "{\n  \"peer\": \"127.0.0.1\",\n  \"header\": null,\n"
               "  \"https\": true,\n  \"trusted\": false,\n"
               "  \"hops\": [\"10.0.0.1\",\"10.0.0.2\"],\n  \"none\": [],\n"
               "  \"empty\": []\n}\n", "members in order, null, booleans, lists");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_quote(p);
    test_object(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
