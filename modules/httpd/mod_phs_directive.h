/* Directive handlers shared by every concern: values parsed strictly, and
 * errors that name the directive and the offending token. */
#ifndef MOD_PHS_DIRECTIVE_H
#define MOD_PHS_DIRECTIVE_H

#include <httpd.h>
#include <http_config.h>

#include "phs_ip_set.h"

/* TAKE1 handlers for an On|Off directive: the token checked (and named
 * when wrong), then ap_set_flag_slot stores 1 or 0 in the int at the
 * offset given as the directive's cmd_data, in the directory record or in
 * the server record. */
const char *phs_cmd_flag_slot(cmd_parms *cmd, void *conf, const char *value);
const char *phs_cmd_server_flag_slot(cmd_parms *cmd, void *conf,
                                     const char *value);

/* TAKE1 handler for an On|Off|Auto directive: 1, 0 or PHS_AUTO at the
 * cmd_data offset in the directory record. */
const char *phs_cmd_tristate_slot(cmd_parms *cmd, void *conf,
                                  const char *value);

/* ITERATE handler for a list of path entries, or `none`: the set (a
 * phs_path_set_t *) at the cmd_data offset in the directory record; the
 * first word in a scope starts an empty set, replacing the parent's.
 * `none` with entries in one scope is an error. */
const char *phs_cmd_paths_slot(cmd_parms *cmd, void *conf, const char *word);

/* PostHogMode production|debug|test, in the server record. */
const char *phs_cmd_mode(cmd_parms *cmd, void *conf, const char *value);

/* A bounded number in the server record: the cmd_data of
 * phs_cmd_server_int_slot, made with PHS_INT_SLOT. */
typedef struct {
    apr_size_t offset;
    int min, max;
    const char *what;          /* "a port", for the error */
} phs_int_slot_t;
#define PHS_INT_SLOT(field, min, max, what) \
    ((void *)&(phs_int_slot_t){ \
        APR_OFFSETOF(phs_server_conf_t, field), (min), (max), (what) })
const char *phs_cmd_server_int_slot(cmd_parms *cmd, void *conf,
                                    const char *value);

/* TAKE1 handler for a header name (an RFC 9110 token), stored as a string
 * at the cmd_data offset in the server record. */
const char *phs_cmd_server_header_slot(cmd_parms *cmd, void *conf,
                                       const char *value);

/* Adds one directive argument's addresses and CIDRs to set, sealed once
 * the configuration is read (in a .htaccess: at once).  An argument
 * without any address is an error. */
const char *phs_cmd_add_list(cmd_parms *cmd, phs_ip_set_t *set,
                             const char *list);

/* Adds a file of addresses and CIDRs (relative paths from ServerRoot) to
 * set, sealed as above.  An empty file gets a startup warning. */
const char *phs_cmd_add_file(cmd_parms *cmd, phs_ip_set_t *set,
                             const char *path);

/* PostHogSecure On|Off: in a .htaccess, only the half of the module that
 * its AllowOverride classes cover (AuthConfig: access; FileInfo: headers). */
const char *phs_cmd_secure(cmd_parms *cmd, void *dconf, const char *value);

/* pre_config: starts the list of sets to seal; check_config, first: seals
 * them (see phs_cmd_add_list), and warns about an allow-list or trusted
 * list that holds every address of a family. */
int phs_directive_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp);
int phs_directive_seal_sets(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s);

/* The startup warning for a sealed allow-list or trusted list (`what`
 * names it: "PostHogAllowedIPBlocks at FILE:LINE", "ALLOWED_IP_BLOCKS")
 * that holds every IPv4 or every IPv6 address: it restricts nothing, or
 * lets every client choose its address. */
void phs_warn_if_everything(server_rec *s, const phs_ip_set_t *set,
                            const char *what);

/* SetHandler, beside httpd's core: notes in the section whether it names
 * one of the module's handlers; never an error (core checks the value). */
const char *phs_cmd_set_handler(cmd_parms *cmd, void *dconf,
                                const char *value);

/* "NAME: MESSAGE", for errors. */
const char *phs_cmd_error(cmd_parms *cmd, const char *message);

#endif
