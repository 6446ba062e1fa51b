//! Connections to the vendors: where each one is and the credential the proxy adds.

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
        Ok(())
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
