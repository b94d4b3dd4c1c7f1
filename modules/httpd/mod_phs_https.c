#include "mod_phs_https.h"
#include "mod_phs_request.h"
#include "phs_https.h"
#include "phs_path_set.h"
#include "mod_phs_client_ip.h"
#include "mod_phs_cookie.h"
#include "mod_phs_directive.h"
#include "mod_phs_metrics.h"

#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_lib.h>
#include <apr_strings.h>

APLOG_USE_MODULE(posthog_secure);

#define HSTS_HEADER "Strict-Transport-Security"

/* Built once per configuration cycle in pre_config. */
static phs_path_set_t *default_redirect_exempt;

/* A host name or an IP literal: what may follow https:// safely. */
static int host_ok(const char *host)
{
    const char *c;

    if (!*host)
        return 0;
    for (c = host; *c; c++)
        if (!apr_isalnum(*c) && !strchr("-.:[]", *c))
            return 0;
    return 1;
}

const char *phs_cmd_canonical_host(cmd_parms *cmd, void *dconf,
                                   const char *value)
{
    (void)dconf;
    if (!host_ok(value))
        return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is not "
                             "a host name (no scheme, port or path)", value));
    PHS_SERVER_CONF(cmd->server)->canonical_host = value;
    return NULL;
}

const char *phs_cmd_hsts(cmd_parms *cmd, void *dconf, const char *value)
{
    const char *err;

    (void)dconf;
    if (!strcasecmp(value, "off")) {
        PHS_SERVER_CONF(cmd->server)->hsts = "";
        return NULL;
    }
    if ((err = phs_hsts_check(cmd->temp_pool, value)))
        return phs_cmd_error(cmd, err);
    PHS_SERVER_CONF(cmd->server)->hsts = value;
    return NULL;
}

int phs_https_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    default_redirect_exempt = phs_path_set_parse(pconf,
                                                 PHS_DEFAULT_REDIRECT_EXEMPT);
    return OK;
}

static int redirect_on(const request_rec *r, const phs_dir_conf_t *conf)
{
    if (conf->https_redirect == PHS_UNSET || conf->https_redirect == PHS_AUTO)
        return phs_secure_cookies_on(r);
    return conf->https_redirect;
}

/* Never a host the client made up: the canonical host, else the Host
 * header only when it is the ServerName or a literal ServerAlias (a
 * wildcard alias matches hosts the client invents), else the ServerName. */
static const char *redirect_host(const request_rec *r,
                                 const phs_server_conf_t *sconf)
{
    const server_rec *s = r->server;

    if (sconf->canonical_host)
        return sconf->canonical_host;
    if (phs_host_is_known(r->hostname, s->server_hostname, s->names))
        return r->hostname;
    return s->server_hostname;
}

int phs_https_redirect(request_rec *r)
{
    const phs_dir_conf_t *conf = PHS_DIR_CONF(r);
    const phs_server_conf_t *sconf = PHS_SERVER_CONF(r->server);
    const char *target;

    if (!phs_headers_enabled(r) || r->main || r->prev || !redirect_on(r, conf)
        || phs_request_is_https(r)
        || phs_path_set_exempts(PHS_MERGE_PTR(conf->redirect_exempt,
                                              default_redirect_exempt),
                                r->uri)
        || !(target = phs_origin_target(r->pool, r->unparsed_uri)))
        return DECLINED;
    apr_table_setn(r->headers_out, "Location",
                   phs_https_location(r->pool, redirect_host(r, sconf),
                                      sconf->https_port == PHS_UNSET
                                      ? 443 : (unsigned)sconf->https_port,
                                      target));
    phs_metrics_count(r->server, PHS_COUNT_HTTPS_REDIRECTS, 1);
    /* 308 keeps the method and body of an SDK's POST; 301 is for GET/HEAD. */
    return r->method_number == M_GET ? HTTP_MOVED_PERMANENTLY
                                     : HTTP_PERMANENT_REDIRECT;
}

void phs_hsts_add(request_rec *r)
{
    const char *hsts = PHS_SERVER_CONF(r->server)->hsts;

    if (!hsts || !*hsts || !phs_request_is_https(r)
        || apr_table_get(r->headers_out, HSTS_HEADER)
        || apr_table_get(r->err_headers_out, HSTS_HEADER))
        return;
    apr_table_setn(r->headers_out, HSTS_HEADER, hsts);
}
