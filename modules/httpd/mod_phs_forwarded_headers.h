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

int phs_forwarded_headers_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                    apr_pool_t *ptemp, server_rec *s);
/* fixups: the module's forwarded headers on every request_rec, before a
 * handler. */
int phs_forwarded_headers_rewrite(request_rec *r);

/* What a request field is to the module (phs_name_list_t roles). */
enum {
    PHS_FIELD_CLIENT_IP = 1,    /* PostHogClientIPHeader */
    PHS_FIELD_PROTO = 2,        /* PostHogForwardedProtoHeader */
    PHS_FIELD_UPGRADE = 4,      /* Upgrade */
    PHS_FIELD_STRIP = 8,        /* never reaches the backend from a client:
                                   a signed-IP header, and with
                                   PostHogForwardedHeaders rewrite a
                                   forwarded one, in any spelling */
    PHS_FIELD_SIGNED_IP = 16,   /* a signed-IP header (counted) */
    /* With rewrite, the three the module sends, in any case: */
    PHS_FIELD_SENT_FOR = 32,    /* X-Forwarded-For */
    PHS_FIELD_SENT_REAL_IP = 64, /* X-Real-IP */
    PHS_FIELD_SENT_PROTO = 128  /* X-Forwarded-Proto */
};

/* The vhost's list of the fields above (check_config, once the header
 * directives are merged). */
void phs_forwarded_headers_fields(phs_server_conf_t *conf);

/* The PHS_FIELD_STRIP fields one pass over a request's fields found:
 * their keys, places in apr_table_elts() and roles.  Only the first
 * PHS_STRIP_FIELDS_MAX are recorded; more (a hostile request) and the
 * strip looks for them all again. */
#define PHS_STRIP_FIELDS_MAX 8
typedef struct {
    int count;
    const char *key[PHS_STRIP_FIELDS_MAX];
    int index[PHS_STRIP_FIELDS_MAX];
    unsigned char roles[PHS_STRIP_FIELDS_MAX];
} phs_strip_fields_t;

/* Removes the fields `found` lists (post_read_request, once the client is
 * resolved; with rewrite, X-Forwarded-For, X-Real-IP and X-Forwarded-Proto
 * then get the module's values, in place where the client sent one, and
 * the fixups find them and leave them be), or with NULL every
 * PHS_FIELD_STRIP field of the request (fixups, where PostHogSecure On is
 * only in a .htaccess: the fixups set the three). */
void phs_forwarded_headers_strip(request_rec *r,
                                 const phs_strip_fields_t *found);

#endif
