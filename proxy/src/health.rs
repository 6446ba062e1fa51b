//! Probes for the platform: `/livez` (the process answers; no dependency is asked) and
//! `/readyz` (every connection's vendor reachable and its credentials accepted, checked at
//! most every few seconds; unready while shutting down, so traffic drains away first).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shared::operation::PathParams;

use crate::client::SendError;
use crate::upstream::{Call, CallError, Target};
use crate::{AppState, Connection};

/// A readiness answer is reused this long by default, so probes never hammer the vendors.
pub(crate) const CHECK_TTL: Duration = Duration::from_secs(10);

/// The last readiness report and when it was made.
pub(crate) type Cached = tokio::sync::Mutex<Option<(Instant, Report)>>;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    ready: bool,
    connections: Vec<Check>,
}

#[derive(Debug, Clone, Serialize)]
struct Check {
    id: String,
    ready: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

pub(crate) async fn livez() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

pub(crate) async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if state.shutting_down.load(Ordering::Relaxed) {
        let report = serde_json::json!({"ready": false, "problem": "shutting down"});
        return (StatusCode::SERVICE_UNAVAILABLE, Json(report)).into_response();
    }
    // Held while checking: concurrent probes wait for one check instead of each making one.
    let mut cached = state.readiness.lock().await;
    let report = match cached.as_ref() {
        Some((at, report)) if at.elapsed() < state.readiness_ttl => report.clone(),
        _ => {
            let checks =
                futures_util::future::join_all(state.connections.iter().map(|c| check(&state, c)))
                    .await;
            let report = Report {
                ready: checks.iter().all(|c| c.ready),
                connections: checks,
            };
            *cached = Some((Instant::now(), report.clone()));
            report
        }
    };
    let status = if report.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report)).into_response()
}

/// The vendor's probe (`shared`'s description says which request: one that is authenticated
/// and changes nothing, such as a user id no vendor has, or an update of no users), sent the
/// way every request to the vendor is sent ([`crate::upstream::UpstreamState::call`]), so it
/// proves the path traffic takes, counts in the upstream-error metrics, and drops a token the
/// vendor refuses so the next check fetches a new one. Any answer but 401/403 means the vendor
/// is reachable and the credentials are accepted.
async fn check(state: &AppState, connection: &Connection) -> Check {
    let outcome = async {
        let upstream_state = state
            .upstreams
            .get(&connection.id)
            .ok_or_else(|| "no upstream state".to_owned())?;
        let probe = shared::vendor::description(connection.kind()).probe;
        let operation = upstream_state
            .operations
            .iter()
            .find(|op| op.name == probe.operation)
            .ok_or_else(|| format!("the connection serves no {}", probe.operation))?;
        let params = PathParams {
            id: probe.id.map(str::to_owned),
        };
        let call = Call {
            method: Method::from_bytes(operation.method.as_str().as_bytes())
                .expect("the vendors' methods are HTTP methods"),
            target: Target::Operation {
                operation,
                params: &params,
                query: None,
                from_browser: None,
            },
            body: probe
                .body
                .map(|body| axum::body::Bytes::from_static(body.as_bytes())),
            content_type: probe
                .body
                .map(|_| HeaderValue::from_static("application/json")),
            deadline: None,
        };
        let answer = upstream_state
            .call(&state.vendor, connection, &call)
            .await
            .map_err(|e| match e {
                CallError::Unbuilt(e) => e.to_string(),
                CallError::Unanswered(SendError::Timeout(_)) => {
                    "the vendor did not answer in time".to_owned()
                }
                CallError::Unanswered(_) => "the vendor could not be reached".to_owned(),
            })?;
        match answer.status() {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(format!(
                "the vendor refused the credentials ({})",
                answer.status()
            )),
            _ => Ok(()),
        }
    }
    .await;
    Check {
        id: connection.id.clone(),
        ready: outcome.is_ok(),
        problem: outcome.err(),
    }
}
