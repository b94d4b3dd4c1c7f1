/* Unit tests of header-name spellings and their removal. */
#include "tap.h"
#include "phs_text.h"

#include <apr_general.h>

static void test_spells(void)
{
    static const struct { const char *key, *name; int want; } cases[] = {
        { "X-Forwarded-For", "X-Forwarded-For", 1 },
        { "x-forwarded-for", "X-Forwarded-For", 1 },
        { "X_Forwarded_For", "X-Forwarded-For", 1 },
        { "x_FORWARDED-for", "X-Forwarded-For", 1 },
        { "X-Forwarded-For2", "X-Forwarded-For", 0 },
        { "X-Forwarded-Fo", "X-Forwarded-For", 0 },
        { "X-Forwarded_For ", "X-Forwarded-For", 0 },
        { "X-Forwarded.For", "X-Forwarded-For", 0 },
        { "X-Forwarded-For", "X_Forwarded_For", 0 },
        { "", "X-Real-IP", 0 },
        { "X-Real-IP", "", 0 },
        { "", "", 1 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
        tap_ok(phs_field_spells(cases[i].key, cases[i].name) == cases[i].want,
               "'%s' %s '%s'", cases[i].key,
               cases[i].want ? "spells" : "does not spell", cases[i].name);
}

/* Configured names (PostHogClientIPHeader) may start with a digit or be
 * 64 bytes long or more: the list still finds them, in any spelling. */
static void test_unshaped_names(void)
{
    static const char *const names[] = {
        "9-Client",
        "X-A-Very-Long-Client-Address-Header-Name-Of-Seventy-Bytes-In-All-xx",
    };
    phs_name_list_t list;

    phs_name_list_init(&list);
    phs_name_list_add(&list, names, 1, 1);
    phs_name_list_add(&list, names + 1, 1, 2);
    tap_ok(phs_name_list_roles(&list, "9_client") == 1,
           "a name starting with a digit is found, underscores for dashes");
    tap_ok(phs_name_list_roles(&list, "x_a_very_long_client_address_header_name_"
                               "of_seventy_bytes_in_all_XX") == 2,
           "a 70-byte name is found");
    tap_ok(!phs_name_list_roles(&list, "9-Clients") && !phs_name_list_roles(&list, "Host"),
           "and no other name");
}

static void test_remove(apr_pool_t *p)
{
    static const char *const names[] = { "X-Real-IP", "Forwarded" };
    apr_table_t *t = apr_table_make(p, 8);
    phs_name_list_t list;

    phs_name_list_init(&list);
    phs_name_list_add(&list, names, 1, 1);
    phs_name_list_add(&list, names + 1, 1, 2);
    tap_ok(phs_name_list_roles(&list, "x_real-IP") && phs_name_list_roles(&list, "FORWARDED"),
           "the list finds its names in any spelling");
    tap_ok(!phs_name_list_roles(&list, "X-Real-IPs") && !phs_name_list_roles(&list, "Forwarde")
           && !phs_name_list_roles(&list, "Y-Real-IP") && !phs_name_list_roles(&list, "")
           && !phs_name_list_roles(&list, "-orwarded"),
           "and no other name");

    apr_table_add(t, "Host", "localhost");
    apr_table_add(t, "X-Real-IP", "6.6.6.6");
    apr_table_add(t, "x_real_ip", "6.6.6.7");
    apr_table_add(t, "Forwarded", "for=6.6.6.6");
    apr_table_add(t, "X-Real-IPs", "kept");
    apr_table_add(t, "FORWARDED", "for=6.6.6.8");
    apr_table_add(t, "Accept", "*/*");
    tap_ok(phs_fields_remove(t, &list, 3, 3) == 4, "four fields removed");
    tap_ok(apr_table_elts(t)->nelts == 3, "three fields left");
    tap_is_str(apr_table_get(t, "Host"), "localhost", "Host kept");
    tap_is_str(apr_table_get(t, "X-Real-IPs"), "kept", "a longer name kept");
    tap_is_str(apr_table_get(t, "Accept"), "*/*", "Accept kept");
    tap_ok(phs_fields_remove(t, &list, 3, 3) == 0, "nothing more to remove");

    apr_table_add(t, "x-real-ip", "6.6.6.6");
    apr_table_add(t, "Forwarded", "for=6.6.6.6");
    apr_table_add(t, "X-REAL-IP", "6.6.6.7");
    tap_ok(phs_fields_remove(t, &list, 3, 1) == 2,
           "only the fields of the first name counted");
    tap_ok(apr_table_elts(t)->nelts == 3, "all of them removed");
}

/* A name given twice keeps one entry with both roles; exact roles need
 * the name itself (any case), spelled ones any spelling; names of one
 * length are all looked at. */
static void test_roles(void)
{
    static const char *const forwarded[] = {
        "X-Forwarded-For", "X-Forwarded-Ssl", "X-Forwarded-Proto"
    };
    phs_name_list_t list;

    phs_name_list_init(&list);
    phs_name_list_add_exact(&list, "X-Forwarded-For", 1);
    phs_name_list_add_exact(&list, "Upgrade", 4);
    phs_name_list_add(&list, forwarded, 3, 8);
    tap_ok(list.count == 4, "four entries for five names, one given twice");
    tap_ok(phs_name_list_roles(&list, "X-Forwarded-For") == 9,
           "the exact name has both roles");
    tap_ok(phs_name_list_roles(&list, "x-FORWARDED-for") == 9,
           "in any case");
    tap_ok(phs_name_list_roles(&list, "X_Forwarded_For") == 8,
           "another spelling has the spelled role only");
    tap_ok(phs_name_list_roles(&list, "x_forwarded_ssl") == 8,
           "the second name of the same length is found");
    tap_ok(phs_name_list_roles(&list, "UPGRADE") == 4
           && phs_name_list_roles(&list, "Upgrades") == 0,
           "an exact-only name, and not a longer one");
    tap_ok(phs_name_list_roles(&list, "X-Forwarded-Fox") == 0
           && phs_name_list_roles(&list, "Y-Forwarded-For") == 0,
           "a near miss has no role");
}

/* Roles above the eighth bit survive: a role truncated to 0 would let a
 * field meant to be removed pass. */
static void test_wide_roles(void)
{
    static const char *const names[] = { "Fly-Client-IP" };
    phs_name_list_t list;

    phs_name_list_init(&list);
    phs_name_list_add(&list, names, 1, 1u << 8);
    phs_name_list_add_exact(&list, "X-Original-URL", 1u << 20);
    tap_ok(phs_name_list_roles(&list, "fly_client_ip") == 1u << 8,
           "a ninth-bit role is kept");
    tap_ok(phs_name_list_roles(&list, "x-original-url") == 1u << 20,
           "a twenty-first-bit exact role is kept");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_spells();
    test_unshaped_names();
    test_remove(p);
    test_roles();
    test_wide_roles();
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
