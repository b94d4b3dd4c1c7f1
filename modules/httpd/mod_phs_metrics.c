#include "mod_phs_metrics.h"
#include "mod_phs_request.h"

#include <http_log.h>
#include <ap_listen.h>
#include <http_protocol.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <mod_status.h>

APLOG_USE_MODULE(posthog_secure);

/* This configuration's counters, made at post_config in the parent and
 * inherited by the children it forks; a restart (graceful too) makes
 * new ones, from zero. */
static phs_counters_t *counters;
static apr_array_header_t *vhost_labels;    /* a label per record */
static apr_time_t counting_since;

/* "name:port"; the port of the ServerName, else of the vhost's first
 * address, else (the main server) of the first Listen. */
static const char *vhost_label(apr_pool_t *p, const server_rec *s)
{
    unsigned port = s->port ? s->port
                    : s->addrs && s->addrs->host_port ? s->addrs->host_port
                    : ap_listeners ? ap_listeners->bind_addr->port : 0;

    return apr_psprintf(p, "%s:%u", s->server_hostname, port);
}

/* Each vhost's record, by label. */
static int assign_records(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *index = apr_hash_make(ptemp);

    vhost_labels = apr_array_make(pconf, 4, sizeof(const char *));
    for (; s; s = s->next) {
        phs_server_conf_t *conf = PHS_SERVER_CONF(s);
        const char *label;
        int *slot;

        conf->counters_slot = -1;
        if (conf->secure_somewhere != 1)
            continue;
        label = vhost_label(pconf, s);
        if (!(slot = apr_hash_get(index, label, APR_HASH_KEY_STRING))) {
            slot = apr_palloc(ptemp, sizeof(*slot));
            *slot = vhost_labels->nelts;
            APR_ARRAY_PUSH(vhost_labels, const char *) = label;
            apr_hash_set(index, label, APR_HASH_KEY_STRING, slot);
        }
        conf->counters_slot = *slot;
    }
    return vhost_labels->nelts;
}

int phs_metrics_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    apr_size_t size;
    apr_shm_t *shm;
    apr_status_t rv;
    int records;

    (void)plog;
    counters = NULL;
    counting_since = apr_time_now();
    if (!(records = assign_records(pconf, ptemp, s)))
        return OK;
    size = (apr_size_t)records * sizeof(phs_counters_t);
    /* Anonymous: nothing on disk to clean up after a crash. */
    if ((rv = apr_shm_create(&shm, size, NULL, pconf)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, rv, s,
                     "cannot create the shared memory of the counters "
                     "(%" APR_SIZE_T_FMT " bytes)", size);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    counters = apr_shm_baseaddr_get(shm);
    memset(counters, 0, size);
    return OK;
}

void phs_metrics_count(const server_rec *s, phs_counter_t which,
                       apr_uint64_t n)
{
    int slot = PHS_SERVER_CONF(s)->counters_slot;

    if (slot >= 0 && counters)
        phs_counters_add(&counters[slot], which, n);
}

int phs_metrics_log_transaction(request_rec *r)
{
    const phs_request_t *counted = NULL;
    const request_rec *each;

    for (each = r; each; each = each->next) {
        const phs_request_t *state =
            ap_get_module_config(each->request_config,
                                 &posthog_secure_module);

        if (!state || !state->access)
            continue;
        if (!counted || state->refused)
            counted = state;
        if (state->refused)
            break;
    }
    if (counted)
        phs_metrics_count(r->server, counted->counter, 1);
    return DECLINED;
}

/* A snapshot of every record. */
static phs_counters_row_t *read_rows(apr_pool_t *p, int *n)
{
    phs_counters_row_t *rows;
    int i;

    *n = counters ? vhost_labels->nelts : 0;
    rows = apr_pcalloc(p, sizeof(*rows) * (*n ? *n : 1));
    for (i = 0; i < *n; i++) {
        rows[i].vhost = APR_ARRAY_IDX(vhost_labels, i, const char *);
        phs_counters_read(&counters[i], &rows[i]);
    }
    return rows;
}

PHS_NOINLINE
static int serve_metrics(request_rec *r)
{
    phs_counters_row_t *rows;
    const char *text;
    int n;

    r->allowed |= AP_METHOD_BIT << M_GET;
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    rows = read_rows(r->pool, &n);
    text = phs_metrics_prometheus(r->pool, rows, n, counting_since);
    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    ap_set_content_length(r, (apr_off_t)strlen(text));
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (!r->header_only)
        ap_rputs(text, r);
    return OK;
}

int phs_metrics_handler(request_rec *r)
{
    return phs_handler_is(r, PHS_METRICS_HANDLER) ? serve_metrics(r)
                                                  : DECLINED;
}

/* ?auto: "PostHogSecure NAME:PORT COUNTER: N" lines. */
static void status_short(request_rec *r, const phs_counters_row_t *rows,
                         int n)
{
    int i, c;

    for (i = 0; i < n; i++)
        for (c = 0; c < PHS_COUNTERS; c++)
            ap_rprintf(r, "PostHogSecure %s %s: %" APR_UINT64_T_FMT "\n",
                       rows[i].vhost, phs_counter_name(c), rows[i].count[c]);
}

static void status_html(request_rec *r, const phs_counters_row_t *rows,
                        int n)
{
    char since[APR_CTIME_LEN];
    int i, c;

    apr_ctime(since, counting_since);
    ap_rprintf(r, "<hr />\n<h2>mod_posthog_secure</h2>\n<p>Counting since "
               "%s (httpd's start or last restart)</p>\n<table border=\"0\">"
               "<tr><th>vhost</th>", since);
    for (c = 0; c < PHS_COUNTERS; c++)
        ap_rprintf(r, "<th>%s</th>", phs_counter_name(c));
    ap_rputs("</tr>\n", r);
    for (i = 0; i < n; i++) {
        ap_rprintf(r, "<tr><td>%s</td>", ap_escape_html(r->pool,
                                                         rows[i].vhost));
        for (c = 0; c < PHS_COUNTERS; c++)
            ap_rprintf(r, "<td>%" APR_UINT64_T_FMT "</td>", rows[i].count[c]);
        ap_rputs("</tr>\n", r);
    }
    ap_rputs("</table>\n", r);
}

int phs_metrics_status(request_rec *r, int flags)
{
    int n;
    phs_counters_row_t *rows = read_rows(r->pool, &n);

    if (flags & AP_STATUS_SHORT)
        status_short(r, rows, n);
    else
        status_html(r, rows, n);
    return OK;
}
