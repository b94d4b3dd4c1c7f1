#include "mod_phs_response.h"
#include "mod_phs_cookie.h"
#include "mod_phs_https.h"
#include "mod_phs_raw_response.h"

ap_filter_rec_t *phs_response_filter_handle;

void phs_response_insert_filter(request_rec *r)
{
    /* By handle: adding by name would look the name up on every request. */
    if (phs_headers_enabled(r))
        ap_add_output_filter_handle(phs_response_filter_handle, NULL, r,
                                    r->connection);
}

apr_status_t phs_response_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    phs_cookies_rewrite(f->r);
    phs_hsts_add(f->r);
    phs_raw_response_step_aside(f->r);
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}
