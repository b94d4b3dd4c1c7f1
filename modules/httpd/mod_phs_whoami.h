/* `SetHandler posthog-secure-whoami`: what the module made of the
 * requester's own request, in JSON, for "why am I blocked behind my load
 * balancer" (httpd glue around phs_whoami). */
#ifndef MOD_PHS_WHOAMI_H
#define MOD_PHS_WHOAMI_H

#include "mod_phs_conf.h"

#define PHS_WHOAMI_HANDLER "posthog-secure-whoami"

int phs_whoami_handler(request_rec *r);

#endif
