//! Connections to the vendors: where each one is and the credential the proxy adds.

use axum::http::HeaderValue;
use secrecy::SecretString;
use shared::{ConnectionInfo, VendorKind};
use url::Url;

/// One upstream Users API the console can administer.
#[derive(Debug, Clone)]
pub struct Connection {
    pub id: String,
    pub label: String,
    pub upstream: LivepersonUpstream,
}

/// A LivePerson account's Users API.
#[derive(Debug, Clone)]
pub struct LivepersonUpstream {
    /// `https://{domain}`: the account-config domain of the account.
    pub base_url: Url,
    pub account_id: String,
    /// The `v` sent when the browser gives none.
    pub version: String,
    /// Sent as `Authorization: Bearer …`; never logged, never returned.
    pub bearer_token: SecretString,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("connection id \"{0}\" must be 1-64 characters of a-z, 0-9, '-' or '_'")]
    InvalidId(String),
    #[error("connection \"{0}\": account id \"{1}\" must be letters and digits only")]
    InvalidAccountId(String, String),
    #[error("connection \"{0}\": base URL {1} must be http(s) with no query or fragment")]
    InvalidBaseUrl(String, Url),
    #[error("connection \"{0}\": the Bearer token is empty")]
    EmptyToken(String),
    #[error(
        "connection \"{0}\": the Bearer token contains characters an HTTP header cannot carry \
         (a line break or control character?)"
    )]
    TokenNotHeaderSafe(String),
    #[error("two connections have the id \"{0}\"")]
    DuplicateId(String),
}

impl Connection {
    /// What the browser may see of this connection.
    pub fn info(&self) -> ConnectionInfo {
        ConnectionInfo {
            id: self.id.clone(),
            kind: VendorKind::Liveperson,
            label: self.label.clone(),
        }
    }

    /// Refuses a connection whose values could not safely be spliced into an upstream URL.
    pub fn validate(&self) -> Result<(), ConfigError> {
        use secrecy::ExposeSecret;
        let up = &self.upstream;
        if !shared::connection::is_valid_connection_id(&self.id) {
            return Err(ConfigError::InvalidId(self.id.clone()));
        }
        if !shared::liveperson::ops::is_valid_account_id(&up.account_id) {
            return Err(ConfigError::InvalidAccountId(
                self.id.clone(),
                up.account_id.clone(),
            ));
        }
        if !matches!(up.base_url.scheme(), "http" | "https")
            || up.base_url.query().is_some()
            || up.base_url.fragment().is_some()
            || up.base_url.cannot_be_a_base()
        {
            return Err(ConfigError::InvalidBaseUrl(
                self.id.clone(),
                up.base_url.clone(),
            ));
        }
        if up.bearer_token.expose_secret().trim().is_empty() {
            return Err(ConfigError::EmptyToken(self.id.clone()));
        }
        self.authorization()?;
        Ok(())
    }

    /// The `Authorization` header the proxy adds, marked sensitive so no layer logs it.
    pub fn authorization(&self) -> Result<HeaderValue, ConfigError> {
        use secrecy::ExposeSecret;
        let mut value = HeaderValue::try_from(format!(
            "Bearer {}",
            self.upstream.bearer_token.expose_secret()
        ))
        .map_err(|_| ConfigError::TokenNotHeaderSafe(self.id.clone()))?;
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
            upstream: LivepersonUpstream {
                base_url: base.parse().unwrap(),
                account_id: account_id.into(),
                version: "4.0".into(),
                bearer_token: token.into(),
            },
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
    fn authorization_is_sensitive() {
        let value = connection("lp", "https://va.example", "123", "s3cret")
            .authorization()
            .unwrap();
        assert!(value.is_sensitive());
        assert_eq!(value, "Bearer s3cret");
    }
}
