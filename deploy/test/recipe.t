#!/bin/sh
# docs/DEPLOYMENT.md's podman recipe (section "Outside Kubernetes: podman"):
# its shell blocks, run as written and in order by sh, in a directory that
# holds the files the doc says the operator has (kept 0600 root:root, as
# key files are), and in a network namespace of the test's own: nsenter
# puts sh there, so the recipe's --network=host is that namespace, never
# the machine's.  Two words change: the image's tag (the image under test)
# and the container's name (this run's own).
. "$(dirname "$0")/lib.sh"

version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
recipe=$work/recipe
mkdir -p "$recipe"
awk '/^### Outside Kubernetes: podman/ { on = 1; next }
     on && !block && /^#/ { exit }
     on && /^```sh$/ { block = 1; next }
     block && /^```$/ { block = 0; next }
     block' "$top/docs/DEPLOYMENT.md" > "$recipe/as-written.sh"
sed -e "s|localhost/posthog-httpd:$version|$image|" -e "s|--name posthog-httpd |--name $id-recipe |" \
    "$recipe/as-written.sh" > "$recipe/recipe.sh"
changed=$(diff "$recipe/as-written.sh" "$recipe/recipe.sh" | grep -c '^>')
like "$(cat "$recipe/recipe.sh")" 'podman run' "the doc has a podman recipe" "$(cat "$recipe/as-written.sh")"
is "$changed" 2 "only the image's tag and the container's name are changed (two lines)"
grep -q 'podman run' "$recipe/recipe.sh" || { done_testing; exit 1; }

# What this machine allows: every podman run of the recipe on the host's
# network (here, the test's namespace), never podman's default bridge.
runs=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$recipe/recipe.sh" | grep 'podman run')
unhosted=$(printf '%s\n' "$runs" | grep -Ev -- '--network(=| )host( |$)')
is "$unhosted" "" "each podman run of the recipe says --network=host"
[ -z "$unhosted" ] || { done_testing; exit 1; }

# The operator's files, as careful people keep them: root's, 0600.
make_ca
make_cert httpd posthog-httpd.test
(
    umask 077
    cd "$recipe" || exit 1
    echo 127.0.0.1 > allowed-ip-blocks.txt
    openssl rand -hex 32 > secret-key
    cp "$work/httpd.crt" tls.crt
    cp "$work/httpd.key" tls.key
)

netns "$id-recipe"
on_exit "podman rm -f -t 0 $id-recipe"
(cd "$recipe" && umask 022 && nsenter --net="/run/netns/$id-recipe" sh -e ./recipe.sh) > "$work/recipe.out" 2>&1
ok $? "the recipe runs as written" "$(cat "$work/recipe.out")"
in_ns() { ip netns exec "$id-recipe" "$@"; }
wait_for 10 in_ns curl -sf http://127.0.0.1:8080/_livez
ok $? "httpd serves: /_livez on 8080" "$(podman logs "$id-recipe" 2>&1 | tail -5)"

is "$(podman inspect "$id-recipe" --format '{{.HostConfig.NetworkMode}} {{.Config.User}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.SecurityOpt}}')" \
    "host 10001:10001 true [no-new-privileges]" "on the host's network, as uid 10001, read-only, no-new-privileges"
is "$(cd "$recipe" && stat -c '%n %a %u:%g' secret secret/secret-key tls/tls.key allowlist/allowed-ip-blocks.txt | tr '\n' ' ')" \
    "secret 750 0:10001 secret/secret-key 640 0:10001 tls/tls.key 640 0:10001 allowlist/allowed-ip-blocks.txt 640 0:10001 " \
    "the files are readable by group 10001 and by no one else"
is "$(in_ns curl -s -o /dev/null -w '%{http_code}' --cacert "$work/ca.crt" \
    --resolve posthog-httpd.test:8443:127.0.0.1 https://posthog-httpd.test:8443/_readyz)" 200 \
    "8443 serves TLS with the certificate the recipe mounted"
metrics=$(in_ns curl -s http://127.0.0.1:9117/metrics)
like "$metrics" '^# HELP posthog_secure_requests_total' "9117 serves the metrics to an address on the allow-list"
is "$(in_ns curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 http://127.0.0.1:9117/metrics)" 403 \
    "and not to one off it"
pid=$(podman inspect "$id-recipe" --format '{{.State.Pid}}')
is "$(stat -L -c %i "/proc/$pid/ns/net")" "$(stat -L -c %i "/run/netns/$id-recipe")" \
    "httpd's host network is the test's namespace, not the machine's"

done_testing
