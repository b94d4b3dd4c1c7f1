/* What the backend is told.  Every field goes through apr_table_setn and
 * apr_table_unset: the module's own are known by the values it noted,
 * never by where they sit in the table. */
#include "mod_phs_backend.h"
#include "mod_phs_request.h"
#include "mod_phs_client.h"
#include "phs_signed_ip.h"

#include <apr_strings.h>

#define SENT_FOR PHS_SENT_FOR
#define SENT_REAL_IP PHS_SENT_REAL_IP
#define SENT_PROTO PHS_SENT_PROTO

static const char *proto_of(request_rec *r)
{
    return mod_phs_request_is_https(r) ? "https" : "http";
}

/* Sets a field the request may have (`there` NULL: not known), adds one
 * it has not. */
static void put(request_rec *r, const char *name, const char *value,
                const unsigned *there, unsigned role)
{
    if (!there || (*there & role))
        apr_table_setn(r->headers_in, name, value);
    else
        apr_table_addn(r->headers_in, name, value);
}

static int rewrites(const request_rec *r)
{
    return PHS_SERVER_CONF(r->server)->forwarded_headers != 0;
}

void mod_phs_backend_place(request_rec *r, const unsigned *there)
{
    phs_request_t *state = mod_phs_client_state(r);
    const char *proto = proto_of(r);

    if (!rewrites(r))
        return;
    put(r, SENT_FOR, r->useragent_ip, there, PHS_FIELD_SENT_FOR);
    put(r, SENT_REAL_IP, r->useragent_ip, there, PHS_FIELD_SENT_REAL_IP);
    put(r, SENT_PROTO, proto, there, PHS_FIELD_SENT_PROTO);
    /* Noted, so that a PostHogSecure Off location can take exactly these
     * out again. */
    state->sent_client = r->useragent_ip;
    state->sent_proto = proto;
    state->sent_removed = 0;
}

/* The field is there with the value the module gave it. */
static int still_sent(request_rec *r, const char *name, const char *value)
{
    const char *now = apr_table_get(r->headers_in, name);

    return now && value && !strcmp(now, value);
}

/* A location where the module's headers are off: what post_read_request
 * placed goes, as if it had never been there. */
static void remove_sent(request_rec *r)
{
    phs_request_t *state = mod_phs_client_state(r);

    if (still_sent(r, SENT_FOR, state->sent_client))
        apr_table_unset(r->headers_in, SENT_FOR);
    if (still_sent(r, SENT_REAL_IP, state->sent_client))
        apr_table_unset(r->headers_in, SENT_REAL_IP);
    if (still_sent(r, SENT_PROTO, state->sent_proto))
        apr_table_unset(r->headers_in, SENT_PROTO);
    state->sent_removed = 1;
}

/* PostHog's ManagedProxyClientIPMiddleware format: the client, the time,
 * and their HMAC-SHA256; an unknown client gets none. */
static void add_signature(request_rec *r)
{
    const char *key = mod_phs_signing_key(PHS_SERVER_CONF(r->server));
    apr_int64_t now = apr_time_sec(r->request_time);
    const char *signature;

    if (!key || mod_phs_client_state(r)->client_unknown
        || !(signature = phs_client_ip_signature(r->pool, key,
                                                 r->useragent_ip, now)))
        return;
    apr_table_setn(r->headers_in, PHS_CLIENT_IP_HEADER, r->useragent_ip);
    apr_table_setn(r->headers_in, PHS_CLIENT_IP_TIMESTAMP_HEADER,
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT, now));
    apr_table_setn(r->headers_in, PHS_CLIENT_IP_SIGNATURE_HEADER, signature);
}

/* The three fields are where post_read_request placed them (internal
 * redirects and subrequests share or copy that table); a location where
 * the module's headers are off takes them out, one that follows it (its
 * ErrorDocument) puts them back. */
int mod_phs_backend_fixups(request_rec *r)
{
    const phs_server_conf_t *conf = PHS_SERVER_CONF(r->server);

    if (!phs_headers_enabled(r)) {
        if (conf->secure_somewhere == 1 && rewrites(r))
            remove_sent(r);
        return DECLINED;
    }
    if (conf->secure_somewhere != 1)
        mod_phs_client_strip_late(r);
    else if (mod_phs_client_state(r)->sent_removed)
        mod_phs_backend_place(r, NULL);
    if (PHS_DIR_CONF(r)->sign_client_ip == 1)
        add_signature(r);
    return DECLINED;
}

/* mod_proxy_http appended the client to X-Forwarded-For (ProxyAddHeaders
 * On), and dropped what the Connection header named: the backend gets
 * exactly the module's three. */
int mod_phs_backend_proxy_fixups(request_rec *r)
{
    if (phs_headers_enabled(r) && rewrites(r))
        mod_phs_backend_place(r, NULL);
    return OK;
}
