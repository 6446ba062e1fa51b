//! A SCIM error (RFC 7644 §3.12): the status, the `scimType` where the RFC names one, and a
//! detail a person can act on.

use serde_json::{Value, json};

/// The `scimType` values of RFC 7644 §3.12, table 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimType {
    InvalidFilter,
    TooMany,
    Uniqueness,
    Mutability,
    InvalidSyntax,
    InvalidPath,
    NoTarget,
    InvalidValue,
    InvalidVers,
    Sensitive,
}

impl ScimType {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::TooMany => "tooMany",
            Self::Uniqueness => "uniqueness",
            Self::Mutability => "mutability",
            Self::InvalidSyntax => "invalidSyntax",
            Self::InvalidPath => "invalidPath",
            Self::NoTarget => "noTarget",
            Self::InvalidValue => "invalidValue",
            Self::InvalidVers => "invalidVers",
            Self::Sensitive => "sensitive",
        }
    }
}

/// Longest `detail` sent: a message built from what a client sent stays bounded.
pub const DETAIL_MAX: usize = 1000;

/// A SCIM request that fails, as its answer says it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {detail}")]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<ScimType>,
    pub detail: String,
    /// Seconds to wait before trying again (a 429 or 503's `Retry-After`).
    pub retry_after: Option<u64>,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        let mut detail = detail.into();
        if detail.len() > DETAIL_MAX {
            let mut end = DETAIL_MAX;
            while !detail.is_char_boundary(end) {
                end -= 1;
            }
            detail.truncate(end);
            detail.push('…');
        }
        Self {
            status,
            scim_type,
            detail,
            retry_after: None,
        }
    }

    /// The same error, asking the client to wait `seconds` before trying again.
    pub fn retry_after(self, seconds: u64) -> Self {
        Self {
            retry_after: Some(seconds),
            ..self
        }
    }

    /// 400 with a `scimType`.
    pub fn bad(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(400, Some(scim_type), detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }

    /// The error body: `schemas`, `status` as a string, `scimType` when there is one,
    /// `detail`.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "schemas": [super::ERROR_SCHEMA],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = Value::String(scim_type.as_str().to_owned());
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_carries_the_status_as_a_string_and_a_bounded_detail() {
        let error = ScimError::bad(ScimType::InvalidValue, "é".repeat(DETAIL_MAX));
        let body = error.body();
        assert_eq!(body["status"], "400");
        assert_eq!(body["scimType"], "invalidValue");
        assert_eq!(body["schemas"][0], crate::scim::ERROR_SCHEMA);
        assert!(body["detail"].as_str().unwrap().len() <= DETAIL_MAX + '…'.len_utf8());
        assert!(
            ScimError::not_found("no such user")
                .body()
                .get("scimType")
                .is_none()
        );
    }
}
