#include "mod_phs_signed_ip.h"
#include "mod_phs_request.h"
#include "mod_phs_client_ip.h"
#include "mod_phs_directive.h"
#include "phs_text.h"
#include "mod_phs_metrics.h"

#include <http_log.h>
#include <apr_strings.h>

APLOG_USE_MODULE(posthog_secure);

/* A vhost where signing is switched on somewhere (or inherits a main
 * server section that switches it on) needs a key, which may be set after
 * the directive: it is checked at check_config. */
const char *phs_cmd_sign_client_ip(cmd_parms *cmd, void *dconf,
                                   const char *value)
{
    const char *err = phs_cmd_flag_slot(cmd, dconf, value);

    if (!err && ((phs_dir_conf_t *)dconf)->sign_client_ip == 1)
        PHS_SERVER_CONF(cmd->server)->signs_somewhere = 1;
    return err;
}

int phs_signed_ip_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    server_rec *signer;

    (void)pconf;
    (void)plog;
    (void)ptemp;
    for (signer = s; signer; signer = signer->next) {
        if (PHS_SERVER_CONF(signer)->signs_somewhere != 1)
            continue;
        if (!phs_signing_key(PHS_SERVER_CONF(signer))) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, signer,
                         "PostHogSignClientIP On needs PostHogSigningKey or "
                         "PostHogSecretKey (or MANAGED_PROXY_SIGNING_KEYS or "
                         "SECRET_KEY with PostHogFromEnvironment On) in "
                         "vhost %s:%u", signer->server_hostname,
                         signer->port);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

PHS_NOINLINE
static int add_signature(request_rec *r)
{
    const char *key = phs_signing_key(PHS_SERVER_CONF(r->server)), *signature;
    apr_int64_t now = apr_time_sec(r->request_time);

    if (!key || phs_client_state(r)->client_unknown
        || !(signature = phs_client_ip_signature(r->pool, key,
                                                 r->useragent_ip, now)))
        return DECLINED;
    apr_table_setn(r->headers_in, PHS_CLIENT_IP_HEADER, r->useragent_ip);
    apr_table_setn(r->headers_in, PHS_CLIENT_IP_TIMESTAMP_HEADER,
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT, now));
    apr_table_setn(r->headers_in, PHS_CLIENT_IP_SIGNATURE_HEADER, signature);
    return DECLINED;
}

int phs_signed_ip_add(request_rec *r)
{
    return phs_headers_enabled(r) && PHS_DIR_CONF(r)->sign_client_ip == 1
           ? add_signature(r) : DECLINED;
}
