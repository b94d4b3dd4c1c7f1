/* What the backend is told about the client (fixups): with
 * PostHogForwardedHeaders rewrite, X-Forwarded-For is exactly the verified
 * client, X-Forwarded-Proto the module's HTTPS decision, X-Real-IP the
 * client, never what a client sent (PostHog takes the leftmost
 * X-Forwarded-For entry and believes X-Forwarded-Proto with no trust check
 * of its own); with PostHogSignClientIP, the client signed in PostHog's
 * own format (httpd glue around phs_signed_ip). */
#ifndef MOD_PHS_BACKEND_H
#define MOD_PHS_BACKEND_H

#include "mod_phs_config.h"

#define PHS_SENT_FOR "X-Forwarded-For"
#define PHS_SENT_REAL_IP "X-Real-IP"
#define PHS_SENT_PROTO "X-Forwarded-Proto"

/* Once the client's fields are gone (post_read_request, or the fixups
 * where PostHogSecure On is only in a .htaccess): the module's three, so
 * that SetEnvIf and mod_rewrite see the verified values.  `there` holds
 * the PHS_FIELD_SENT_* roles of those the request still has (replaced in
 * place; the others are added), or is NULL when that is not known. */
void mod_phs_backend_place(request_rec *r, const unsigned *there);

/* fixups: on every request_rec, before a handler (CGI, FastCGI and the
 * other backends read them there). */
int mod_phs_backend_fixups(request_rec *r);

/* mod_proxy's own fixups, run after mod_proxy_http has added its
 * X-Forwarded-For and dropped what the Connection header names: the
 * module's fields set again, exactly, on what goes to the backend. */
int mod_phs_backend_proxy_fixups(request_rec *r);

#endif
