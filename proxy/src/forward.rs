//! The one forwarding path: browser request in, vendor request out, vendor answer back.
//! Strict in what it lets through: only allow-listed headers cross in either direction.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri, header};
use axum::response::Response;
use shared::liveperson::{Operation, ops, parse_users, validate_batch};

use crate::error::ProxyError;
use crate::{AppState, Connection, DEFAULT_BODY_LIMIT};

/// Request headers passed from the browser to the vendor. Everything else (its own
/// `Authorization`, cookies, hop-by-hop and forwarding headers) stays behind.
const FORWARDED_REQUEST_HEADERS: [HeaderName; 4] = [
    header::ACCEPT,
    header::CONTENT_TYPE,
    header::IF_MATCH,
    HeaderName::from_static("x-request-id"),
];

/// Response headers passed from the vendor back to the browser (`location` is rewritten).
const RETURNED_RESPONSE_HEADERS: [HeaderName; 3] = [
    header::CONTENT_TYPE,
    HeaderName::from_static(ops::REVISION_HEADER),
    header::ETAG,
];

/// `GET|POST|PUT /api/{connection}/users` → `{base}/api/account/{account}/configuration/le-users/users`.
pub(crate) async fn users(
    State(state): State<Arc<AppState>>,
    Path(connection_id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match forward(&state, &connection_id, method, &uri, &headers, body).await {
        Ok(response) => response,
        Err(error) => error.into_response_for(&headers),
    }
}

async fn forward(
    state: &AppState,
    connection_id: &str,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ProxyError> {
    let connection = state
        .connections
        .iter()
        .find(|c| c.id == connection_id)
        .ok_or_else(|| ProxyError::UnknownConnection(connection_id.to_owned()))?;

    // Writes are validated with the same rules as the browser's before anything is sent;
    // the bytes forwarded are the ones validated, so fields this product does not model
    // reach the vendor untouched.
    let body = match method {
        Method::GET => None,
        _ => {
            let bytes = to_bytes(body, DEFAULT_BODY_LIMIT).await.map_err(|e| {
                let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
                let mut too_large = false;
                while let Some(c) = cause {
                    too_large |= c.is::<http_body_util::LengthLimitError>();
                    cause = c.source();
                }
                if too_large {
                    ProxyError::BodyTooLarge(DEFAULT_BODY_LIMIT)
                } else {
                    ProxyError::BodyUnreadable(e.to_string())
                }
            })?;
            let operation = if method == Method::POST {
                Operation::Create
            } else {
                Operation::Update
            };
            let users = parse_users(&bytes).map_err(ProxyError::Invalid)?;
            validate_batch(&users, operation).map_err(ProxyError::Invalid)?;
            Some(bytes)
        }
    };

    let url = upstream_url(connection, uri.query());
    let mut request = state.client.request(method, url);
    for name in &FORWARDED_REQUEST_HEADERS {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value);
        }
    }
    let authorization = connection.authorization().map_err(|e| {
        tracing::error!(connection = %connection.id, error = %e, "connection misconfigured");
        ProxyError::Misconfigured(connection.id.clone())
    })?;
    request = request.header(header::AUTHORIZATION, authorization);
    if let Some(body) = body {
        request = request.body(body);
    }

    let upstream = request.send().await.map_err(|e| {
        tracing::warn!(connection = %connection.id, error = %e, "upstream request failed");
        if e.is_timeout() {
            ProxyError::UpstreamTimeout
        } else {
            ProxyError::UpstreamUnreachable
        }
    })?;

    let mut response = Response::builder().status(upstream.status());
    let response_headers = response.headers_mut().expect("builder has no error yet");
    for name in &RETURNED_RESPONSE_HEADERS {
        if let Some(value) = upstream.headers().get(name) {
            response_headers.insert(name, value.clone());
        }
    }
    if let Some(location) = upstream
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| rewrite_location(connection, l))
    {
        response_headers.insert(header::LOCATION, location);
    }
    // Streamed, not buffered: a list of tens of thousands of users flows straight through.
    Ok(response
        .body(Body::from_stream(upstream.bytes_stream()))
        .expect("status and headers came from a valid response"))
}

/// The vendor URL for the users collection, with the browser's query parameters and `v`
/// defaulted. The browser picks neither host, account nor path: only the query passes.
fn upstream_url(connection: &Connection, query: Option<&str>) -> url::Url {
    let upstream = &connection.upstream;
    let mut url = upstream.base_url.clone();
    let base_path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!(
        "{base_path}{}",
        ops::users_path(&upstream.account_id)
    ));
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    {
        let mut out = url.query_pairs_mut();
        if !pairs.iter().any(|(k, _)| k == ops::VERSION_PARAM) {
            out.append_pair(ops::VERSION_PARAM, &upstream.version);
        }
        for (k, v) in &pairs {
            out.append_pair(k, v);
        }
    }
    url
}

/// Points a vendor `location` at the proxy's own route, so the browser never sees (or is sent
/// to) the vendor's host. Anything that is not a user of this connection's account is dropped.
fn rewrite_location(connection: &Connection, location: &str) -> Option<HeaderValue> {
    let path = url::Url::parse(location)
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|_| location.split('?').next().unwrap_or_default().to_owned());
    let users = ops::users_path(&connection.upstream.account_id);
    let id = path.split_once(&users)?.1.strip_prefix('/')?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    HeaderValue::try_from(format!("/api/{}/users/{id}", connection.id)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LivepersonUpstream;

    fn connection(base: &str) -> Connection {
        Connection {
            id: "lp".into(),
            label: "LP".into(),
            upstream: LivepersonUpstream {
                base_url: base.parse().unwrap(),
                account_id: "123".into(),
                version: "4.0".into(),
                bearer_token: "t".into(),
            },
        }
    }

    #[test]
    fn upstream_urls() {
        let users = "/api/account/123/configuration/le-users/users";
        for (base, query, expected) in [
            (
                "https://va.example",
                None,
                format!("https://va.example{users}?v=4.0"),
            ),
            (
                "https://va.example/",
                Some("select=id,loginName"),
                format!("https://va.example{users}?v=4.0&select=id%2CloginName"),
            ),
            (
                "https://va.example",
                Some("v=6.0&include_deleted=true"),
                format!("https://va.example{users}?v=6.0&include_deleted=true"),
            ),
            (
                "http://127.0.0.1:9/prefix/",
                Some("x=%2F..%2F"),
                format!("http://127.0.0.1:9/prefix{users}?v=4.0&x=%2F..%2F"),
            ),
        ] {
            assert_eq!(
                upstream_url(&connection(base), query).as_str(),
                expected,
                "{base} {query:?}"
            );
        }
    }

    #[test]
    fn locations() {
        let c = connection("https://va.example");
        for (location, expected) in [
            (
                "https://va.example/api/account/123/configuration/le-users/users/77",
                Some("/api/lp/users/77"),
            ),
            (
                "/api/account/123/configuration/le-users/users/77",
                Some("/api/lp/users/77"),
            ),
            ("/api/account/999/configuration/le-users/users/77", None),
            ("https://evil.example/elsewhere", None),
            (
                "/api/account/123/configuration/le-users/users/77/../x",
                None,
            ),
        ] {
            assert_eq!(
                rewrite_location(&c, location)
                    .as_ref()
                    .map(|v| v.to_str().unwrap()),
                expected,
                "{location}"
            );
        }
    }
}
