//! Connections to the vendors: where each one is and the credential the proxy adds.

use axum::http::HeaderValue;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use shared::operation::OperationSpec;
use shared::trintech::ops as trintech_ops;
use shared::{ConnectionInfo, VendorKind};
use url::Url;

/// One upstream Users API the console can administer.
#[derive(Debug, Clone)]
pub struct Connection {
    pub id: String,
    pub label: String,
    pub upstream: Upstream,
    /// How many users the console sends per write request.
    pub chunk_size: usize,
    /// The most users one write request may carry (a list of users or of ids); a request
    /// with more is refused whole (400) before any record is checked. `None`: the vendor's
    /// default ([`shared::description::MaxUsers`]: Trintech's documented 1000, 1000 for the
    /// others). At least `chunk_size`, so the console's own chunks always pass.
    pub max_users: Option<usize>,
}

/// Users per write request when a connection says nothing: LivePerson publishes no cap
/// (decisions: batch limits).
pub const DEFAULT_CHUNK_SIZE: usize = 100;

/// Where a connection's vendor is and the credential the proxy adds for it. Never logged,
/// never returned: the `Debug` of a secret prints `[REDACTED]`.
#[derive(Debug, Clone)]
pub enum Upstream {
    Liveperson(LivepersonUpstream),
    Trintech(TrintechUpstream),
    Commpeak(CommpeakUpstream),
}

/// A LivePerson account's Users API.
#[derive(Debug, Clone)]
pub struct LivepersonUpstream {
    pub domain: Domain,
    pub account_id: String,
    /// The `v` sent when the browser gives none.
    pub version: String,
    pub auth: LivepersonAuth,
    /// Send PUT and DELETE as POST with `X-HTTP-Method-Override` (for a path to the vendor
    /// that passes only POST).
    pub method_override: bool,
    /// The account's profiles, shown to the console (see [`shared::liveperson::Profile`]).
    pub profiles: Vec<shared::liveperson::Profile>,
}

/// Where a LivePerson account's account-config API is.
#[derive(Debug, Clone)]
pub enum Domain {
    /// A known domain, e.g. `https://va.ac.liveperson.net`.
    Fixed(Url),
    /// Looked up (and cached) from the domain API, e.g. `https://api.liveperson.net`; the
    /// answer's host is used with this URL's scheme.
    Csds(Url),
}

/// How the proxy authenticates to LivePerson (`users-apis.md` §1.8).
#[derive(Debug, Clone)]
pub enum LivepersonAuth {
    /// `Authorization: Bearer …` with a static token.
    Bearer(SecretString),
    /// OAuth 1.0 app keys: every request signed with HMAC-SHA1, its query included.
    OAuth1 {
        consumer_key: String,
        consumer_secret: SecretString,
        token: String,
        token_secret: SecretString,
    },
    /// OAuth 2.0 client credentials: a token from Sentinel, cached and refreshed before it
    /// expires.
    OAuth2 {
        client_id: String,
        client_secret: SecretString,
        /// Sentinel's address; looked up with CSDS when not given.
        sentinel: Option<Url>,
    },
}

/// A Trintech IAM tenant.
#[derive(Debug, Clone)]
pub struct TrintechUpstream {
    /// The tenant's API root; `/users` is appended.
    pub base_url: Url,
    /// Sent as `Authorization: Bearer …`.
    pub bearer_token: SecretString,
    /// The tenant answers `GET /users` (the vendor publishes no list endpoint, so only a
    /// connection that declares one gets the list forwarded).
    pub has_list: bool,
}

/// A CommPeak tenant (`https://{tenant}.td.commpeak.com`).
#[derive(Debug, Clone)]
pub struct CommpeakUpstream {
    pub base_url: Url,
    /// The API user of Settings → API Management; sent with HTTP Basic auth.
    pub username: String,
    pub password: SecretString,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("connection id \"{0}\" must be 1-64 characters of a-z, 0-9, '-' or '_'")]
    InvalidId(String),
    #[error("connection \"{0}\": account id \"{1}\" must be letters and digits only")]
    InvalidAccountId(String, String),
    #[error("connection \"{0}\": base URL {1} must be http(s) with no query or fragment")]
    InvalidBaseUrl(String, Url),
    #[error("connection \"{0}\": the {1} is empty")]
    EmptySecret(String, &'static str),
    #[error(
        "connection \"{0}\": the {1} contains characters an HTTP header cannot carry \
         (a line break or control character?)"
    )]
    NotHeaderSafe(String, &'static str),
    #[error("connection \"{0}\": the CommPeak user name must not be empty or contain ':'")]
    InvalidBasicUser(String),
    #[error(
        "connection \"{0}\": OAuth 2.0 needs Sentinel's address: set it, or look the domain up \
         with CSDS"
    )]
    NoSentinel(String),
    #[error("connection \"{0}\": the {1} is empty")]
    EmptyField(String, &'static str),
    #[error("two connections have the id \"{0}\"")]
    DuplicateId(String),
    #[error("connection \"{0}\": chunk_size must be at least 1")]
    NoChunk(String),
    #[error(
        "connection \"{id}\": max_users_per_request ({max_users}) must be at least chunk_size \
         ({chunk_size}), or the console's own chunks would be refused"
    )]
    MaxUsersBelowChunk {
        id: String,
        max_users: usize,
        chunk_size: usize,
    },
    #[error(
        "connection \"{id}\": max_users_per_request ({max_users}) is above the {ceiling} users \
         the vendor documents as its limit per request"
    )]
    MaxUsersAboveVendor {
        id: String,
        max_users: usize,
        ceiling: usize,
    },
}

impl Upstream {
    pub fn kind(&self) -> VendorKind {
        match self {
            Upstream::Liveperson(_) => VendorKind::Liveperson,
            Upstream::Trintech(_) => VendorKind::Trintech,
            Upstream::Commpeak(_) => VendorKind::Commpeak,
        }
    }

    /// The configured address: the base URL, or for LivePerson the fixed domain or the
    /// domain API it is looked up from.
    pub fn configured_url(&self) -> &Url {
        match self {
            Upstream::Liveperson(lp) => match &lp.domain {
                Domain::Fixed(url) | Domain::Csds(url) => url,
            },
            Upstream::Trintech(tt) => &tt.base_url,
            Upstream::Commpeak(cp) => &cp.base_url,
        }
    }

    /// The value of `{accountId}` in the vendor's paths (LivePerson only).
    pub fn account_id(&self) -> &str {
        match self {
            Upstream::Liveperson(lp) => &lp.account_id,
            Upstream::Trintech(_) | Upstream::Commpeak(_) => "",
        }
    }
}

impl Connection {
    pub fn kind(&self) -> VendorKind {
        self.upstream.kind()
    }

    /// The most users one write request may carry: configured, or the vendor's default.
    pub fn max_users(&self) -> usize {
        self.max_users.unwrap_or_else(|| {
            shared::vendor::description(self.kind())
                .max_users
                .default_limit()
        })
    }

    /// Does this connection send PUT and DELETE as POST with `X-HTTP-Method-Override`?
    pub fn uses_method_override(&self) -> bool {
        matches!(&self.upstream, Upstream::Liveperson(lp) if lp.method_override)
    }

    /// The operations this connection forwards: the vendor's table, minus an unpublished
    /// operation the connection does not declare.
    pub fn operations(&self) -> Vec<&'static OperationSpec> {
        shared::vendor::operations(self.kind())
            .iter()
            .filter(|op| !op.optional || self.declares(op))
            .collect()
    }

    fn declares(&self, operation: &OperationSpec) -> bool {
        match &self.upstream {
            Upstream::Trintech(tt) => tt.has_list && operation.name == trintech_ops::LIST_USERS,
            Upstream::Liveperson(_) | Upstream::Commpeak(_) => false,
        }
    }

    /// What the browser may see of this connection.
    pub fn info(&self) -> ConnectionInfo {
        ConnectionInfo {
            id: self.id.clone(),
            kind: self.kind(),
            label: self.label.clone(),
            operations: self
                .operations()
                .iter()
                .map(|op| op.name.to_owned())
                .collect(),
            chunk_size: self.chunk_size,
            profiles: match &self.upstream {
                Upstream::Liveperson(lp) => lp.profiles.clone(),
                Upstream::Trintech(_) | Upstream::Commpeak(_) => Vec::new(),
            },
        }
    }

    /// Refuses a connection whose values could not safely be spliced into an upstream URL or
    /// header.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !shared::connection::is_valid_connection_id(&self.id) {
            return Err(ConfigError::InvalidId(self.id.clone()));
        }
        self.validate_limits()?;
        let mut urls = vec![self.upstream.configured_url()];
        if let Upstream::Liveperson(LivepersonUpstream {
            auth:
                LivepersonAuth::OAuth2 {
                    sentinel: Some(sentinel),
                    ..
                },
            ..
        }) = &self.upstream
        {
            urls.push(sentinel);
        }
        for url in urls {
            if !matches!(url.scheme(), "http" | "https")
                || url.query().is_some()
                || url.fragment().is_some()
                || url.cannot_be_a_base()
            {
                return Err(ConfigError::InvalidBaseUrl(self.id.clone(), url.clone()));
            }
        }
        let id = || self.id.clone();
        let mut secrets: Vec<(&'static str, &SecretString)> = Vec::new();
        match &self.upstream {
            Upstream::Liveperson(lp) => {
                if !shared::liveperson::ops::is_valid_account_id(&lp.account_id) {
                    return Err(ConfigError::InvalidAccountId(id(), lp.account_id.clone()));
                }
                match &lp.auth {
                    LivepersonAuth::Bearer(token) => secrets.push(("Bearer token", token)),
                    LivepersonAuth::OAuth1 {
                        consumer_key,
                        consumer_secret,
                        token,
                        token_secret,
                    } => {
                        for (field, value) in [("consumer key", consumer_key), ("token", token)] {
                            if value.trim().is_empty() {
                                return Err(ConfigError::EmptyField(id(), field));
                            }
                        }
                        secrets.push(("consumer secret", consumer_secret));
                        secrets.push(("token secret", token_secret));
                    }
                    LivepersonAuth::OAuth2 {
                        client_id,
                        client_secret,
                        sentinel,
                    } => {
                        if client_id.trim().is_empty() {
                            return Err(ConfigError::EmptyField(id(), "client id"));
                        }
                        if sentinel.is_none() && matches!(lp.domain, Domain::Fixed(_)) {
                            return Err(ConfigError::NoSentinel(id()));
                        }
                        secrets.push(("client secret", client_secret));
                    }
                }
            }
            Upstream::Trintech(tt) => secrets.push(("Bearer token", &tt.bearer_token)),
            Upstream::Commpeak(cp) => {
                if cp.username.is_empty() || cp.username.contains(':') {
                    return Err(ConfigError::InvalidBasicUser(id()));
                }
                secrets.push(("password", &cp.password));
            }
        }
        for (what, secret) in secrets {
            if secret.expose_secret().trim().is_empty() {
                return Err(ConfigError::EmptySecret(id(), what));
            }
            // Every secret ends up in a header, signed or not.
            if secret.expose_secret().chars().any(char::is_control) {
                return Err(ConfigError::NotHeaderSafe(id(), what));
            }
        }
        self.static_authorization().transpose()?;
        Ok(())
    }

    /// Chunks of at least one user, and a limit per request that the console's own chunks
    /// pass and that the vendor's documented cap allows.
    fn validate_limits(&self) -> Result<(), ConfigError> {
        if self.chunk_size == 0 {
            return Err(ConfigError::NoChunk(self.id.clone()));
        }
        let max_users = self.max_users();
        if max_users < self.chunk_size {
            return Err(ConfigError::MaxUsersBelowChunk {
                id: self.id.clone(),
                max_users,
                chunk_size: self.chunk_size,
            });
        }
        if let Some(ceiling) = shared::vendor::description(self.kind()).max_users.ceiling()
            && max_users > ceiling
        {
            return Err(ConfigError::MaxUsersAboveVendor {
                id: self.id.clone(),
                max_users,
                ceiling,
            });
        }
        Ok(())
    }

    /// The `Authorization` header of a connection whose credential does not depend on the
    /// request (Bearer, Basic), marked sensitive so no layer logs it; `None` for OAuth, which
    /// [`crate::upstream`] computes per request.
    pub fn static_authorization(&self) -> Option<Result<HeaderValue, ConfigError>> {
        let (what, value) = match &self.upstream {
            Upstream::Liveperson(LivepersonUpstream {
                auth: LivepersonAuth::Bearer(bearer_token),
                ..
            })
            | Upstream::Trintech(TrintechUpstream { bearer_token, .. }) => (
                "Bearer token",
                format!("Bearer {}", bearer_token.expose_secret()),
            ),
            Upstream::Commpeak(cp) => (
                "password",
                format!(
                    "Basic {}",
                    STANDARD.encode(format!("{}:{}", cp.username, cp.password.expose_secret()))
                ),
            ),
            Upstream::Liveperson(_) => return None,
        };
        Some(sensitive(value).map_err(|()| ConfigError::NotHeaderSafe(self.id.clone(), what)))
    }
}

/// A header value never logged by the layers that honour the flag.
pub(crate) fn sensitive(value: String) -> Result<HeaderValue, ()> {
    let mut value = HeaderValue::try_from(value).map_err(drop)?;
    value.set_sensitive(true);
    Ok(value)
}

/// Validates every connection and that their ids are distinct.
pub fn validate_all(connections: &[Connection]) -> Result<(), ConfigError> {
    let mut seen = std::collections::HashSet::new();
    for connection in connections {
        connection.validate()?;
        if !seen.insert(connection.id.as_str()) {
            return Err(ConfigError::DuplicateId(connection.id.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(id: &str, base: &str, account_id: &str, token: &str) -> Connection {
        Connection {
            id: id.into(),
            label: "Label".into(),
            chunk_size: crate::config::DEFAULT_CHUNK_SIZE,
            max_users: None,
            upstream: Upstream::Liveperson(LivepersonUpstream {
                domain: Domain::Fixed(base.parse().unwrap()),
                account_id: account_id.into(),
                version: "4.0".into(),
                auth: LivepersonAuth::Bearer(token.into()),
                method_override: false,
                profiles: Vec::new(),
            }),
        }
    }

    fn commpeak(user: &str, password: &str) -> Connection {
        Connection {
            id: "cp".into(),
            label: "CommPeak".into(),
            chunk_size: crate::config::DEFAULT_CHUNK_SIZE,
            max_users: None,
            upstream: Upstream::Commpeak(CommpeakUpstream {
                base_url: "https://example.td.commpeak.com".parse().unwrap(),
                username: user.into(),
                password: password.into(),
            }),
        }
    }

    fn trintech(has_list: bool) -> Connection {
        Connection {
            id: "tt".into(),
            label: "Trintech".into(),
            chunk_size: crate::config::DEFAULT_CHUNK_SIZE,
            max_users: None,
            upstream: Upstream::Trintech(TrintechUpstream {
                base_url: "https://iam.example.com/api".parse().unwrap(),
                bearer_token: "t".into(),
                has_list,
            }),
        }
    }

    #[test]
    fn refuses_what_cannot_be_forwarded_safely() {
        for (case, candidate, expected) in [
            (
                "valid",
                connection("lp", "https://va.example", "123", "t0k"),
                None,
            ),
            (
                "bad id",
                connection("LP main", "https://va.example", "123", "t"),
                Some("connection id \"LP main\" must be"),
            ),
            (
                "account id with a slash",
                connection("lp", "https://va.example", "12/3", "t"),
                Some("account id \"12/3\""),
            ),
            (
                "base URL with a query",
                connection("lp", "https://va.example/?a=1", "123", "t"),
                Some("base URL"),
            ),
            (
                "ftp base URL",
                connection("lp", "ftp://va.example", "123", "t"),
                Some("base URL"),
            ),
            (
                "blank token",
                connection("lp", "https://va.example", "123", "  "),
                Some("Bearer token is empty"),
            ),
            (
                "token with a line break",
                connection("lp", "https://va.example", "123", "abc\ndef"),
                Some("cannot carry"),
            ),
            ("valid CommPeak", commpeak("api", "abc"), None),
            (
                "CommPeak user with a colon",
                commpeak("a:b", "abc"),
                Some("user name"),
            ),
            (
                "CommPeak blank password",
                commpeak("api", " "),
                Some("password is empty"),
            ),
        ] {
            let outcome = candidate.validate().err().map(|e| e.to_string());
            match (outcome, expected) {
                (None, None) => {}
                (Some(message), Some(fragment)) => {
                    assert!(message.contains(fragment), "{case}: {message}");
                    assert!(!message.contains("abc"), "{case}: the secret leaked");
                }
                (outcome, expected) => panic!("{case}: got {outcome:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn oauth_connections_need_what_they_sign_with() {
        let lp = |domain: Domain, auth: LivepersonAuth| Connection {
            id: "lp".into(),
            label: "LP".into(),
            chunk_size: crate::config::DEFAULT_CHUNK_SIZE,
            max_users: None,
            upstream: Upstream::Liveperson(LivepersonUpstream {
                domain,
                account_id: "123".into(),
                version: "4.0".into(),
                auth,
                method_override: false,
                profiles: Vec::new(),
            }),
        };
        let fixed = || Domain::Fixed("https://va.example".parse().unwrap());
        let csds = || Domain::Csds("https://api.example".parse().unwrap());
        let oauth2 = |sentinel: Option<&str>, secret: &str| LivepersonAuth::OAuth2 {
            client_id: "id".into(),
            client_secret: secret.into(),
            sentinel: sentinel.map(|s| s.parse().unwrap()),
        };
        let oauth1 = |key: &str, secret: &str| LivepersonAuth::OAuth1 {
            consumer_key: key.into(),
            consumer_secret: secret.into(),
            token: "t".into(),
            token_secret: "ts".into(),
        };
        for (case, connection, expected) in [
            ("oauth2 with CSDS", lp(csds(), oauth2(None, "s")), None),
            (
                "oauth2 with a Sentinel",
                lp(fixed(), oauth2(Some("https://sentinel.example"), "s")),
                None,
            ),
            (
                "oauth2 with neither",
                lp(fixed(), oauth2(None, "s")),
                Some("Sentinel's address"),
            ),
            (
                "oauth2 blank secret",
                lp(csds(), oauth2(None, " ")),
                Some("client secret is empty"),
            ),
            (
                "oauth2 Sentinel with a query",
                lp(fixed(), oauth2(Some("https://s.example/?x=1"), "s")),
                Some("base URL"),
            ),
            ("oauth1", lp(fixed(), oauth1("ck", "cs")), None),
            (
                "oauth1 blank key",
                lp(fixed(), oauth1(" ", "cs")),
                Some("consumer key is empty"),
            ),
            (
                "oauth1 secret with a line break",
                lp(fixed(), oauth1("ck", "c\ns")),
                Some("cannot carry"),
            ),
        ] {
            let outcome = connection.validate().err().map(|e| e.to_string());
            match (outcome, expected) {
                (None, None) => {}
                (Some(message), Some(fragment)) => {
                    assert!(message.contains(fragment), "{case}: {message}")
                }
                (outcome, expected) => panic!("{case}: got {outcome:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let one = connection("lp", "https://va.example", "123", "t");
        assert!(validate_all(std::slice::from_ref(&one)).is_ok());
        assert_eq!(
            validate_all(&[one.clone(), one]).unwrap_err().to_string(),
            "two connections have the id \"lp\""
        );
    }

    #[test]
    fn the_limit_per_request_passes_the_chunks_and_the_vendors_cap() {
        let with = |mut c: Connection, chunk_size: usize, max_users: Option<usize>| {
            c.chunk_size = chunk_size;
            c.max_users = max_users;
            c
        };
        let lp = || connection("lp", "https://va.example", "123", "t");
        for (case, candidate, limit, expected) in [
            ("LivePerson's default", with(lp(), 100, None), 1000, None),
            ("raised past 1000", with(lp(), 100, Some(5000)), 5000, None),
            ("equal to the chunk", with(lp(), 50, Some(50)), 50, None),
            (
                "below the chunk",
                with(lp(), 100, Some(99)),
                99,
                Some("max_users_per_request (99) must be at least chunk_size (100)"),
            ),
            (
                "a chunk above the default",
                with(lp(), 1500, None),
                1000,
                Some("(1000) must be at least chunk_size (1500)"),
            ),
            (
                "no chunk",
                with(lp(), 0, None),
                1000,
                Some("chunk_size must be at least 1"),
            ),
            (
                "Trintech's documented cap",
                with(trintech(false), 100, None),
                1000,
                None,
            ),
            (
                "Trintech above its cap",
                with(trintech(false), 100, Some(1001)),
                1001,
                Some("above the 1000 users the vendor documents"),
            ),
            (
                "CommPeak lowered",
                with(commpeak("api", "p"), 10, Some(20)),
                20,
                None,
            ),
        ] {
            assert_eq!(candidate.max_users(), limit, "{case}");
            let outcome = candidate.validate().err().map(|e| e.to_string());
            match (outcome, expected) {
                (None, None) => {}
                (Some(message), Some(fragment)) => {
                    assert!(message.contains(fragment), "{case}: {message}")
                }
                (outcome, expected) => panic!("{case}: got {outcome:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn only_declared_unpublished_operations_are_served() {
        let names = |c: Connection| c.info().operations;
        assert_eq!(names(trintech(false)), ["create_users", "update_users"]);
        assert_eq!(
            names(trintech(true)),
            ["list_users", "create_users", "update_users"]
        );
    }

    #[test]
    fn basic_authorization() {
        let value = commpeak("api", "s3cret")
            .static_authorization()
            .unwrap()
            .unwrap();
        assert!(value.is_sensitive());
        assert_eq!(value, "Basic YXBpOnMzY3JldA==");
    }

    #[test]
    fn authorization_is_sensitive() {
        let value = connection("lp", "https://va.example", "123", "s3cret")
            .static_authorization()
            .unwrap()
            .unwrap();
        assert!(value.is_sensitive());
        assert_eq!(value, "Bearer s3cret");
    }
}
