#!/bin/sh
# The image, run by podman exactly as the Deployment's securityContext says
# (uid 10001, read-only root, tmpfs only for /run/apache2 and the lock dir,
# no capabilities, no-new-privileges), in a network namespace of its own:
# what it runs as, what it can write, what it logs, the metrics it serves,
# what it takes from the environment and what it refuses.
. "$(dirname "$0")/lib.sh"

key=$(openssl rand -hex 32)
mkdir -p "$work/allowlist" "$work/secret" "$work/tls"
echo 127.0.0.1 > "$work/allowlist/allowed-ip-blocks.txt"
printf '%s\n' "$key" > "$work/secret/secret-key"
chgrp 10001 "$work/secret/secret-key"
chmod 640 "$work/secret/secret-key"
make_ca
make_cert httpd posthog-httpd.test
cp "$work/httpd.crt" "$work/tls/tls.crt"
cp "$work/httpd.key" "$work/tls/tls.key"
chgrp 10001 "$work/tls/tls.key"
chmod 640 "$work/tls/tls.key"
mounts="-v $work/allowlist:/etc/posthog-httpd/allowlist:ro
 -v $work/secret:/etc/posthog-httpd/secret:ro -v $work/tls:/etc/posthog-httpd/tls:ro"

netns "$id-img"
name=$id-img
on_exit "podman rm -f -t 0 $name"
# shellcheck disable=SC2046
# PostHog is nowhere here: its URLs name a loopback port where nothing
# listens, so an allowed request is mod_proxy's 503, not a DNS lookup.
podman run -d --name "$name" --network ns:/run/netns/"$id-img" $(restricted_run) \
    -e SITE_URL=https://posthog.test -e POSTHOG_WEB_URL=http://127.0.0.1:9 \
    -e POSTHOG_CAPTURE_URL=http://127.0.0.1:9 $mounts "$image" >/dev/null
in_ns() { ip netns exec "$id-img" "$@"; }
wait_for 10 in_ns curl -sf http://127.0.0.1:8080/_livez
ok $? "it starts and answers /_livez"

cfg=$(podman inspect "$name" --format '{{.Config.User}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.SecurityOpt}}')
is "$cfg" "10001:10001 true [no-new-privileges]" "podman ran it as uid 10001, read-only, no-new-privileges"
status=$(podman exec "$name" sh -c 'id -u; id -g; grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/1/status' | tr -s '\t\n' '  ')
is "$status" "10001 10001 CapInh: 0000000000000000 CapPrm: 0000000000000000 CapEff: 0000000000000000 CapBnd: 0000000000000000 CapAmb: 0000000000000000 NoNewPrivs: 1 Seccomp: 2 " \
    "PID 1 is httpd's uid 10001 with no capability at all, no-new-privileges, seccomp filtering"
procs=$(podman top "$name" huser args | awk 'NR > 1 { print $1, $2 }' | sort -u)
is "$procs" "10001 /usr/sbin/apache2" "every process is /usr/sbin/apache2 as uid 10001"
podman exec "$name" sh -c 'touch /etc/x || touch /usr/x || touch /tmp/x || touch /var/tmp/x || touch /run/x' 2>/dev/null
ok $((! $?)) "the root file system is read-only (/etc, /usr, /tmp, /var/tmp, /run)"
writable=$(podman exec "$name" sh -c 'touch /run/apache2/t /run/lock/apache2/t && echo yes')
is "$writable" yes "/run/apache2 and /run/lock/apache2 are writable (tmpfs)"
pid=$(podman exec "$name" cat /run/apache2/apache2.pid)
is "$pid" 1 "httpd is PID 1 and its pid file is in the tmpfs"
in_ns ss -Htln | awk '{ print $4 }' | sort > "$work/listen"
is "$(tr '\n' ' ' < "$work/listen")" "*:8080 *:8443 *:9117 " "it listens on 8080, 8443 and 9117 (all addresses, dual-stack) and nothing else"

# Requests, and where they are logged: access on stdout, errors on stderr.
code=$(in_ns curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/api/projects)
is "$code" 301 "plain HTTP on 8080 is redirected"
loc=$(in_ns curl -s -o /dev/null -w '%{redirect_url}' -H 'Host: evil.example' http://127.0.0.1:8080/x?y=1)
is "$loc" "https://posthog.test/x?y=1" "to SITE_URL's host, never the client's"
hdrs=$(in_ns curl -s -D - -o /dev/null --cacert "$work/ca.crt" --resolve posthog-httpd.test:8443:127.0.0.1 \
    https://posthog-httpd.test:8443/_livez | tr -d '\r')
like "$hdrs" '^HTTP/2 200' "8443 serves TLS with the mounted certificate, HTTP/2"
like "$hdrs" 'strict-transport-security: max-age=31536000; includeSubDomains' "with HSTS (HTTPD_HSTS's default)"
unlike "$hdrs" 'server: Apache/' "and no version in Server"
in_ns curl -s -o /dev/null --interface 127.0.0.2 --cacert "$work/ca.crt" \
    --resolve posthog-httpd.test:8443:127.0.0.1 https://posthog-httpd.test:8443/api/projects?audit
podman logs "$name" > "$work/stdout" 2> "$work/stderr"
like "$(cat "$work/stdout")" '^127\.0\.0\.2 peer=127\.0\.0\.2 .*"GET /api/projects\?audit HTTP/2\.0" 403 .*access=denied https=on' \
    "stdout: the access log, with client, peer and the module's decision"
like "$(cat "$work/stderr")" 'posthog_secure:error.*denied client 127\.0\.0\.2 \(peer 127\.0\.0\.2\) for /api/projects.*not in PostHogAllowedIPBlocks' \
    "stderr: the denial at level error, with client, peer, URI and reason"
unlike "$(cat "$work/stdout" "$work/stderr")" "$key" "the secret key appears in no log"

# The metrics: on 9117 only, answered by httpd (PostHog, absent, would be
# mod_proxy's 503), for the allow-list's addresses.
metrics=$(in_ns curl -s -D "$work/metrics.h" http://127.0.0.1:9117/metrics)
like "$(tr -d '\r' < "$work/metrics.h")" '^HTTP/1\.1 200' "9117 serves /metrics"
like "$(tr -d '\r' < "$work/metrics.h")" '^Content-Type: text/plain; version=0\.0\.4' "in Prometheus text"
like "$metrics" 'posthog_secure_requests_total\{vhost="posthog\.test:8443",verdict="denied"\} 1' \
    "with the counters: the denial on 8443 above is counted, as 8443's"
is "$(in_ns curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 http://127.0.0.1:9117/metrics)" 403 \
    "a client not on the allow-list cannot read them"
is "$(in_ns curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9117/api/projects)" 403 \
    "nothing else is on 9117 and nothing there goes to PostHog"

versions=$(podman run --rm --network none --entrypoint dpkg-query "$image" -W -f '${Package} ${Version}\n' \
    apache2-bin libapache2-mod-posthog-secure openssl libssl3)
like "$versions" "libapache2-mod-posthog-secure $(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)" \
    "dpkg-query inside shows the module's package version"
like "$versions" 'apache2-bin 2\.4\.' "and Debian's apache2"
modules=$(podman run --rm $(restricted_run) --network none -e SITE_URL=https://posthog.test \
    -e SECRET_KEY="$key" "$image" -M 2>&1)
like "$modules" 'posthog_secure_module \(shared\)' "the module is loaded from the .deb"
unlike "$modules" '(status|autoindex|cgi|info)_module' "no status, autoindex, cgi or info module"

# What it refuses to start with.
refuse() { # refuse NAME EXPECTED-REGEX ENV...
    what=$1; expect=$2; shift 2
    out=$(podman run --rm $(restricted_run) --network none "$@" "$image" -t 2>&1)
    rc=$?
    if [ "$rc" != 0 ] && printf '%s' "$out" | grep -Eq -- "$expect"; then
        ok 0 "refused: $what"
    else
        ok 1 "refused: $what" "exit $rc: $out"
    fi
}
refuse "no SECRET_KEY in production" 'SECRET_KEY is not set' -e SITE_URL=https://posthog.test
refuse "PostHog's placeholder key" 'placeholder' -e SITE_URL=https://posthog.test \
    -e 'SECRET_KEY=<randomly generated secret key>'
refuse "the placeholder key in the mounted file" 'PostHogSecretKey.*placeholder' -e SITE_URL=https://posthog.test \
    -v "$top/deploy/test/placeholder-key:/etc/posthog-httpd/secret:ro"
refuse "no SITE_URL" 'SITE_URL is not set'
refuse "a bad ALLOWED_IP_BLOCKS" 'ALLOWED_IP_BLOCKS.*10\.0\.0\.300' -e SITE_URL=https://posthog.test \
    -e SECRET_KEY="$key" -e ALLOWED_IP_BLOCKS=10.0.0.300
refuse "a bad HTTPD_PROXY_HOPS" 'HTTPD_PROXY_HOPS' -e SITE_URL=https://posthog.test -e HTTPD_PROXY_HOPS=one
refuse "a bad HTTPD_HSTS" 'PostHogHSTS.*forever|forever.*max-age' -e SITE_URL=https://posthog.test \
    -e SECRET_KEY="$key" -e HTTPD_HSTS=forever
refuse "a bad HTTPD_METRICS_ALLOWED_IP_BLOCKS" '10\.0\.0\.300' -e SITE_URL=https://posthog.test \
    -e SECRET_KEY="$key" -e HTTPD_METRICS_ALLOWED_IP_BLOCKS=10.0.0.300

# PostHog's TRUST_ALL_PROXIES in httpd's environment (one shared with
# PostHog's pods) is ignored: the configuration says PostHogTrustAllProxies
# Off.  The HSTS value and the metrics' own allow-list from the environment.
netns "$id-env"
on_exit "podman rm -f -t 0 $id-env"
# shellcheck disable=SC2046
podman run -d --name "$id-env" --network ns:/run/netns/"$id-env" $(restricted_run) \
    -e SITE_URL=https://posthog.test -e POSTHOG_WEB_URL=http://127.0.0.1:9 \
    -e POSTHOG_CAPTURE_URL=http://127.0.0.1:9 -e IS_BEHIND_PROXY=true -e TRUST_ALL_PROXIES=true \
    -e HTTPD_HSTS='max-age=600' -e HTTPD_METRICS_ALLOWED_IP_BLOCKS=127.0.0.2 $mounts "$image" >/dev/null
in_env() { ip netns exec "$id-env" "$@"; }
wait_for 10 in_env curl -sf http://127.0.0.1:8080/_livez
ok $? "with TRUST_ALL_PROXIES=true it starts" "$(podman logs "$id-env" 2>&1 | tail -5)"
like "$(podman logs "$id-env" 2>&1)" 'TRUST_ALL_PROXIES is ignored' "and says it ignores TRUST_ALL_PROXIES"
tls_env() { in_env curl -s --cacert "$work/ca.crt" --resolve posthog-httpd.test:8443:127.0.0.1 "$@"; }
is "$(tls_env -o /dev/null -w '%{http_code}' --interface 127.0.0.2 -H 'X-Forwarded-For: 127.0.0.1' \
    https://posthog-httpd.test:8443/api/projects)" 403 \
    "a client claiming a listed address in X-Forwarded-For is still refused (its header is not believed)"
like "$(tls_env -D - -o /dev/null https://posthog-httpd.test:8443/_livez | tr -d '\r')" \
    'strict-transport-security: max-age=600$' "HTTPD_HSTS sets the HSTS header"
is "$(in_env curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 http://127.0.0.1:9117/metrics)$(in_env curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9117/metrics)" \
    200403 "HTTPD_METRICS_ALLOWED_IP_BLOCKS replaces the allow-list on 9117 only (127.0.0.2 may read the metrics, 127.0.0.1 not)"

# A changed allow-list: `posthog-httpd reload` checks it, then reloads
# gracefully; a broken one is refused and the running server keeps serving.
echo 127.0.0.2 > "$work/allowlist/allowed-ip-blocks.txt.new"
mv "$work/allowlist/allowed-ip-blocks.txt.new" "$work/allowlist/allowed-ip-blocks.txt"
podman exec "$name" posthog-httpd reload > "$work/reload.out" 2>&1
ok $? "posthog-httpd reload reloads a changed allow-list" "$(cat "$work/reload.out")"
wait_for 5 sh -c "test \"\$(ip netns exec $id-img curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 \
    --cacert $work/ca.crt --resolve posthog-httpd.test:8443:127.0.0.1 https://posthog-httpd.test:8443/api/projects)\" = 503"
ok $? "127.0.0.2, now listed, passes the allow-list (to mod_proxy: 503, PostHog is absent)"
echo '10.0.0.300 # a typo' > "$work/allowlist/allowed-ip-blocks.txt.new"
mv "$work/allowlist/allowed-ip-blocks.txt.new" "$work/allowlist/allowed-ip-blocks.txt"
out=$(podman exec "$name" posthog-httpd reload 2>&1)
rc=$?
if [ "$rc" != 0 ] && printf '%s' "$out" | grep -q '10\.0\.0\.300'; then ok 0 "a broken allow-list is refused by reload, naming the entry"
else ok 1 "a broken allow-list is refused by reload, naming the entry" "exit $rc: $out"; fi
sleep 0.5
is "$(in_ns curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/_livez)" 200 "and httpd keeps serving"
is "$(podman inspect "$name" --format '{{.State.Running}}')" true "still running"

# Stop: SIGWINCH (the image's stop signal) is httpd's graceful stop.
sig=$(podman image inspect "$image" --format '{{.Config.StopSignal}}')
is "$sig" SIGWINCH "the image's stop signal is SIGWINCH (graceful stop)"
podman stop -t 10 "$name" >/dev/null
like "$(podman logs "$name" 2>&1)" 'caught SIGWINCH, shutting down gracefully' "podman stop shuts httpd down gracefully"

done_testing
