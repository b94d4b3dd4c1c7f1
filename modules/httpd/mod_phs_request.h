/* The module's record of one request (r->request_config): its verdict, and
 * on the initial request what the client-IP walk found, which internal
 * redirects and subrequests read there.  Shared by every phase. */
#ifndef MOD_PHS_REQUEST_H
#define MOD_PHS_REQUEST_H

#include "mod_phs_config.h"
#include "phs_metrics.h"

typedef struct {
    const char *access;          /* allowed, exempt or denied; NULL: no check */
    int refused;                 /* denied, and answered with a 403 (an
                                    ErrorDocument for a denial is denied
                                    but served) */
    phs_counter_t counter;       /* with access: what the verdict counts
                                    as (allowed, exempt, a denial) */
    const char *denial;          /* denied (or would be): why */
    const char *reason_token;    /* POSTHOG_DENY_REASON, or NULL */
    int status;                  /* a refusal's status: PostHogDenyStatus */
    int would_deny;              /* denied, but PostHogReportOnly On: served */
    int reported;                /* ... and logged */
    const char *country;         /* POSTHOG_COUNTRY, once looked up */
    int probing;                 /* a whoami handler looks at a path: its
                                    subrequest's denial is not logged */
    const char *held_denial;     /* a whoami location: why the client would
                                    be refused anywhere else */
    phs_counter_t held_counter;
    /* Set on the initial request only; internal redirects and subrequests
     * read them there (mod_phs_client_state). */
    int client_unknown;          /* the client-IP header could not be trusted */
    const char *unknown_reason;
    int forwarded_https;         /* a trusted proxy's proto header said https */
    const char *peer_ip;         /* the address the walk started from: the
                                    TCP peer, or mod_remoteip's PROXY
                                    protocol client */
    int tls;                     /* TLS on the connection: 1, 0, or -1
                                    not asked yet */
    int upgrade;                 /* the request asks for an Upgrade */
    /* With PostHogForwardedHeaders rewrite, the values post_read_request
     * gave X-Forwarded-For and X-Real-IP, and X-Forwarded-Proto. */
    const char *sent_client;
    const char *sent_proto;
    int sent_removed;            /* ... and a PostHogSecure Off location took
                                    them out */
    /* What whoami shows (where PostHogSecure On appears in the vhost). */
    const char *forwarded_received; /* the client-IP header as received */
    const char *proto_received;  /* the proto header as received */
    phs_client_source_t client_source;
    const char *proxies;         /* the proxies consumed, peer first */
} phs_request_t;

/* A new record for r. */
phs_request_t *mod_phs_request_state_make(request_rec *r);

/* This request_rec's record if it has one, else NULL; inline, as every
 * hook asks for it. */
static APR_INLINE const phs_request_t *mod_phs_request_state_of(
    const request_rec *r)
{
    return ap_get_module_config(r->request_config, &posthog_secure_module);
}

/* This request_rec's record, created on first use. */
static APR_INLINE phs_request_t *mod_phs_request_state(request_rec *r)
{
    phs_request_t *state = ap_get_module_config(r->request_config,
                                                &posthog_secure_module);

    return state ? state : mod_phs_request_state_make(r);
}

/* The record of the initial request, which holds the client's state. */
static APR_INLINE phs_request_t *mod_phs_client_state(request_rec *r)
{
    while (r->main || r->prev)
        r = r->main ? r->main : r->prev;
    return mod_phs_request_state(r);
}

/* TLS on the connection (asked of mod_ssl once per request), or a trusted
 * proxy's proto header said https. */
int mod_phs_request_tls(request_rec *r, phs_request_t *state);
static APR_INLINE int mod_phs_request_is_https(request_rec *r)
{
    phs_request_t *state = mod_phs_client_state(r);

    return state->forwarded_https
           || (state->tls >= 0 ? state->tls : mod_phs_request_tls(r, state));
}
/* The address the client-IP walk started from (for logs). */
const char *mod_phs_peer_ip(request_rec *r);

/* 1 when the request is for the handler `name`. */
static APR_INLINE int mod_phs_handler_is(const request_rec *r,
                                         const char *name)
{
    return r->handler && !strcmp(r->handler, name);
}

#endif
