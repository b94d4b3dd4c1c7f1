/* post_read_request: who the client is (the client-IP header walked
 * behind trusted proxies, mod_remoteip style), whether the request is
 * HTTPS, and the fields a client must not send removed, before httpd
 * knows the location (httpd glue around phs_client_ip). */
#ifndef MOD_PHS_CLIENT_H
#define MOD_PHS_CLIENT_H

#include "mod_phs_config.h"

/* The note holding the proxies the walk consumed, peer first. */
#define PHS_PROXY_IPS_NOTE "posthog-proxy-ips"

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
    /* With rewrite, the three the module sends, in any case: given the
     * module's value in place, not removed. */
    PHS_FIELD_SENT_FOR = 1u << 6,   /* X-Forwarded-For */
    PHS_FIELD_SENT_REAL_IP = 1u << 7, /* X-Real-IP */
    PHS_FIELD_SENT_PROTO = 1u << 8, /* X-Forwarded-Proto */
    PHS_FIELD_SENT = PHS_FIELD_SENT_FOR | PHS_FIELD_SENT_REAL_IP
                     | PHS_FIELD_SENT_PROTO,
    PHS_FIELD_ROLES_END = 1u << 9
};

/* The vhost's list of the fields above (startup, once the header
 * directives are merged). */
void mod_phs_client_fields(phs_server_conf_t *conf);

/* post_read_request, after mod_remoteip's. */
int mod_phs_client_post_read_request(request_rec *r);

/* fixups, where PostHogSecure On is only in a .htaccess (post_read_request
 * saw no directory then): every field a client must not send removed. */
void mod_phs_client_strip_late(request_rec *r);

/* The address as apr_sockaddr_info_get() would build it from its text
 * (AF_INET for IPv4 and IPv4-mapped, else AF_INET6), without the resolver,
 * with `port`; NULL without IPv6 support. */
apr_sockaddr_t *mod_phs_client_sockaddr(apr_pool_t *p, const phs_ip_t *ip,
                                        const char *text, apr_port_t port);

#endif
