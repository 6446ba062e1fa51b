//! The CommPeak Cloud PBX/Dialer user (`users-apis.md` §3.4–3.6): one type per operation,
//! because the vendor documents a different field set for reading, creating and updating.
//! Every type reads numbers as numbers or strings and flags as `0`/`1`/`"0"`/`"1"`, and writes
//! numbers and flags natively.

use serde::{Deserialize, Serialize};
use serde_with::serde_as;

use super::flag::Flag;
use crate::error::ValidationErrors;
use crate::lenient::Lenient;

/// `default_language` values (§3.4; `ru_RU` appears in some versions of the page).
pub const LANGUAGES: &[&str] = &["en_US", "es_ES", "pt_BR", "ru_RU"];
/// `twofa_type` values (§3.4).
pub const TWOFA_TYPES: &[&str] = &["default", "disabled", "email", "google"];

/// A user as `GET /api/users/{id}` returns it (§3.5; every scalar arrives as a string).
#[serde_as]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The SIP registration password, returned in clear text: masked on screen, never logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_password: Option<String>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_clockedin: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_uri: Option<String>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_dial: Option<bool>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_deleted: Option<bool>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_extended_ip_acl: Option<bool>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_route_caller_id: Option<i64>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone_id: Option<i64>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_webrtc: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_extension: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_session_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrent_sessions: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub twofa_type: Option<String>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_all_desks: Option<bool>,
    /// Item shape not published: kept as it comes.
    #[cfg_attr(test, proptest(value = "None"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desks: Option<Vec<serde_json::Value>>,
    /// An object, not a list (§3.5).
    #[cfg_attr(test, proptest(value = "None"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<serde_json::Map<String, serde_json::Value>>,
    #[cfg_attr(test, proptest(value = "None"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<serde_json::Value>>,
}

/// The body of `POST /api/users` (§3.6). Which fields are required is not published; this
/// product requires `username`, `password` and `email` (see [`super::validate_new_user`]).
#[serde_as]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewUser {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_option: Option<String>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_password: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_uri: Option<String>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_extended_ip_acl: Option<bool>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_route_caller_id: Option<i64>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_all_desks: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kerb_username: Option<String>,
    #[cfg_attr(test, proptest(value = "None"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desks: Option<Vec<serde_json::Value>>,
    #[cfg_attr(test, proptest(value = "None"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<serde_json::Value>>,
    #[cfg_attr(test, proptest(value = "None"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skill_groups: Option<Vec<serde_json::Value>>,
}

/// The body of `PUT /api/users/{id}` (§3.4): partial, only the fields sent change.
#[serde_as]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UserUpdate {
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_uri: Option<String>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_deleted: Option<bool>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_extended_ip_acl: Option<bool>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_route_caller_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predictive_dynamic_extension: Option<String>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_extension: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_session_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrent_sessions: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub twofa_type: Option<String>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_all_skill_groups: Option<bool>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_all_desks: Option<bool>,
    /// Secret: masked on screen, never logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_password: Option<String>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_clockedin: Option<bool>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_predictive_clockedin: Option<bool>,
    #[serde_as(as = "Option<Flag>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_webrtc: Option<bool>,
}

/// Parses `POST /api/users`'s body: a list of users, or one (read as a list of one).
pub fn parse_new_users(body: &[u8]) -> Result<Vec<NewUser>, ValidationErrors> {
    crate::parse::parse_list(body)
}

/// Parses `PUT /api/users/{id}`'s body.
pub fn parse_update(body: &[u8]) -> Result<UserUpdate, ValidationErrors> {
    crate::parse::parse_one(body)
}
