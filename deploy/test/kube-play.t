#!/bin/sh
# podman kube play of the base manifests (kube-play.mjs lists what podman
# 4.3 cannot play as written), with the Secrets docs/DEPLOYMENT.md's steps
# create (operator-steps.mjs: its kubectl lines, offline): the two replicas
# the HorizontalPodAutoscaler keeps run with the securityContext, resources
# and mounts as written, serve, and a graceful reload picks up a changed
# allow-list ConfigMap.
. "$(dirname "$0")/lib.sh"

command -v kubectl >/dev/null || bail "kubectl (for kubectl kustomize) is missing"
podman image exists localhost/podman-pause:4.3.1-0 && pause_kept=1 || pause_kept=
key=$(openssl rand -hex 32)
make_ca
make_cert httpd posthog-httpd.test
# The files the doc's `create secret` lines read.
mkdir -p "$work/operator"
printf '%s\n' "$key" > "$work/operator/secret-key"
cp "$work/httpd.crt" "$work/operator/tls.crt"
cp "$work/httpd.key" "$work/operator/tls.key"
cp "$work/ca.crt" "$work/operator/ca.crt"
(cd "$here" && node operator-steps.mjs --secrets "$work/operator") > "$work/secrets.yaml" 2> "$work/secrets.err"
ok $? "docs/DEPLOYMENT.md's steps create the Secrets" "$(cat "$work/secrets.err")"
kubectl kustomize "$top/deploy/kubernetes/base" > "$work/rendered.yaml"
(cd "$here" && node kube-play.mjs "$work/rendered.yaml" "$work/secrets.yaml" "$id" "$image") > "$work/play.yaml"
ok $? "the base manifests rendered and made playable"

on_exit "podman kube down $work/play.yaml; podman volume rm -f $id-posthog-httpd-allowlist $id-posthog-httpd-secret-key $id-posthog-httpd-tls"
[ -n "$pause_kept" ] || on_exit "podman rmi localhost/podman-pause:4.3.1-0"
# --network none: each pod has its own namespace with loopback only.
podman kube play --network none "$work/play.yaml" > "$work/play.out" 2>&1
ok $? "podman kube play plays it" "$(cat "$work/play.out")"
pods=$(podman pod ps --filter "name=^$id-posthog-httpd-pod-" --format '{{.Name}}' | sort | tr '\n' ' ')
is "$pods" "$id-posthog-httpd-pod-0 $id-posthog-httpd-pod-1 " "two replicas (the HPA's minReplicas), two pods"

for i in 0 1; do
    c=$id-posthog-httpd-pod-$i-httpd
    pid=$(podman inspect -f '{{.State.Pid}}' "$c")
    in_pod() { nsenter -t "$pid" -n "$@"; }
    wait_for 10 in_pod curl -sf http://127.0.0.1:8080/_livez
    ok $? "pod $i: httpd answers its liveness path /_livez"
    got=$(podman inspect "$c" --format '{{.Config.User}} ro={{.HostConfig.ReadonlyRootfs}} {{.HostConfig.SecurityOpt}} mem={{.HostConfig.Memory}} cpu={{.HostConfig.NanoCpus}}')
    is "$got" "10001:10001 ro=true [no-new-privileges] mem=268435456 cpu=1000000000" \
        "pod $i: runAsUser, readOnlyRootFilesystem, allowPrivilegeEscalation false, limits"
    caps=$(podman exec "$c" grep -E '^Cap(Eff|Bnd):' /proc/1/status | tr -s '\t\n' '  ')
    is "$caps" "CapEff: 0000000000000000 CapBnd: 0000000000000000 " "pod $i: capabilities drop ALL"
    code=$(in_pod curl -s -o /dev/null -w '%{http_code}' --cacert "$work/ca.crt" \
        --resolve posthog-httpd.test:8443:127.0.0.1 https://posthog-httpd.test:8443/_readyz)
    is "$code" 200 "pod $i: 8443 serves TLS with the mounted certificate"
    code=$(in_pod curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/api/projects)
    is "$code" 301 "pod $i: plain HTTP is redirected"
    code=$(in_pod curl -s -o /dev/null -w '%{http_code}' --cacert "$work/ca.crt" \
        --resolve posthog-httpd.test:8443:127.0.0.1 https://posthog-httpd.test:8443/api/projects)
    is "$code" 403 "pod $i: 127.0.0.1 is not in the ConfigMap's allow-list: 403"
    code=$(in_pod curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9117/metrics)
    is "$code" 403 "pod $i: the metrics port answers, and not to 127.0.0.1 (HTTPD_METRICS_ALLOWED_IP_BLOCKS holds the scrapers' range)"
done
c=$id-posthog-httpd-pod-0-httpd
pid=$(podman inspect -f '{{.State.Pid}}' "$c")
file=$(podman volume inspect "$id-posthog-httpd-allowlist" --format '{{.Mountpoint}}')/allowed-ip-blocks.txt
echo 127.0.0.0/8 > "$file.new" && mv "$file.new" "$file"
podman exec "$c" posthog-httpd reload >/dev/null
sleep 1
code=$(nsenter -t "$pid" -n curl -s -o /dev/null -w '%{http_code}' --cacert "$work/ca.crt" \
    --resolve posthog-httpd.test:8443:127.0.0.1 https://posthog-httpd.test:8443/api/projects)
like "$code" '^5' "after the allow-list changed and posthog-httpd reload, 127.0.0.1 passes (to no PostHog here: 5xx)"
like "$(podman logs "$c" 2>/dev/null | tail -1)" '"GET /api/projects HTTP/2\.0" 5[0-9][0-9] .*access=allowed' "logged as allowed"
like "$(podman logs "$c" 2>&1)" 'SIGUSR1 received.  Doing graceful restart' "the reload was graceful"

done_testing
