//! Prometheus metrics, served on a listener of their own (`--metrics-listen`) so they are
//! never reachable through the gateway: requests and their latency by route and connection,
//! upstream failures, and OAuth 2.0 token refreshes. Routes are the vendor operations
//! (`list_users`, `update_user`, …) from `shared`'s tables, or `page`, `api` (the proxy's own
//! endpoints and refusals before an operation is known), `probe`: a bounded set, so the series
//! cannot grow with what browsers send.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::http::{Method, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tower::{Layer, Service};

/// What a response was, set by the handler that knows (the forwarding path names the vendor
/// operation and the connection); the metrics layer reads it back.
#[derive(Debug, Clone)]
pub(crate) struct RouteLabel {
    pub route: &'static str,
    pub connection: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    connection: String,
    method: &'static str,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
    connection: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamErrorLabels {
    connection: String,
    /// `timeout`, `unreachable` or `status_5xx`.
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    connection: String,
    /// `fetched` or `failed`.
    outcome: &'static str,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// The proxy's metrics, shared by the request path and the metrics listener.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    upstream_errors: Family<UpstreamErrorLabels, Counter>,
    token_refreshes: Family<TokenLabels, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("console");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "requests",
            "Requests answered, by route, connection, method and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "request_duration_seconds",
            "Time to the response's head, by route and connection",
            latency.clone(),
        );
        let upstream_errors = Family::<UpstreamErrorLabels, Counter>::default();
        registry.register(
            "upstream_errors",
            "Vendor requests that failed: no answer in time, unreachable, or a 5xx",
            upstream_errors.clone(),
        );
        let token_refreshes = Family::<TokenLabels, Counter>::default();
        registry.register(
            "token_refreshes",
            "OAuth 2.0 tokens fetched from Sentinel, and failed attempts",
            token_refreshes.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            upstream_errors,
            token_refreshes,
        }
    }
}

impl Metrics {
    pub(crate) fn upstream_error(&self, connection: &str, kind: &'static str) {
        self.upstream_errors
            .get_or_create(&UpstreamErrorLabels {
                connection: connection.to_owned(),
                kind,
            })
            .inc();
    }

    pub(crate) fn token_refresh(&self, connection: &str, fetched: bool) {
        self.token_refreshes
            .get_or_create(&TokenLabels {
                connection: connection.to_owned(),
                outcome: if fetched { "fetched" } else { "failed" },
            })
            .inc();
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String does not fail");
        text
    }
}

/// The layer that counts and times every request by the route the handler named. A layer of
/// its own rather than `from_fn` middleware: it sits outside every route, and `from_fn` would
/// clone all of them per request.
#[derive(Clone)]
pub(crate) struct RecordLayer(pub Arc<Metrics>);

impl<S> Layer<S> for RecordLayer {
    type Service = Record<S>;

    fn layer(&self, inner: S) -> Record<S> {
        Record {
            inner,
            metrics: self.0.clone(),
        }
    }
}

/// See [`RecordLayer`].
#[derive(Clone)]
pub(crate) struct Record<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S, B> Service<Request<B>> for Record<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = RecordFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // Only the methods the console uses get a series of their own: a browser may send any.
        let method = match *request.method() {
            Method::GET => "GET",
            Method::HEAD => "HEAD",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::DELETE => "DELETE",
            _ => "other",
        };
        let seen = Seen {
            metrics: self.metrics.clone(),
            started: Instant::now(),
            method,
            // Kept (a reference count) rather than classified here: only a response no
            // handler named needs it.
            uri: request.uri().clone(),
        };
        RecordFuture {
            inner: self.inner.call(request),
            seen: Some(seen),
        }
    }
}

/// What [`Record`] notes of a request before it is answered.
struct Seen {
    metrics: Arc<Metrics>,
    started: Instant,
    method: &'static str,
    uri: Uri,
}

impl Seen {
    fn record(self, response: &Response) {
        let (route, connection) = match response.extensions().get::<RouteLabel>() {
            Some(label) => (label.route, label.connection.clone()),
            None => (unnamed_route(self.uri.path()), String::new()),
        };
        self.metrics
            .latency
            .get_or_create(&RouteLabels {
                route,
                connection: connection.clone(),
            })
            .observe(self.started.elapsed().as_secs_f64());
        self.metrics
            .requests
            .get_or_create(&RequestLabels {
                route,
                connection,
                method: self.method,
                status: response.status().as_u16(),
            })
            .inc();
    }
}

/// What a response is counted as when its handler did not name an operation.
fn unnamed_route(path: &str) -> &'static str {
    if path == "/livez" || path == "/readyz" {
        "probe"
    } else if path.contains("/api/") {
        "api"
    } else if path.contains("/scim/") {
        "scim"
    } else {
        "page"
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`Record`]: counts the response as it comes out.
    pub(crate) struct RecordFuture<F> {
        #[pin]
        inner: F,
        seen: Option<Seen>,
    }
}

impl<F, E> Future for RecordFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(this.inner.poll(cx));
        if let (Ok(response), Some(seen)) = (&result, this.seen.take()) {
            seen.record(response);
        }
        Poll::Ready(result)
    }
}

/// The metrics listener's application: `GET /metrics`.
pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(metrics): State<Arc<Metrics>>| async move {
                (
                    StatusCode::OK,
                    [(
                        header::CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    metrics.render(),
                )
                    .into_response()
            }),
        )
        .with_state(metrics)
}
