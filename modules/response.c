#include "response.h"
#include "secure_cookies.h"
#include "https.h"

#include <http_core.h>

/* The filter's registry record, looked up once per configuration
 * generation: adding the filter by name would copy and lower-case the name
 * and walk httpd's filter registry on every request.  Threads may race to
 * fill it in; they write the same values, and a reader that sees no record
 * yet adds the filter by name. */
static ap_filter_rec_t *filter_record(void)
{
    static ap_filter_rec_t *record;
    static int record_generation = -1;
    int generation = ap_state_query(AP_SQ_CONFIG_GEN);

    if (record_generation != generation) {
        record = ap_get_output_filter_handle(PHS_RESPONSE_FILTER);
        record_generation = generation;
    }
    return record;
}

void phs_response_insert_filter(request_rec *r)
{
    ap_filter_rec_t *record;

    if (PHS_DIR_CONF(r)->enabled != 1)
        return;
    if ((record = filter_record()))
        ap_add_output_filter_handle(record, NULL, r, r->connection);
    else
        ap_add_output_filter(PHS_RESPONSE_FILTER, NULL, r, r->connection);
}

apr_status_t phs_response_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    phs_cookies_rewrite(f->r);
    phs_hsts_add(f->r);
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}
