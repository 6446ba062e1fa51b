//! LivePerson Account Config Users API (`le-users`): the user entity, its validation rules,
//! the `select` expression, the role-change rule and the description of the operations; and
//! the reads of what users refer to by id (skills, agent groups, profiles: `catalog`).
//!
//! Create, update and read share one user shape (the appendix table lists one entity); the
//! operation decides which of its fields are required or refused.

pub mod catalog;
pub mod fields;
pub mod ops;
pub mod password;
pub mod roles;
pub mod scim;
pub use crate::select;
pub mod user;
pub mod validate;

use serde::Deserialize;

pub use catalog::{
    AgentGroup, CatalogEntry, PermissionPackage, ProfileRecord, Skill, SkillRouting, names,
    parse_agent_groups, parse_profiles, parse_skills, profiles_of,
};
pub use fields::FIELDS;
pub use ops::OPERATIONS;
pub use roles::{Profile, ProfileRoles, Reset, Role, apply_role_change, role_change_resets};
pub use select::{SelectError, Selection};
pub use user::{MemberOf, User, parse_users};
pub use validate::{validate_batch, validate_user};

use crate::description::{
    BulkField, Deletion, Description, FieldValue, FilterKind, ListFilter, ListQuery, MaxUsers,
    Probe, Select, SelectBy, Switch, SwitchWords, Update,
};
use crate::error::{ErrorCode, FieldError, ValidationErrors};
use crate::operation::{Body, OperationSpec, PathParams, Write};
use crate::parse::parse_one;

/// The fields LivePerson sets itself (`users-apis.md` §1.6), as paths inside one user: a
/// user read and written back carries them, so the rules accept them (see
/// [`validate_user`] for `deleted`, which only `false` passes) and they are never forwarded
/// ([`strip_server_set`]). `id` is not among them: it names the user an update changes.
/// Every read-only field of [`FIELDS`] but `id` is here, with the group assignments' dates.
pub const SERVER_SET: &[&str] = &[
    "pid",
    "deleted",
    "lastPwdChangeDate",
    "dateUpdated",
    "memberOf/assignmentDate",
    "managerOf/*/assignmentDate",
];

/// Removes [`SERVER_SET`] from a body of one user or a list of users, so that what is
/// forwarded never asks the vendor to set what only it sets, whatever the vendor would do
/// with it (it publishes nothing on that). Says whether anything was removed.
pub fn strip_server_set(body: &mut serde_json::Value) -> bool {
    crate::server_set::strip(body, SERVER_SET)
}

/// LivePerson's users as the console handles them: keyed by id, saved whole with the
/// account's revision, disabled by `isEnabled`, deleted by an operation.
pub const DESCRIPTION: Description = Description {
    key: "id",
    login: "loginName",
    searched: &["loginName", "nickname", "email", "fullName"],
    columns: &[
        "loginName",
        "fullName",
        "nickname",
        "email",
        "isEnabled",
        "maxChats",
        "profileIds",
    ],
    revision: Some(ops::REVISION_HEADER),
    revision_counts_writes: true,
    update: Update::Replace,
    disabled: Switch {
        field: "isEnabled",
        on: FieldValue::Bool(false),
        off: FieldValue::Bool(true),
    },
    disabled_words: SwitchWords {
        set: "Set enabled",
        enable: "Enable",
        disable: "Disable",
    },
    deletion: Deletion::Operation,
    deleted: Some("deleted"),
    list: ListQuery {
        select: Some(Select {
            param: ops::SELECT_PARAM,
            all: select::ALL,
            by: SelectBy::Vendor,
        }),
        include_deleted: Some(ops::INCLUDE_DELETED_PARAM),
    },
    filters: &[
        ListFilter {
            field: "isEnabled",
            param: "enabled",
            label: "Status",
            kind: FilterKind::YesNo {
                yes: "Enabled",
                no: "Disabled",
            },
        },
        ListFilter {
            field: "profileIds",
            param: "profile",
            label: "Profile",
            kind: FilterKind::Named,
        },
        ListFilter {
            field: "skillIds",
            param: "skill",
            label: "Skill",
            kind: FilterKind::Named,
        },
        ListFilter {
            field: "memberOf/agentGroupId",
            param: "group",
            label: "Agent group",
            kind: FilterKind::Named,
        },
        ListFilter {
            field: "isApiUser",
            param: "api",
            label: "Kind of user",
            kind: FilterKind::YesNo {
                yes: "API users",
                no: "People",
            },
        },
    ],
    new_user: &[
        ("isEnabled", FieldValue::Bool(true)),
        ("maxChats", FieldValue::Number(0)),
        // LivePerson's Main Group: agents need a group.
        ("memberOf/agentGroupId", FieldValue::Number(-1)),
    ],
    bulk: &[
        BulkField::set("maxChats"),
        BulkField::add_remove("skillIds"),
        BulkField::set_or_clear("memberOf/agentGroupId"),
        BulkField::set("profileIds"),
    ],
    // A user id LivePerson never gives: 404 once the credentials are accepted.
    probe: Probe {
        operation: crate::operation::names::GET_USER,
        id: Some("0"),
        body: None,
    },
    // LivePerson publishes no cap (decisions: batch limits): a generous default.
    max_users: MaxUsers::Chosen(1000),
};

/// A request body, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    None,
    Users(Vec<User>),
    User(Box<User>),
    UserIds(Vec<i64>),
    NewPassword(String),
}

/// `PUT …/resetPassword`'s body.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewPassword {
    pub new_password: Option<String>,
}

/// Reads and checks the body of `operation`, reporting every problem.
pub fn check_body(
    operation: &OperationSpec,
    params: &PathParams,
    body: &[u8],
    roles: &ProfileRoles,
) -> Result<Request, ValidationErrors> {
    match operation.body {
        Body::None => Ok(Request::None),
        Body::Users(write) => {
            let users = parse_users(body)?;
            validate_batch(&users, write, roles)?;
            Ok(Request::Users(users))
        }
        Body::User(write) => {
            let mut user: User = parse_one(body)?;
            let mut errors = ValidationErrors::default();
            if write == Write::Update
                && let Some(path_id) = params.id.as_deref()
            {
                match (user.id, path_id.parse::<i64>()) {
                    (_, Err(_)) => errors.push(FieldError::new(
                        "",
                        ErrorCode::InvalidType,
                        format!("The user id in the path, \"{path_id}\", is not a number."),
                    )),
                    (Some(body_id), Ok(path_id)) if body_id != path_id => {
                        errors.push(FieldError::new(
                            "/id",
                            ErrorCode::InvalidValue,
                            format!(
                                "The body is user {body_id} but the path names user {path_id}."
                            ),
                        ))
                    }
                    (_, Ok(path_id)) => user.id = Some(path_id),
                }
            }
            validate_user(&user, write, roles, "", &mut errors);
            errors.into_result().map(|()| Request::User(Box::new(user)))
        }
        Body::UserIds => user_ids(body).map(Request::UserIds),
        Body::NewPassword => {
            let NewPassword { new_password } = parse_one(body)?;
            // The same rule as a new user's password (the login name is not in this body).
            match new_password.filter(|p| !p.is_empty()) {
                Some(password) => match password::password_problem(&password, None) {
                    None => Ok(Request::NewPassword(password)),
                    Some(problem) => Err(ValidationErrors(vec![FieldError::new(
                        "/newPassword",
                        ErrorCode::InvalidFormat,
                        problem,
                    )])),
                },
                None => Err(ValidationErrors(vec![FieldError::new(
                    "/newPassword",
                    ErrorCode::Required,
                    "The new password is required.",
                )])),
            }
        }
    }
}

/// Reads the delete-list body: a JSON array of user ids, as strings (the vendor's example) or
/// numbers, each greater than zero.
fn user_ids(body: &[u8]) -> Result<Vec<i64>, ValidationErrors> {
    let values: Vec<serde_json::Value> = serde_json::from_slice(body).map_err(|e| {
        ValidationErrors(vec![FieldError::new(
            "",
            ErrorCode::InvalidType,
            format!("The body is not a JSON list of user ids: {e}"),
        )])
    })?;
    let mut errors = ValidationErrors::default();
    crate::rules::batch_size(values.len(), None, &mut errors);
    let mut ids = Vec::with_capacity(values.len());
    for (index, value) in values.iter().enumerate() {
        let id = match value {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match id {
            Some(id) if id > 0 => ids.push(id),
            Some(id) => errors.push(FieldError::new(
                format!("/{index}"),
                ErrorCode::NotPositive,
                format!("User ids are greater than zero, not {id}."),
            )),
            None => errors.push(FieldError::new(
                format!("/{index}"),
                ErrorCode::InvalidType,
                format!("{value} is not a user id."),
            )),
        }
    }
    errors.into_result().map(|()| ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_set_is_every_read_only_field_but_the_id() {
        let read_only: Vec<&str> = FIELDS
            .iter()
            .filter(|f| f.read_only && f.path != "id")
            .map(|f| f.path)
            .collect();
        let top_level: Vec<&str> = SERVER_SET
            .iter()
            .copied()
            .filter(|f| !f.contains('/'))
            .collect();
        assert_eq!(read_only, top_level);
    }

    #[test]
    fn stripping_leaves_the_id_and_every_field_the_vendor_does_not_set() {
        for (case, body, expected) in [
            (
                "a user read back whole",
                json!({
                    "id": 42, "pid": "9f2c", "deleted": false, "loginName": "ada",
                    "dateUpdated": "2024-05-06 07:08:09", "lastPwdChangeDate": "2024-01-02 03:04:05",
                    "memberOf": {"agentGroupId": -1, "assignmentDate": "2024-01-02 03:04:05"},
                    "managerOf": [{"agentGroupId": 7, "assignmentDate": "2024-01-02 03:04:05"}],
                    "passwordSh": null, "somethingNew": {"kept": true}
                }),
                json!({
                    "id": 42, "loginName": "ada", "memberOf": {"agentGroupId": -1},
                    "managerOf": [{"agentGroupId": 7}], "passwordSh": null,
                    "somethingNew": {"kept": true}
                }),
            ),
            (
                "a list",
                json!([{"id": 1, "deleted": false}, {"id": 2, "pid": "p"}]),
                json!([{"id": 1}, {"id": 2}]),
            ),
            (
                "nothing server-set",
                json!([{"id": 1, "loginName": "a"}]),
                json!([{"id": 1, "loginName": "a"}]),
            ),
        ] {
            let mut stripped = body.clone();
            assert_eq!(strip_server_set(&mut stripped), body != expected, "{case}");
            assert_eq!(stripped, expected, "{case}");
        }
    }
}
