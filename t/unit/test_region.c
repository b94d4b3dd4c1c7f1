/* Unit tests of the country codes and the region set. */
#include <apr_general.h>
#include <apr_strings.h>

#include "tap.h"
#include "phs_region.h"

static void test_codes(void)
{
    int valid = 0;
    char code[2];

    for (code[0] = 'A'; code[0] <= 'Z'; code[0]++)
        for (code[1] = 'A'; code[1] <= 'Z'; code[1]++)
            valid += phs_region_code_valid(code, 2);
    tap_ok(valid == 250, "249 assigned codes and XK are valid (%d)", valid);
    tap_ok(phs_region_code_valid("KP", 2) && phs_region_code_valid("us", 2)
           && phs_region_code_valid("Gb", 2), "either case");
    tap_ok(phs_region_code_valid("XK", 2), "XK (Kosovo, as MaxMind uses it)");
    tap_ok(!phs_region_code_valid("UK", 2) && !phs_region_code_valid("EU", 2)
           && !phs_region_code_valid("XX", 2) && !phs_region_code_valid("AA", 2),
           "UK, EU, XX, AA are not assigned");
    tap_ok(!phs_region_code_valid("D", 1) && !phs_region_code_valid("DEU", 3)
           && !phs_region_code_valid("", 0), "alpha-2 only");
    tap_ok(!phs_region_code_valid("1A", 2) && !phs_region_code_valid("D\xc3", 2)
           && !phs_region_code_valid("\xc4\xe9", 2) && !phs_region_code_valid("D-", 2),
           "letters only, ASCII only");
}

static void test_set(apr_pool_t *p)
{
    phs_region_set_t *set = phs_region_set_make(p);
    const char *err;

    tap_ok(phs_region_set_count(set) == 0 && !phs_region_set_contains(set, "DE", 2),
           "a new set is empty");
    tap_ok(phs_region_set_add_list(set, p, " de, KP\tus,,") == NULL,
           "a list with commas, blanks and empty items");
    tap_ok(phs_region_set_count(set) == 3, "three codes");
    tap_ok(phs_region_set_contains(set, "DE", 2) && phs_region_set_contains(set, "kp", 2)
           && phs_region_set_contains(set, "US", 2), "each is in it, in either case");
    tap_ok(!phs_region_set_contains(set, "FR", 2) && !phs_region_set_contains(set, "D", 1)
           && !phs_region_set_contains(set, "DEU", 3)
           && !phs_region_set_contains(set, "D\xc5", 2), "others are not");
    tap_ok(phs_region_set_add_list(set, p, "DE") == NULL
           && phs_region_set_count(set) == 3, "a code added twice counts once");
    err = phs_region_set_add_list(set, p, "FR, UK, XX");
    tap_is_str(err, "'UK' is not an ISO 3166-1 alpha-2 country code (the United "
               "Kingdom is GB)", "UK is refused, named, with the hint");
    tap_ok(!phs_region_set_contains(set, "FR", 2) && phs_region_set_count(set) == 3,
           "nothing of a refused list is added");
    err = phs_region_set_add_list(set, p, "DEU");
    tap_is_str(err, "'DEU' is not an ISO 3166-1 alpha-2 country code",
               "an alpha-3 code is refused");
    err = phs_region_set_add_list(set, p, "D\"\x01");
    tap_is_str(err, "'D\"\\x01' is not an ISO 3166-1 alpha-2 country code",
               "a token with odd bytes is shown escaped");
    tap_ok(phs_region_set_add_list(set, p, "") == NULL
           && phs_region_set_add_list(set, p, " , ") == NULL
           && phs_region_set_count(set) == 3, "empty lists add nothing");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_codes();
    test_set(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
