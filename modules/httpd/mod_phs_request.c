#include "mod_phs_request.h"

#include <http_ssl.h>

phs_request_t *mod_phs_request_state_make(request_rec *r)
{
    phs_request_t *state = apr_pcalloc(r->pool, sizeof(*state));

    state->tls = -1;
    ap_set_module_config(r->request_config, &posthog_secure_module, state);
    return state;
}

int mod_phs_request_tls(request_rec *r, phs_request_t *state)
{
    return state->tls = ap_ssl_conn_is_ssl(r->connection) != 0;
}

const char *mod_phs_peer_ip(request_rec *r)
{
    return PHS_MERGE_PTR(mod_phs_client_state(r)->peer_ip, r->useragent_ip);
}
