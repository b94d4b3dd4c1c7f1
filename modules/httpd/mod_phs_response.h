/* What leaves with a response (httpd glue around phs_cookie and
 * phs_raw_response): every Set-Cookie gets Secure and HttpOnly as the
 * scope says, in the headers, the error headers and HTTP/2 trailers, and in
 * heads written past httpd's filters (a backend's 101, an nph- script's
 * output); HTTPS responses get Strict-Transport-Security. */
#ifndef MOD_PHS_RESPONSE_H
#define MOD_PHS_RESPONSE_H

#include "mod_phs_config.h"

#include <util_filter.h>

#define PHS_RESPONSE_FILTER "POSTHOG_SECURE_RESPONSE"
#define PHS_RAW_RESPONSE_FILTER "POSTHOG_SECURE_RAW_RESPONSE"

/* A raw head larger than this is refused: the connection is closed. */
#define PHS_RAW_HEAD_MAX 65536

/* register_hooks: both filters registered. */
void mod_phs_response_register_filters(void);

/* insert_filter and insert_error_filter: the response filter, after every
 * content-set filter (mod_headers' `Header` included). */
void mod_phs_response_insert_filter(request_rec *r);
/* insert_filter: the raw-head watcher, on the connection, for a request
 * that may write its head past the response filter. */
void mod_phs_response_insert_watcher(request_rec *r);

#endif
