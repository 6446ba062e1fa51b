//! Faults a real vendor shows now and then, injected on purpose so the console and the proxy
//! can be tested against them: added latency, server errors, throttling (429 with
//! `Retry-After`), a connection reset mid-answer, a malformed body, an answer held back after
//! the work is done. Off by default; set per instance in [`crate::Config`] or at run time
//! through `GET|PUT /_sandbox/faults` (the sandbox's own control endpoint, which no proxy
//! forwards to). `GET|PUT /_sandbox/requests` keeps, on demand, a record of every vendor
//! request with its `x-request-id` and the fault it got: a soak counts from it what reached
//! the vendor (a write seen twice was retried).

use std::sync::{Arc, Mutex, RwLock};
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
    /// A further random delay of up to this much before every answer (uniform), so that
    /// answers overtake one another as a real vendor's do.
    pub jitter_ms: u64,
    /// Answered 500 with a vendor-looking error body.
    pub error_rate: f64,
    /// Answered 429 with `Retry-After: {retry_after_seconds}`.
    pub throttle_rate: f64,
    pub retry_after_seconds: u64,
    /// The answer's status and headers are sent, then the connection is cut mid-body.
    pub reset_rate: f64,
    /// The answer's status is kept but its body is not valid JSON.
    pub malformed_rate: f64,
    /// The request is carried out, then its answer is held back `slow_ms`: past a client's
    /// deadline, a write that timed out was applied all the same.
    pub slow_rate: f64,
    pub slow_ms: u64,
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
            ("slowRate", self.slow_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, not {rate}"));
            }
        }
        for (name, ms) in [
            ("latencyMs", self.latency_ms),
            ("jitterMs", self.jitter_ms),
            ("slowMs", self.slow_ms),
        ] {
            if ms > 60_000 {
                return Err(format!("{name} must be at most 60000, not {ms}"));
            }
        }
        Ok(())
    }
}

/// The path of the record of requests.
pub const REQUESTS_PATH: &str = "/_sandbox/requests";

/// One vendor request as the sandbox saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    /// The request's `x-request-id`, if it had one (the proxy passes the browser's on).
    pub request_id: Option<String>,
    pub method: String,
    pub path: String,
    /// The status answered (with a reset, the one sent before the cut).
    pub status: u16,
    /// The fault injected: `none`, `error`, `throttle`, `reset`, `malformed` or `slow`.
    pub fault: String,
}

/// Whether requests are recorded, and what was recorded since recording started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Record {
    pub recording: bool,
    pub requests: Vec<Received>,
}

/// The faults in force and the record of requests, changed by the control endpoints.
#[derive(Debug, Default)]
pub struct Control {
    faults: RwLock<Faults>,
    /// `None` while not recording: nothing grows in a sandbox nobody soaks.
    record: Mutex<Option<Vec<Received>>>,
}

/// Shared by the middleware and the control endpoints.
pub type Shared = Arc<Control>;

/// The control state, starting with `faults`.
pub fn shared(faults: Faults) -> Shared {
    Arc::new(Control {
        faults: RwLock::new(faults),
        record: Mutex::new(None),
    })
}

impl Control {
    fn current(&self) -> Faults {
        self.faults
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn note(&self, request: &Seen, status: StatusCode, fault: &str) {
        let mut record = self.record.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(requests) = record.as_mut() {
            requests.push(Received {
                request_id: request.id.clone(),
                method: request.method.clone(),
                path: request.path.clone(),
                status: status.as_u16(),
                fault: fault.to_owned(),
            });
        }
    }
}

/// What the record keeps of a request, taken before it is handed on.
struct Seen {
    id: Option<String>,
    method: String,
    path: String,
}

/// The control endpoints: read or replace the faults in force; start, stop and read the
/// record of requests.
pub fn control(control: Shared) -> Router {
    Router::new()
        .route(
            CONTROL_PATH,
            axum::routing::get(read_faults).put(replace_faults),
        )
        .route(
            REQUESTS_PATH,
            axum::routing::get(read_record).put(switch_record),
        )
        .with_state(control)
}

async fn read_faults(State(control): State<Shared>) -> Json<Faults> {
    Json(control.current())
}

async fn read_record(State(control): State<Shared>) -> Json<Record> {
    let record = control.record.lock().unwrap_or_else(|p| p.into_inner());
    Json(Record {
        recording: record.is_some(),
        requests: record.clone().unwrap_or_default(),
    })
}

/// `{"recording": true}` starts a fresh record, `false` drops it.
async fn switch_record(
    State(control): State<Shared>,
    body: Bytes,
) -> Result<Json<Record>, (StatusCode, String)> {
    let asked: Record = serde_json::from_slice(&body)
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("Not a record switch: {e}")))?;
    if !asked.requests.is_empty() {
        return Err((StatusCode::BAD_REQUEST, "requests are not writable".into()));
    }
    *control.record.lock().unwrap_or_else(|p| p.into_inner()) = asked.recording.then(Vec::new);
    Ok(Json(Record {
        recording: asked.recording,
        requests: Vec::new(),
    }))
}

async fn replace_faults(
    State(control): State<Shared>,
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
    *control.faults.write().unwrap_or_else(|p| p.into_inner()) = new.clone();
    Ok(Json(new))
}

/// Middleware around the vendors' routes.
pub async fn inject(State(control): State<Shared>, request: Request, next: Next) -> Response {
    let faults = control.current();
    let seen = Seen {
        id: request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
    };
    let spared = faults.writes_only
        && matches!(
            *request.method(),
            axum::http::Method::GET | axum::http::Method::HEAD
        );
    if faults == Faults::default() || spared {
        let response = next.run(request).await;
        control.note(&seen, response.status(), "none");
        return response;
    }
    let delay = faults.latency_ms
        + match faults.jitter_ms {
            0 => 0,
            jitter => fastrand::u64(0..=jitter),
        };
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let roll = |rate: f64| rate > 0.0 && fastrand::f64() < rate;
    if roll(faults.error_rate) {
        let body = serde_json::json!({"message": "Injected fault: internal server error."});
        control.note(&seen, StatusCode::INTERNAL_SERVER_ERROR, "error");
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
    }
    if roll(faults.throttle_rate) {
        let body = serde_json::json!({"message": "Injected fault: too many requests."});
        let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, faults.retry_after_seconds.into());
        control.note(&seen, StatusCode::TOO_MANY_REQUESTS, "throttle");
        return response;
    }
    let reset = roll(faults.reset_rate);
    let malformed = !reset && roll(faults.malformed_rate);
    let slow = !reset && !malformed && roll(faults.slow_rate);
    let response = next.run(request).await;
    let fault = match (reset, malformed, slow) {
        (true, ..) => "reset",
        (_, true, _) => "malformed",
        (.., true) => "slow",
        _ => "none",
    };
    // Noted before the answer leaves (or is held back): a client that gives up on a slow
    // answer closes the connection, and this future may be dropped with it.
    control.note(&seen, response.status(), fault);
    if slow {
        tokio::time::sleep(Duration::from_millis(faults.slow_ms)).await;
    }
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
            Faults {
                slow_ms: 60_001,
                ..Faults::default()
            }
            .check()
            .unwrap_err()
            .contains("slowMs")
        );
        assert!(
            serde_json::from_str::<Faults>(r#"{"errorRat": 1}"#).is_err(),
            "a misspelt fault is refused, not ignored"
        );
    }

    /// The record of requests: off until asked for, then every vendor request with its
    /// request id, status and fault; switched off, it is dropped.
    #[tokio::test]
    async fn records_requests_only_while_asked() {
        use tower::ServiceExt;
        let config = crate::Config::with_random_credentials(crate::Database::InMemory, "1", 3);
        let app = crate::app(&config).unwrap();
        let call = |method: &str, path: &str, body: &str| {
            let credentials = format!("{}:{}", config.commpeak.username, config.commpeak.password);
            axum::http::Request::builder()
                .method(method)
                .uri(path)
                .header("x-request-id", "r-1")
                .header(
                    header::AUTHORIZATION,
                    format!(
                        "Basic {}",
                        base64::Engine::encode(
                            &base64::engine::general_purpose::STANDARD,
                            credentials
                        )
                    ),
                )
                .body(Body::from(body.to_owned()))
                .unwrap()
        };
        let record = |app: Router| async move {
            let answer = app.oneshot(call("GET", REQUESTS_PATH, "")).await.unwrap();
            let bytes = axum::body::to_bytes(answer.into_body(), usize::MAX)
                .await
                .unwrap();
            serde_json::from_slice::<Record>(&bytes).unwrap()
        };
        let users = "/commpeak/api/users/";
        app.clone().oneshot(call("GET", users, "")).await.unwrap();
        assert_eq!(
            record(app.clone()).await,
            Record::default(),
            "off by default"
        );

        let on = app
            .clone()
            .oneshot(call("PUT", REQUESTS_PATH, r#"{"recording": true}"#))
            .await
            .unwrap();
        assert_eq!(on.status(), StatusCode::OK);
        let answer = app.clone().oneshot(call("GET", users, "")).await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        let recorded = record(app.clone()).await;
        assert!(recorded.recording);
        assert_eq!(
            recorded.requests,
            [Received {
                request_id: Some("r-1".into()),
                method: "GET".into(),
                path: users.into(),
                status: 200,
                fault: "none".into(),
            }]
        );
        let refused = app
            .clone()
            .oneshot(call(
                "PUT",
                REQUESTS_PATH,
                &serde_json::to_string(&recorded).unwrap(),
            ))
            .await
            .unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::BAD_REQUEST,
            "the record is read only"
        );

        app.clone()
            .oneshot(call("PUT", REQUESTS_PATH, r#"{"recording": false}"#))
            .await
            .unwrap();
        assert_eq!(
            record(app).await,
            Record::default(),
            "dropped when switched off"
        );
    }
}
