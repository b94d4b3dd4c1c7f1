#include "signed_ip.h"
#include "secret_key.h"
#include "client_ip.h"
#include "directive.h"

#include <http_log.h>
#include <apr_strings.h>

APLOG_USE_MODULE(posthog_secure);

/* The vhosts where signing is switched on somewhere: each needs a key,
 * which may be set after the directive, so it is checked at check_config. */
static apr_array_header_t *signing_servers;

const char *phs_cmd_sign_client_ip(cmd_parms *cmd, void *dconf,
                                   const char *value)
{
    const char *err = phs_cmd_flag_slot(cmd, dconf, value);

    if (!err && ((phs_dir_conf_t *)dconf)->sign_client_ip == 1)
        APR_ARRAY_PUSH(signing_servers, server_rec *) = cmd->server;
    return err;
}

int phs_signed_ip_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    signing_servers = apr_array_make(pconf, 4, sizeof(server_rec *));
    return OK;
}

int phs_signed_ip_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    int i;

    (void)pconf;
    (void)plog;
    (void)ptemp;
    (void)s;
    for (i = 0; i < signing_servers->nelts; i++) {
        server_rec *signer = APR_ARRAY_IDX(signing_servers, i, server_rec *);

        if (!PHS_SERVER_CONF(signer)->secret_key) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, signer,
                         "PostHogSignClientIP On needs PostHogSecretKey (or "
                         "SECRET_KEY with PostHogFromEnvironment On) in "
                         "vhost %s:%u", signer->server_hostname,
                         signer->port);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

/* 1 when `key` is one of the three names, in any case, with `_` for any
 * `-`: CGI, WSGI and other backends read both spellings as one. */
static int is_signed_ip_field(const char *key)
{
    static const char *const names[] = {
        PHS_CLIENT_IP_HEADER, PHS_CLIENT_IP_TIMESTAMP_HEADER,
        PHS_CLIENT_IP_SIGNATURE_HEADER
    };
    int n;

    if ((key[0] | 0x20) != 'x')
        return 0;
    for (n = 0; n < 3; n++) {
        const char *k = key, *name = names[n];

        for (; *k && *name; k++, name++)
            if (*name == '-' ? *k != '-' && *k != '_'
                             : (*k | 0x20) != (*name | 0x20))
                break;
        if (!*k && !*name)
            return 1;
    }
    return 0;
}

/* Whatever a client sends under these names is forged: removed in the
 * whole vhost wherever PostHogSecure On appears in it, before any
 * location is known, so that no PostHogSecure Off location lets a forged
 * triple through to the backend. */
int phs_signed_ip_strip(request_rec *r)
{
    const apr_array_header_t *fields;
    const apr_table_entry_t *field;
    int i;

    if (PHS_SERVER_CONF(r->server)->secure_somewhere != 1)
        return DECLINED;
    fields = apr_table_elts(r->headers_in);
    field = (const apr_table_entry_t *)fields->elts;
    /* Unsetting moves the entries: scan again from where it happened. */
    for (i = 0; i < fields->nelts; i++)
        if (field[i].key && is_signed_ip_field(field[i].key)) {
            apr_table_unset(r->headers_in, field[i].key);
            i = -1;
        }
    return DECLINED;
}

int phs_signed_ip_add(request_rec *r)
{
    const phs_dir_conf_t *conf = PHS_DIR_CONF(r);
    const char *key = PHS_SERVER_CONF(r->server)->secret_key, *signature;
    apr_int64_t now = apr_time_sec(r->request_time);

    if (!phs_headers_enabled(r) || conf->sign_client_ip != 1 || !key
        || phs_client_state(r)->client_unknown
        || !(signature = phs_client_ip_signature(r->pool, key,
                                                 r->useragent_ip, now)))
        return DECLINED;
    apr_table_setn(r->headers_in, PHS_CLIENT_IP_HEADER, r->useragent_ip);
    apr_table_setn(r->headers_in, PHS_CLIENT_IP_TIMESTAMP_HEADER,
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT, now));
    apr_table_setn(r->headers_in, PHS_CLIENT_IP_SIGNATURE_HEADER, signature);
    return DECLINED;
}
