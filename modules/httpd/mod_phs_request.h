/* The module's record of one request (r->request_config): its verdict, and
 * on the initial request what the client-IP walk found, which internal
 * redirects and subrequests read there (httpd glue). */
#ifndef MOD_PHS_REQUEST_H
#define MOD_PHS_REQUEST_H

#include "mod_phs_conf.h"
#include "phs_metrics.h"

/* What the module learnt about one request (r->request_config). */
typedef struct {
    const char *access;          /* allowed, exempt or denied; NULL: no check */
    int refused;                 /* denied, and answered with a 403 (an
                                    ErrorDocument for a denial is denied
                                    but served) */
    phs_counter_t counter;       /* with access: what the verdict counts
                                    as (allowed, exempt, a denial) */
    const char *denial;          /* denied: why */
    int probing;                 /* a whoami handler looks at a path: its
                                    subrequest's denial is not logged */
    const char *held_denial;     /* a whoami location: why the client would
                                    be refused anywhere else */
    phs_counter_t held_counter;
    /* Set on the initial request only; internal redirects and subrequests
     * read them there (phs_client_state). */
    int client_unknown;          /* the client-IP header could not be trusted */
    const char *unknown_reason;
    int forwarded_https;         /* a trusted proxy's proto header said https */
    const char *peer_ip;         /* the address the walk started from: the
                                    TCP peer, or mod_remoteip's PROXY
                                    protocol client */
    int tls;                     /* TLS on the connection: 1, 0, or -1
                                    not asked yet (the SSL hooks cost
                                    more than a request's other checks) */
    int upgrade;                 /* the request asks for an Upgrade */
    /* What whoami shows (where PostHogSecure On appears in the vhost). */
    const char *forwarded_received; /* the client-IP header as received */
    const char *proto_received;  /* the proto header as received */
    phs_client_source_t client_source;
    const char *proxies;         /* the proxies consumed, peer first */
    /* With PostHogForwardedHeaders rewrite, the values post_read_request
     * gave X-Forwarded-For and X-Real-IP, and X-Forwarded-Proto. */
    const char *sent_client;
    const char *sent_proto;
} phs_request_t;

/* A new record for this request_rec. */
phs_request_t *phs_request_state_make(request_rec *r);

/* This request_rec's record, created on first use; inline: every hook
 * asks for it. */
static APR_INLINE phs_request_t *phs_request_state(request_rec *r)
{
    phs_request_t *state = ap_get_module_config(r->request_config,
                                                &posthog_secure_module);

    return state ? state : phs_request_state_make(r);
}
/* The record of the initial request, which holds the client's state. */
static APR_INLINE phs_request_t *phs_client_state(request_rec *r)
{
    while (r->main || r->prev)
        r = r->main ? r->main : r->prev;
    return phs_request_state(r);
}

/* 1 when the request is for this module's handler `name`; inline, as the
 * handler phase asks every module on every request. */
static APR_INLINE int phs_handler_is(const request_rec *r, const char *name)
{
    return r->handler && r->handler[0] == name[0] && !strcmp(r->handler, name);
}
/* TLS on the connection, asked of mod_ssl once per request. */
int phs_request_tls(request_rec *r, phs_request_t *state);
/* TLS on the connection, or a trusted proxy's proto header said https;
 * inline: five hooks ask. */
static APR_INLINE int phs_request_is_https(request_rec *r)
{
    phs_request_t *state = phs_client_state(r);

    return state->forwarded_https
           || (state->tls >= 0 ? state->tls : phs_request_tls(r, state));
}
/* The address the client-IP walk started from (for logs). */
const char *phs_peer_ip(request_rec *r);

#endif
