//! The SCIM 2.0 face (RFC 7644): `{base}/scim/v2/{connection}/…`, through which an identity
//! provider (Okta, Microsoft Entra ID) looks up, creates, changes, deactivates and deletes the
//! users of a connection. Authenticated by its own Bearer token, never by the console's
//! session or access mode; every answer is `application/scim+json`, every failure a SCIM
//! error body. What a SCIM User is in each vendor lives in `shared::scim` and the vendors'
//! modules; this module routes, authenticates, and asks the vendor through the one upstream
//! builder ([`vendor`]).

mod users;
mod vendor;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use shared::scim::{self, ScimError, discovery};
use subtle::ConstantTimeEq;

use crate::{AppState, Connection};

/// Who may provision through SCIM, and into which connections (the `[scim]` table).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The identity provider's name, recorded as who made each change (`okta`).
    pub client: String,
    /// The Bearer token the identity provider sends.
    pub token: SecretString,
    /// The connections it may provision, by id.
    pub connections: Vec<String>,
    /// Per connection, vendor fields a SCIM User cannot supply (LivePerson's profiles, agent
    /// group, max chats; CommPeak's required create fields), given to every user it creates.
    pub defaults: HashMap<String, Map<String, Value>>,
}

/// A `[scim]` table the proxy cannot serve.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error("scim.client must be 1-64 characters of letters, digits, '-', '_' or '.'")]
    BadClient,
    #[error("scim: the token is shorter than 16 characters; use a long random one")]
    ShortToken,
    #[error("scim.connections is empty: name the connections the identity provider provisions")]
    NoConnections,
    #[error("scim.connections names \"{0}\", which is no configured connection")]
    UnknownConnection(String),
    #[error(
        "scim.connections names \"{0}\", which does not list its users (its vendor publishes no \
         list, and the connection does not declare one): an identity provider could not look a \
         user up"
    )]
    NoList(String),
    #[error("scim.defaults.{0}: {1}")]
    BadDefaults(String, String),
    #[error("scim.defaults names \"{0}\", which is not among scim.connections")]
    DefaultsOfUnprovisioned(String),
}

impl Settings {
    /// Checks the settings against the configured connections.
    pub fn validate(&self, connections: &[Connection]) -> Result<(), SettingsError> {
        let client_ok = (1..=64).contains(&self.client.len())
            && self
                .client
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !client_ok {
            return Err(SettingsError::BadClient);
        }
        if self.token.expose_secret().chars().count() < 16 {
            return Err(SettingsError::ShortToken);
        }
        if self.connections.is_empty() {
            return Err(SettingsError::NoConnections);
        }
        for id in &self.connections {
            let connection = connections
                .iter()
                .find(|c| &c.id == id)
                .ok_or_else(|| SettingsError::UnknownConnection(id.clone()))?;
            let lists = connection
                .operations()
                .iter()
                .any(|op| op.name == shared::operation::names::LIST_USERS);
            if !lists {
                return Err(SettingsError::NoList(id.clone()));
            }
            let empty = Map::new();
            let defaults = self.defaults.get(id).unwrap_or(&empty);
            if let Some(problem) =
                shared::vendor::scim(connection.kind()).defaults_problem(defaults)
            {
                return Err(SettingsError::BadDefaults(id.clone(), problem));
            }
        }
        if let Some(stray) = self
            .defaults
            .keys()
            .find(|id| !self.connections.contains(id))
        {
            return Err(SettingsError::DefaultsOfUnprovisioned(stray.clone()));
        }
        Ok(())
    }
}

/// What the SCIM routes keep between requests.
pub(crate) struct ScimState {
    client: String,
    /// The token's SHA-256: compared in constant time with the digest of what is sent, so
    /// neither the token's bytes nor its length show in the time an answer takes.
    token_digest: [u8; 32],
    connections: Vec<String>,
    defaults: HashMap<String, Map<String, Value>>,
    /// Each provisioned connection's list as last read: reused while the vendor's revision
    /// says it holds, and shared by the lookups that arrive while it is read.
    lists: HashMap<String, vendor::ListCache>,
    /// One SCIM write per connection at a time (on this replica): an identity provider
    /// pushing users in parallel would otherwise move a LivePerson account's revision under
    /// its own writes, each then read and sent again.
    writes: HashMap<String, tokio::sync::Mutex<()>>,
}

impl ScimState {
    pub(crate) fn new(settings: Settings) -> Self {
        let lists = settings
            .connections
            .iter()
            .map(|id| (id.clone(), vendor::ListCache::default()))
            .collect();
        let writes = settings
            .connections
            .iter()
            .map(|id| (id.clone(), tokio::sync::Mutex::new(())))
            .collect();
        Self {
            writes,
            client: settings.client,
            token_digest: Sha256::digest(settings.token.expose_secret().as_bytes()).into(),
            connections: settings.connections,
            defaults: settings.defaults,
            lists,
        }
    }

    fn authorised(&self, headers: &HeaderMap) -> bool {
        let Some(token) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
        else {
            return false;
        };
        let sent: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        sent.ct_eq(&self.token_digest).into()
    }
}

/// The routes' one handler: `/scim` and everything under it, so that no path there ever gets
/// the console's page or its JSON errors.
/// A `HEAD` is answered as its `GET`: the server sends the headers alone, its length
/// included.
pub(crate) async fn handle(State(state): State<Arc<AppState>>, request: Request) -> Response {
    match answer(&state, request).await {
        Ok(response) => response,
        Err(error) => error_response(&error),
    }
}

/// A SCIM error as its answer.
pub(crate) fn error_response(error: &ScimError) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = json(status, &error.body());
    if let Some(seconds) = error.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"scim\""),
        );
    }
    response
}

/// A SCIM JSON answer.
pub(crate) fn json(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(scim::CONTENT_TYPE),
        )],
        bytes,
    )
        .into_response()
}

/// What a SCIM path names below `/scim/v2/{connection}`.
#[derive(Debug, PartialEq, Eq)]
enum Endpoint {
    ServiceProviderConfig,
    ResourceTypes,
    ResourceType(String),
    Schemas,
    Schema(String),
    Users,
    Search,
    User(String),
}

impl Endpoint {
    fn parse(segments: &[String]) -> Option<Self> {
        Some(match segments {
            [one] if one == "ServiceProviderConfig" => Self::ServiceProviderConfig,
            [one] if one == "ResourceTypes" => Self::ResourceTypes,
            [one, id] if one == "ResourceTypes" => Self::ResourceType(id.clone()),
            [one] if one == "Schemas" => Self::Schemas,
            [one, id] if one == "Schemas" => Self::Schema(id.clone()),
            [one] if one == "Users" => Self::Users,
            // The root's search (RFC 7644 §3.4.3) is the Users' search: User is the one
            // resource type.
            [search] if search == ".search" => Self::Search,
            [one, search] if one == "Users" && search == ".search" => Self::Search,
            [one, id] if one == "Users" && !id.is_empty() => Self::User(id.clone()),
            _ => return None,
        })
    }

    fn allowed(&self) -> &'static str {
        match self {
            Self::Users => "GET, HEAD, POST",
            Self::Search => "POST",
            Self::User(_) => "GET, HEAD, PUT, PATCH, DELETE",
            _ => "GET, HEAD",
        }
    }
}

/// The connection and the endpoint a request path names, decoded: `None` when it names none.
/// Under a base path the router has taken the prefix off already (a nested router's request
/// is relative); a full path is taken too.
fn route(path: &str, base_path: &str) -> Option<(String, Vec<String>)> {
    let path = path
        .strip_prefix(base_path)
        .filter(|p| p.starts_with("/scim/"))
        .unwrap_or(path);
    let rest = path.strip_prefix("/scim/v2/")?;
    let mut segments = rest.split('/').map(|segment| {
        percent_decode_str(segment)
            .decode_utf8()
            .ok()
            .map(|s| s.into_owned())
    });
    let connection = segments.next()??;
    // A base URL pasted with its trailing slash, then joined with "/Users", names the same
    // endpoint: empty segments name nothing.
    let segments: Option<Vec<String>> = segments
        .filter(|s| s.as_ref().is_none_or(|s| !s.is_empty()))
        .collect();
    Some((connection, segments?))
}

async fn answer(state: &Arc<AppState>, request: Request) -> Result<Response, ScimError> {
    let Some(scim_state) = state.scim.as_ref() else {
        return Err(ScimError::not_found(
            "SCIM is not enabled on this console: its operator configures a [scim] table.",
        ));
    };
    // Authenticated before anything else is looked at: an unknown client learns nothing of
    // which connections or paths exist.
    if !scim_state.authorised(request.headers()) {
        return Err(ScimError::new(
            401,
            None,
            "Authentication required: send the SCIM token this console's operator configured, \
             as \"Authorization: Bearer <token>\".",
        ));
    }
    let path = request.uri().path().to_owned();
    let Some((connection_id, segments)) = route(&path, &state.base_path) else {
        return Err(ScimError::not_found(
            "No such SCIM endpoint: the base URL is {base}/scim/v2/{connection}/.",
        ));
    };
    let connection = state
        .connections
        .iter()
        .find(|c| c.id == connection_id)
        .filter(|c| scim_state.connections.contains(&c.id))
        .ok_or_else(|| {
            ScimError::not_found(format!(
                "No connection named \"{connection_id}\" is provisioned through SCIM here."
            ))
        })?;
    let Some(endpoint) = Endpoint::parse(&segments) else {
        return Err(ScimError::not_found(format!(
            "No such SCIM endpoint: /{}. This connection serves ServiceProviderConfig, \
             ResourceTypes, Schemas and Users.",
            segments.join("/")
        )));
    };
    let method = request.method().clone();
    let read = method == Method::GET || method == Method::HEAD;
    let kind = connection.kind();
    let etag = shared::vendor::description(kind).revision.is_some();
    let mapping = shared::vendor::scim(kind);
    let base_url = base_url(request.headers(), &state.base_path, &connection.id);
    let located = |mut document: Value| {
        locate(&mut document, &base_url);
        json(StatusCode::OK, &document)
    };
    let context = users::Context {
        state,
        scim: scim_state,
        connection,
        base_url: &base_url,
        request_id: request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    match (endpoint, read) {
        (Endpoint::ServiceProviderConfig, true) => {
            Ok(located(discovery::service_provider_config(etag)))
        }
        (Endpoint::ResourceTypes, true) => Ok(located(discovery::resource_types())),
        (Endpoint::ResourceType(id), true) if id == "User" => {
            Ok(located(discovery::resource_type()))
        }
        (Endpoint::Schemas, true) => Ok(located(discovery::schemas(mapping))),
        (Endpoint::Schema(id), true) if id == scim::USER_SCHEMA => {
            Ok(located(discovery::schema(mapping)))
        }
        (Endpoint::ResourceType(id) | Endpoint::Schema(id), true) => Err(ScimError::not_found(
            format!("No resource type or schema \"{id}\" here: only User."),
        )),
        (Endpoint::Users, true) => context.list(request.uri().query()).await,
        (Endpoint::Users, false) if method == Method::POST => {
            let body = body(state, request).await?;
            context.create(&body).await
        }
        (Endpoint::Search, false) if method == Method::POST => {
            let body = body(state, request).await?;
            context.search(&body).await
        }
        (Endpoint::User(id), true) => context.get(&id, request.uri().query()).await,
        (Endpoint::User(id), false) if method == Method::PUT => {
            let if_match = if_match(request.headers());
            let body = body(state, request).await?;
            context.replace(&id, &body, if_match.as_deref()).await
        }
        (Endpoint::User(id), false) if method == Method::PATCH => {
            let if_match = if_match(request.headers());
            let body = body(state, request).await?;
            context.patch(&id, &body, if_match.as_deref()).await
        }
        (Endpoint::User(id), false) if method == Method::DELETE => {
            let if_match = if_match(request.headers());
            context.delete(&id, if_match.as_deref()).await
        }
        (endpoint, _) => {
            let mut response = error_response(&ScimError::new(
                405,
                None,
                format!(
                    "/{} does not accept {method}; it accepts {}.",
                    segments.join("/"),
                    endpoint.allowed()
                ),
            ));
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(endpoint.allowed()));
            Ok(response)
        }
    }
}

/// What RFC 3986 leaves unencoded in a path segment that names data: letters, digits and
/// `- . _ ~` (identity providers may compare locations as strings, so nothing more is
/// encoded than must be).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `text` as one path segment: never `.` or `..`, which a client would resolve away.
fn segment(text: &str) -> String {
    match text {
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        _ => percent_encoding::utf8_percent_encode(text, SEGMENT).to_string(),
    }
}

/// `lock`, waited for no longer than a request may take: past that, 503 and when to try
/// again, rather than a client that times out not knowing whether it was served.
async fn in_turn<'a>(
    lock: &'a tokio::sync::Mutex<()>,
    state: &AppState,
) -> Result<tokio::sync::MutexGuard<'a, ()>, ScimError> {
    tokio::time::timeout_at(state.vendor.deadline_from_now(), lock.lock())
        .await
        .map_err(|_| {
            ScimError::new(
                503,
                None,
                "Other requests to this connection are still being answered; try again shortly.",
            )
            .retry_after(5)
        })
}

fn if_match(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn body(state: &AppState, request: Request) -> Result<axum::body::Bytes, ScimError> {
    crate::forward::read_body(request.into_body(), state.body_limit)
        .await
        .map_err(|e| match e {
            crate::ProxyError::BodyTooLarge(limit) => ScimError::new(
                413,
                None,
                format!("The request body is larger than the limit of {limit} bytes."),
            ),
            other => ScimError::bad(scim::ScimType::InvalidSyntax, other.to_string()),
        })
}

/// The connection's SCIM base URL as the client reached it (`meta.location` is absolute): the
/// `Host` it asked, over https when a gateway says so.
fn base_url(headers: &HeaderMap, base_path: &str, connection: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        Some(proto) if proto.trim().eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    let connection = segment(connection);
    format!("{scheme}://{host}{base_path}/scim/v2/{connection}")
}

/// Sets `meta.location` of a discovery document, and of each resource of a list of them.
fn locate(document: &mut Value, base_url: &str) {
    let relative = |meta: &mut Value| {
        if let Some(location) = meta.get("location").and_then(Value::as_str)
            && location.starts_with('/')
        {
            meta["location"] = Value::String(format!("{base_url}{location}"));
        }
    };
    if let Some(meta) = document.get_mut("meta") {
        relative(meta);
    }
    if let Some(Value::Array(resources)) = document.get_mut("Resources") {
        for resource in resources {
            if let Some(meta) = resource.get_mut("meta") {
                relative(meta);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_a_connection_and_an_endpoint() {
        for (path, expected) in [
            ("/scim/v2/lp/Users", Some(("lp", Some(Endpoint::Users)))),
            (
                "/scim/v2/lp/Users/.search",
                Some(("lp", Some(Endpoint::Search))),
            ),
            (
                "/scim/v2/tt/Users/jane.doe",
                Some(("tt", Some(Endpoint::User("jane.doe".into())))),
            ),
            (
                "/scim/v2/tt/Users/jane%20doe",
                Some(("tt", Some(Endpoint::User("jane doe".into())))),
            ),
            (
                "/scim/v2/lp/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
                Some(("lp", Some(Endpoint::Schema(scim::USER_SCHEMA.into())))),
            ),
            ("/scim/v2/lp/", Some(("lp", None))),
            ("/scim/v2/lp//Users", Some(("lp", Some(Endpoint::Users)))),
            ("/scim/v2/lp/Users/", Some(("lp", Some(Endpoint::Users)))),
            ("/scim/v2/lp/Groups", Some(("lp", None))),
            ("/scim/v1/lp/Users", None),
            ("/scim/v2/", Some(("", None))),
        ] {
            let found = route(path, "")
                .map(|(connection, segments)| (connection, Endpoint::parse(&segments)));
            let found = found
                .as_ref()
                .map(|(connection, endpoint)| (connection.as_str(), endpoint.as_ref()));
            let expected = expected.as_ref().map(|(c, e)| (*c, e.as_ref()));
            assert_eq!(found, expected, "{path}");
        }
    }

    #[test]
    fn ids_are_encoded_as_little_as_a_path_segment_allows() {
        for (id, segment_of) in [
            ("4100000001", "4100000001"),
            ("jane.doe", "jane.doe"),
            ("a-b_c~d", "a-b_c~d"),
            ("a/b", "a%2Fb"),
            ("a b@c", "a%20b%40c"),
            (".", "%2E"),
            ("..", "%2E%2E"),
            ("é", "%C3%A9"),
        ] {
            assert_eq!(segment(id), segment_of, "{id}");
            let encoded = segment(id);
            assert_eq!(percent_decode_str(&encoded).decode_utf8().unwrap(), id);
        }
    }

    #[test]
    fn only_the_configured_token_authorises() {
        let state = ScimState::new(Settings {
            client: "okta".into(),
            token: SecretString::from("a-long-random-token-0123456789"),
            connections: vec!["lp".into()],
            defaults: HashMap::new(),
        });
        for (authorization, expected) in [
            (Some("Bearer a-long-random-token-0123456789"), true),
            (Some("bearer  a-long-random-token-0123456789 "), true),
            (Some("Bearer a-long-random-token-012345678"), false),
            (Some("Basic a-long-random-token-0123456789"), false),
            (Some("a-long-random-token-0123456789"), false),
            (Some("Bearer "), false),
            (None, false),
        ] {
            let mut headers = HeaderMap::new();
            if let Some(value) = authorization {
                headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            }
            assert_eq!(state.authorised(&headers), expected, "{authorization:?}");
        }
    }

    #[test]
    fn base_urls_follow_the_host_asked_and_the_gateway_scheme() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::HOST,
            HeaderValue::from_static("console.example:8443"),
        );
        assert_eq!(
            base_url(&headers, "/admin", "lp"),
            "http://console.example:8443/admin/scim/v2/lp"
        );
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(
            base_url(&headers, "", "lp"),
            "https://console.example:8443/scim/v2/lp"
        );
        headers.insert(header::HOST, HeaderValue::from_static("evil/\"x"));
        assert_eq!(base_url(&headers, "", "lp"), "https://localhost/scim/v2/lp");
    }
}
