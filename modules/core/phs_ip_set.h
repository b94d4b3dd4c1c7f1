/* A set of IP blocks with a membership test whose cost does not grow with
 * the number of blocks.  APR only.
 *
 * Life cycle: make, add (lists, files, single blocks) any number of times,
 * seal, then look up.  Adding after sealing is allowed; the next seal folds
 * the new blocks in.  A sealed set is read-only and safe to share between
 * threads. */
#ifndef PHS_IP_SET_H
#define PHS_IP_SET_H

#include "phs_ip_addr.h"

typedef struct phs_ip_set_t phs_ip_set_t;

phs_ip_set_t *phs_ip_set_make(apr_pool_t *p);

void phs_ip_set_add(phs_ip_set_t *set, const phs_cidr_t *block);

/* Adds every token of a list: addresses and CIDRs separated by commas and/or
 * whitespace; empty items are ignored.  Returns NULL, or an error message
 * naming the first bad token (nothing of the list is added then). */
const char *phs_ip_set_add_list(phs_ip_set_t *set, const char *list);

/* Adds a file: one or more list items per line, `#` starts a comment, blank
 * lines ignored.  Returns NULL, or a message naming the file, the line
 * number and the token.  `ptemp` is for scratch allocations. */
const char *phs_ip_set_add_file(phs_ip_set_t *set, const char *path,
                                apr_pool_t *ptemp);

/* Sorts and merges the blocks into disjoint ranges and builds the index. */
void phs_ip_set_seal(phs_ip_set_t *set);

/* 1 if ip lies in a block of the sealed set. */
int phs_ip_set_contains(const phs_ip_set_t *set, const phs_ip_t *ip);

/* What a sealed set holds whole, for the warnings about lists that
 * restrict or trust nothing: every IPv4 address (0.0.0.0/0, ::ffff:0:0/96,
 * or blocks that add up to it), every IPv6 address outside the
 * IPv4-mapped ones (::/0, or blocks that add up to it). */
#define PHS_IP_SET_ALL_IPV4 1u
#define PHS_IP_SET_ALL_IPV6 2u
unsigned phs_ip_set_covers(const phs_ip_set_t *set);

/* Blocks added so far, and disjoint ranges after the last seal. */
apr_size_t phs_ip_set_block_count(const phs_ip_set_t *set);
apr_size_t phs_ip_set_range_count(const phs_ip_set_t *set);

/* Bytes held by the sealed lookup structures (for the benchmark). */
apr_size_t phs_ip_set_memory(const phs_ip_set_t *set);

#endif
