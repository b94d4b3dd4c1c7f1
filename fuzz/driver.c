/* The libFuzzer side of the targets: one pool for the process, a scratch
 * subpool per input, and an abort when a check reports a broken invariant.
 * Linked only into the fuzz binaries (fuzz/fuzz.mk). */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>

#include <apr_general.h>

static apr_pool_t *scratch;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    apr_pool_t *process;

    (void)argc;
    (void)argv;
    if (apr_initialize() != APR_SUCCESS
        || apr_pool_create(&process, NULL) != APR_SUCCESS
        || apr_pool_create(&scratch, process) != APR_SUCCESS)
        abort();
    return 0;
}

int phs_fuzz_run(phs_fuzz_check_fn *check, const uint8_t *data, size_t size)
{
    const char *failure = check(scratch, (const char *)data, size);

    if (failure) {
        fprintf(stderr, "invariant broken: %s\n", failure);
        abort();
    }
    apr_pool_clear(scratch);
    return 0;
}

static apr_status_t free_allocation(void *allocation)
{
    free(allocation);
    return APR_SUCCESS;
}

/* apr_palloc carves small blocks out of big ones, so AddressSanitizer
 * cannot see a module write past the end of a buffer it sized itself
 * (the key question for phs_ip_format, quote_token, the cookie rewrite).
 * The fuzz binaries link with -Wl,--wrap=apr_palloc: the modules' calls
 * (and apr_pcalloc, a macro over it) get a malloc block of their own,
 * freed with the pool; APR's internal allocations are not affected. */
void *__wrap_apr_palloc(apr_pool_t *p, apr_size_t size);

void *__wrap_apr_palloc(apr_pool_t *p, apr_size_t size)
{
    void *allocation = malloc(size);

    if (!allocation && !(allocation = malloc(1)))
        abort();
    apr_pool_cleanup_register(p, allocation, free_allocation,
                              apr_pool_cleanup_null);
    return allocation;
}
