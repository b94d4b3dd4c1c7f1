#include "phs_secret_key.h"

#include <apr_lib.h>
#include <apr_strings.h>

/* The shortest period p with key[i] == key[i - p] throughout. */
static apr_size_t period_of(const char *key, apr_size_t len)
{
    apr_size_t p, i;

    for (p = 1; p < len; p++) {
        for (i = p; i < len && key[i] == key[i - p]; i++)
            ;
        if (i == len)
            return p;
    }
    return len;
}

static int distinct_chars(const char *key)
{
    /* A flag, not a counter: a counter of chars wraps after 256 repeats
     * and would count the character again. */
    unsigned char seen[256] = { 0 };
    int count = 0;

    for (; *key; key++) {
        unsigned char c = (unsigned char)*key;

        if (!seen[c]) {
            seen[c] = 1;
            count++;
        }
    }
    return count;
}

/* A key this short a period repeats is a pattern, not a secret. */
#define MAX_PATTERN_PERIOD 8
#define MIN_DISTINCT_CHARS 8

const char *phs_secret_key_problem(const char *key)
{
    apr_size_t len = strlen(key);

    if (!strcmp(key, PHS_SECRET_KEY_PLACEHOLDER))
        return "it is PostHog's placeholder";
    if (len < PHS_SECRET_KEY_MIN_LENGTH)
        return "it is shorter than 32 characters";
    if (period_of(key, len) == 1)
        return "it is one repeated character";
    if (period_of(key, len) <= MAX_PATTERN_PERIOD)
        return "it is a short repeated pattern";
    if (distinct_chars(key) < MIN_DISTINCT_CHARS)
        return "it has fewer than 8 distinct characters";
    return NULL;
}
