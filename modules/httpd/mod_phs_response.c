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

/* httpd 2.4 sends a response's trailers (r->trailers_out) over HTTP/2
 * only: its HTTP/1.1 chunk filter writes none. */
static int may_send_trailers(const request_rec *r)
{
    return r->proto_num >= HTTP_VERSION(2, 0);
}

static int ends_response(apr_bucket_brigade *bb)
{
    apr_bucket *b;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b))
        if (APR_BUCKET_IS_EOS(b))
            return 1;
    return 0;
}

/* The head's rules on the first brigade; where trailers may follow, the
 * filter stays until the end of the response and rewrites their cookies
 * then, before mod_http2 sends them. */
apr_status_t phs_response_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    static char watching_trailers;

    if (f->ctx != &watching_trailers) {
        phs_cookies_rewrite(f->r);
        phs_hsts_add(f->r);
        phs_raw_response_step_aside(f->r);
        f->ctx = &watching_trailers;
        if (!may_send_trailers(f->r)) {
            ap_remove_output_filter(f);
            return ap_pass_brigade(f->next, bb);
        }
    }
    if (ends_response(bb)) {
        phs_cookies_rewrite_trailers(f->r);
        ap_remove_output_filter(f);
    }
    return ap_pass_brigade(f->next, bb);
}
