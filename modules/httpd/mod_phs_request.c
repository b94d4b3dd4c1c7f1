#include "mod_phs_request.h"

#include <http_ssl.h>

phs_request_t *mod_phs_request_state(request_rec *r)
{
    phs_request_t *state = ap_get_module_config(r->request_config,
                                                &posthog_secure_module);

    if (!state) {
        state = apr_pcalloc(r->pool, sizeof(*state));
        state->tls = -1;
        ap_set_module_config(r->request_config, &posthog_secure_module,
                             state);
    }
    return state;
}

const phs_request_t *mod_phs_request_state_of(const request_rec *r)
{
    return ap_get_module_config(r->request_config, &posthog_secure_module);
}

phs_request_t *mod_phs_client_state(request_rec *r)
{
    while (r->main || r->prev)
        r = r->main ? r->main : r->prev;
    return mod_phs_request_state(r);
}

int mod_phs_request_is_https(request_rec *r)
{
    phs_request_t *state = mod_phs_client_state(r);

    /* Asked of mod_ssl once per request. */
    if (state->tls < 0)
        state->tls = ap_ssl_conn_is_ssl(r->connection) != 0;
    return state->forwarded_https || state->tls;
}

const char *mod_phs_peer_ip(request_rec *r)
{
    return PHS_MERGE_PTR(mod_phs_client_state(r)->peer_ip, r->useragent_ip);
}
