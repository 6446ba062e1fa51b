#!/usr/bin/env bash
# The proxy's SCIM face checked by two independent conformance tools from PyPI, pinned:
#   scim2-tester (github.com/python-scim/scim2-tester): the checks scim2-cli's `scim test` runs,
#     through xtask/scim-conformance.py, which also prints each failed check's requests
#   scim-sanity's `probe` (github.com/thomaselliottbetz/scim-sanity)
# against the embedded default (an in-memory sandbox, so the users they create and delete are
# thrown away with it), once per vendor's connection. Not part of CI: a report to read.
#
#   xtask/scim-conformance.sh [connection…]     default: liveperson commpeak trintech
#
# Needs python3 (with venv) and target/release/proxy: built here when missing, never rebuilt
# (`cargo build --release -p proxy --bin proxy` for a fresh one). The tools go to
# target/scim-venv. Exits non-zero when a tool reported a failure.
set -uo pipefail

SCIM2_CLI_VERSION=0.6.0
SCIM2_TESTER_VERSION=0.5.2
SCIM_SANITY_VERSION=0.7.4

root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/target/scim-venv
proxy=${PROXY_BIN:-$root/target/release/proxy}
connections=("$@")
[ ${#connections[@]} -gt 0 ] || connections=(liveperson commpeak trintech)

installed() {
    "$venv/bin/pip" show "$1" 2>/dev/null | grep -qx "Version: $2"
}
if ! installed scim2-cli "$SCIM2_CLI_VERSION" || ! installed scim2-tester "$SCIM2_TESTER_VERSION" ||
    ! installed scim-sanity "$SCIM_SANITY_VERSION"; then
    echo "scim-conformance: installing the tools into $venv" >&2
    python3 -m venv "$venv" || exit 1
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "scim2-cli==$SCIM2_CLI_VERSION" "scim2-tester==$SCIM2_TESTER_VERSION" \
        "scim-sanity==$SCIM_SANITY_VERSION" || exit 1
fi

if [ ! -x "$proxy" ]; then
    echo "scim-conformance: building the proxy (release)" >&2
    # One build at a time on this machine: cargo's lock when flock is there.
    lock=()
    command -v flock >/dev/null && lock=(flock /tmp/cargo.lock)
    (cd "$root" && "${lock[@]}" cargo build --release -p proxy --bin proxy) || exit 1
fi

work=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# The proxy needs a page to serve, not the console itself: a stand-in when dist/ is not built.
dist=$root/dist
if [ ! -f "$dist/index.html" ]; then
    dist=$work/dist
    mkdir -p "$dist"
    echo '<!doctype html><html><head><title>scim</title></head><body></body></html>' >"$dist/index.html"
fi

token=scim-conformance-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
CONSOLE_SCIM_TOKEN=$token RUST_LOG=${RUST_LOG:-warn,proxy=info} \
    "$proxy" --port 0 --dist "$dist" --sandbox-users 20 >"$work/stdout" 2>"$root/target/scim-conformance-proxy.log" &
pid=$!
for _ in $(seq 200); do
    grep -q '^Users console:' "$work/stdout" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { echo "scim-conformance: the proxy did not start; see target/scim-conformance-proxy.log" >&2; exit 1; }
    sleep 0.1
done
base=$(sed -n 's/^Users console: \(.*\)\/$/\1/p' "$work/stdout")
[ -n "$base" ] || { echo "scim-conformance: the proxy printed no URL" >&2; exit 1; }
echo "proxy: $base (its log: target/scim-conformance-proxy.log)"
cat "$work/stdout"

failed=0
for connection in "${connections[@]}"; do
    url=$base/scim/v2/$connection/
    echo
    echo "=== $connection: scim2-tester $SCIM2_TESTER_VERSION (the checks of scim2-cli $SCIM2_CLI_VERSION's \`scim test\`, failures with their requests) ==="
    SCIM_CONFORMANCE_TOKEN=$token "$venv/bin/python" "$root/xtask/scim-conformance.py" "$url" || failed=1
    echo
    echo "=== $connection: scim-sanity $SCIM_SANITY_VERSION (probe, strict) ==="
    NO_COLOR=1 "$venv/bin/scim-sanity" probe "$url" --token "$token" --resource User \
        --i-accept-side-effects || failed=1
done
exit $failed
