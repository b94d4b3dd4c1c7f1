#!/bin/sh
# Several hosts, each a network namespace of its own, on two bridges
# (documentation ranges only; nothing in the root namespace):
#
#   public  198.51.100.0/24, 2001:db8:1::/64
#     alice    .10  ::10   on the allow-list
#     mallory  .66  ::66   not on it
#     lb       .1   ::1    nginx: TLS for posthog.test, X-Forwarded-For/-Proto
#   private 192.0.2.0/24, 2001:db8:2::/64
#     lb       .1
#     web1     .11         httpd replica, the image, Listen 192.0.2.11 (IPv4 only)
#     web2     .12  ::12   httpd replica, the image, Listen [::] (dual-stack)
#     posthog  .20         the PostHog stand-in: web :8000, capture :8001 (TLS)
#     admin    .30         on the allow-list, talks to the replicas directly
#     other    .31         not on it
#
# The replicas run the image with the Deployment's securityContext and
# PostHog's variables (IS_BEHIND_PROXY, TRUSTED_PROXIES=192.0.2.1,
# HTTPD_PROXY_HOPS=1), reach PostHog over TLS with SSLProxyVerify.  Checked:
# allowed, denied and exempt by real client address (IPv4 and IPv6), a
# forged X-Forwarded-For, what PostHog sees, the redirect, HSTS, Secure
# cookies, IPv4-mapped peers on the dual-stack replica, a real browser's
# login, a graceful reload of a changed allow-list under traffic, and a
# replica killed under traffic, with no request lost.
. "$(dirname "$0")/lib.sh"

for tool in nginx node curl; do
    command -v "$tool" >/dev/null || bail "$tool is missing: ./install-deps"
done
nonloopback_listeners() {
    ss -Htln | awk '{ print $4 }' | grep -Ev '^(127\.|\[::1\]|\[::ffff:127\.)' | sort
}
root_listeners_before=$(nonloopback_listeners)

# --- the hosts --------------------------------------------------------
sw=$id-sw
netns "$sw"
ip -n "$sw" link add pub type bridge
ip -n "$sw" link add priv type bridge
ip -n "$sw" link set pub up
ip -n "$sw" link set priv up
attach() { # attach HOST IFNAME BRIDGE ADDRESS...
    host=$1 ifname=$2 bridge=$3; shift 3
    port=$(printf '%s%s' "$host" "$ifname" | cut -c1-15)
    ip -n "$sw" link add "$port" type veth peer name "$ifname" netns "$id-$host"
    ip -n "$sw" link set "$port" master "$bridge" up
    for a in "$@"; do
        case "$a" in
            *:*) ip -n "$id-$host" addr add "$a" dev "$ifname" nodad ;;
            *) ip -n "$id-$host" addr add "$a" dev "$ifname" ;;
        esac
    done
    ip -n "$id-$host" link set "$ifname" up
}
for h in alice mallory lb web1 web2 posthog admin other; do netns "$id-$h"; done
attach alice eth0 pub 198.51.100.10/24 2001:db8:1::10/64
attach mallory eth0 pub 198.51.100.66/24 2001:db8:1::66/64
attach lb eth0 pub 198.51.100.1/24 2001:db8:1::1/64
attach lb eth1 priv 192.0.2.1/24 2001:db8:2::1/64
attach web1 eth0 priv 192.0.2.11/24
attach web2 eth0 priv 192.0.2.12/24 2001:db8:2::12/64
attach posthog eth0 priv 192.0.2.20/24
attach admin eth0 priv 192.0.2.30/24
attach other eth0 priv 192.0.2.31/24
at() { h=$1; shift; ip netns exec "$id-$h" "$@"; }

# --- certificates, files, the PostHog stand-in, the replicas, nginx -----
make_ca
make_cert edge posthog.test
make_cert httpd posthog-httpd.test
# httpd passes the client's Host (ProxyPreserveHost On) and checks PostHog's
# certificate against it (SSLProxyCheckPeerName): it names SITE_URL's host.
make_cert posthog posthog.test posthog-web.test posthog-capture.test
mkdir -p "$work/allowlist" "$work/secret" "$work/tls" "$work/backend-ca" "$work/nginx-tmp"
printf '# alice, IPv4 and IPv6, and the admin host\n198.51.100.10\n2001:db8:1::10\n192.0.2.30\n' \
    > "$work/allowlist/allowed-ip-blocks.txt"
key=$(openssl rand -hex 32)
printf '%s\n' "$key" > "$work/secret/secret-key"
chgrp 10001 "$work/secret/secret-key"
chmod 640 "$work/secret/secret-key"
cp "$work/httpd.crt" "$work/tls/tls.crt"
cp "$work/httpd.key" "$work/tls/tls.key"
cp "$work/ca.crt" "$work/backend-ca/ca.crt"

: > "$work/posthog.log"
at posthog node "$here/standin.mjs" "$work/posthog.crt" "$work/posthog.key" "$work/posthog.log" \
    web=192.0.2.20:8000 capture=192.0.2.20:8001 > "$work/standin.out" 2>&1 &
on_exit "kill $!"

replica() { # replica NAME [ENV...]
    name=$1; shift
    on_exit "podman rm -f -t 0 $id-$name"
    # shellcheck disable=SC2046
    podman run -d --name "$id-$name" --network ns:/run/netns/"$id-$name" $(restricted_run) \
        --add-host posthog-web.test:192.0.2.20 --add-host posthog-capture.test:192.0.2.20 \
        -e SITE_URL=https://posthog.test \
        -e IS_BEHIND_PROXY=true -e TRUSTED_PROXIES=192.0.2.1 -e HTTPD_PROXY_HOPS=1 \
        -e POSTHOG_WEB_URL=https://posthog-web.test:8000 \
        -e POSTHOG_CAPTURE_URL=https://posthog-capture.test:8001 \
        -v "$work/allowlist:/etc/posthog-httpd/allowlist:ro" \
        -v "$work/secret:/etc/posthog-httpd/secret:ro" \
        -v "$work/tls:/etc/posthog-httpd/tls:ro" \
        -v "$work/backend-ca:/etc/posthog-httpd/backend-ca:ro" \
        "$@" "$image" >/dev/null
}
replica web1 -e HTTPD_LISTEN_ADDRESS=192.0.2.11
replica web2

sed "s|@WORK@|$work|g" "$here/nginx.conf.in" > "$work/nginx.conf"
at lb nginx -c "$work/nginx.conf" -g 'daemon off;' > "$work/nginx.out" 2>&1 &
on_exit "kill $!"

up() { h=$1; shift; at "$h" curl -sf -o /dev/null "$@"; }
wait_for 15 up web1 http://192.0.2.11:8080/_livez && wait_for 15 up web2 http://192.0.2.12:8080/_livez \
    && wait_for 15 up alice http://posthog.test/_livez --resolve posthog.test:80:198.51.100.1 \
    && wait_for 15 at posthog sh -c 'ss -Htln | grep -q :8001'
ok $? "the hosts are up: two replicas, the load balancer, the stand-in" \
    "$(podman logs "$id-web1" 2>&1 | tail -5; cat "$work/nginx.out" "$work/standin.out")"
is "$(at web1 ss -Htln | awk '{ print $4 }' | sort | tr '\n' ' ')" "192.0.2.11:8080 192.0.2.11:8443 192.0.2.11:9117 " \
    "web1 listens on its IPv4 address only"
is "$(at web2 ss -Htln | awk '{ print $4 }' | sort | tr '\n' ' ')" "*:8080 *:8443 *:9117 " \
    "web2 listens on [::] (dual-stack)"

# --- requests from the clients ---------------------------------------------
# get HOST URL [CURL-ARGS...]: prints "STATUS"; the response is in $work/resp.
get() {
    host=$1 url=$2; shift 2
    at "$host" curl -s -D "$work/resp.h" -o "$work/resp" -w '%{http_code}' --max-time 10 \
        --cacert "$work/ca.crt" \
        --resolve posthog.test:443:198.51.100.1 --resolve posthog.test:80:198.51.100.1 \
        "$@" "$url"
}
get6() {
    host=$1 url=$2; shift 2
    get "$host" "$url" --resolve 'posthog.test:443:[2001:db8:1::1]' --resolve 'posthog.test:80:[2001:db8:1::1]' "$@"
}
seen() { grep -F "$1" "$work/posthog.log"; }

is "$(get alice 'https://posthog.test/api/projects?t=a4')" 200 "alice (IPv4, allowed) reaches the app through the load balancer"
is "$(seen 't=a4' | grep -c '"service":"web".*"xff":"198.51.100.10","xfp":"https"')" 1 \
    "PostHog web saw it once, with X-Forwarded-For exactly 198.51.100.10 and X-Forwarded-Proto https"
like "$(tr -d '\r' < "$work/resp.h" | tr A-Z a-z)" 'strict-transport-security: max-age=31536000; includesubdomains' "HTTPS responses carry HSTS"
is "$(get6 alice 'https://posthog.test/api/projects?t=a6')" 200 "alice (IPv6, allowed) reaches the app"
is "$(seen 't=a6' | grep -c '"xff":"2001:db8:1::10"')" 1 "PostHog saw X-Forwarded-For 2001:db8:1::10"

is "$(get mallory 'https://posthog.test/api/projects?t=m4')" 403 "mallory (IPv4, not allowed) is refused"
is "$(cat "$work/resp")" "Access denied." "with the module's message"
is "$(seen 't=m4' | wc -l)" 0 "and PostHog never saw the request"
is "$(get6 mallory 'https://posthog.test/api/projects?t=m6')" 403 "mallory (IPv6) is refused"
is "$(seen 't=m6' | wc -l)" 0 "PostHog never saw it"
is "$(get mallory 'https://posthog.test/api/projects?t=forged' -H 'X-Forwarded-For: 198.51.100.10' \
    -H 'X-Real-IP: 198.51.100.10' -H 'Forwarded: for=198.51.100.10')" 403 \
    "mallory forging alice's address in X-Forwarded-For, X-Real-IP, Forwarded is refused (one trusted hop)"
is "$(seen 't=forged' | wc -l)" 0 "PostHog never saw it"
is "$(get mallory 'https://posthog.test/api/projects/?t=post' -X POST -d 'name=x')" 403 "a POST from mallory is refused"
is "$(seen 't=post' | wc -l)" 0 "and had no effect (never reached PostHog)"

is "$(get mallory 'https://posthog.test/e/?t=capture' -X POST -H 'X-Forwarded-For: 198.51.100.10' -d '{}')" 200 \
    "mallory's event capture (/e/, exempt) goes through"
is "$(seen 't=capture' | grep -c '"service":"capture".*"xff":"198.51.100.66","xfp":"https","xrealip":"198.51.100.66","forwarded":null')" 1 \
    "to PostHog capture, which sees exactly mallory's real address, not the forged one"
is "$(get6 mallory 'https://posthog.test/i/v0/e/?t=capture6' -X POST -d '{}')" 200 "over IPv6 too (/i/v0/e/)"
is "$(seen 't=capture6' | grep -c '"service":"capture".*"xff":"2001:db8:1::66"')" 1 "PostHog capture saw 2001:db8:1::66"
is "$(get mallory 'https://posthog.test/flags/?v=2&t=flags' -X POST -d '{}')" 200 "flags (exempt) go through, to PostHog web"
is "$(seen 't=flags' | grep -c '"service":"web"')" 1 "PostHog web saw the flags request"
is "$(get mallory 'https://posthog.test/_health?t=health')" 200 "/_health is open to everyone"
is "$(get mallory 'http://posthog.test/_health?t=health80')" 200 "and over plain HTTP (no redirect for health checks)"
is "$(seen 't=health80' | grep -c '"xfp":"http"')" 1 "PostHog saw it as plain HTTP"

is "$(get alice 'http://posthog.test/api/projects?x=1&t=redirect')" 301 "plain HTTP is redirected (301)"
is "$(tr -d '\r' < "$work/resp.h" | sed -n 's/^[Ll]ocation: //p')" 'https://posthog.test/api/projects?x=1&t=redirect' \
    "to https://posthog.test, path and query kept"
get alice 'http://posthog.test/?t=evil' -H 'Host: evil.example' >/dev/null
is "$(tr -d '\r' < "$work/resp.h" | sed -n 's/^[Ll]ocation: //p')" 'https://posthog.test/?t=evil' \
    "never to the host the client names"
is "$(get alice 'http://posthog.test/e/?t=post80' -X POST -d '{}')" 308 "a plain-HTTP POST gets 308 (the body survives)"
unlike "$(tr -d '\r' < "$work/resp.h" | tr A-Z a-z)" 'strict-transport' "no HSTS over plain HTTP"
is "$(seen 't=redirect' | wc -l)$(seen 't=post80' | wc -l)" 00 "PostHog saw none of the redirected requests"

is "$(get alice 'https://posthog.test/login' -X POST -d 'email=a')" 302 "alice logs in over HTTPS"
cookies=$(tr -d '\r' < "$work/resp.h" | grep -i '^set-cookie:')
like "$cookies" 'sessionid=s3ss10n; Path=/; SameSite=Lax; Secure; HttpOnly' "the session cookie got Secure and HttpOnly"
like "$cookies" 'posthog_csrftoken=csrf123; Path=/; Secure$' "PostHog's CSRF cookie got Secure, not HttpOnly (its JavaScript reads it)"

# Both replicas served, each saw the load balancer as its peer and the
# client behind it.  web2 listens on [::]: the balancer's IPv4 connections
# reach it as IPv4-mapped IPv6 peers (::ffff:192.0.2.1, as the kernel shows
# them; httpd writes them as IPv4), and the module matches them against the
# IPv4 entries of TRUSTED_PROXIES and of the allow-list.
for i in 1 2 3 4 5 6; do get alice "https://posthog.test/api/projects?t=spread$i" >/dev/null; done
podman logs "$id-web1" > "$work/web1.out" 2> "$work/web1.err"
podman logs "$id-web2" > "$work/web2.out" 2> "$work/web2.err"
like "$(grep 't=spread' "$work/web1.out")" '^198\.51\.100\.10 peer=192\.0\.2\.1 .* 200 .*access=allowed https=on proxies=192\.0\.2\.1 ' \
    "web1 served alice's requests: client 198.51.100.10, peer 192.0.2.1, the trusted proxy"
like "$(grep 't=spread' "$work/web2.out")" '^198\.51\.100\.10 peer=192\.0\.2\.1 .* 200 .*access=allowed https=on proxies=192\.0\.2\.1 ' \
    "web2 too"
like "$(at web2 ss -Htn state established '( sport = :8443 )')" '\[::ffff:192\.0\.2\.1\]:[0-9]+ *$' \
    "web2's connections from the balancer are IPv4-mapped: [::ffff:192.0.2.1] (the balancer keeps them open)"
like "$(at web1 ss -Htn state established '( sport = :8443 )')" ' 192\.0\.2\.1:[0-9]+ *$' \
    "web1's are plain IPv4"
denials=$(cat "$work/web1.err" "$work/web2.err")
like "$denials" 'posthog_secure:error.*denied client 198\.51\.100\.66 \(peer (::ffff:)?192\.0\.2\.1\) for /api/projects: client address not in PostHogAllowedIPBlocks' \
    "each denial is in the error log: client, peer, URI, reason"
like "$denials" 'denied client 2001:db8:1::66 \(peer (::ffff:)?192\.0\.2\.1\)' "IPv6 denials too"
like "$(cat "$work/web1.out" "$work/web2.out")" '^198\.51\.100\.66 peer=.*"GET /api/projects\?t=m4 HTTP/1\.1" 403 .*access=denied' \
    "and in the access log as access=denied"

# Straight to the replicas from the private network (no balancer).
direct() { # direct HOST REPLICA-ADDRESS PATH [CURL-ARGS...]
    h=$1 addr=$2 path=$3; shift 3
    at "$h" curl -s -o /dev/null -w '%{http_code}' --cacert "$work/ca.crt" -H 'Host: posthog.test' \
        --resolve "posthog-httpd.test:8443:$addr" "$@" "https://posthog-httpd.test:8443$path"
}
is "$(direct admin 192.0.2.12 '/api/projects?t=mapped')" 200 "admin (192.0.2.30, allowed) reaches web2 directly over IPv4"
podman logs "$id-web2" > "$work/web2.out" 2>/dev/null
like "$(grep 't=mapped' "$work/web2.out")" '^192\.0\.2\.30 peer=192\.0\.2\.30 .* 200 .*access=allowed' \
    "its IPv4-mapped peer matched the IPv4 allow-list entry 192.0.2.30"
is "$(direct other 192.0.2.12 '/api/projects?t=mapped-other')" 403 "other (192.0.2.31) is refused by web2"
is "$(direct other 192.0.2.11 '/api/projects?t=direct-other')" 403 "and by web1"
is "$(direct other 192.0.2.12 '/api/projects?t=direct-forged' -H 'X-Forwarded-For: 192.0.2.30')" 403 \
    "a forged X-Forwarded-For from an untrusted peer is ignored"
is "$(seen 't=mapped-other' | wc -l)$(seen 't=direct-' | wc -l)" 00 "PostHog never saw those"

# --- a real browser -----------------------------------------------------
if [ -x "${PHS_CHROMIUM:-/usr/bin/chromium}" ] && [ -d "$here/node_modules/playwright-core" ]; then
    : > "$work/lb-access.log.mark"
    lines_before=$(wc -l < "$work/lb-access.log")
    spki=$(openssl x509 -in "$work/edge.crt" -pubkey -noout | openssl pkey -pubin -outform der \
        | openssl dgst -sha256 -binary | base64)
    out=$(cd "$here" && HOME=$work at alice node browser.mjs 198.51.100.1 "$spki" 2>&1)
    printf '%s\n' "$out" > "$work/browser.json"
    field() { node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(JSON.stringify(eval("r." + process.argv[2])))' "$work/browser.json" "$1"; }
    is "$(field error)" "undefined" "Chromium ran the login" "$out"
    is "$(field first[0])" '"http://posthog.test/login"' "it first asked over plain HTTP"
    is "$(field loginUrl)" '"https://posthog.test/login"' "and was redirected to HTTPS"
    is "$(field home)" '"logged in"' "it logged in to the stand-in through the balancer and httpd"
    is "$(field 'cookies.find(c => c.name === "sessionid")')" '{"name":"sessionid","secure":true,"httpOnly":true,"sameSite":"Lax"}' \
        "the browser holds the session cookie as Secure and HttpOnly"
    is "$(field 'cookies.find(c => c.name === "posthog_csrftoken")')" '{"name":"posthog_csrftoken","secure":true,"httpOnly":false,"sameSite":"Lax"}' \
        "and posthog_csrftoken as Secure, readable by JavaScript"
    is "$(field documentCookie)" '"posthog_csrftoken=csrf123"' "document.cookie shows posthog_csrftoken and not the session cookie"
    is "$(field hstsUrl)$(field hstsHome)" '"https://posthog.test/""logged in"' \
        "http:// again in the same browser: HSTS upgraded it, still logged in"
    is "$(field 'plain.length')$(field 'plain[0].cookie')" '1null' \
        "a browser with the cookies but without HSTS sent its plain-HTTP request without any cookie (all are Secure)"
    is "$(field plainUrl)$(field plainHome)" '"https://posthog.test/""logged in"' "then, redirected, with it over HTTPS"
    port80=$(tail -n +"$((lines_before + 1))" "$work/lb-access.log" | grep '^80 198\.51\.100\.10 ')
    is "$(printf '%s\n' "$port80" | grep -c .)" 2 "the balancer saw exactly two plain-HTTP requests from the browser (none after HSTS)"
    unlike "$port80" 'sessionid' "the session cookie never crossed the network in plain HTTP"
else
    ok 1 "Chromium and playwright-core (./install-deps, npm ci in deploy/test) are needed for the browser test"
fi

# --- a changed allow-list, graceful reloads under traffic ---------------------
# (posthog-httpd reload: checks the configuration, then SIGUSR1 to httpd)
# until N more requests than BASE are in the balancer's log
logged() { [ "$(grep -c "t=$1" "$work/lb-access.log")" -ge "$2" ]; }
at alice node "$here/load.mjs" 'https://posthog.test/api/projects?t=reload' "$work/ca.crt" 198.51.100.1 400 4 10 \
    > "$work/load-reload.json" &
load=$!
wait_for 20 logged reload 50
printf '198.51.100.10\n2001:db8:1::10\n192.0.2.30\n198.51.100.66\n' > "$work/allowlist/allowed-ip-blocks.txt.new"
mv "$work/allowlist/allowed-ip-blocks.txt.new" "$work/allowlist/allowed-ip-blocks.txt"
podman exec "$id-web1" posthog-httpd reload >/dev/null
sleep 0.3
podman exec "$id-web2" posthog-httpd reload >/dev/null
wait "$load"
result=$(cat "$work/load-reload.json")
like "$result" '^\{"total":400,"status":\{"200":400\},"errors":0' "400 requests during two graceful reloads: all 200, none lost"
sleep 0.5
is "$(get mallory 'https://posthog.test/api/projects?t=after-reload-1')$(get mallory 'https://posthog.test/api/projects?t=after-reload-2')" 200200 \
    "after the reload both replicas allow mallory, added to the allow-list file"
like "$(podman logs "$id-web1" 2>&1)$(podman logs "$id-web2" 2>&1)" 'SIGUSR1 received.  Doing graceful restart' "the reloads were graceful"

# --- a replica killed under traffic ------------------------------------------
lines_before=$(wc -l < "$work/lb-access.log")
at alice node "$here/load.mjs" 'https://posthog.test/api/projects?t=kill' "$work/ca.crt" 198.51.100.1 600 4 10 \
    > "$work/load-kill.json" &
load=$!
wait_for 20 logged kill 100
podman kill --signal KILL "$id-web1" >/dev/null
wait "$load"
result=$(cat "$work/load-kill.json")
like "$result" '^\{"total":600,"status":\{"200":600\},"errors":0' "600 requests while web1 is killed (SIGKILL): all 200, none lost" "$result"
kill_log=$(tail -n +"$((lines_before + 1))" "$work/lb-access.log")
like "$kill_log" 'upstream="192\.0\.2\.11:8443, 192\.0\.2\.12:8443"' "the balancer retried a request on web2 when web1 failed"
like "$(printf '%s\n' "$kill_log" | tail -1)" ' 200 upstream="(192\.0\.2\.11:8443, )?192\.0\.2\.12:8443"' "and went on with web2"

is "$(nonloopback_listeners)" "$root_listeners_before" "nothing listens on a non-loopback address of the root namespace"

done_testing
