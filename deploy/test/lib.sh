# Sourced by the deploy/test/*.t scripts: TAP output, the image under test,
# podman as this machine needs it, and cleanup on any exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
image=${PHS_IMAGE:-localhost/posthog-httpd:deploy-test}
. "$top/deploy/image/containers-env"
# A short unique prefix for everything a test creates (namespaces,
# containers, volumes): ip netns names stay short, runs never collide.
id=phs$$
work=$(mktemp -d "${TMPDIR:-/tmp}/phs-deploy-test.XXXXXX")
chmod 755 "$work"

tap_n=0
tap_failed=0
ok() { # ok CONDITION-STATUS NAME [DETAIL]: 0 means ok
    tap_n=$((tap_n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $tap_n - $2"
    else
        tap_failed=$((tap_failed + 1))
        echo "not ok $tap_n - $2"
        [ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/# /'
    fi
}
is() { # is GOT EXPECTED NAME
    if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3" "got '$1', expected '$2'"; fi
}
like() { # like GOT EXTENDED-REGEX NAME
    if printf '%s' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else ok 1 "$3" "got '$1', expected to match /$2/"; fi
}
unlike() { # unlike GOT EXTENDED-REGEX NAME
    if printf '%s' "$1" | grep -Eq -- "$2"; then ok 1 "$3" "got '$1', expected not to match /$2/"; else ok 0 "$3"; fi
}
done_testing() {
    if [ -e "$work/.refused" ]; then
        ok 1 "every container had --network none or a namespace of the test"
    fi
    echo "1..$tap_n"
    [ "$tap_failed" = 0 ]
}
bail() { echo "Bail out! $*"; exit 1; }

# Cleanup: every test registers what it made; run in reverse on any exit.
cleanups=
on_exit() { cleanups="$*
$cleanups"; }
run_cleanups() {
    status=$?
    set +e
    printf '%s\n' "$cleanups" | while IFS= read -r c; do
        [ -z "$c" ] || eval "$c" >/dev/null 2>&1
    done
    if [ "$status" != 0 ] && [ -n "${PHS_KEEP:-}" ]; then
        echo "# kept $work"
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap run_cleanups EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || bail "network namespaces and podman need root"

# Containers join a network namespace the test made (loopback, documentation
# ranges) or none: never podman's default bridge (10.88.0.0/16), whatever a
# test forgets to say.  Only the options before the image count; a refusal
# goes to stderr and fails the file even from inside $(...).
podman() {
    case "$1 ${2:-}" in
        "run "*|"create "*|"container run"|"container create"|"kube play"|"play kube")
            if ! podman_network_named "$@"; then
                echo "Bail out! podman $1 without --network none or a namespace of the test: $*" >&2
                : > "$work/.refused"
                exit 1
            fi ;;
    esac
    command podman "$@"
}
podman_network_named() { # before the image (or the kube YAML): --network VALUE
    next_is_network=
    for arg in "$@"; do
        if [ -n "$next_is_network" ]; then
            case "$arg" in
                none|"ns:/run/netns/$id-"*) return 0 ;;
                *) return 1 ;;
            esac
        fi
        case "$arg" in
            --network) next_is_network=1 ;;
            "$image"|*.yaml) return 1 ;;
        esac
    done
    return 1
}
podman image exists "$image" || bail "no image $image: make image, or PHS_IMAGE"

# Test certificates: a CA and leaf certificates for the names given.
make_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$work/ca.key" -out "$work/ca.crt" -days 2 \
        -subj "/CN=mod_posthog_secure deploy test CA" >/dev/null 2>&1
}
make_cert() { # make_cert NAME SAN...  ->  $work/NAME.crt, $work/NAME.key
    name=$1; shift
    san=$(printf 'DNS:%s,' "$@"); san=${san%,}
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$work/$name.key" -out "$work/$name.csr" -subj "/CN=$1" >/dev/null 2>&1
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" > "$work/$name.ext"
    openssl x509 -req -in "$work/$name.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
        -CAcreateserial -days 2 -extfile "$work/$name.ext" -out "$work/$name.crt" >/dev/null 2>&1
    chmod 644 "$work/$name.key" "$work/$name.crt"
}

# The run options that say what the Deployment's securityContext says
# (podman's --read-only alone would also mount tmpfs on /tmp, /var/tmp and
# /run, which Kubernetes does not).
restricted_run() {
    echo --read-only --read-only-tmpfs=false \
        --tmpfs /run/apache2:rw,size=8m,mode=0700,U \
        --tmpfs /run/lock/apache2:rw,size=1m,mode=0700,U \
        --cap-drop=ALL --security-opt no-new-privileges \
        --user 10001:10001 --memory 256m --cpus 1
}

# A network namespace of our own with loopback up.
netns() { # netns NAME
    ip netns add "$1"
    # Whatever still runs in it (a backgrounded `ip netns exec` leaves its
    # process there when the shell around it is killed) goes first.
    on_exit "ip netns pids $1 | xargs -r kill; ip netns del $1"
    ip -n "$1" link set lo up
}

wait_for() { # wait_for SECONDS COMMAND...: until COMMAND succeeds
    wait_limit=$(($1 * 10)); shift
    wait_n=0
    until "$@" >/dev/null 2>&1; do
        wait_n=$((wait_n + 1))
        [ "$wait_n" -lt "$wait_limit" ] || return 1
        sleep 0.1
    done
}
