//! `proxy`: the console's server binary. With no upstream configured it starts the sandbox
//! in-process and points one connection of each vendor at it (the embedded default).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;
use axum::ServiceExt as _;
use clap::Parser;
use secrecy::SecretString;

// glibc's allocator took a tenth of the proxy's time under load (per-thread arenas contending
// for the many small allocations of each forwarded request); mimalloc is made for that pattern.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Serves the users console and forwards its API calls to the vendors.
///
/// Connections come from, in order of precedence: --config FILE (any number of connections
/// of any kind; see below), --upstream URL (one LivePerson connection with a Bearer token),
/// or, with neither, an embedded sandbox (an emulator of the vendors' APIs with seeded users)
/// started in-process with connections `liveperson`, `trintech` and `commpeak`.
///
/// The configuration file is TOML, one table per connection:
///
///   [connections.lp_prod]
///   kind = "liveperson"            # liveperson | trintech | commpeak
///   label = "LivePerson production"
///   account_id = "12345678"
///   csds = "https://api.liveperson.net"   # or domain = "https://va.ac.liveperson.net"
///   version = "4.0"
///   chunk_size = 100               # users per write the console sends
///   max_users_per_request = 1000   # more is refused whole; >= chunk_size; Trintech <= 1000
///   auth = { scheme = "oauth2", client_id = "…", client_secret_env = "LP_CLIENT_SECRET" }
///
/// Schemes: bearer (token), basic (username, password), oauth1 (consumer_key,
/// consumer_secret, token, token_secret), oauth2 (client_id, client_secret, optional
/// sentinel). Each secret is read from NAME_env (an environment variable) or NAME_file (a
/// file); a secret written in the file is refused unless allow_plaintext_secrets = true.
/// Trintech and CommPeak take base_url; Trintech has_list = true when the tenant lists
/// users. Any value can be overridden from the environment, e.g.
/// CONSOLE__CONNECTIONS__LP_PROD__LABEL.
///
/// Who may use the console, in the same file (without it, nobody is asked and everyone is an
/// admin, which is allowed only when listening on loopback):
///
///   [access]
///   mode = "gateway"                       # or "off"
///   user_header = "x-forwarded-user"       # the default
///   groups_header = "x-forwarded-groups"   # the default; comma-separated
///   trusted_sources = ["10.0.0.0/24"]      # the gateway's addresses, and/or:
///   shared_secret_header = "x-gateway-secret"
///   shared_secret_env = "GATEWAY_SECRET"
///   admin_groups = ["console-admins"]
///   viewer_groups = ["support"]
///
/// Or, without a gateway, the console's own sign-in page:
///
///   [access]
///   mode = "login"
///   session_key_env = "CONSOLE_SESSION_KEY"   # >= 32 bytes, the same on every replica;
///                                             # without it, a random key per start
///   session_hours = 8                         # the default
///   [access.users.ada]
///   password_hash = "$argon2id$v=19$..."      # from: proxy --hash-password
///   role = "admin"                            # or "viewer"
///
/// Behind an egress proxy, set HTTPS_PROXY (and HTTP_PROXY for plain-HTTP vendors, or
/// ALL_PROXY for both; NO_PROXY lists hosts reached directly), read as curl reads them, as
/// http://[user:password@]host:port. HTTPS vendors are reached through a CONNECT tunnel, TLS
/// running end to end inside it.
#[derive(Debug, Parser)]
#[command(version, verbatim_doc_comment)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", env = "PROXY_HOST")]
    host: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080, env = "PROXY_PORT")]
    port: u16,
    /// The built SPA (Trunk's output).
    #[arg(long, default_value = "dist", env = "PROXY_DIST")]
    dist: PathBuf,

    /// Seconds to wait for a vendor's connection to open (then 502).
    #[arg(long, default_value_t = 5, env = "PROXY_CONNECT_TIMEOUT")]
    connect_timeout: u64,
    /// Seconds a request to a vendor may take in all, answer included, retries of a read and
    /// their waits included (then 504).
    #[arg(long, default_value_t = 60, env = "PROXY_REQUEST_TIMEOUT")]
    request_timeout: u64,
    /// Largest request body accepted, in bytes (then 413).
    #[arg(long, default_value_t = proxy::DEFAULT_BODY_LIMIT, env = "PROXY_BODY_LIMIT")]
    body_limit: usize,
    /// Attempts of a read (GET) on connection errors and 429s; writes are never retried.
    #[arg(long, default_value_t = 3, env = "PROXY_GET_ATTEMPTS", value_parser = clap::value_parser!(u32).range(1..=10))]
    get_attempts: u32,

    /// Serve Prometheus metrics at /metrics on this address (e.g. 127.0.0.1:9898): a listener
    /// of its own, never reachable through the console's port or the gateway.
    #[arg(long, env = "PROXY_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,

    /// Log lines as text (for a terminal) or as JSON objects (for a log collector).
    #[arg(long, value_enum, default_value_t = LogFormat::Text, env = "PROXY_LOG_FORMAT")]
    log_format: LogFormat,

    /// Print the argon2 hash of a password read from standard input, for `password_hash` in
    /// login mode, and exit.
    #[arg(long, exclusive = true)]
    hash_password: bool,

    /// Serve the console under this path, as the gateway in front passes it on (e.g.
    /// /admin/users/); the page, its assets and the API all move under it. /livez and
    /// /readyz stay at the root for the platform's probes.
    #[arg(long, default_value = "/", env = "PROXY_BASE_PATH", value_parser = proxy::base_path)]
    base_path: String,

    /// Send Strict-Transport-Security: set it when browsers reach the console over TLS (the
    /// gateway in front terminates it).
    #[arg(long, env = "PROXY_HSTS")]
    hsts: bool,
    /// Seconds requests in flight get to finish after SIGTERM before the process exits.
    #[arg(long, default_value_t = 20, env = "PROXY_DRAIN_SECONDS")]
    drain_seconds: u64,
    /// Append one JSON line per change sent to a vendor to this file (besides the log).
    #[arg(long, env = "PROXY_AUDIT_FILE")]
    audit_file: Option<PathBuf>,

    /// The connections' configuration file (TOML); see above.
    #[arg(long, env = "CONSOLE_CONFIG", conflicts_with = "upstream")]
    config: Option<PathBuf>,

    /// Connection id, used in /api/{id}/users.
    #[arg(long, default_value = "liveperson", env = "LP_CONNECTION_ID")]
    connection_id: String,
    /// Connection label shown in the console.
    #[arg(long, default_value = "LivePerson", env = "LP_LABEL")]
    label: String,
    /// LivePerson account-config base URL, e.g. https://va.ac.liveperson.net. Without it the
    /// embedded sandbox is used.
    #[arg(long, env = "LP_BASE_URL")]
    upstream: Option<url::Url>,
    /// LivePerson account (site) id.
    #[arg(long, default_value = "12345678", env = "LP_ACCOUNT_ID")]
    account_id: String,
    /// API version sent as `v` when the console gives none.
    #[arg(long, default_value = shared::liveperson::ops::DEFAULT_VERSION, env = "LP_API_VERSION")]
    api_version: String,
    /// File holding the LivePerson Bearer token; otherwise read from the LP_BEARER_TOKEN
    /// environment variable. Needed with --upstream only.
    #[arg(long, env = "LP_BEARER_TOKEN_FILE")]
    token_file: Option<PathBuf>,

    /// Embedded sandbox: SQLite file to keep its data in (in memory when not given).
    #[arg(long, env = "SANDBOX_DB")]
    sandbox_db: Option<PathBuf>,
    /// Embedded sandbox: users of each vendor seeded into an empty database.
    #[arg(long, default_value_t = 1000, env = "SANDBOX_USERS")]
    sandbox_users: usize,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Logs go to stderr: stdout carries only what a script may read (the console's URL).
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        );
    match args.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    if args.hash_password {
        let mut password = String::new();
        std::io::stdin()
            .read_line(&mut password)
            .context("reading the password from standard input")?;
        let password = password.trim_end_matches(['\r', '\n']);
        anyhow::ensure!(!password.is_empty(), "no password on standard input");
        println!(
            "{}",
            proxy::login::hash_password(password)
                .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?
        );
        return Ok(());
    }

    // Kept alive for the life of the process: dropping it stops the embedded sandbox.
    let mut _embedded = None;
    let mut access = None;
    let mut scim = None;
    let connections = match (&args.config, &args.upstream) {
        (Some(file), _) => {
            let settings = proxy::settings::load(file)
                .with_context(|| format!("reading the configuration {}", file.display()))?;
            access = settings.access;
            scim = settings.scim;
            settings.connections
        }
        (None, Some(url)) => vec![proxy::Connection {
            id: args.connection_id,
            label: args.label,
            chunk_size: proxy::config::DEFAULT_CHUNK_SIZE,
            max_users: None,
            upstream: proxy::Upstream::Liveperson(proxy::LivepersonUpstream {
                domain: proxy::Domain::Fixed(url.clone()),
                account_id: args.account_id,
                version: args.api_version,
                auth: proxy::LivepersonAuth::Bearer(read_token(args.token_file.as_deref())?),
                method_override: false,
                profiles: Vec::new(),
            }),
        }],
        (None, None) => {
            // Fresh random credentials per start: the embedded upstream checks them like the
            // vendors do.
            let database = args
                .sandbox_db
                .clone()
                .map_or(sandbox::Database::InMemory, sandbox::Database::File);
            let config = sandbox::Config::with_random_credentials(
                database,
                &args.account_id,
                args.sandbox_users,
            );
            let sandbox = sandbox::spawn(&config)
                .await
                .context("starting the embedded sandbox")?;
            tracing::info!(upstream = %sandbox.base_url(), "embedded sandbox started");
            let connections =
                proxy::embedded::sandbox_connections(&sandbox, &config, &args.api_version)?;
            _embedded = Some(sandbox);
            // SCIM for every connection, with the token the environment gives.
            if let Some(token) = std::env::var(proxy::embedded::SCIM_TOKEN_ENV)
                .ok()
                .filter(|t| !t.trim().is_empty())
            {
                scim = Some(proxy::embedded::scim_settings(
                    SecretString::from(token.trim().to_owned()),
                    &connections,
                ));
            }
            connections
        }
    };
    let mut config = proxy::Config::new(connections, Some(args.dist));
    config.connect_timeout = std::time::Duration::from_secs(args.connect_timeout);
    config.request_timeout = std::time::Duration::from_secs(args.request_timeout);
    config.body_limit = args.body_limit;
    config.retry.attempts = args.get_attempts;
    config.access = access.unwrap_or_default();
    config.audit_file = args.audit_file;
    config.hsts = args.hsts;
    config.base_path = args.base_path;
    let scim_connections = scim
        .as_ref()
        .map(|s| s.connections.clone())
        .unwrap_or_default();
    config.scim = scim;
    let shutting_down = config.shutting_down.clone();
    let drain = std::time::Duration::from_secs(args.drain_seconds);
    config
        .access
        .validate(args.host)
        .context("checking who may use the console")?;
    if matches!(config.access, proxy::access::Access::Off) {
        tracing::warn!(
            "access is off: everyone who reaches {} is an admin (allowed on loopback only)",
            args.host
        );
    }
    let metrics = config.metrics.clone();
    let base_path = config.base_path.clone();
    let app = proxy::app(config)?;
    if let Some(addr) = args.metrics_listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} for metrics"))?;
        tracing::info!(%addr, "metrics at /metrics");
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, proxy::metrics::router(metrics)).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    let addr = SocketAddr::new(args.host, args.port);
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (is another console running? try --port)")
    })?;
    let url = format!("http://{}/", listener.local_addr()?);
    // Answers go out as soon as they are written, as nginx's `tcp_nodelay on` does: an answer
    // never waits for the browser's acknowledgement of the previous segment.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    tracing::info!(%url, "console listening");
    println!("Users console: {url}");
    // Where an identity provider is pointed, per connection (its token is not printed).
    let base = url.trim_end_matches('/');
    for connection in &scim_connections {
        println!("SCIM base URL for {connection}: {base}{base_path}/scim/v2/{connection}/");
    }
    // The peer's address is what gateway mode trusts.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Unready first, so the platform stops sending; then at most `drain` for what is in
        // flight.
        shutting_down.store(true, std::sync::atomic::Ordering::Relaxed);
        tokio::spawn(async move {
            tokio::time::sleep(drain).await;
            tracing::warn!(
                seconds = drain.as_secs(),
                "requests still open after the drain time; exiting"
            );
            std::process::exit(0);
        });
    })
    .await?;
    Ok(())
}

/// Ctrl-C or SIGTERM (what container runtimes and systemd send): stop accepting, finish what
/// is in flight.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the console");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

fn read_token(file: Option<&std::path::Path>) -> anyhow::Result<SecretString> {
    let token = match file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading the Bearer token file {}", path.display()))?,
        None => std::env::var("LP_BEARER_TOKEN")
            .context("--upstream needs a Bearer token: set LP_BEARER_TOKEN or pass --token-file")?,
    };
    let token = token.trim().to_owned();
    anyhow::ensure!(!token.is_empty(), "the LivePerson Bearer token is empty");
    Ok(SecretString::from(token))
}
