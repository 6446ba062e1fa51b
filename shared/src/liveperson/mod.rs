//! LivePerson Account Config Users API (`le-users`): the user entity, its validation rules,
//! the `select` expression, the role-change rule and the description of the operations.
//!
//! Create, update and read share one user shape (the appendix table lists one entity); the
//! operation decides which of its fields are required or refused.

pub mod fields;
pub mod ops;
pub mod roles;
pub mod select;
pub mod user;
pub mod validate;

use serde::Deserialize;

pub use fields::FIELDS;
pub use ops::OPERATIONS;
pub use roles::{Profile, ProfileRoles, Reset, Role, apply_role_change, role_change_resets};
pub use select::{SelectError, Selection};
pub use user::{MemberOf, User, parse_users};
pub use validate::{validate_batch, validate_user};

use crate::error::{ErrorCode, FieldError, ValidationErrors};
use crate::operation::{Body, OperationSpec, PathParams, Write};
use crate::parse::parse_one;

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
            match new_password.filter(|p| !p.is_empty()) {
                Some(password) => Ok(Request::NewPassword(password)),
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
