//! The one forwarding path: browser request in, vendor request out, vendor answer back.
//! Which requests exist is read from the vendor's operation table in `shared`; strict in
//! what it lets through: only described paths, checked bodies and allow-listed headers.

use std::borrow::Cow;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use futures_util::FutureExt;
use percent_encoding::percent_decode_str;
use shared::description::SelectBy;
use shared::operation::{self, PathParams, RouteError};
use tower::Service;

use crate::access::{Identity, Role};
use crate::audit;
use crate::client::SendError;
use crate::error::ProxyError;
use crate::upstream::{Call, CallError, METHOD_OVERRIDE_HEADER, Target};
use crate::{AppState, Connection};

/// Response headers every operation passes back, besides the ones its description lists
/// (`ac-revision`); `location` is rewritten, never passed as is.
const RETURNED_RESPONSE_HEADERS: [HeaderName; 4] = [
    header::CONTENT_TYPE,
    // The proxy asks for no encoding; a vendor that compresses all the same is passed on
    // labelled, and the proxy's compression leaves it as it came.
    header::CONTENT_ENCODING,
    header::ETAG,
    header::RETRY_AFTER,
];

/// Longer paths are refused outright: no vendor path comes near it.
const MAX_PATH: usize = 2048;

/// The most the proxy reads of an answer it must take secret fields out of (a list of
/// CommPeak users, or any read of them by a viewer); a larger one is refused, 502, never
/// passed on unread. 50,000 CommPeak users as the sandbox answers them are 28 MB (about
/// 40 MB with the vendor's fuller records), so this leaves room for twice that.
pub(crate) const FILTERED_ANSWER_LIMIT: usize = 64 * 1024 * 1024;

/// Above this many bytes, an answer is rewritten on a blocking thread rather than on the
/// request's task (a get-one of a few hundred bytes stays where it is).
const REWRITTEN_INLINE_LIMIT: usize = 1024 * 1024;

/// The method a request stands for. Only POST with an override of PUT or DELETE is honoured;
/// any other combination is refused rather than guessed.
fn effective_method(method: &Method, headers: &HeaderMap) -> Result<Method, ProxyError> {
    let Some(value) = headers.get(&METHOD_OVERRIDE_HEADER) else {
        return Ok(method.clone());
    };
    match (method, value.to_str().map(str::trim)) {
        (&Method::POST, Ok(v)) if v.eq_ignore_ascii_case("PUT") => Ok(Method::PUT),
        (&Method::POST, Ok(v)) if v.eq_ignore_ascii_case("DELETE") => Ok(Method::DELETE),
        _ => Err(ProxyError::BadMethodOverride),
    }
}

/// Where a forwarded request goes: the connection id and the path after it, from a request
/// path under the console's base path, when it is `/api/{connection}/{path}` with a non-empty
/// `path`. Still percent-encoded. An empty connection id is taken, as axum's router took it:
/// it is then an unknown connection (a JSON 404), not a path outside the API.
pub(crate) fn target<'a>(path: &'a str, base_path: &str) -> Option<(&'a str, &'a str)> {
    let (connection, rest) = path
        .strip_prefix(base_path)?
        .strip_prefix("/api/")?
        .split_once('/')?;
    (!rest.is_empty()).then_some((connection, rest))
}

/// The forwarding path as a tower service: `/api/{connection}/{path}`, sent to the vendor
/// operation that `path` and the method describe. [`crate::Front`] hands it its requests
/// before axum's router sees them, and its guards (cross-site check, identity) wrap it as
/// they wrap the other API routes.
#[derive(Clone)]
pub(crate) struct Forward(pub Arc<AppState>);

impl Service<Request> for Forward {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        Box::pin(users(self.0.clone(), request).map(Ok))
    }
}

async fn users(state: Arc<AppState>, mut request: Request) -> Response {
    let identity = request.extensions_mut().remove::<Identity>();
    // Taken apart, not extracted piece by piece: axum's `HeaderMap` extractor copies the map.
    let (parts, body) = request.into_parts();
    let Some(identity) = identity else {
        // The identity guard wraps this service and sets it; a request without one is a
        // programming error, never a reason to let it through.
        tracing::error!("a request reached the forwarding path without an identity");
        return ProxyError::Internal.into_response_for(&parts.headers);
    };
    // Decoded as axum's `Path` would; a part that is not UTF-8 once decoded names nothing.
    let decoded = target(parts.uri.path(), &state.base_path).and_then(|(connection, rest)| {
        let decode = |part| percent_decode_str(part).decode_utf8().ok();
        Some((decode(connection)?, decode(rest)?))
    });
    let Some((connection_id, rest)) = decoded else {
        return ProxyError::NotFound.into_response_for(&parts.headers);
    };
    let incoming = Incoming {
        connection_id: &connection_id,
        rest: &rest,
        identity: &identity,
        uri: &parts.uri,
        headers: &parts.headers,
    };
    let mut operation = None;
    let method = parts.method.clone();
    let mut response = match forward(&state, incoming, method, body, &mut operation).await {
        Ok(response) => response,
        Err(error) => error.into_response_for(&parts.headers),
    };
    if parts.method == Method::HEAD {
        response = without_body(response);
    }
    // Counted under the vendor operation once it is known; a refusal before that is "api",
    // and an unknown connection id is not a label (browsers could send any).
    let known = state.connections.iter().any(|c| c.id == connection_id);
    response
        .extensions_mut()
        .insert(crate::metrics::RouteLabel {
            route: operation.unwrap_or("api"),
            connection: if known {
                connection_id.into_owned()
            } else {
                String::new()
            },
        });
    response
}

/// The answer to a HEAD: the GET's status and headers, its length included where known
/// (RFC 9110 §9.3.2), and no body. The vendor's body, when one was streaming, is dropped
/// unread.
fn without_body(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    if !parts.headers.contains_key(header::CONTENT_LENGTH)
        && let Some(length) = hyper::body::Body::size_hint(&body).exact()
    {
        parts.headers.insert(header::CONTENT_LENGTH, length.into());
    }
    Response::from_parts(parts, Body::empty())
}

/// What a browser request brings besides its method and body.
struct Incoming<'a> {
    connection_id: &'a str,
    rest: &'a str,
    identity: &'a Identity,
    uri: &'a Uri,
    headers: &'a HeaderMap,
}

async fn forward(
    state: &AppState,
    incoming: Incoming<'_>,
    method: Method,
    body: Body,
    named: &mut Option<&'static str>,
) -> Result<Response, ProxyError> {
    let Incoming {
        connection_id,
        rest,
        identity,
        uri,
        headers,
    } = incoming;
    let connection = state
        .connections
        .iter()
        .find(|c| c.id == connection_id)
        .ok_or_else(|| ProxyError::UnknownConnection(connection_id.to_owned()))?;
    // Measured below the base path, as the browser's console sees its API.
    let path = uri.path();
    if path.strip_prefix(&*state.base_path).unwrap_or(path).len() > MAX_PATH {
        return Err(ProxyError::PathTooLong(MAX_PATH));
    }
    let method = effective_method(&method, headers)?;
    let upstream_state = state
        .upstreams
        .get(&connection.id)
        .expect("every connection has its upstream state");
    // A HEAD is answered by the GET operation (`find` says which), sent upstream as a GET:
    // vendors need not support HEAD; the caller drops the answer's body.
    let (operation, params) = operation::find(
        &upstream_state.operations,
        method.as_str(),
        &format!("/{rest}"),
    )
    .map_err(|e| match e {
        RouteError::NotFound(_) => ProxyError::NotFound,
        RouteError::MethodNotAllowed { ref allowed, .. } => ProxyError::MethodNotAllowed {
            allowed: allowed.clone(),
            message: e.to_string(),
        },
    })?;
    *named = Some(operation.name);
    let method = if method == Method::HEAD {
        Method::GET
    } else {
        method
    };

    // A body is checked with the same rules as the browser's before anything is sent; the
    // bytes forwarded are the ones checked, so fields this product does not model reach the
    // vendor untouched. Only fields the vendor sets itself, which a record read and written
    // back carries, are left out (re-serialized then, every other field kept).
    let body = match operation.body {
        shared::operation::Body::None => None,
        listed => {
            let bytes = read_body(body, state.body_limit).await?;
            // Too many users is refused whole, before any record is checked: a few kilobytes
            // of empty users must not cost a check (and a listed error) per record.
            if matches!(
                listed,
                shared::operation::Body::Users(_) | shared::operation::Body::UserIds
            ) && let Some(count) = array_length(&bytes)
            {
                let limit = connection.max_users();
                if count > limit {
                    return Err(ProxyError::TooManyUsers { limit, count });
                }
            }
            shared::vendor::check_body(connection.kind(), operation, &params, &bytes)
                .map_err(ProxyError::Invalid)?;
            Some(
                shared::vendor::forwarded_body(connection.kind(), operation, &bytes)
                    .map_or(bytes, axum::body::Bytes::from),
            )
        }
    };

    // Every change sent is audited, with the vendor's status, or the status the browser gets
    // when no answer came (the change may have been applied all the same).
    let audit_change = |status: StatusCode| {
        if operation.method != shared::operation::HttpMethod::Get {
            state.audit.record(&audit::event(
                identity,
                &connection.id,
                operation.name,
                audit::subjects(params.id.as_deref(), body.as_deref()),
                status.as_u16(),
                headers.get("x-request-id").and_then(|v| v.to_str().ok()),
            ));
        }
    };
    // A selection the vendor cannot apply (CommPeak's and Trintech's lists) is the proxy's:
    // taken off the vendor's request, checked against the vendor's fields, applied to the
    // answer below.
    let (query, selected) = match shared::vendor::description(connection.kind()).list.select {
        Some(select)
            if select.by == SelectBy::Proxy && operation.name == operation::names::LIST_USERS =>
        {
            let (query, value) = without_param(uri.query(), select.param);
            let selected = match value {
                Some(value) => {
                    shared::select::narrowing(&value, shared::vendor::fields(connection.kind()))
                        .map_err(|e| ProxyError::Selection(e.to_string()))?
                }
                None => None,
            };
            (query.map(Cow::Owned), selected)
        }
        _ => (uri.query().map(Cow::Borrowed), None),
    };
    let retriable_method = method == Method::GET;
    let deadline = state.vendor.deadline_from_now();
    let call = Call {
        method,
        target: Target::Operation {
            operation,
            params: &params,
            query: query.as_deref(),
            from_browser: Some(headers),
        },
        // Shared, not copied: the audit reads it too.
        body: body.clone(),
        content_type: None,
        // One deadline for the browser's request, retries and their waits included.
        deadline: Some(deadline),
    };
    // Reads are retried on connection errors and on 429 (after its Retry-After), a bounded
    // number of times; writes are sent once, ever. Each attempt is built anew (an OAuth 1.0
    // signature is valid once).
    let retry = &state.retry;
    let mut attempt = 1;
    let upstream = loop {
        let retriable = retriable_method && attempt < retry.attempts;
        // A wait that would end past the deadline is not taken: the answer in hand goes back.
        let in_time = |wait: std::time::Duration| tokio::time::Instant::now() + wait < deadline;
        match upstream_state.call(&state.vendor, connection, &call).await {
            Ok(answer) if retriable && answer.status() == StatusCode::TOO_MANY_REQUESTS => {
                match retry_after(answer.headers())
                    .filter(|wait| *wait <= retry.longest_wait && in_time(*wait))
                {
                    Some(wait) => {
                        tracing::info!(connection = %connection.id, attempt, wait_ms = wait.as_millis() as u64, "upstream throttled; retrying");
                        tokio::time::sleep(wait).await;
                    }
                    None => break answer,
                }
            }
            Ok(answer) => break answer,
            Err(CallError::Unanswered(e @ SendError::Connect(_)))
                if retriable && in_time(retry.pause) =>
            {
                tracing::info!(connection = %connection.id, attempt, error = %e, "upstream unreachable; retrying");
                tokio::time::sleep(retry.pause).await;
            }
            // Nothing was sent: nothing to audit.
            Err(CallError::Unbuilt(error)) => return Err(error),
            Err(e) => {
                tracing::warn!(connection = %connection.id, error = %e, "upstream request failed");
                let error = ProxyError::from(e);
                audit_change(error.status());
                return Err(error);
            }
        }
        attempt += 1;
    };
    audit_change(upstream.status());

    let mut response = Response::builder().status(upstream.status());
    let response_headers = response.headers_mut().expect("builder has no error yet");
    // Room for what the layers add on the way out (request id, security headers): a map grown
    // one header at a time is rehashed on the way.
    response_headers.reserve(16);
    for name in RETURNED_RESPONSE_HEADERS.into_iter().chain(
        operation
            .response_headers
            .iter()
            .map(|name| HeaderName::from_static(name)),
    ) {
        if name == header::LOCATION {
            continue;
        }
        if let Some(value) = upstream.headers().get(&name) {
            response_headers.insert(name, value.clone());
        }
    }
    if let Some(location) = upstream
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| rewrite_location(connection, &state.base_path, l))
    {
        response_headers.insert(header::LOCATION, location);
    }
    // Secrets the vendor sends back that this answer must not carry (in a list, or to a
    // viewer) are taken out; `shared` says which, by operation and role.
    let withheld = shared::vendor::withheld_secrets(
        connection.kind(),
        operation,
        identity.role == Role::Admin,
    );
    // What a selection keeps, never a withheld secret.
    let kept: Option<Vec<String>> = selected.map(|names| {
        names
            .into_iter()
            .filter(|name| !withheld.contains(&name.as_str()))
            .collect()
    });
    if (kept.is_some() || !withheld.is_empty()) && upstream.status().is_success() {
        // Read whole (bounded) to be rewritten; passed on as it came when no user carries one
        // of them. Refused, never passed unread, when it cannot be read or is not JSON.
        let answer = async {
            let bytes = read_answer(Body::new(upstream.into_body()), FILTERED_ANSWER_LIMIT).await?;
            let inline = bytes.len() <= REWRITTEN_INLINE_LIMIT;
            let without = move || {
                let rewritten = match &kept {
                    Some(kept) => {
                        let kept: Vec<&str> = kept.iter().map(String::as_str).collect();
                        shared::vendor::answer_narrowed(&bytes, &kept)
                    }
                    None => shared::vendor::answer_without(&bytes, withheld),
                };
                (bytes, rewritten)
            };
            // A list of 50,000 CommPeak users (28 MB) takes tens of milliseconds: not on a
            // runtime thread, which would hold every request queued behind it.
            let (bytes, rewritten) = if inline {
                without()
            } else {
                tokio::task::spawn_blocking(without).await.map_err(|e| {
                    tracing::error!(error = %e, "taking secrets out of an answer failed");
                    ProxyError::Internal
                })?
            };
            match rewritten {
                Ok(None) => Ok(Body::from(bytes)),
                // Of known length: `content-length` is the rewritten body's.
                Ok(Some(rewritten)) => Ok(Body::from(rewritten)),
                Err(_) => Err(ProxyError::UpstreamAnswer("it is not JSON".into())),
            }
        }
        .await
        .inspect_err(|e| {
            let connection = &connection.id;
            tracing::warn!(%connection, error = %e, "upstream answer not passed on");
        })?;
        return Ok(response
            .body(answer)
            .expect("status and headers came from a valid response"));
    }
    // Streamed, not buffered: a list of tens of thousands of users flows straight through. The
    // vendor's body is passed as a body (not a stream of chunks) so its length travels with it:
    // a short answer then leaves in one write, with `content-length` rather than chunked.
    Ok(response
        .body(Body::new(upstream.into_body()))
        .expect("status and headers came from a valid response"))
}

/// `query` without the parameter `name`, and that parameter's value (decoded; the last one
/// when it is given twice); every other parameter stays as it was written.
fn without_param(query: Option<&str>, name: &str) -> (Option<String>, Option<String>) {
    let Some(query) = query else {
        return (None, None);
    };
    let mut value = None;
    let mut rest: Vec<&str> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match url::form_urlencoded::parse(pair.as_bytes()).next() {
            Some((key, found)) if key == name => value = Some(found.into_owned()),
            _ => rest.push(pair),
        }
    }
    let rest = (!rest.is_empty()).then(|| rest.join("&"));
    (rest, value)
}

/// A vendor's answer read whole, up to `limit` bytes, within the exchange's deadline.
pub(crate) async fn read_answer(body: Body, limit: usize) -> Result<axum::body::Bytes, ProxyError> {
    let error = match to_bytes(body, limit).await {
        Ok(bytes) => return Ok(bytes),
        Err(error) => error,
    };
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return Err(ProxyError::UpstreamAnswer(format!(
                "it is larger than the {limit} bytes the proxy reads of an answer it must take \
                 secret fields out of"
            )));
        }
        if let Some(SendError::Timeout(_)) = c.downcast_ref::<SendError>() {
            return Err(ProxyError::UpstreamTimeout);
        }
        cause = c.source();
    }
    Err(ProxyError::UpstreamAnswer("it was cut short".into()))
}

/// How many values a JSON array holds, counted without reading any of them into anything;
/// `None` for a body that is not an array (a single object is one user, and anything else
/// is for the checks to refuse in their own words).
fn array_length(bytes: &[u8]) -> Option<usize> {
    struct Count;
    impl<'de> serde::de::Visitor<'de> for Count {
        type Value = usize;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON array")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
            let mut count = 0;
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                count += 1;
            }
            Ok(count)
        }
    }
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    serde::Deserializer::deserialize_seq(&mut reader, Count).ok()
}

/// `Retry-After` in seconds (the HTTP-date form is not used by the vendors; it is ignored).
fn retry_after(headers: &HeaderMap) -> Option<std::time::Duration> {
    headers
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
        .map(std::time::Duration::from_secs)
}

pub(crate) async fn read_body(body: Body, limit: usize) -> Result<axum::body::Bytes, ProxyError> {
    to_bytes(body, limit).await.map_err(|e| {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        let mut too_large = false;
        while let Some(c) = cause {
            too_large |= c.is::<http_body_util::LengthLimitError>();
            cause = c.source();
        }
        if too_large {
            ProxyError::BodyTooLarge(limit)
        } else {
            ProxyError::BodyUnreadable(e.to_string())
        }
    })
}

/// Points a vendor `location` at the proxy's own route, so the browser never sees (or is sent
/// to) the vendor's host. Anything that is not a user of this connection is dropped.
fn rewrite_location(
    connection: &Connection,
    base_path: &str,
    location: &str,
) -> Option<HeaderValue> {
    let path = url::Url::parse(location)
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|_| location.split('?').next().unwrap_or_default().to_owned());
    let collection = connection
        .operations()
        .into_iter()
        // The operation that answers with a location is the create, on the collection.
        .find(|op| op.response_headers.contains(&header::LOCATION.as_str()))?
        .upstream_path(connection.upstream.account_id(), &PathParams::default());
    let id = path
        .split_once(collection.trim_end_matches('/'))?
        .1
        .strip_prefix('/')?;
    if !operation::is_valid_path_id(id) {
        return None;
    }
    HeaderValue::try_from(format!("{base_path}/api/{}/users/{id}", connection.id)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CommpeakUpstream, LivepersonUpstream, Upstream};
    use crate::upstream::upstream_url;
    use shared::operation::OperationSpec;

    #[test]
    fn forwarded_paths_are_told_from_the_others() {
        for (path, base_path, expected) in [
            ("/api/lp/users", "", Some(("lp", "users"))),
            (
                "/api/lp/users/7/resetPassword",
                "",
                Some(("lp", "users/7/resetPassword")),
            ),
            ("/api/lp//users", "", Some(("lp", "/users"))),
            ("/api/lp/", "", None),
            ("/api/lp", "", None),
            ("/api//users", "", Some(("", "users"))),
            ("/api/", "", None),
            ("/apix/lp/users", "", None),
            ("/users/42", "", None),
            ("/admin/api/lp/users", "/admin", Some(("lp", "users"))),
            ("/adminx/api/lp/users", "/admin", None),
            ("/api/lp/users", "/admin", None),
        ] {
            assert_eq!(
                target(path, base_path),
                expected,
                "{path} under {base_path:?}"
            );
        }
    }

    fn connection(base: &str) -> Connection {
        Connection {
            id: "lp".into(),
            label: "LP".into(),
            chunk_size: crate::config::DEFAULT_CHUNK_SIZE,
            max_users: None,
            upstream: Upstream::Liveperson(LivepersonUpstream {
                domain: crate::Domain::Fixed(base.parse().unwrap()),
                account_id: "123".into(),
                version: "4.0".into(),
                auth: crate::LivepersonAuth::Bearer("t".into()),
                method_override: false,
                profiles: Vec::new(),
            }),
        }
    }

    fn commpeak() -> Connection {
        Connection {
            id: "cp".into(),
            label: "CP".into(),
            chunk_size: crate::config::DEFAULT_CHUNK_SIZE,
            max_users: None,
            upstream: Upstream::Commpeak(CommpeakUpstream {
                base_url: "https://example.td.commpeak.com".parse().unwrap(),
                username: "api".into(),
                password: "p".into(),
            }),
        }
    }

    fn url_of(connection: &Connection, method: &str, path: &str, query: Option<&str>) -> String {
        let operations: Vec<OperationSpec> = connection.operations().into_iter().copied().collect();
        let (op, params) = operation::find(&operations, method, path).unwrap();
        let base = connection.upstream.configured_url().clone();
        upstream_url(connection, &base, op, &params, query).to_string()
    }

    /// The forwarding path names the tables' headers with `HeaderName::from_static`, which
    /// panics on a name that is not valid lower-case.
    #[test]
    fn every_header_an_operation_names_is_valid_lower_case() {
        for operation in shared::liveperson::OPERATIONS
            .iter()
            .chain(shared::trintech::OPERATIONS)
            .chain(shared::commpeak::OPERATIONS)
        {
            for name in operation
                .headers
                .iter()
                .map(|h| h.name)
                .chain(operation.response_headers.iter().copied())
            {
                let parsed = HeaderName::from_bytes(name.as_bytes()).unwrap();
                assert_eq!(parsed.as_str(), name, "{}: {name}", operation.name);
            }
        }
    }

    #[test]
    fn a_selection_the_proxy_applies_is_taken_off_the_vendors_query() {
        for (query, rest, value) in [
            (None, None, None),
            (Some("select=id,email"), None, Some("id,email")),
            (
                Some("a=1&select=id%2Cemail&b=x%20y"),
                Some("a=1&b=x%20y"),
                Some("id,email"),
            ),
            (Some("a=1"), Some("a=1"), None),
            // Given twice: the last one counts, neither is passed on.
            (
                Some("select=id&select=email&v=2"),
                Some("v=2"),
                Some("email"),
            ),
        ] {
            assert_eq!(
                without_param(query, "select"),
                (rest.map(str::to_owned), value.map(str::to_owned)),
                "{query:?}"
            );
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
                url_of(&connection(base), "GET", "/users", query),
                expected,
                "{base} {query:?}"
            );
        }
        assert_eq!(
            url_of(
                &connection("https://va.example"),
                "PUT",
                "/users/77/resetPassword",
                None
            ),
            format!("https://va.example{users}/77/resetPassword?v=4.0")
        );
        // CommPeak's operations take no query: none is passed on.
        assert_eq!(
            url_of(&commpeak(), "GET", "/users", Some("a=1")),
            "https://example.td.commpeak.com/api/users/"
        );
        assert_eq!(
            url_of(&commpeak(), "PUT", "/users/1001", None),
            "https://example.td.commpeak.com/api/users/1001"
        );
    }

    /// An answer read to be filtered is bounded and read whole: too large or cut short, it
    /// is refused (502), and a vendor that stalls past the deadline is a timeout (504).
    #[tokio::test]
    async fn answers_read_to_be_filtered_are_bounded() {
        let read = read_answer(Body::from("[{}]"), 4).await.unwrap();
        assert_eq!(&read[..], b"[{}]");
        let stream = |error: Box<dyn std::error::Error + Send + Sync>| {
            Body::from_stream(futures_util::stream::iter([
                Ok(axum::body::Bytes::from_static(b"[{")),
                Err(error),
            ]))
        };
        for (case, body, status, fragment) in [
            (
                "too large",
                Body::from("[{}, {}]"),
                StatusCode::BAD_GATEWAY,
                "larger than the 4 bytes",
            ),
            (
                "cut short",
                stream(std::io::Error::other("connection reset").into()),
                StatusCode::BAD_GATEWAY,
                "cut short",
            ),
            (
                "past the deadline",
                stream(SendError::Timeout(std::time::Duration::from_secs(1)).into()),
                StatusCode::GATEWAY_TIMEOUT,
                "in time",
            ),
        ] {
            let error = read_answer(body, 4).await.unwrap_err();
            assert_eq!(error.status(), status, "{case}: {error}");
            assert!(error.to_string().contains(fragment), "{case}: {error}");
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
                rewrite_location(&c, "", location)
                    .as_ref()
                    .map(|v| v.to_str().unwrap()),
                expected,
                "{location}"
            );
        }
        // Behind a gateway's prefix the browser is pointed under it.
        assert_eq!(
            rewrite_location(
                &c,
                "/admin/users",
                "/api/account/123/configuration/le-users/users/77"
            )
            .unwrap(),
            "/admin/users/api/lp/users/77"
        );
    }
}
