//! Cross-site request refusal for the API. A state-changing request (anything but GET, HEAD
//! and OPTIONS) must come from the console's own page, by `Sec-Fetch-Site: same-origin` (which
//! browsers set and pages cannot forge) or, from a browser too old to send it, an `Origin`
//! naming this very host. A request that carries a body must also say it is JSON, which a
//! cross-site form cannot; one without a body (a `DELETE` of one user, as `curl -X DELETE`
//! sends it) has no content to type, so it needs no content type, only the same-origin
//! evidence. Anything else is 403 before it is read. Nothing changes state on GET.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, header};
use axum::response::Response;
use tower_http::validate_request::ValidateRequest;

use crate::error::ProxyError;

/// Whether a request comes from a page of this very origin; `Err` says why not.
pub fn same_origin(headers: &HeaderMap) -> Result<(), &'static str> {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match value("sec-fetch-site") {
        Some("same-origin") => Ok(()),
        Some(_) => Err("a request from another site cannot change anything here"),
        None => match (value(header::ORIGIN.as_str()), value(header::HOST.as_str())) {
            (Some(origin), Some(host))
                if origin
                    .split_once("://")
                    .is_some_and(|(_, origin_host)| origin_host.eq_ignore_ascii_case(host)) =>
            {
                Ok(())
            }
            _ => Err(
                "a request that changes data must come from the console's own page \
                 (Sec-Fetch-Site: same-origin, or an Origin naming this host)",
            ),
        },
    }
}

/// Whether a request carries a body, judged by its headers alone, since the check runs before
/// the body is read. The proxy speaks HTTP/1.1 only (axum's `http1`), where a request has a
/// body exactly when it has `Transfer-Encoding` or a `Content-Length` above zero (RFC 9112
/// §6.3); a length that is not a number counts as a body, so that doubt is refused.
fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers.get(header::CONTENT_LENGTH).is_some_and(|length| {
            length
                .to_str()
                .ok()
                .and_then(|l| l.trim().parse::<u64>().ok())
                != Some(0)
        })
}

/// Why a request is refused, or `None` when it may pass.
pub fn refusal(method: &Method, headers: &HeaderMap) -> Option<&'static str> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    if let Err(why) = same_origin(headers) {
        return Some(why);
    }
    if !has_body(headers) {
        return None;
    }
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let json = value(header::CONTENT_TYPE.as_str())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    (!json).then_some("a request that changes data must be sent as application/json")
}

/// [`refusal`] as the API's check (a `ValidateRequestHeaderLayer` of tower-http): a refused
/// request is answered 403 before anything behind it runs.
#[derive(Clone, Copy)]
pub struct Guard;

impl<B> ValidateRequest<B> for Guard {
    type ResponseBody = Body;

    fn validate(&mut self, request: &mut Request<B>) -> Result<(), Response> {
        match refusal(request.method(), request.headers()) {
            Some(why) => Err(ProxyError::CrossSite(why).into_response_for(request.headers())),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_origin_changes_pass_and_bodies_only_as_json() {
        let json = ("content-type", "application/json; charset=utf-8");
        let body = ("content-length", "2");
        let same_origin = ("sec-fetch-site", "same-origin");
        for (case, method, headers, passes) in [
            ("a read", Method::GET, vec![], true),
            (
                "same origin",
                Method::POST,
                vec![same_origin, json, body],
                true,
            ),
            (
                "same origin, chunked",
                Method::PUT,
                vec![same_origin, json, ("transfer-encoding", "chunked")],
                true,
            ),
            (
                "same site is not enough",
                Method::PUT,
                vec![("sec-fetch-site", "same-site"), json, body],
                false,
            ),
            (
                "cross site",
                Method::DELETE,
                vec![("sec-fetch-site", "cross-site"), json, body],
                false,
            ),
            ("no evidence at all", Method::POST, vec![json, body], false),
            (
                "matching origin",
                Method::POST,
                vec![
                    ("origin", "https://console.example"),
                    ("host", "console.example"),
                    json,
                    body,
                ],
                true,
            ),
            (
                "other origin",
                Method::POST,
                vec![
                    ("origin", "https://evil.example"),
                    ("host", "console.example"),
                    json,
                    body,
                ],
                false,
            ),
            (
                "null origin",
                Method::POST,
                vec![("origin", "null"), ("host", "console.example"), json, body],
                false,
            ),
            (
                "a form post",
                Method::POST,
                vec![
                    same_origin,
                    ("content-type", "application/x-www-form-urlencoded"),
                    body,
                ],
                false,
            ),
            (
                "text/plain",
                Method::POST,
                vec![same_origin, ("content-type", "text/plain"), body],
                false,
            ),
            (
                "a body without a content type",
                Method::DELETE,
                vec![same_origin, body],
                false,
            ),
            (
                "a chunked body without a content type",
                Method::DELETE,
                vec![same_origin, ("transfer-encoding", "chunked")],
                false,
            ),
            (
                "a length that is not a number",
                Method::DELETE,
                vec![same_origin, ("content-length", "zero")],
                false,
            ),
            (
                "no body, no content type",
                Method::DELETE,
                vec![same_origin],
                true,
            ),
            (
                "an empty body, no content type",
                Method::DELETE,
                vec![same_origin, ("content-length", "0")],
                true,
            ),
            (
                "no body, any content type",
                Method::DELETE,
                vec![same_origin, ("content-type", "text/plain")],
                true,
            ),
            (
                "no body, matching origin",
                Method::DELETE,
                vec![
                    ("origin", "http://127.0.0.1:8080"),
                    ("host", "127.0.0.1:8080"),
                ],
                true,
            ),
            ("no body, no evidence", Method::DELETE, vec![], false),
            (
                "no body, cross site",
                Method::DELETE,
                vec![("sec-fetch-site", "cross-site")],
                false,
            ),
            (
                "no body, other origin",
                Method::POST,
                vec![
                    ("origin", "https://evil.example"),
                    ("host", "console.example"),
                ],
                false,
            ),
        ] {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                map.insert(
                    axum::http::HeaderName::from_static(name),
                    value.parse().unwrap(),
                );
            }
            assert_eq!(refusal(&method, &map).is_none(), passes, "{case}");
        }
    }
}
