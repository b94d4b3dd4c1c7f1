/* Fuzz target: the country-code lists (phs_region_set_add_list,
 * phs_region_set_contains, phs_region_code_valid) against a plain model:
 * tokens are cut at commas and whitespace, a list with a token that is not
 * two ASCII letters of the assigned table is refused whole, naming it.
 *
 * Input: each line is a list added to one set, in turn. */
#include "fuzz.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "phs_region.h"

/* The assigned codes, the same as the module's but kept apart: a model. */
static const char model_codes[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI "
    "BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN "
    "CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK "
    "FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM "
    "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK "
    "ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP "
    "NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF "
    "TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW XK";

static int model_index(const char *code, size_t len)
{
    char upper[3];
    const char *found;

    if (len != 2 || (unsigned char)code[0] > 127 || (unsigned char)code[1] > 127)
        return -1;
    upper[0] = (char)apr_toupper(code[0]);
    upper[1] = (char)apr_toupper(code[1]);
    upper[2] = '\0';
    if (!apr_isupper(upper[0]) || !apr_isupper(upper[1])
        || !(found = strstr(model_codes, upper)) || (found - model_codes) % 3)
        return -1;
    return (upper[0] - 'A') * 26 + (upper[1] - 'A');
}

static int is_separator(char c)
{
    return c == ',' || apr_isspace(c);
}

/* The list's codes into `in` (676 flags); 0 with the bad token. */
static int model_add(const char *list, char *in, const char **bad,
                     size_t *bad_len)
{
    char next[26 * 26];
    const char *c = list;

    memcpy(next, in, sizeof(next));
    while (*c) {
        const char *start;
        int index;

        while (*c && is_separator(*c))
            c++;
        for (start = c; *c && !is_separator(*c); c++)
            ;
        if (c == start)
            continue;
        if ((index = model_index(start, (size_t)(c - start))) < 0) {
            *bad = start;
            *bad_len = (size_t)(c - start);
            return 0;
        }
        next[index] = 1;
    }
    memcpy(in, next, sizeof(next));
    return 1;
}

/* Shown as it is in an error (phs_text_quote escapes the others). */
static int printable(const char *token, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if ((unsigned char)token[i] < 0x20 || (unsigned char)token[i] >= 0x7f
            || token[i] == '\\' || token[i] == '\'')
            return 0;
    return 1;
}

/* The table against the model's, once: it does not depend on the input. */
static const char *codes_ok(apr_pool_t *p)
{
    static int checked;
    int index;

    for (index = 0; !checked && index < 26 * 26; index++) {
        char code[2] = { (char)('a' + index / 26), (char)('A' + index % 26) };

        if (phs_region_code_valid(code, 2) != (model_index(code, 2) >= 0))
            return fuzz_broken(p, "%c%c: valid differs from the model",
                               code[0] - 32, code[1]);
    }
    checked = 1;
    return NULL;
}

const char *phs_check_region(apr_pool_t *p, const char *data, size_t size)
{
    apr_array_header_t *lines = fuzz_split_lines(p, data, size);
    phs_region_set_t *set = phs_region_set_make(p);
    char in[26 * 26] = { 0 };
    const char *failure = codes_ok(p);
    int i, index;

    if (failure)
        return failure;
    for (i = 0; i < lines->nelts; i++) {
        const char *list = APR_ARRAY_IDX(lines, i, const char *), *bad = NULL;
        size_t bad_len = 0, count = 0;
        const char *err = phs_region_set_add_list(set, p, list);
        int ok = model_add(list, in, &bad, &bad_len);

        if ((err == NULL) != ok)
            return fuzz_broken(p, "'%s': the set %s it, the model %s it",
                               fuzz_shown(p, list), err ? "refused" : "took",
                               ok ? "took" : "refused");
        if (err && !printable(bad, bad_len) && strncmp(err, "'", 1))
            return fuzz_broken(p, "'%s': error '%s' does not quote a token",
                               fuzz_shown(p, list), fuzz_shown(p, err));
        if (err && printable(bad, bad_len) && bad_len <= 80
            && (strncmp(err + 1, bad, bad_len) || err[bad_len + 1] != '\''))
            return fuzz_broken(p, "'%s': error '%s' does not name '%s'",
                               fuzz_shown(p, list), fuzz_shown(p, err),
                               fuzz_shown(p, apr_pstrmemdup(p, bad, bad_len)));
        for (index = 0; index < 26 * 26; index++) {
            char code[2] = { (char)('A' + index / 26), (char)('a' + index % 26) };

            count += (size_t)in[index];
            if (phs_region_set_contains(set, code, 2) != in[index])
                return fuzz_broken(p, "after '%s': %c%c is %s the set, not "
                                   "the model", fuzz_shown(p, list), code[0],
                                   code[1] - 32, in[index] ? "out of" : "in");
        }
        if (phs_region_set_count(set) != count)
            return fuzz_broken(p, "count %zu, the model %zu",
                               (size_t)phs_region_set_count(set), count);
    }
    return NULL;
}

#ifdef PHS_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return phs_fuzz_run(phs_check_region, data, size);
}
#endif
