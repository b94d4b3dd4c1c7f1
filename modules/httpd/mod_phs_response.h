/* The response filter: once per response, normal or error, it applies the
 * header rules (secure cookies, HSTS) and removes itself. */
#ifndef MOD_PHS_RESPONSE_H
#define MOD_PHS_RESPONSE_H

#include "mod_phs_conf.h"

#include <util_filter.h>

#define PHS_RESPONSE_FILTER "POSTHOG_SECURE_RESPONSE"

/* Set when the filter is registered (register_hooks). */
extern ap_filter_rec_t *phs_response_filter_handle;

void phs_response_insert_filter(request_rec *r);
apr_status_t phs_response_filter(ap_filter_t *f, apr_bucket_brigade *bb);

#endif
