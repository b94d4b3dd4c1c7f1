#include "mod_phs_forwarded_headers.h"
#include "mod_phs_metrics.h"
#include "mod_phs_request.h"
#include "mod_phs_directive.h"
#include "phs_text.h"
#include "phs_signed_ip.h"

#include <apr_strings.h>

/* What clients and proxies send to say who the client is and how it came:
 * with rewrite, none of it reaches the backend from a client.  PostHog's
 * capture service reads Fly-Client-IP. */
static const char *const forwarded_names[] = {
    "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
    "X-Forwarded-Port", "X-Forwarded-Server", "X-Forwarded-Ssl",
    "X-Forwarded-Scheme", "X-Forwarded-Protocol", "X-Url-Scheme",
    "Front-End-Https", "X-Real-IP", "Forwarded", "CF-Connecting-IP",
    "True-Client-IP", "X-Client-IP", "X-Cluster-Client-IP",
    "Fastly-Client-IP", "X-Original-Forwarded-For", "Client-IP",
    "Fly-Client-IP", "X-Envoy-External-Address",
};
#define FORWARDED_NAMES \
    ((int)(sizeof(forwarded_names) / sizeof(*forwarded_names)))

/* Removed from every request of a vhost where PostHogSecure On appears,
 * whatever PostHogForwardedHeaders says: the signed client IP only the
 * module may send, and the fields through which frameworks let a proxy
 * override the path, which would route an exempt-looking request to a
 * restricted resource. */
static const char *const always_stripped_names[] = {
    PHS_CLIENT_IP_HEADER, PHS_CLIENT_IP_TIMESTAMP_HEADER,
    PHS_CLIENT_IP_SIGNATURE_HEADER,
    "X-Original-URL", "X-Rewrite-URL", "X-Forwarded-Prefix",
    "X-Forwarded-Uri",
};
#define SIGNED_IP_NAMES 3
#define ALWAYS_STRIPPED_NAMES \
    ((int)(sizeof(always_stripped_names) / sizeof(*always_stripped_names)))

/* The fields the module sends with rewrite. */
#define SENT_FOR "X-Forwarded-For"
#define SENT_REAL_IP "X-Real-IP"
#define SENT_PROTO "X-Forwarded-Proto"

const char *phs_cmd_forwarded_headers(cmd_parms *cmd, void *dconf,
                                      const char *value)
{
    (void)dconf;
    if (!strcasecmp(value, "rewrite") || !strcasecmp(value, "keep")) {
        PHS_SERVER_CONF(cmd->server)->forwarded_headers =
            !strcasecmp(value, "rewrite");
        return NULL;
    }
    return phs_cmd_error(cmd, apr_psprintf(cmd->temp_pool, "'%s' is not "
                         "rewrite or keep", value));
}

/* Every name below fits the list (a full one would drop a name, and a
 * forged header would pass): the client-IP, proto and Upgrade names, the
 * always-stripped and forwarded ones, the two header directives'. */
typedef char fields_fit_the_list[3 + ALWAYS_STRIPPED_NAMES + FORWARDED_NAMES
                                 + 2 <= PHS_NAME_LIST_MAX ? 1 : -1];
/* And every role fits the list's roles. */
typedef char roles_fit_the_list[PHS_FIELD_ROLES_END <= PHS_NAME_ROLE_LIMIT
                                ? 1 : -1];

void phs_forwarded_headers_fields(phs_server_conf_t *conf)
{
    phs_name_list_t *fields = &conf->fields;
    unsigned forwarded = PHS_FIELD_GUARDED
                         | (conf->forwarded_headers != 0 ? PHS_FIELD_STRIP
                                                         : 0);

    phs_name_list_init(fields);
    phs_name_list_add_exact(fields, conf->client_ip_header,
                            PHS_FIELD_CLIENT_IP);
    phs_name_list_add_exact(fields, conf->proto_header, PHS_FIELD_PROTO);
    phs_name_list_add_exact(fields, "Upgrade", PHS_FIELD_UPGRADE);
    phs_name_list_add(fields, always_stripped_names, SIGNED_IP_NAMES,
                      PHS_FIELD_STRIP | PHS_FIELD_GUARDED
                      | PHS_FIELD_SIGNED_IP);
    phs_name_list_add(fields, always_stripped_names + SIGNED_IP_NAMES,
                      ALWAYS_STRIPPED_NAMES - SIGNED_IP_NAMES,
                      PHS_FIELD_STRIP | PHS_FIELD_GUARDED);
    phs_name_list_add(fields, forwarded_names, FORWARDED_NAMES, forwarded);
    /* PostHogClientIPHeader and PostHogForwardedProtoHeader may name
     * others (X-Real-Client): inputs, never passed on with rewrite, in any
     * spelling. */
    phs_name_list_add(fields, &conf->client_ip_header, 1, forwarded);
    phs_name_list_add(fields, &conf->proto_header, 1, forwarded);
}

/* The client's Connection header, without the tokens that name a field
 * the module reads, sets or removes: mod_proxy_http drops every field the
 * header names as hop-by-hop, after the fixups set the module's
 * (CVE-2022-31813 class).  Short tokens are looked up from a copy on the
 * stack; nothing is allocated unless a token goes. */
static void drop_guarded_tokens(request_rec *r, const phs_name_list_t *list)
{
    const char *value = apr_table_getm(r->pool, r->headers_in, "Connection");
    const char *c = value, *kept = NULL;
    int dropped = 0;

    while (c && *c) {
        const char *end = strchr(c, ',');
        phs_span_t token = phs_span_trimmed(c, end ? end : c + strlen(c));
        char name[PHS_NAME_LENGTH_MAX + 1];
        const char *key = name;

        if (token.len < sizeof(name)) {
            memcpy(name, token.start, token.len);
            name[token.len] = '\0';
        }
        else
            key = apr_pstrmemdup(r->pool, token.start, token.len);
        if (token.len
            && (phs_name_list_roles(list, key) & PHS_FIELD_GUARDED))
            dropped++;
        else if (token.len)
            kept = kept ? apr_pstrcat(r->pool, kept, ", ", key, NULL)
                        : apr_pstrmemdup(r->pool, token.start, token.len);
        c = end ? end + 1 : NULL;
    }
    if (!dropped)
        return;
    if (kept)
        apr_table_setn(r->headers_in, "Connection", kept);
    else
        apr_table_unset(r->headers_in, "Connection");
}

/* The values the module gives its three fields for this request_rec. */
static const char *sent_proto(request_rec *r)
{
    return phs_request_is_https(r) ? "https" : "http";
}

static void set_sent(request_rec *r)
{
    apr_table_setn(r->headers_in, SENT_FOR, r->useragent_ip);
    apr_table_setn(r->headers_in, SENT_REAL_IP, r->useragent_ip);
    apr_table_setn(r->headers_in, SENT_PROTO, sent_proto(r));
}

void phs_forwarded_headers_strip(request_rec *r,
                                 const phs_strip_fields_t *found)
{
    const phs_server_conf_t *conf = PHS_SERVER_CONF(r->server);
    int i, removed = 0;

    if (!found || found->count > PHS_STRIP_FIELDS_MAX)
        /* Only the signed-IP ones are counted: forged by definition. */
        removed = phs_fields_remove(r->headers_in, &conf->fields,
                                    PHS_FIELD_STRIP, PHS_FIELD_SIGNED_IP);
    else
        for (i = 0; i < found->count; i++) {
            int before = apr_table_elts(r->headers_in)->nelts;

            apr_table_unset(r->headers_in, found->key[i]);
            if (phs_name_list_roles(&conf->fields, found->key[i])
                & PHS_FIELD_SIGNED_IP)
                removed += before - apr_table_elts(r->headers_in)->nelts;
        }
    if (removed)
        phs_metrics_count(r->server, PHS_COUNT_FORGED_HEADERS_REMOVED,
                          (apr_uint64_t)removed);
    drop_guarded_tokens(r, &conf->fields);
    if (conf->forwarded_headers != 0) {
        phs_request_t *state = phs_request_state(r);

        /* Noted, so that a PostHogSecure Off location can take exactly
         * these out again (and SetEnvIf or mod_rewrite see the verified
         * values from here on). */
        set_sent(r);
        state->sent_client = r->useragent_ip;
        state->sent_proto = sent_proto(r);
    }
}

/* The field is there with the value the module gave it. */
static int still_sent(request_rec *r, const char *name, const char *value)
{
    const char *now = apr_table_get(r->headers_in, name);

    return now && value && !strcmp(now, value);
}

/* A location where the module's headers are off: what post_read_request
 * placed goes, as if it had never been there. */
static void remove_sent(request_rec *r)
{
    const phs_request_t *state = phs_client_state(r);

    if (still_sent(r, SENT_FOR, state->sent_client))
        apr_table_unset(r->headers_in, SENT_FOR);
    if (still_sent(r, SENT_REAL_IP, state->sent_client))
        apr_table_unset(r->headers_in, SENT_REAL_IP);
    if (still_sent(r, SENT_PROTO, state->sent_proto))
        apr_table_unset(r->headers_in, SENT_PROTO);
}

int phs_forwarded_headers_rewrite(request_rec *r)
{
    const phs_server_conf_t *conf = PHS_SERVER_CONF(r->server);

    if (!phs_headers_enabled(r)) {
        if (conf->secure_somewhere == 1 && conf->forwarded_headers != 0)
            remove_sent(r);
        return DECLINED;
    }
    /* PostHogSecure On only in a .htaccess: post_read_request, before any
     * directory was known, stripped nothing; here, before the backend is
     * told anything, it does. */
    if (conf->secure_somewhere != 1)
        phs_forwarded_headers_strip(r, NULL);
    else if (conf->forwarded_headers != 0)
        set_sent(r);
    return DECLINED;
}

int phs_forwarded_headers_proxy_fixups(request_rec *r)
{
    if (phs_headers_enabled(r)
        && PHS_SERVER_CONF(r->server)->forwarded_headers != 0)
        set_sent(r);
    return OK;
}
