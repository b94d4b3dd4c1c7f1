/* PostHogSecretKey and PostHogSigningKey: a key from the configuration,
 * the environment or a file, checked at startup and never shown (httpd
 * glue). */
#ifndef MOD_PHS_SECRET_KEY_H
#define MOD_PHS_SECRET_KEY_H

#include "mod_phs_conf.h"

const char *phs_cmd_secret_key(cmd_parms *cmd, void *dconf,
                               const char *value);
const char *phs_cmd_signing_key(cmd_parms *cmd, void *dconf,
                                const char *value);

#endif
