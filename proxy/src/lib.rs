//! The console's server: serves the SPA and forwards `/api/{connection}/users` to the vendor
//! of that connection, adding the credentials it alone holds. A stack of tower layers around
//! one forwarding path.

pub mod access;
pub mod audit;
pub mod config;
pub mod csrf;
pub mod embedded;
mod error;
mod forward;
mod health;
pub mod settings;
pub mod spa;
mod upstream;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, header};
use axum::routing::{any, get};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::{
    SetSensitiveRequestHeadersLayer, SetSensitiveResponseHeadersLayer,
};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use config::{
    CommpeakUpstream, Connection, Domain, LivepersonAuth, LivepersonUpstream, TrintechUpstream,
    Upstream,
};
pub use error::ProxyError;

/// Largest request body accepted (a few thousand users); larger ones get 413.
pub const DEFAULT_BODY_LIMIT: usize = 10 * 1024 * 1024;

/// How the proxy is set up.
#[derive(Debug)]
pub struct Config {
    pub connections: Vec<Connection>,
    /// The built SPA (Trunk's `dist/`); `None` serves the API only.
    pub dist: Option<PathBuf>,
    pub connect_timeout: Duration,
    /// The whole exchange with the vendor, answer included.
    pub request_timeout: Duration,
    /// Largest request body accepted; larger ones get 413.
    pub body_limit: usize,
    pub retry: RetryPolicy,
    /// Who may use the console (default: nobody is asked; loopback only).
    pub access: access::Access,
    /// A JSON-lines file every change is appended to, besides the `audit` log target.
    pub audit_file: Option<PathBuf>,
    /// Send `Strict-Transport-Security` (when the console is reached over TLS).
    pub hsts: bool,
    /// Set when the process is stopping: `/readyz` answers 503 from then on.
    pub shutting_down: Arc<std::sync::atomic::AtomicBool>,
}

/// How reads (GET) are retried; writes never are.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// A 429 asking to wait longer than this is passed to the browser instead.
    pub longest_wait: Duration,
    /// Pause before retrying a connection error.
    pub pause: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            longest_wait: Duration::from_secs(5),
            pause: Duration::from_millis(200),
        }
    }
}

impl Config {
    pub fn new(connections: Vec<Connection>, dist: Option<PathBuf>) -> Self {
        Self {
            connections,
            dist,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(60),
            body_limit: DEFAULT_BODY_LIMIT,
            retry: RetryPolicy::default(),
            access: access::Access::Off,
            audit_file: None,
            hsts: false,
            shutting_down: Arc::default(),
        }
    }
}

/// State shared by every request.
pub(crate) struct AppState {
    pub connections: Vec<Connection>,
    pub client: reqwest::Client,
    pub body_limit: usize,
    pub retry: RetryPolicy,
    pub audit: audit::Trail,
    pub shutting_down: Arc<std::sync::atomic::AtomicBool>,
    pub readiness: health::Cached,
    /// Domains and tokens of each connection, by connection id.
    pub upstreams: std::collections::HashMap<String, upstream::UpstreamState>,
}

/// Builds the whole HTTP application: API routes, SPA, and the layers around them.
pub fn app(config: Config) -> anyhow::Result<Router> {
    config::validate_all(&config.connections)?;
    if let Some(dist) = &config.dist {
        anyhow::ensure!(
            dist.join("index.html").is_file(),
            "{} holds no index.html: build the console first (`cargo xtask run` does, or `trunk build --release`)",
            dist.display()
        );
    }
    let client = reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        // Never follow a vendor's redirect: it could point the credentials at another host.
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let upstreams = config
        .connections
        .iter()
        .map(|c| (c.id.clone(), upstream::UpstreamState::new(c)))
        .collect();
    let state = Arc::new(AppState {
        connections: config.connections,
        client,
        upstreams,
        body_limit: config.body_limit,
        retry: config.retry.clone(),
        shutting_down: config.shutting_down.clone(),
        readiness: health::Cached::default(),
        audit: audit::Trail::open(config.audit_file.as_deref())
            .map_err(|e| anyhow::anyhow!("cannot open the audit file: {e}"))?,
    });

    // Everything under /api is the API: a path that matches no route there gets a JSON 404,
    // never the SPA's index.html.
    let api = Router::new()
        .route("/connections", get(list_connections))
        .route("/me", get(access::me))
        .route("/{connection}/{*path}", any(forward::users))
        .fallback(error::api_not_found)
        .with_state(state.clone())
        .layer(DefaultBodyLimit::max(config.body_limit))
        // Outermost first: a cross-site request is refused before anyone is identified.
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(config.access),
            access::guard,
        ))
        .layer(axum::middleware::from_fn(csrf::guard));
    // Probes answer whoever asks (the platform), outside access control.
    let api = Router::new()
        .route("/livez", get(health::livez))
        .route("/readyz", get(health::readyz))
        .with_state(state)
        .nest("/api", api);

    let (router, policy) = match &config.dist {
        Some(dist) => {
            let index = ServeFile::new(dist.join("index.html"))
                .precompressed_br()
                .precompressed_gzip();
            let files = ServeDir::new(dist)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(index);
            let spa = Router::new()
                .fallback_service(files)
                .layer(axum::middleware::from_fn(spa::cache_control));
            (api.fallback_service(spa), spa::policy_for(dist)?)
        }
        // No page is served, so nothing may run.
        None => (api, "default-src 'none'; frame-ancestors 'none'".to_owned()),
    };
    let header_value = |value: &str| HeaderValue::from_str(value).expect("a valid header value");
    let security = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            header_value(&policy),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            header_value("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            header_value("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            header_value("DENY"),
        ))
        .layer(tower::util::option_layer(config.hsts.then(|| {
            SetResponseHeaderLayer::if_not_present(
                header::STRICT_TRANSPORT_SECURITY,
                header_value("max-age=31536000; includeSubDomains"),
            )
        })));
    Ok(router.layer(security).layer(
        ServiceBuilder::new()
            .layer(SetSensitiveRequestHeadersLayer::new([
                header::AUTHORIZATION,
                header::COOKIE,
                header::PROXY_AUTHORIZATION,
            ]))
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(TraceLayer::new_for_http())
            .layer(SetSensitiveResponseHeadersLayer::new([header::SET_COOKIE]))
            .layer(PropagateRequestIdLayer::x_request_id()),
    ))
}

async fn list_connections(
    State(state): State<Arc<AppState>>,
) -> axum::Json<Vec<shared::ConnectionInfo>> {
    axum::Json(state.connections.iter().map(Connection::info).collect())
}
