//! Probes for the platform: `/livez` (the process answers; no dependency is asked) and
//! `/readyz` (every connection's vendor reachable and its credentials accepted, checked at
//! most every few seconds; unready while shutting down, so traffic drains away first).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shared::operation::{PathParams, named};

use crate::config::Upstream;
use crate::{AppState, Connection};

/// A readiness answer is reused this long, so probes never hammer the vendors.
const CHECK_TTL: Duration = Duration::from_secs(10);

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
        Some((at, report)) if at.elapsed() < CHECK_TTL => report.clone(),
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

/// One authenticated request that changes nothing: a user id no vendor has (LivePerson,
/// CommPeak: 404 once authenticated), or, for Trintech, which publishes no read, an update of
/// no users (refused as empty once authenticated). Any answer but 401/403 means the vendor is
/// reachable and the credentials are accepted.
async fn check(state: &AppState, connection: &Connection) -> Check {
    let outcome = async {
        let upstream_state = state
            .upstreams
            .get(&connection.id)
            .ok_or_else(|| "no upstream state".to_owned())?;
        let base = upstream_state
            .base_url(&state.vendor, connection)
            .await
            .map_err(|e| e.to_string())?;
        let absent = PathParams {
            id: Some("0".into()),
        };
        let (method, operation, params, body) = match &connection.upstream {
            Upstream::Liveperson(_) => (
                Method::GET,
                named(
                    shared::liveperson::OPERATIONS,
                    shared::liveperson::ops::GET_USER,
                ),
                absent,
                None,
            ),
            Upstream::Commpeak(_) => (
                Method::GET,
                named(
                    shared::commpeak::OPERATIONS,
                    shared::commpeak::ops::GET_USER,
                ),
                absent,
                None,
            ),
            Upstream::Trintech(_) => (
                Method::PUT,
                named(
                    shared::trintech::OPERATIONS,
                    shared::trintech::ops::UPDATE_USERS,
                ),
                PathParams::default(),
                Some("[]"),
            ),
        };
        let url = crate::forward::upstream_url(connection, &base, operation, &params, None);
        let authorization = upstream_state
            .authorization(&state.vendor, connection, &method, &url)
            .await
            .map_err(|e| e.to_string())?;
        let target: axum::http::Uri = url
            .parse()
            .map_err(|e| format!("the vendor's address is not a valid URI ({e})"))?;
        let mut request = axum::http::Request::new(match body {
            Some(body) => crate::client::SendBody::from(body),
            None => crate::client::SendBody::default(),
        });
        *request.method_mut() = method;
        *request.uri_mut() = target;
        request
            .headers_mut()
            .insert(axum::http::header::AUTHORIZATION, authorization);
        if body.is_some() {
            request.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            );
        }
        let answer = state.vendor.send(request).await.map_err(|e| {
            match e {
                crate::client::SendError::Timeout(_) => "the vendor did not answer in time",
                _ => "the vendor could not be reached",
            }
            .to_owned()
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
