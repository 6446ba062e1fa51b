//! Faults a real vendor shows now and then, injected on purpose so the console and the proxy
//! can be tested against them: added latency, server errors, throttling (429 with
//! `Retry-After`), a connection reset mid-answer, a malformed body. Off by default; set per
//! instance in [`crate::Config`] or at run time through `GET|PUT /_sandbox/faults` (the
//! sandbox's own control endpoint, which no proxy forwards to).

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// The path of the control endpoint.
pub const CONTROL_PATH: &str = "/_sandbox/faults";

/// Which faults are injected. Each rate is the share of requests (0 to 1) that get the fault;
/// they are drawn in the order of the fields, at most one fault per request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Faults {
    /// Added before every answer.
    pub latency_ms: u64,
    /// Answered 500 with a vendor-looking error body.
    pub error_rate: f64,
    /// Answered 429 with `Retry-After: {retry_after_seconds}`.
    pub throttle_rate: f64,
    pub retry_after_seconds: u64,
    /// The answer's status and headers are sent, then the connection is cut mid-body.
    pub reset_rate: f64,
    /// The answer's status is kept but its body is not valid JSON.
    pub malformed_rate: f64,
    /// Only writes (anything but GET and HEAD) get faults: a vendor whose reads work while
    /// its writes fail, as after a partial outage.
    pub writes_only: bool,
}

impl Faults {
    /// Refuses rates outside 0..=1 and latencies over a minute (a typo, not a test).
    pub fn check(&self) -> Result<(), String> {
        for (name, rate) in [
            ("errorRate", self.error_rate),
            ("throttleRate", self.throttle_rate),
            ("resetRate", self.reset_rate),
            ("malformedRate", self.malformed_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, not {rate}"));
            }
        }
        if self.latency_ms > 60_000 {
            return Err(format!(
                "latencyMs must be at most 60000, not {}",
                self.latency_ms
            ));
        }
        Ok(())
    }
}

/// The faults in force, changed by the control endpoint.
pub type Shared = Arc<RwLock<Faults>>;

fn current(faults: &Shared) -> Faults {
    faults
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}

/// The control endpoint: read or replace the faults in force.
pub fn control(faults: Shared) -> Router {
    Router::new()
        .route(
            CONTROL_PATH,
            axum::routing::get(read_faults).put(replace_faults),
        )
        .with_state(faults)
}

async fn read_faults(State(faults): State<Shared>) -> Json<Faults> {
    Json(current(&faults))
}

async fn replace_faults(
    State(faults): State<Shared>,
    body: Bytes,
) -> Result<Json<Faults>, (StatusCode, String)> {
    let refuse = |e: String| (StatusCode::BAD_REQUEST, format!("Not a faults object: {e}"));
    // Read as an object only: serde would also take a JSON array as the fields in order.
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| refuse(e.to_string()))?;
    if !value.is_object() {
        return Err(refuse("expected a JSON object".into()));
    }
    let new: Faults = serde_json::from_value(value).map_err(|e| refuse(e.to_string()))?;
    new.check().map_err(|e| (StatusCode::BAD_REQUEST, e))?;
    *faults.write().unwrap_or_else(|p| p.into_inner()) = new.clone();
    Ok(Json(new))
}

/// Middleware around the vendors' routes.
pub async fn inject(State(faults): State<Shared>, request: Request, next: Next) -> Response {
    let faults = current(&faults);
    let spared = faults.writes_only
        && matches!(
            *request.method(),
            axum::http::Method::GET | axum::http::Method::HEAD
        );
    if faults == Faults::default() || spared {
        return next.run(request).await;
    }
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    let roll = |rate: f64| rate > 0.0 && fastrand::f64() < rate;
    if roll(faults.error_rate) {
        let body = serde_json::json!({"message": "Injected fault: internal server error."});
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
    }
    if roll(faults.throttle_rate) {
        let body = serde_json::json!({"message": "Injected fault: too many requests."});
        let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, faults.retry_after_seconds.into());
        return response;
    }
    let reset = roll(faults.reset_rate);
    let malformed = !reset && roll(faults.malformed_rate);
    let response = next.run(request).await;
    if !reset && !malformed {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    if malformed {
        let cut = &bytes[..bytes.len() / 2];
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return Response::from_parts(parts, Body::from([cut, b"\x00<html>"].concat()));
    }
    // Half the body, then (once it has left) an error: the server aborts the connection
    // mid-answer, after the status line and headers.
    use futures_util::StreamExt;
    let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
    let stream = futures_util::stream::iter([Ok(half)]).chain(futures_util::stream::once(async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected fault: connection reset",
        ))
    }));
    Response::from_parts(parts, Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_rates_and_latency() {
        assert!(Faults::default().check().is_ok());
        for (faults, fragment) in [
            (
                Faults {
                    error_rate: 1.5,
                    ..Faults::default()
                },
                "errorRate",
            ),
            (
                Faults {
                    reset_rate: -0.1,
                    ..Faults::default()
                },
                "resetRate",
            ),
            (
                Faults {
                    latency_ms: 600_000,
                    ..Faults::default()
                },
                "latencyMs",
            ),
        ] {
            assert!(faults.check().unwrap_err().contains(fragment));
        }
        assert!(
            serde_json::from_str::<Faults>(r#"{"errorRat": 1}"#).is_err(),
            "a misspelt fault is refused, not ignored"
        );
    }
}
