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
}

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
    /// `https://{domain}`: the account-config domain of the account.
    pub base_url: Url,
    pub account_id: String,
    /// The `v` sent when the browser gives none.
    pub version: String,
    /// Sent as `Authorization: Bearer …`.
    pub bearer_token: SecretString,
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
    #[error("two connections have the id \"{0}\"")]
    DuplicateId(String),
}

impl Upstream {
    pub fn kind(&self) -> VendorKind {
        match self {
            Upstream::Liveperson(_) => VendorKind::Liveperson,
            Upstream::Trintech(_) => VendorKind::Trintech,
            Upstream::Commpeak(_) => VendorKind::Commpeak,
        }
    }

    pub fn base_url(&self) -> &Url {
        match self {
            Upstream::Liveperson(lp) => &lp.base_url,
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
        }
    }

    /// Refuses a connection whose values could not safely be spliced into an upstream URL or
    /// header.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !shared::connection::is_valid_connection_id(&self.id) {
            return Err(ConfigError::InvalidId(self.id.clone()));
        }
        let base_url = self.upstream.base_url();
        if !matches!(base_url.scheme(), "http" | "https")
            || base_url.query().is_some()
            || base_url.fragment().is_some()
            || base_url.cannot_be_a_base()
        {
            return Err(ConfigError::InvalidBaseUrl(
                self.id.clone(),
                base_url.clone(),
            ));
        }
        let secret = match &self.upstream {
            Upstream::Liveperson(lp) => {
                if !shared::liveperson::ops::is_valid_account_id(&lp.account_id) {
                    return Err(ConfigError::InvalidAccountId(
                        self.id.clone(),
                        lp.account_id.clone(),
                    ));
                }
                ("Bearer token", &lp.bearer_token)
            }
            Upstream::Trintech(tt) => ("Bearer token", &tt.bearer_token),
            Upstream::Commpeak(cp) => {
                if cp.username.is_empty() || cp.username.contains(':') {
                    return Err(ConfigError::InvalidBasicUser(self.id.clone()));
                }
                ("password", &cp.password)
            }
        };
        if secret.1.expose_secret().trim().is_empty() {
            return Err(ConfigError::EmptySecret(self.id.clone(), secret.0));
        }
        self.authorization()?;
        Ok(())
    }

    /// The `Authorization` header the proxy adds, marked sensitive so no layer logs it.
    pub fn authorization(&self) -> Result<HeaderValue, ConfigError> {
        let (what, value) = match &self.upstream {
            Upstream::Liveperson(LivepersonUpstream { bearer_token, .. })
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
        };
        let mut value = HeaderValue::try_from(value)
            .map_err(|_| ConfigError::NotHeaderSafe(self.id.clone(), what))?;
        value.set_sensitive(true);
        Ok(value)
    }
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
            upstream: Upstream::Liveperson(LivepersonUpstream {
                base_url: base.parse().unwrap(),
                account_id: account_id.into(),
                version: "4.0".into(),
                bearer_token: token.into(),
            }),
        }
    }

    fn commpeak(user: &str, password: &str) -> Connection {
        Connection {
            id: "cp".into(),
            label: "CommPeak".into(),
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
    fn duplicate_ids_are_refused() {
        let one = connection("lp", "https://va.example", "123", "t");
        assert!(validate_all(std::slice::from_ref(&one)).is_ok());
        assert_eq!(
            validate_all(&[one.clone(), one]).unwrap_err().to_string(),
            "two connections have the id \"lp\""
        );
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
        let value = commpeak("api", "s3cret").authorization().unwrap();
        assert!(value.is_sensitive());
        assert_eq!(value, "Basic YXBpOnMzY3JldA==");
    }

    #[test]
    fn authorization_is_sensitive() {
        let value = connection("lp", "https://va.example", "123", "s3cret")
            .authorization()
            .unwrap();
        assert!(value.is_sensitive());
        assert_eq!(value, "Bearer s3cret");
    }
}
