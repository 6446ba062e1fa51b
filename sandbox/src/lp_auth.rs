//! LivePerson's three ways to authenticate an account-config call (`users-apis.md` §1.8), as
//! the sandbox checks them: a static Bearer token (user login), OAuth 1.0 HMAC-SHA1 signed
//! requests (app keys), and OAuth 2.0 client-credentials tokens that the emulated Sentinel
//! issues with an expiry. Also the emulated CSDS domain lookup (§1.3).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use shared::liveperson::ops;
use subtle::ConstantTimeEq;

/// An app key pair installed on the account (Campaign Builder → Data Sources → API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppKey {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub token: String,
    pub token_secret: String,
}

/// An OAuth 2.0 client of an App Installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret: String,
}

/// How far an OAuth 1.0 `oauth_timestamp` may be from the sandbox's clock.
const CLOCK_SKEW: Duration = Duration::from_secs(300);
/// How many recent nonces are remembered to refuse a replayed signed request.
const REMEMBERED_NONCES: usize = 10_000;

/// Everything the account's authentication needs, shared by its routes.
pub struct Accounts {
    pub account_id: String,
    pub bearer_token: String,
    pub app_keys: Vec<AppKey>,
    pub oauth_clients: Vec<OAuthClient>,
    pub token_lifetime: Duration,
    issued: Mutex<HashMap<String, SystemTime>>,
    nonces: Mutex<VecDeque<String>>,
}

/// Why a call is refused (401), in words a developer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("Authentication failed: no Authorization header (Bearer or OAuth).")]
    Missing,
    #[error("Authentication failed: invalid Bearer token.")]
    BadBearer,
    #[error("Authentication failed: the OAuth 2.0 token has expired; ask Sentinel for a new one.")]
    Expired,
    #[error("Authentication failed: malformed OAuth 1.0 header ({0}).")]
    Malformed(String),
    #[error("Authentication failed: only HMAC-SHA1 signatures are accepted, not {0}.")]
    SignatureMethod(String),
    #[error("Authentication failed: unknown app key or access token.")]
    UnknownKey,
    #[error(
        "Authentication failed: oauth_timestamp is more than 5 minutes from the server's clock."
    )]
    Timestamp,
    #[error("Authentication failed: this oauth_nonce was already used.")]
    Replayed,
    #[error("Authentication failed: the OAuth 1.0 signature does not match the request.")]
    BadSignature,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn same(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The `key="value"` pairs of an `Authorization: OAuth …` header, percent-decoded.
fn oauth_params(header: &str) -> Result<HashMap<String, String>, AuthError> {
    let mut params = HashMap::new();
    for part in header.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| AuthError::Malformed(format!("\"{part}\" is not key=\"value\"")))?;
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or_else(|| AuthError::Malformed(format!("the value of {key} is not quoted")))?;
        let value = percent_encoding::percent_decode_str(value)
            .decode_utf8()
            .map_err(|_| AuthError::Malformed(format!("the value of {key} is not UTF-8")))?;
        params.insert(key.trim().to_owned(), value.into_owned());
    }
    Ok(params)
}

impl Accounts {
    pub fn new(
        account_id: String,
        bearer_token: String,
        app_keys: Vec<AppKey>,
        oauth_clients: Vec<OAuthClient>,
        token_lifetime: Duration,
    ) -> Self {
        Self {
            account_id,
            bearer_token,
            app_keys,
            oauth_clients,
            token_lifetime,
            issued: Mutex::new(HashMap::new()),
            nonces: Mutex::new(VecDeque::new()),
        }
    }

    /// Checks a request's credentials. `host` is the `Host` it was sent to, which the
    /// signature base string includes.
    pub fn check(
        &self,
        method: &Method,
        host: &str,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<(), AuthError> {
        let value = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(AuthError::Missing)?;
        if let Some(token) = value.strip_prefix("Bearer ") {
            return self.check_bearer(token);
        }
        if let Some(params) = value.strip_prefix("OAuth ") {
            return self.check_signature(method, host, uri, &oauth_params(params)?);
        }
        Err(AuthError::Missing)
    }

    fn check_bearer(&self, token: &str) -> Result<(), AuthError> {
        if same(token, &self.bearer_token) {
            return Ok(());
        }
        let issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        match issued.iter().find(|(t, _)| same(t, token)) {
            Some((_, expiry)) if *expiry > SystemTime::now() => Ok(()),
            Some(_) => Err(AuthError::Expired),
            None => Err(AuthError::BadBearer),
        }
    }

    fn check_signature(
        &self,
        method: &Method,
        host: &str,
        uri: &Uri,
        params: &HashMap<String, String>,
    ) -> Result<(), AuthError> {
        let get = |name: &str| {
            params
                .get(name)
                .map(String::as_str)
                .ok_or_else(|| AuthError::Malformed(format!("no {name}")))
        };
        let signature_method = get("oauth_signature_method")?;
        if signature_method != "HMAC-SHA1" {
            return Err(AuthError::SignatureMethod(signature_method.to_owned()));
        }
        let (consumer_key, token) = (get("oauth_consumer_key")?, get("oauth_token")?);
        let key = self
            .app_keys
            .iter()
            .find(|k| same(&k.consumer_key, consumer_key) && same(&k.token, token))
            .ok_or(AuthError::UnknownKey)?;
        let timestamp: u64 = get("oauth_timestamp")?
            .parse()
            .map_err(|_| AuthError::Malformed("oauth_timestamp is not a number".into()))?;
        if now_secs().abs_diff(timestamp) > CLOCK_SKEW.as_secs() {
            return Err(AuthError::Timestamp);
        }
        let nonce = get("oauth_nonce")?;

        // Sign the request as received with the same nonce and timestamp, and compare.
        let query: Vec<(String, String)> =
            url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        let base_uri = format!("http://{}{}", host.to_ascii_lowercase(), uri.path());
        let mut builder = oauth1_request::Builder::new(
            oauth1_request::Credentials::new(
                key.consumer_key.as_str(),
                key.consumer_secret.as_str(),
            ),
            oauth1_request::HMAC_SHA1,
        );
        builder
            .token(oauth1_request::Credentials::new(
                key.token.as_str(),
                key.token_secret.as_str(),
            ))
            .nonce(nonce)
            .timestamp(std::num::NonZeroU64::new(timestamp));
        let expected = builder.authorize(
            method.as_str(),
            base_uri,
            &oauth1_request::ParameterList::new(query),
        );
        let expected = oauth_params(expected.trim_start_matches("OAuth "))?;
        let given = get("oauth_signature")?;
        if !same(
            expected.get("oauth_signature").map_or("", String::as_str),
            given,
        ) {
            return Err(AuthError::BadSignature);
        }
        let mut nonces = self.nonces.lock().unwrap_or_else(|p| p.into_inner());
        let remembered = format!("{consumer_key}:{timestamp}:{nonce}");
        if nonces.contains(&remembered) {
            return Err(AuthError::Replayed);
        }
        if nonces.len() == REMEMBERED_NONCES {
            nonces.pop_front();
        }
        nonces.push_back(remembered);
        Ok(())
    }

    /// Forgets every token issued, so each is refused from now on; how many there were.
    pub fn revoke_tokens(&self) -> usize {
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        let revoked = issued.len();
        issued.clear();
        revoked
    }

    /// Issues an access token for a known client; unknown clients get `None`.
    fn issue(&self, client_id: &str, client_secret: &str) -> Option<String> {
        self.oauth_clients
            .iter()
            .any(|c| same(&c.client_id, client_id) && same(&c.client_secret, client_secret))
            .then(|| {
                let token = format!("lp2.{}", uuid::Uuid::new_v4().simple());
                let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
                let now = SystemTime::now();
                issued.retain(|_, expiry| *expiry > now);
                issued.insert(token.clone(), now + self.token_lifetime);
                token
            })
    }
}

/// The sandbox's own control (no proxy forwards to it): `DELETE` revokes every OAuth 2.0
/// token Sentinel issued, as an administrator revoking an app's access would; a request that
/// carries one is then refused (401), and Sentinel issues new ones as before.
pub const REVOKE_TOKENS_PATH: &str = "/_sandbox/tokens";

/// Sentinel and CSDS routes (no account-config authentication of their own), and the
/// control that revokes tokens.
pub fn router(accounts: Arc<Accounts>) -> Router {
    Router::new()
        .route(
            REVOKE_TOKENS_PATH,
            axum::routing::delete(|State(accounts): State<Arc<Accounts>>| async move {
                let revoked = accounts.revoke_tokens();
                Json(json!({ "revoked": revoked }))
            }),
        )
        .route(ops::SENTINEL_TOKEN_ROUTE, axum::routing::post(token))
        .route(ops::CSDS_SERVICE_ROUTE, axum::routing::get(csds_one))
        .route(ops::CSDS_ALL_ROUTE, axum::routing::get(csds_all))
        .with_state(accounts)
}

#[derive(Debug, Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// RFC 6749 §5.2 error answer.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// `POST …/app/token` with `grant_type=client_credentials&client_id=…&client_secret=…`.
async fn token(
    State(accounts): State<Arc<Accounts>>,
    Path(account_id): Path<String>,
    Form(request): Form<TokenRequest>,
) -> Response {
    if account_id != accounts.account_id {
        return oauth_error(StatusCode::NOT_FOUND, "invalid_request", "Unknown account.");
    }
    if request.grant_type.as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only grant_type=client_credentials is supported.",
        );
    }
    let (Some(id), Some(secret)) = (request.client_id, request.client_secret) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id and client_secret are required.",
        );
    };
    match accounts.issue(&id, &secret) {
        Some(access_token) => Json(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": accounts.token_lifetime.as_secs(),
        }))
        .into_response(),
        None => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Unknown client_id or wrong client_secret.",
        ),
    }
}

#[derive(Debug, Deserialize)]
struct CsdsQuery {
    version: Option<String>,
}

/// The services the sandbox answers for; all live on the sandbox's own address.
const SERVICES: [&str; 4] = [
    ops::SERVICE_READ_ONLY,
    ops::SERVICE_READ_WRITE,
    ops::SERVICE_SENTINEL,
    ops::SERVICE_AGENT_VEP,
];

/// Why a CSDS lookup is refused: its status and message.
fn csds_check(
    accounts: &Accounts,
    account_id: &str,
    query: &CsdsQuery,
) -> Result<(), (StatusCode, Json<serde_json::Value>)> {
    if query.version.as_deref() != Some(ops::CSDS_VERSION) {
        return Err((
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "Query parameter version=1.0 is required."})),
        ));
    }
    if account_id != accounts.account_id {
        return Err((
            StatusCode::NOT_FOUND,
            Json(json!({"message": format!("Unknown account {account_id}.")})),
        ));
    }
    Ok(())
}

/// `baseURI` is a host (and port) without a scheme, as the vendor answers; the sandbox's is
/// plain HTTP, so a client keeps the scheme of the CSDS URL it was given.
fn base_uri(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned()
}

async fn csds_one(
    State(accounts): State<Arc<Accounts>>,
    Path((account_id, service)): Path<(String, String)>,
    Query(query): Query<CsdsQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = csds_check(&accounts, &account_id, &query) {
        return refused.into_response();
    }
    // Service names are case sensitive (§1.3).
    if !SERVICES.contains(&service.as_str()) {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"message": format!("Unknown service \"{service}\" (names are case sensitive).")})),
        )
            .into_response();
    }
    Json(json!({"service": service, "account": account_id, "baseURI": base_uri(&headers)}))
        .into_response()
}

async fn csds_all(
    State(accounts): State<Arc<Accounts>>,
    Path(account_id): Path<String>,
    Query(query): Query<CsdsQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = csds_check(&accounts, &account_id, &query) {
        return refused.into_response();
    }
    let base = base_uri(&headers);
    let all: Vec<_> = SERVICES
        .iter()
        .map(|service| json!({"service": service, "account": account_id, "baseURI": base}))
        .collect();
    Json(json!({"baseURIs": all})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Accounts {
        Accounts::new(
            "123".into(),
            "static".into(),
            vec![AppKey {
                consumer_key: "ck".into(),
                consumer_secret: "cs".into(),
                token: "tk".into(),
                token_secret: "ts".into(),
            }],
            vec![OAuthClient {
                client_id: "id".into(),
                client_secret: "secret".into(),
            }],
            Duration::from_secs(60),
        )
    }

    fn signed(
        key: (&str, &str, &str, &str),
        method: &str,
        url: &str,
        timestamp: u64,
        nonce: &str,
    ) -> HeaderMap {
        let uri: Uri = url.parse().unwrap();
        let query: Vec<(String, String)> =
            url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        let mut builder = oauth1_request::Builder::new(
            oauth1_request::Credentials::new(key.0, key.1),
            oauth1_request::HMAC_SHA1,
        );
        builder
            .token(oauth1_request::Credentials::new(key.2, key.3))
            .nonce(nonce)
            .timestamp(std::num::NonZeroU64::new(timestamp));
        let header = builder.authorize(
            method,
            format!("http://sandbox.test{}", uri.path()),
            &oauth1_request::ParameterList::new(query),
        );
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, header.parse().unwrap());
        headers
    }

    #[test]
    fn oauth1_signatures() {
        let accounts = accounts();
        let url = "/api/account/123/configuration/le-users/users?v=4.0&select=id,loginName";
        let uri: Uri = url.parse().unwrap();
        let key = ("ck", "cs", "tk", "ts");
        let now = now_secs();
        let check = |headers: &HeaderMap, method: &Method, uri: &Uri| {
            accounts.check(method, "sandbox.test", uri, headers)
        };
        let good = signed(key, "GET", url, now, "n1");
        assert_eq!(check(&good, &Method::GET, &uri), Ok(()));
        assert_eq!(check(&good, &Method::GET, &uri), Err(AuthError::Replayed));
        for (case, headers, method, target, expected) in [
            (
                "other method",
                signed(key, "GET", url, now, "n2"),
                Method::PUT,
                url,
                AuthError::BadSignature,
            ),
            (
                "other query",
                signed(key, "GET", url, now, "n3"),
                Method::GET,
                "/api/account/123/configuration/le-users/users?v=6.0&select=id,loginName",
                AuthError::BadSignature,
            ),
            (
                "wrong secret",
                signed(("ck", "bad", "tk", "ts"), "GET", url, now, "n4"),
                Method::GET,
                url,
                AuthError::BadSignature,
            ),
            (
                "unknown key",
                signed(("other", "cs", "tk", "ts"), "GET", url, now, "n5"),
                Method::GET,
                url,
                AuthError::UnknownKey,
            ),
            (
                "old timestamp",
                signed(key, "GET", url, now - 600, "n6"),
                Method::GET,
                url,
                AuthError::Timestamp,
            ),
        ] {
            let target: Uri = target.parse().unwrap();
            assert_eq!(check(&headers, &method, &target), Err(expected), "{case}");
        }
        let mut plaintext = HeaderMap::new();
        plaintext.insert(
            header::AUTHORIZATION,
            "OAuth oauth_signature_method=\"PLAINTEXT\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            check(&plaintext, &Method::GET, &uri),
            Err(AuthError::SignatureMethod("PLAINTEXT".into()))
        );
    }

    #[test]
    fn oauth2_tokens_expire() {
        let mut accounts = accounts();
        assert_eq!(accounts.issue("id", "wrong"), None);
        let token = accounts.issue("id", "secret").unwrap();
        assert_eq!(accounts.check_bearer(&token), Ok(()));
        assert_eq!(accounts.check_bearer("static"), Ok(()));
        assert_eq!(accounts.check_bearer("nope"), Err(AuthError::BadBearer));
        accounts.token_lifetime = Duration::ZERO;
        let expired = accounts.issue("id", "secret").unwrap();
        assert_eq!(accounts.check_bearer(&expired), Err(AuthError::Expired));
    }

    #[test]
    fn revoked_tokens_are_refused_and_new_ones_issued() {
        let accounts = accounts();
        let token = accounts.issue("id", "secret").unwrap();
        assert_eq!(accounts.revoke_tokens(), 1);
        assert_eq!(accounts.check_bearer(&token), Err(AuthError::BadBearer));
        assert_eq!(
            accounts.check_bearer("static"),
            Ok(()),
            "not a token it issued"
        );
        let fresh = accounts.issue("id", "secret").unwrap();
        assert_eq!(accounts.check_bearer(&fresh), Ok(()));
    }
}
