#include "phs_region.h"
#include "phs_text.h"

#include <apr_lib.h>
#include <apr_strings.h>

#define CODES (26 * 26)
#define WORD_BITS 32

struct phs_region_set_t {
    apr_uint32_t bits[(CODES + WORD_BITS - 1) / WORD_BITS];
    apr_size_t count;
};

/* ISO 3166-1 alpha-2, the assigned codes (249), and XK. */
static const char assigned[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ "
    "BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ "
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ "
    "DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR "
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY "
    "HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP "
    "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY "
    "MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ "
    "NA NC NE NF NG NI NL NO NP NR NU NZ OM "
    "PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ "
    "TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ "
    "UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK";

/* The code's index, 0..675, or -1 when the bytes are not two letters. */
static int code_index(const char *code, apr_size_t len)
{
    int first, second;

    if (len != 2 || (unsigned char)code[0] > 127 || (unsigned char)code[1] > 127
        || !apr_isalpha(code[0]) || !apr_isalpha(code[1]))
        return -1;
    first = apr_toupper(code[0]) - 'A';
    second = apr_toupper(code[1]) - 'A';
    return first * 26 + second;
}

static int has(const phs_region_set_t *set, int index)
{
    return (set->bits[index / WORD_BITS] >> (index % WORD_BITS)) & 1;
}

static void put(phs_region_set_t *set, int index)
{
    set->count += !has(set, index);
    set->bits[index / WORD_BITS] |= (apr_uint32_t)1 << (index % WORD_BITS);
}

int phs_region_code_valid(const char *code, apr_size_t len)
{
    int index = code_index(code, len);
    const char *c;

    if (index < 0)
        return 0;
    for (c = assigned; *c; c += c[2] ? 3 : 2)
        if (code_index(c, 2) == index)
            return 1;
    return 0;
}

phs_region_set_t *phs_region_set_make(apr_pool_t *p)
{
    return apr_pcalloc(p, sizeof(phs_region_set_t));
}

static const char *bad_code(apr_pool_t *p, const char *token, apr_size_t len)
{
    /* The one a reader is most likely to write. */
    const char *hint = len == 2 && !strncasecmp(token, "UK", 2)
                       ? " (the United Kingdom is GB)" : "";

    return apr_psprintf(p, "'%s' is not an ISO 3166-1 alpha-2 country "
                        "code%s", phs_text_quote(p, token, len), hint);
}

const char *phs_region_set_add_list(phs_region_set_t *set, apr_pool_t *p,
                                    const char *list)
{
    phs_region_set_t added = *set;
    const char *c = list;

    while (*c) {
        const char *start;

        while (*c == ',' || apr_isspace(*c))
            c++;
        for (start = c; *c && *c != ',' && !apr_isspace(*c); c++)
            ;
        if (c == start)
            continue;
        if (!phs_region_code_valid(start, (apr_size_t)(c - start)))
            return bad_code(p, start, (apr_size_t)(c - start));
        put(&added, code_index(start, 2));
    }
    *set = added;
    return NULL;
}

int phs_region_set_contains(const phs_region_set_t *set, const char *code,
                            apr_size_t len)
{
    int index = code_index(code, len);

    return index >= 0 && has(set, index);
}

apr_size_t phs_region_set_count(const phs_region_set_t *set)
{
    return set->count;
}
