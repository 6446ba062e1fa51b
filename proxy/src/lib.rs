//! The console's server: serves the SPA and forwards `/api/{connection}/users` to the vendor
//! of that connection, adding the credentials it alone holds. A stack of tower layers around
//! one forwarding path.

pub mod access;
pub mod audit;
mod client;
mod compress;
pub mod config;
pub mod csrf;
pub mod embedded;
mod error;
mod forward;
mod health;
pub mod login;
pub mod metrics;
pub mod openapi;
pub mod scim;
pub mod settings;
pub mod spa;
mod upstream;

pub use compress::COMPRESS_ABOVE;

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use futures_util::future::Either;
use tower::{Service, ServiceBuilder};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::sensitive_headers::{
    SetSensitiveRequestHeadersLayer, SetSensitiveResponseHeadersLayer,
};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use tower_http::validate_request::ValidateRequestHeaderLayer;

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
    /// How long a readiness report is reused, so probes never hammer the vendors (10 s).
    pub readiness_ttl: Duration,
    /// The path the console is served under behind a gateway (`""` for the root, or like
    /// `/admin/users`, from [`base_path`]). The probes stay at the root.
    pub base_path: String,
    /// Filled as requests pass; served by [`metrics::router`] on a listener of its own.
    pub metrics: Arc<metrics::Metrics>,
    /// The SCIM face for identity providers (`{base}/scim/v2/{connection}/`); `None`: off.
    pub scim: Option<scim::Settings>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "the base path \"{0}\" is not a plain path like /admin/users/ (letters, digits, - . _ ~ \
     between slashes, no empty or dot segments)"
)]
pub struct BadBasePath(pub String);

/// The path prefix an operator gives (`/admin/users/`, `/admin/users` or `/`), as the proxy
/// uses it: `""` for the root, otherwise a leading slash and no trailing one.
pub fn base_path(given: &str) -> Result<String, BadBasePath> {
    let bad = || BadBasePath(given.to_owned());
    let inner = given.strip_prefix('/').ok_or_else(bad)?;
    if given == "/" {
        return Ok(String::new());
    }
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    if inner.is_empty() {
        return Err(bad());
    }
    let plain = inner.split('/').all(|segment| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
    });
    if plain {
        Ok(format!("/{inner}"))
    } else {
        Err(bad())
    }
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
            readiness_ttl: health::CHECK_TTL,
            base_path: String::new(),
            metrics: Arc::default(),
            scim: None,
        }
    }
}

/// State shared by every request.
pub(crate) struct AppState {
    pub connections: Vec<Connection>,
    /// For what is forwarded to the vendors, the readiness checks that stand for it, and the
    /// proxy's own calls (CSDS domain lookups, OAuth 2.0 tokens).
    pub vendor: client::VendorClient,
    pub body_limit: usize,
    pub retry: RetryPolicy,
    pub audit: audit::Trail,
    pub shutting_down: Arc<std::sync::atomic::AtomicBool>,
    pub readiness: health::Cached,
    pub readiness_ttl: Duration,
    /// Domains and tokens of each connection, by connection id.
    pub upstreams: std::collections::HashMap<String, upstream::UpstreamState>,
    /// `""` or `/prefix`: what the browser's URLs start with.
    pub base_path: String,
    /// This deployment's OpenAPI document, written once at start.
    pub openapi: axum::body::Bytes,
    /// Who may provision through SCIM, and what it keeps; `None` when SCIM is off.
    pub scim: Option<scim::ScimState>,
}

/// Builds the whole HTTP application: API routes, SPA, and the layers around them.
/// Serve it with `axum::serve`, through `axum::ServiceExt::into_make_service_with_connect_info`
/// (gateway mode trusts the peer's address).
pub fn app(
    config: Config,
) -> anyhow::Result<
    impl Service<Request, Response = Response, Error = Infallible, Future: Send + 'static>
    + Clone
    + Send
    + Sync
    + 'static,
> {
    config::validate_all(&config.connections)?;
    if let Some(scim) = &config.scim {
        scim.validate(&config.connections)?;
    }
    if let Some(dist) = &config.dist {
        anyhow::ensure!(
            dist.join("index.html").is_file(),
            "{} holds no index.html: build the console first (`cargo xtask run` does, or `trunk build --release`)",
            dist.display()
        );
    }
    let vendor = client::VendorClient::new(
        config.connect_timeout,
        config.request_timeout,
        hyper_util::client::proxy::matcher::Matcher::from_env(),
    )?;
    let upstreams = config
        .connections
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                upstream::UpstreamState::new(c, config.metrics.clone()),
            )
        })
        .collect();
    let openapi = serde_json::to_vec_pretty(&openapi::document(
        &config.connections,
        &config.access,
        &config.base_path,
    ))?;
    let state = Arc::new(AppState {
        scim: config.scim.map(scim::ScimState::new),
        openapi: openapi.into(),
        connections: config.connections,
        vendor,
        upstreams,
        body_limit: config.body_limit,
        retry: config.retry.clone(),
        base_path: config.base_path.clone(),
        shutting_down: config.shutting_down.clone(),
        readiness: health::Cached::default(),
        readiness_ttl: config.readiness_ttl,
        audit: audit::Trail::open(config.audit_file.as_deref())
            .map_err(|e| anyhow::anyhow!("cannot open the audit file: {e}"))?,
    });

    let access = Arc::new(config.access);
    if let access::Access::Login(login) = &*access {
        login.set_base_path(&config.base_path);
    }
    // Around every API route and the forwarding path. Outermost first: a cross-site request is
    // refused before anyone is identified.
    let guards = ServiceBuilder::new()
        .layer(ValidateRequestHeaderLayer::custom(csrf::Guard))
        .layer(ValidateRequestHeaderLayer::custom(access::Guard(
            access.clone(),
        )));
    // Everything under /api is the API: a path that matches no route there gets a JSON 404,
    // never the SPA's index.html. Routed with full paths rather than nested under `/api`: a
    // nested router costs every request a path rewrite and a boxed service clone of its own.
    // `/api/{connection}/{path}` is not among them: [`Front`] sends it to the forwarding
    // path's own stack before the router.
    let api = Router::new()
        .route("/api/connections", get(list_connections))
        .route("/api/me", get(access::me))
        .route(
            "/api/openapi.json",
            get(|State(state): State<Arc<AppState>>| async move {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    state.openapi.clone(),
                )
            }),
        )
        .route("/api", any(error::api_not_found))
        .route("/api/", any(error::api_not_found))
        .route("/api/{connection}", any(error::api_not_found))
        .route("/api/{connection}/", any(error::api_not_found))
        .with_state(state.clone())
        // One `layer` call for all three: each call on a `Router` wraps every route in a boxed
        // service of its own, cloned per request.
        .layer(
            ServiceBuilder::new()
                .layer(guards.clone())
                .layer(DefaultBodyLimit::max(config.body_limit)),
        );
    // The forwarding path reads its body with the configured limit itself.
    let forward = guards.service(forward::Forward(state.clone()));
    // Identity providers authenticate with SCIM's own token: outside the console's guards
    // (no session cookie, access mode or cross-site rule applies, and none authorises), and
    // every path under /scim answers SCIM's errors, never the console's page.
    let scim_routes = Router::new()
        .route("/scim", any(scim::handle))
        .route("/scim/{*rest}", any(scim::handle))
        .with_state(state.clone());
    // Probes answer whoever asks (the platform), outside access control, and at the root
    // whatever the prefix: the platform reaches the process, not the gateway.
    let probes = Router::new()
        .route("/livez", get(health::livez))
        .route("/readyz", get(health::readyz))
        .with_state(state);
    let console = api.merge(scim_routes);
    // The sign-in page, outside the guards (it is how one gets past them).
    let console = match &*access {
        access::Access::Login(login) => console.merge(
            Router::new()
                .route("/login", get(login::show).post(login::sign_in))
                .route("/logout", axum::routing::post(login::sign_out))
                .with_state(login.clone()),
        ),
        _ => console,
    };

    let (console, policy) = match &config.dist {
        Some(dist) => {
            let page = spa::Page::load(dist, &config.base_path)?;
            // The page itself comes from memory (its <base> names the prefix); every other
            // file from disk, precompressed when the browser takes it.
            let html = axum::body::Bytes::from(page.html);
            let serve_page = move || {
                let html = html.clone();
                async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html) }
            };
            // The page is compressed per request by the outer layer, like every answer (it
            // differs per prefix).
            let index = get(serve_page.clone());
            // Any path the console routes gets the page; a file that is not there is 404,
            // not a page sent where an icon or a script was asked for.
            let route_or_missing = get(move |uri: axum::http::Uri, headers: HeaderMap| {
                let serve_page = serve_page.clone();
                async move {
                    let mut response = if spa::is_missing_file(uri.path(), &headers) {
                        StatusCode::NOT_FOUND.into_response()
                    } else {
                        serve_page().await.into_response()
                    };
                    // Which of the two depends on `Accept`, so a cache must key on it.
                    response
                        .headers_mut()
                        .append(header::VARY, HeaderValue::from_static("accept"));
                    response
                }
            });
            let files = ServeDir::new(dist)
                .append_index_html_on_directories(false)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(route_or_missing.with_state(()));
            let spa = Router::new()
                .route("/", index.clone())
                .route("/index.html", index)
                .fallback_service(files)
                .layer(
                    ServiceBuilder::new()
                        .layer(ValidateRequestHeaderLayer::custom(access::PageGuard(
                            access.clone(),
                        )))
                        .layer(axum::middleware::from_fn(spa::cache_control)),
                );
            (console.merge(spa), page.policy)
        }
        // No page is served, so nothing may run.
        None => (
            console,
            "default-src 'none'; frame-ancestors 'none'".to_owned(),
        ),
    };
    let router = if config.base_path.is_empty() {
        probes.merge(console)
    } else {
        probes.nest_service(&config.base_path, console)
    };
    let header_value = |value: &str| HeaderValue::from_str(value).expect("a valid header value");
    let mut security = vec![
        (header::CONTENT_SECURITY_POLICY, header_value(&policy)),
        (header::X_CONTENT_TYPE_OPTIONS, header_value("nosniff")),
        (header::REFERRER_POLICY, header_value("no-referrer")),
        (header::X_FRAME_OPTIONS, header_value("DENY")),
    ];
    if config.hsts {
        security.push((
            header::STRICT_TRANSPORT_SECURITY,
            header_value("max-age=31536000; includeSubDomains"),
        ));
    }
    let security: Arc<[(header::HeaderName, HeaderValue)]> = security.into();
    // Each header is set unless the handler set its own. One step for all of them rather than
    // tower-http's `SetResponseHeaderLayer` per header: five layers are five futures and five
    // service clones per request (4.9k instructions per forwarded request, measured with
    // callgrind; see BENCHMARKS.md).
    let add_security_headers = move |mut response: Response| {
        let headers = response.headers_mut();
        for (name, value) in security.iter() {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        // Every answer may come compressed, so a cache keys on `Accept-Encoding`; said here,
        // not by the compression (which says it only of a body it may compress), so that a
        // HEAD, whose body is empty, carries the GET's very headers.
        // One lookup in the common case (no `Vary` yet), on every forwarded answer.
        match headers.entry(header::VARY) {
            header::Entry::Vacant(vary) => {
                vary.insert(HeaderValue::from_static("accept-encoding"));
            }
            header::Entry::Occupied(mut vary) => {
                if !vary
                    .iter()
                    .any(|v| v.as_bytes().eq_ignore_ascii_case(b"accept-encoding"))
                {
                    vary.append(HeaderValue::from_static("accept-encoding"));
                }
            }
        }
        response
    };
    let front = Front {
        forward,
        router,
        base_path: config.base_path.as_str().into(),
    };
    // Outermost first.
    Ok(ServiceBuilder::new()
        // `axum::serve` takes axum's response type; the layers below wrap the body.
        .map_response(IntoResponse::into_response)
        .layer(compress::CompressLayer)
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
            header::PROXY_AUTHORIZATION,
        ]))
        .layer(SetRequestIdLayer::x_request_id(RandomRequestId))
        .layer(TraceLayer::new_for_http())
        .layer(SetSensitiveResponseHeadersLayer::new([header::SET_COOKIE]))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(metrics::RecordLayer(config.metrics.clone()))
        .map_response(add_security_headers)
        .service(front))
}

/// Request ids of the requests that come without one: random (v4) UUIDs, as tower-http's
/// `MakeRequestUuid` makes them, but written straight into a buffer rather than formatted into
/// a `String` and parsed back.
#[derive(Clone, Copy)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &http::Request<B>) -> Option<RequestId> {
        let mut buffer = uuid::Uuid::encode_buffer();
        let id = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buffer);
        HeaderValue::from_str(id).ok().map(RequestId::new)
    }
}

/// Sends the forwarding path's requests (`/api/{connection}/{path}` under the base path) to
/// that path's own stack, and every other request to axum's router.
///
/// Why not a route like the others: per request, the router clones the route's boxed service
/// (and with it every layer applied to the router), fills in path parameters and the matched
/// path, and wraps the call in futures of its own. Measured with callgrind, leaving the router
/// saved 7.6k of the 69.4k instructions per forwarded request, for nothing the forwarding path
/// uses (see BENCHMARKS.md).
#[derive(Clone)]
struct Front<F> {
    forward: F,
    router: Router,
    base_path: Arc<str>,
}

impl<F> Service<Request> for Front<F>
where
    F: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<F::Future, <Router as Service<Request>>::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Ready when both are (today both always are), whichever the request turns out to need.
        std::task::ready!(self.forward.poll_ready(cx))?;
        Service::<Request>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if forward::target(request.uri().path(), &self.base_path).is_some() {
            Either::Left(self.forward.call(request))
        } else {
            Either::Right(self.router.call(request))
        }
    }
}

async fn list_connections(
    State(state): State<Arc<AppState>>,
) -> axum::Json<Vec<shared::ConnectionInfo>> {
    axum::Json(state.connections.iter().map(Connection::info).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths() {
        for (given, expected) in [
            ("/", Some("")),
            ("/admin/users/", Some("/admin/users")),
            ("/admin/users", Some("/admin/users")),
            ("/console-1.2_~x/", Some("/console-1.2_~x")),
            ("admin", None),
            ("", None),
            ("//", None),
            ("/admin//users/", None),
            ("/admin/../etc/", None),
            ("/./", None),
            ("/a%2fb/", None),
            ("/a b/", None),
            ("https://evil.example/", None),
        ] {
            assert_eq!(base_path(given).ok().as_deref(), expected, "{given:?}");
        }
    }
}
