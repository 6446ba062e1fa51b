//! Trintech IAM API users (`users-apis.md` §2): the user entity and batch result, the
//! validation rules, the form fields and the description of the operations.
//!
//! Create and update take the same user object; the update refuses what the vendor does not
//! let it change. Only the two batch writes are published; see [`ops`].

pub mod fields;
pub mod ops;
pub mod scim;
pub mod user;
pub mod validate;

pub use fields::FIELDS;
pub use ops::OPERATIONS;
pub use user::{
    AuthError, BatchResult, Name, ResultItem, RoleAssignment, User, UserAccess, parse_users,
};
pub use validate::{MAX_BATCH, validate_batch, validate_user};

use crate::description::{
    BulkField, Deletion, Description, FieldValue, FilterKind, ListFilter, ListQuery, MaxUsers,
    Probe, Select, Switch, SwitchWords, Update,
};
use crate::error::ValidationErrors;
use crate::operation::{Body, OperationSpec, PathParams};

/// Trintech publishes no field it sets itself (no read shape either): nothing to drop.
pub const SERVER_SET: &[&str] = &[];

/// Trintech's users as the console handles them: keyed by `userName` (it has no id),
/// replaced whole by `PUT /users`, locked by `lockedOut`; no delete is published.
pub const DESCRIPTION: Description = Description {
    key: "userName",
    login: "userName",
    searched: &["userName", "email", "name/firstName", "name/lastName"],
    columns: &[
        "userName",
        "name/firstName",
        "name/lastName",
        "email",
        "lockedOut",
    ],
    revision: None,
    revision_counts_writes: false,
    update: Update::Replace,
    disabled: Switch {
        field: "lockedOut",
        on: FieldValue::Bool(true),
        off: FieldValue::Bool(false),
    },
    disabled_words: SwitchWords {
        set: "Set locked out",
        enable: "Unlock",
        disable: "Lock out",
    },
    deletion: Deletion::None,
    deleted: None,
    list: ListQuery {
        select: Some(Select::BY_PROXY),
        include_deleted: None,
    },
    filters: &[ListFilter {
        field: "lockedOut",
        param: "locked",
        label: "Status",
        kind: FilterKind::YesNo {
            yes: "Locked out",
            no: "Not locked out",
        },
    }],
    new_user: &[("lockedOut", FieldValue::Bool(false))],
    bulk: &[
        BulkField::set("departmentId"),
        BulkField::set("locationId"),
        BulkField::set("programAdminRoleId"),
    ],
    // Trintech publishes no read: an update of no users, refused as empty once the
    // credentials are accepted.
    probe: Probe {
        operation: crate::operation::names::UPDATE_USERS,
        id: None,
        body: Some("[]"),
    },
    max_users: MaxUsers::Documented(MAX_BATCH),
};

/// A request body, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    None,
    Users(Vec<User>),
}

/// Reads and checks the body of `operation`, reporting every problem.
pub fn check_body(
    operation: &OperationSpec,
    _params: &PathParams,
    body: &[u8],
) -> Result<Request, ValidationErrors> {
    match operation.body {
        Body::Users(write) => {
            let users = parse_users(body)?;
            validate_batch(&users, write)?;
            Ok(Request::Users(users))
        }
        Body::None => Ok(Request::None),
        other => Err(crate::parse::unsupported_body(other)),
    }
}
