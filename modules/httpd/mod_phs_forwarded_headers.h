/* What the backend is told about the client (httpd glue).  With
 * PostHogForwardedHeaders rewrite, the forwarded headers a request carries
 * to mod_proxy or a CGI are the module's verdict, never a client's: PostHog
 * takes the leftmost X-Forwarded-For entry and believes X-Forwarded-Proto
 * with no trust check of its own. */
#ifndef MOD_PHS_FORWARDED_HEADERS_H
#define MOD_PHS_FORWARDED_HEADERS_H

#include "mod_phs_conf.h"

/* PostHogForwardedHeaders rewrite|keep. */
const char *phs_cmd_forwarded_headers(cmd_parms *cmd, void *dconf,
                                      const char *value);

/* fixups: the module's forwarded headers on every request_rec, before a
 * handler (CGI, FastCGI and the other backends read them there). */
int phs_forwarded_headers_rewrite(request_rec *r);
/* mod_proxy's own fixups, run after mod_proxy_http has added its
 * X-Forwarded-For and dropped what the Connection header names: the
 * module's fields set again, exactly, on what goes to the backend. */
int phs_forwarded_headers_proxy_fixups(request_rec *r);

/* What a request field is to the module (phs_name_list_t roles). */
enum {
    PHS_FIELD_CLIENT_IP = 1u << 0,  /* PostHogClientIPHeader */
    PHS_FIELD_PROTO = 1u << 1,      /* PostHogForwardedProtoHeader */
    PHS_FIELD_UPGRADE = 1u << 2,    /* Upgrade */
    PHS_FIELD_STRIP = 1u << 3,      /* never reaches the backend from a
                                       client, in any spelling */
    PHS_FIELD_SIGNED_IP = 1u << 4,  /* a signed-IP header (counted) */
    PHS_FIELD_GUARDED = 1u << 5,    /* read, set or removed by the module:
                                       a client's Connection header cannot
                                       name it */
    PHS_FIELD_ROLES_END = 1u << 6
};

/* The vhost's list of the fields above (check_config, once the header
 * directives are merged). */
void phs_forwarded_headers_fields(phs_server_conf_t *conf);

/* The PHS_FIELD_STRIP fields one pass over a request's fields found.  Only
 * the first PHS_STRIP_FIELDS_MAX are recorded; more (a hostile request)
 * and the strip looks for them all again. */
#define PHS_STRIP_FIELDS_MAX 8
typedef struct {
    int count;
    const char *key[PHS_STRIP_FIELDS_MAX];
} phs_strip_fields_t;

/* Removes the fields `found` lists, or with NULL every PHS_FIELD_STRIP
 * field of the request; drops the PHS_FIELD_GUARDED names from the
 * Connection header; with rewrite, gives X-Forwarded-For, X-Real-IP and
 * X-Forwarded-Proto the module's values.  Called at post_read_request once
 * the client is resolved, and at the fixups where PostHogSecure On is only
 * in a .htaccess (post_read_request saw no directory then). */
void phs_forwarded_headers_strip(request_rec *r,
                                 const phs_strip_fields_t *found);

#endif
