//! What the browser may know about a configured upstream connection (never its secrets).

use serde::{Deserialize, Serialize};

/// Which vendor's Users API a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VendorKind {
    /// LivePerson Account Config Users API (`le-users`).
    Liveperson,
    /// Trintech IAM API users.
    Trintech,
    /// CommPeak Cloud PBX/Dialer users.
    Commpeak,
}

impl VendorKind {
    /// The vendor's name as people know it.
    pub fn label(self) -> &'static str {
        match self {
            VendorKind::Liveperson => "LivePerson",
            VendorKind::Trintech => "Trintech",
            VendorKind::Commpeak => "CommPeak",
        }
    }
}

/// A connection as listed by `GET /api/connections`. Deliberately has no field for a URL,
/// account credential or token: this type is what crosses into the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInfo {
    /// Stable identifier used in `/api/{id}/users`.
    pub id: String,
    pub kind: VendorKind,
    /// Human label shown in the console.
    pub label: String,
    /// Names of the operations this connection serves (see [`crate::vendor::operations`]);
    /// a vendor's unpublished operation appears only where the operator declared it.
    #[serde(default)]
    pub operations: Vec<String>,
    /// How many users the console sends per write request.
    #[serde(default = "default_chunk_size")]
    pub chunk_size: usize,
    /// LivePerson: the account's profiles as the operator configured them (empty when not
    /// configured: profile ids are then shown bare and role changes cannot be foreseen).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<crate::liveperson::Profile>,
}

impl ConnectionInfo {
    /// Whether this connection serves the operation named `operation` (see
    /// [`crate::operation::names`]): what the console offers follows from it.
    pub fn declares(&self, operation: &str) -> bool {
        self.operations.iter().any(|o| o == operation)
    }
}

fn default_chunk_size() -> usize {
    100
}

/// Is `id` usable as a connection identifier in a URL path segment?
///
/// Restricted to `[a-z0-9_-]{1,64}` so an identifier can never smuggle a path separator or
/// percent-encoding into the proxy's routes.
pub fn is_valid_connection_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_ids() {
        for (id, ok) in [
            ("liveperson", true),
            ("lp-prod_2", true),
            ("", false),
            ("LP", false),
            ("a/b", false),
            ("a%2fb", false),
            ("..", false),
            (&"x".repeat(65), false),
        ] {
            assert_eq!(is_valid_connection_id(id), ok, "{id:?}");
        }
    }
}
