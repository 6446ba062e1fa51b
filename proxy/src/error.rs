//! The proxy's own error answers: always the shared `ApiError` JSON, always with the request
//! id, so the browser shows one kind of message and an operator can find it in the logs.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::{ApiError, ErrorCode, FieldError, ValidationErrors};

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("No connection named \"{0}\" is configured.")]
    UnknownConnection(String),
    #[error("No such API endpoint.")]
    NotFound,
    /// The message, and the methods the path takes (the `Allow` header RFC 9110 asks of a 405).
    #[error("{message}")]
    MethodNotAllowed { message: String, allowed: String },
    #[error("X-HTTP-Method-Override is honoured only on a POST, and only as PUT or DELETE.")]
    BadMethodOverride,
    #[error("The path is longer than {0} characters.")]
    PathTooLong(usize),
    #[error("Refused: {0}.")]
    CrossSite(&'static str),
    #[error("Not signed in: {0}.")]
    Unauthenticated(&'static str),
    #[error("{0} has no role on this console; ask its operator for viewer or admin access.")]
    NoRole(String),
    #[error("{0} may only read: changing users needs the admin role.")]
    ReadOnly(String),
    #[error("The request was refused: {0}")]
    Invalid(ValidationErrors),
    #[error(
        "At most {} users can be sent in one request to this connection; this one holds {}. \
         Send them in parts. Nothing was sent to the vendor.",
        shared::format::thousands(*limit),
        shared::format::thousands(*count)
    )]
    TooManyUsers { limit: usize, count: usize },
    #[error("The list's selection was refused: {0}.")]
    Selection(String),
    #[error("The request body is larger than the limit of {0} bytes.")]
    BodyTooLarge(usize),
    #[error("The request body could not be read: {0}")]
    BodyUnreadable(String),
    #[error("The vendor did not answer in time.")]
    UpstreamTimeout,
    #[error("The vendor could not be reached.")]
    UpstreamUnreachable,
    /// An answer the proxy must read whole to take secrets out of, and could not: passed on
    /// as it came, it could carry them.
    #[error("The vendor's answer was not passed on: {0}.")]
    UpstreamAnswer(String),
    #[error(
        "The connection \"{0}\" is misconfigured on the proxy; the operator's log names the \
         problem."
    )]
    Misconfigured(String),
    #[error("The proxy failed to handle the request; the operator's log names the problem.")]
    Internal,
    #[error("The vendor's domain for connection \"{0}\" could not be found: {1}.")]
    DomainLookup(String, String),
    #[error("The proxy could not obtain credentials for connection \"{0}\": {1}.")]
    UpstreamAuth(String, String),
}

impl ProxyError {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ProxyError::UnknownConnection(_) | ProxyError::NotFound => StatusCode::NOT_FOUND,
            ProxyError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ProxyError::BadMethodOverride => StatusCode::BAD_REQUEST,
            ProxyError::PathTooLong(_) => StatusCode::URI_TOO_LONG,
            ProxyError::CrossSite(_) | ProxyError::NoRole(_) | ProxyError::ReadOnly(_) => {
                StatusCode::FORBIDDEN
            }
            ProxyError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ProxyError::Invalid(_)
            | ProxyError::TooManyUsers { .. }
            | ProxyError::Selection(_)
            | ProxyError::BodyUnreadable(_) => StatusCode::BAD_REQUEST,
            ProxyError::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ProxyError::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            ProxyError::UpstreamUnreachable | ProxyError::UpstreamAnswer(_) => {
                StatusCode::BAD_GATEWAY
            }
            ProxyError::Misconfigured(_) | ProxyError::Internal => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            ProxyError::DomainLookup(..) | ProxyError::UpstreamAuth(..) => StatusCode::BAD_GATEWAY,
        }
    }

    /// The response, carrying the id of the request it answers.
    pub fn into_response_for(self, request_headers: &HeaderMap) -> Response {
        let status = self.status();
        let allow = match &self {
            ProxyError::MethodNotAllowed { allowed, .. } => HeaderValue::from_str(allowed).ok(),
            _ => None,
        };
        let mut body = match self {
            ProxyError::Invalid(errors) => ApiError::from_validation(errors),
            // One error about the request as a whole, with the code a client can act on.
            too_many @ ProxyError::TooManyUsers { .. } => {
                let message = too_many.to_string();
                let mut body = ApiError::new(message.clone());
                body.field_errors
                    .push(FieldError::new("", ErrorCode::TooMany, message));
                body
            }
            other => ApiError::new(other.to_string()),
        };
        body.request_id = request_headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut response = (status, Json(body)).into_response();
        if let Some(allow) = allow {
            response.headers_mut().insert(header::ALLOW, allow);
        }
        response
    }
}

/// `/api/…` paths that match no route get a JSON 404, never the SPA's HTML.
pub(crate) async fn api_not_found(headers: HeaderMap) -> Response {
    ProxyError::NotFound.into_response_for(&headers)
}
