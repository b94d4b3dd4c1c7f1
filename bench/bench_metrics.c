/* Micro-benchmark of the counters: the atomic add each request makes, in
 * shared memory, by one process alone and by two processes adding to the
 * same record at once (both CPUs of the machine: the cache line bounces
 * between them, the worst case of a busy vhost).  Prints ns per add;
 * httpd-bench divides it by httpd's CPU time per request for the
 * counters' share.  Always exits 0. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apr_general.h"
#include "apr_shm.h"

#include "phs_metrics.h"

#define ADDS 20000000L
#define PROCESSES 2

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void add_many(phs_counters_t *counters)
{
    long i;

    for (i = 0; i < ADDS; i++)
        phs_counters_add(counters, PHS_COUNT_ALLOWED, 1);
}

/* ns per add with `processes` adding ADDS each at once. */
static double run(phs_counters_t *counters, int processes)
{
    double start = now();
    int i;

    for (i = 0; i < processes; i++)
        if (fork() == 0) {
            add_many(counters);
            _exit(0);
        }
    for (i = 0; i < processes; i++)
        wait(NULL);
    /* Each add waited for the others' on the same line: the time per add
     * that a request sees is the wall time over its own adds. */
    return (now() - start) * 1e9 / ADDS;
}

int main(void)
{
    apr_pool_t *p;
    apr_shm_t *shm;
    phs_counters_t *counters;
    double alone, contended;
    apr_uint64_t total;

    apr_initialize();
    apr_pool_create(&p, NULL);
    if (apr_shm_create(&shm, sizeof(*counters), NULL, p) != APR_SUCCESS) {
        printf("bench_metrics: no shared memory\n");
        return 0;
    }
    counters = apr_shm_baseaddr_get(shm);
    memset(counters, 0, sizeof(*counters));
    alone = run(counters, 1);
    contended = run(counters, PROCESSES);
    total = counters->count[PHS_COUNT_ALLOWED];
    printf("counter add, shared memory: %.1f ns alone, %.1f ns with %d "
           "processes on one record (%s: %" APR_UINT64_T_FMT " of %ld)\n",
           alone, contended, PROCESSES,
           total == (apr_uint64_t)ADDS * (PROCESSES + 1) ? "none lost" : "LOST",
           total, ADDS * (PROCESSES + 1));
    apr_pool_destroy(p);
    apr_terminate();
    return 0;
}
