//! The Trintech IAM user (`users-apis.md` §2.3) and the batch result both write methods
//! answer with (§2.4), read leniently and written with native JSON types.

use serde::{Deserialize, Serialize};
use serde_with::serde_as;

pub use crate::batch::{BatchResult, ResultItem};
use crate::error::ValidationErrors;
use crate::lenient::Lenient;

/// `name`: which sub-fields are required is not published (§2.3 `[?]`).
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Name {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// One item of `roles`, e.g. `{"type": "Close", "value": "Preparer"}`.
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleAssignment {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub role_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `userAccess`: which Trintech modules the user may use. Set on create only.
#[serde_as]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserAccess {
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_automation: Option<bool>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_certification: Option<bool>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_complete: Option<bool>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_operational_matching: Option<bool>,
}

impl UserAccess {
    /// The flags that are set, by their API names.
    pub fn present(&self) -> Vec<&'static str> {
        [
            ("AccessAutomation", self.access_automation),
            ("AccessCertification", self.access_certification),
            ("AccessComplete", self.access_complete),
            (
                "AccessOperationalMatching",
                self.access_operational_matching,
            ),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|_| name))
        .collect()
    }
}

/// A Trintech user as `POST /users` creates it and `PUT /users` updates it (the update body
/// is the same object, minus what cannot be updated: see [`super::validate_user`]). As read
/// back from a list endpoint, where one exists, it never carries `password`.
#[serde_as]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct User {
    /// Unique; on update, the key that names the user to change (`users-apis.md` §2.2 `[I]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Create only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<RoleAssignment>>,
    /// Create only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_access: Option<UserAccess>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program_admin_role_id: Option<String>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_out: Option<bool>,
}

/// The 401 body (`{code, message, description}`, from the seed page).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthError {
    pub code: String,
    pub message: String,
    pub description: String,
}

/// Parses a request body holding a list of users (or one user object, read as a list of one).
pub fn parse_users(body: &[u8]) -> Result<Vec<User>, ValidationErrors> {
    crate::parse::parse_list(body)
}
