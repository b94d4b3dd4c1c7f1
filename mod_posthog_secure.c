/* mod_posthog_secure: PostHog's self-hosting security, enforced by httpd.
 *
 * The module record and its hooks, in request order, each naming the file
 * of its phase in modules/httpd/; the server-independent logic they call
 * is in modules/core/. */
#include "mod_phs_config.h"
#include "mod_phs_startup.h"
#include "mod_phs_client.h"
#include "mod_phs_access.h"
#include "mod_phs_backend.h"
#include "mod_phs_response.h"
#include "mod_phs_report.h"

#include <http_request.h>
#include <http_protocol.h>
#include <mod_proxy.h>
#include <mod_status.h>

/* mod_remoteip sets the client from the PROXY protocol in the same phase:
 * this module starts from what it found. */
static const char *const after_remoteip[] = { "mod_remoteip.c", NULL };

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    /* 0. startup (mod_phs_startup.c): the configuration checked and
     * completed, the warnings given, the counters made. */
    ap_hook_pre_config(mod_phs_startup_pre_config, NULL, NULL,
                       APR_HOOK_MIDDLE);
    ap_hook_check_config(mod_phs_startup_check_config, NULL, NULL,
                         APR_HOOK_MIDDLE);
    ap_hook_test_config(mod_phs_startup_test_config, NULL, NULL,
                        APR_HOOK_MIDDLE);
    ap_hook_post_config(mod_phs_startup_post_config, NULL, NULL,
                        APR_HOOK_MIDDLE);

    /* 1. post_read_request (mod_phs_client.c), after mod_remoteip: the
     * client, HTTPS or not, the fields a client must not send removed. */
    ap_hook_post_read_request(mod_phs_client_post_read_request,
                              after_remoteip, NULL, APR_HOOK_FIRST);

    /* 2. access (mod_phs_access.c): plain HTTP redirected, then every
     * request_rec decided, as soon as its location is known (its POSTHOG_*
     * variables set for SetEnvIf), internal redirects and subrequests
     * refused there; the refusal before any handler; the denial given
     * again where `Satisfy Any` or another module would let it through;
     * at the handler, a denial held at a whoami location given after all
     * if another handler is to answer. */
    ap_hook_post_perdir_config(mod_phs_access_https_redirect, NULL, NULL,
                               APR_HOOK_REALLY_FIRST);
    ap_hook_post_perdir_config(mod_phs_access_decide, NULL, NULL,
                               APR_HOOK_REALLY_FIRST);
    ap_hook_check_access(mod_phs_access_check, NULL, NULL, APR_HOOK_FIRST,
                         AP_AUTH_INTERNAL_PER_URI);
    ap_hook_check_access_ex(mod_phs_access_refuse_again, NULL, NULL,
                            APR_HOOK_REALLY_FIRST, AP_AUTH_INTERNAL_PER_URI);
    ap_hook_fixups(mod_phs_access_refuse_again, NULL, NULL,
                   APR_HOOK_REALLY_FIRST);
    ap_hook_handler(mod_phs_access_refuse_unheard, NULL, NULL,
                    APR_HOOK_REALLY_FIRST);

    /* 3. the backend (mod_phs_backend.c): the forwarded headers and the
     * signed client IP at fixups, set again in mod_proxy's own fixups,
     * after it added its X-Forwarded-For. */
    ap_hook_fixups(mod_phs_backend_fixups, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(proxy, fixups, mod_phs_backend_proxy_fixups, NULL, NULL,
                      APR_HOOK_MIDDLE);

    /* 4. report (mod_phs_report.c): the metrics and whoami pages, before
     * mod_proxy's handler so that their locations are never proxied;
     * mod_status's section. */
    ap_hook_handler(mod_phs_report_handler, NULL, NULL, APR_HOOK_REALLY_FIRST);
    APR_OPTIONAL_HOOK(ap, status_hook, mod_phs_report_status, NULL, NULL,
                      APR_HOOK_MIDDLE);

    /* 5. the response (mod_phs_response.c): cookies and HSTS after every
     * content-set filter, the raw-head watcher for heads that skip it. */
    mod_phs_response_register_filters();
    ap_hook_insert_filter(mod_phs_response_insert_filter, NULL, NULL,
                          APR_HOOK_LAST);
    ap_hook_insert_error_filter(mod_phs_response_insert_filter, NULL, NULL,
                                APR_HOOK_LAST);
    ap_hook_insert_filter(mod_phs_response_insert_watcher, NULL, NULL,
                          APR_HOOK_LAST);

    /* 6. log_transaction (mod_phs_report.c): the verdict counted, once
     * per client request. */
    ap_hook_log_transaction(mod_phs_report_log_transaction, NULL, NULL,
                            APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(posthog_secure) = {
    STANDARD20_MODULE_STUFF,
    mod_phs_create_dir_conf,
    mod_phs_merge_dir_conf,
    mod_phs_create_server_conf,
    mod_phs_merge_server_conf,
    mod_phs_directives,
    register_hooks,
    /* Every vhost gets a record of its own, merged, directives or not: its
     * counters and what startup derives are its own. */
    AP_MODULE_FLAG_ALWAYS_MERGE
};
