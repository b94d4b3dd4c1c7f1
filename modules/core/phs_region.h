/* Countries by ISO 3166-1 alpha-2 code, for region blocking (PostHog's
 * BLOCKED_GEOIP_REGIONS): the code check and a set with a constant-time
 * membership test.  APR only. */
#ifndef PHS_REGION_H
#define PHS_REGION_H

#include <apr_pools.h>

typedef struct phs_region_set_t phs_region_set_t;

phs_region_set_t *phs_region_set_make(apr_pool_t *p);

/* 1 when the `len` bytes are an assigned ISO 3166-1 alpha-2 code (or XK,
 * Kosovo, which MaxMind's databases use), in either case. */
int phs_region_code_valid(const char *code, apr_size_t len);

/* Adds every code of a list (codes separated by commas and/or
 * whitespace, either case).  Returns NULL, or a message naming the first
 * token that is not a code; nothing of the list is added then. */
const char *phs_region_set_add_list(phs_region_set_t *set, apr_pool_t *p,
                                    const char *list);

/* 1 when the `len` bytes are a code in the set, in either case. */
int phs_region_set_contains(const phs_region_set_t *set, const char *code,
                            apr_size_t len);

/* Distinct codes in the set. */
apr_size_t phs_region_set_count(const phs_region_set_t *set);

#endif
