//! Cross-site request refusal for the API. A state-changing request (anything but GET, HEAD
//! and OPTIONS) must come from the console's own page, by `Sec-Fetch-Site: same-origin` (which
//! browsers set and pages cannot forge) or, from a browser too old to send it, an `Origin`
//! naming this very host; and it must carry a JSON content type, which a cross-site form
//! cannot. Anything else is 403 before it is read. Nothing changes state on GET.

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

/// Why a request is refused, or `None` when it may pass.
pub fn refusal(method: &Method, headers: &HeaderMap) -> Option<&'static str> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    if let Err(why) = same_origin(headers) {
        return Some(why);
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
    fn only_same_origin_json_changes_pass() {
        let json = ("content-type", "application/json; charset=utf-8");
        for (case, method, headers, passes) in [
            ("a read", Method::GET, vec![], true),
            (
                "same origin",
                Method::POST,
                vec![("sec-fetch-site", "same-origin"), json],
                true,
            ),
            (
                "same site is not enough",
                Method::PUT,
                vec![("sec-fetch-site", "same-site"), json],
                false,
            ),
            (
                "cross site",
                Method::DELETE,
                vec![("sec-fetch-site", "cross-site"), json],
                false,
            ),
            ("no evidence at all", Method::POST, vec![json], false),
            (
                "matching origin",
                Method::POST,
                vec![
                    ("origin", "https://console.example"),
                    ("host", "console.example"),
                    json,
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
                ],
                false,
            ),
            (
                "null origin",
                Method::POST,
                vec![("origin", "null"), ("host", "console.example"), json],
                false,
            ),
            (
                "a form post",
                Method::POST,
                vec![
                    ("sec-fetch-site", "same-origin"),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
                false,
            ),
            (
                "text/plain",
                Method::POST,
                vec![
                    ("sec-fetch-site", "same-origin"),
                    ("content-type", "text/plain"),
                ],
                false,
            ),
            (
                "no content type",
                Method::DELETE,
                vec![("sec-fetch-site", "same-origin")],
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
