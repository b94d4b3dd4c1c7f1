#include "response.h"
#include "secure_cookies.h"
#include "https.h"

void phs_response_insert_filter(request_rec *r)
{
    if (PHS_DIR_CONF(r)->enabled == 1)
        ap_add_output_filter(PHS_RESPONSE_FILTER, NULL, r, r->connection);
}

apr_status_t phs_response_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    phs_cookies_rewrite(f->r);
    phs_hsts_add(f->r);
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}
