# syntax=docker/dockerfile:1
#
# The console as a container image: the proxy binary and the built page (dist/, with the .br
# and .gz files `cargo xtask dist` writes beside each asset), on Debian 12.
#
#   docker build -t users-console .
#   docker run --rm -p 8080:8080 --stop-timeout 30 \
#       -v /etc/console/console.toml:/etc/console/console.toml:ro \
#       -e LP_CLIENT_SECRET -e CONSOLE_GATEWAY_SECRET \
#       users-console --base-path /admin/users/ --hsts
#
# Arguments after the image name are added to the proxy's command line (`--help` lists them;
# most also have an environment variable, such as PROXY_BASE_PATH).
#
# Configuration: mount it at /etc/console/console.toml, readable by uid 10001 (the user the
# proxy runs as), like every secret file it names. The proxy listens on 0.0.0.0, where access
# mode `off` (everyone an admin) is refused at start: the file must have an [access] table
# in gateway or login mode. docs/gateway.md shows gateway mode, with nginx in front.
#
# The entry point's options cannot be combined with --hash-password (for login mode's
# password_hash); run that one with the entry point replaced (it reads the password from
# standard input):
#   docker run --rm -i --entrypoint /usr/local/bin/proxy users-console --hash-password
#
# Secrets never go into the image: the configuration names them (`…_env` for an environment
# variable, `…_file` for a mounted file such as /run/secrets/…), and `docker run -e` or the
# platform's secret mounts provide them. .dockerignore keeps local configurations, keys and
# databases out of the build context.

########################################################################################
FROM rust:1-bookworm AS builder

# npm, with Debian's Node 18, only to install binaryen's wasm-opt from npm as xtask does.
# Debian's own `binaryen` package must never be installed: its wasm-opt writes wasm that
# crashes in the browser.
RUN apt-get update \
 && apt-get install -y --no-install-recommends npm \
 && rm -rf /var/lib/apt/lists/*

# Where xtask keeps wasm-opt (…/users-console/binaryen-<version>), independent of $HOME.
ENV XDG_CACHE_HOME=/opt/cache

# The pinned build tools, each in a layer keyed on the file that pins it, so a source change
# does not rebuild them (Trunk alone takes minutes). `cargo xtask dist` below checks every
# version again and installs whatever is missing or different, so these layers only save
# time; they cannot make the build use another version.
COPY xtask/src/tools.rs /tmp/pins/tools.rs
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    set -eu; \
    pin() { sed -n "s/^const $1: &str = \"\(.*\)\";.*/\1/p" /tmp/pins/tools.rs; }; \
    trunk="$(pin TRUNK_VERSION)"; \
    binaryen="$(pin BINARYEN_NPM_VERSION)"; \
    [ -n "$trunk" ] || { echo "no TRUNK_VERSION in xtask/src/tools.rs" >&2; exit 1; }; \
    [ -n "$binaryen" ] || { echo "no BINARYEN_NPM_VERSION in xtask/src/tools.rs" >&2; exit 1; }; \
    rustup target add wasm32-unknown-unknown; \
    cargo install --locked trunk --version "$trunk" --ignore-rust-version; \
    npm install --no-audit --no-fund --prefix "$XDG_CACHE_HOME/users-console/binaryen-$binaryen" "binaryen@$binaryen"

COPY Cargo.lock /tmp/pins/Cargo.lock
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    set -eu; \
    bindgen="$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;q}' /tmp/pins/Cargo.lock)"; \
    [ -n "$bindgen" ] || { echo "no wasm-bindgen in Cargo.lock" >&2; exit 1; }; \
    cargo install wasm-bindgen-cli --version "=$bindgen"

WORKDIR /app
COPY . .

# The proxy first: --locked fails at once on a Cargo.lock that does not match the manifests.
# Then the page, by the project's own command: Trunk with the pinned tools only, then the
# precompressed .br/.gz files. target/ is a cache mount, gone after this step, so the binary
# is copied out to /out in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/app/target,sharing=locked \
    set -eu; \
    cargo build --profile production --locked -p proxy; \
    cargo xtask dist; \
    rm -f dist/.trunk-lock; \
    test -f dist/index.html; \
    install -D -m 0755 target/production/proxy /out/proxy

########################################################################################
FROM debian:bookworm-slim

# Vendors are reached over TLS with the system's roots (rustls-tls-native-roots).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# An unprivileged user; the binary and the page stay root's and read-only. /var/lib/console
# is for `--audit-file /var/lib/console/audit.jsonl` (mount a volume there to keep it).
RUN groupadd --system --gid 10001 console \
 && useradd --system --uid 10001 --gid console --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin console \
 && install -d -m 0755 /etc/console \
 && install -d -o console -g console -m 0750 /var/lib/console

COPY --from=builder /out/proxy /usr/local/bin/proxy
COPY --from=builder /app/dist /app/dist

USER 10001:10001
WORKDIR /app
EXPOSE 8080

# No HEALTHCHECK: the image has no curl. The platform probes the proxy itself, at the root
# whatever --base-path is: liveness GET /livez (the process answers), readiness GET /readyz
# (every connection's vendor reachable with its credentials accepted; 503 from SIGTERM on).
#
# Metrics (--metrics-listen, PROXY_METRICS_LISTEN) have a listener of their own. On
# 127.0.0.1 only this container reaches it; to scrape it, listen on the container's address
# on a port the gateway does not route (e.g. 0.0.0.0:9898) and let only the monitoring
# network reach that port.
#
# On SIGTERM the proxy turns unready, finishes what is in flight, and exits within
# --drain-seconds (20 s by default): give it longer than that before it is killed (docker's
# default is 10 s, hence --stop-timeout 30 above; terminationGracePeriodSeconds on
# Kubernetes).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/proxy", "--host", "0.0.0.0", "--dist", "/app/dist", "--config", "/etc/console/console.toml"]
