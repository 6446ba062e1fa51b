//! CommPeak Cloud PBX/Dialer users (`users-apis.md` §3): the read, create and update types,
//! the 0/1 flag encoding, the validation rules, the form fields and the operations.

pub mod fields;
pub mod flag;
pub mod ops;
pub mod scim;
pub mod user;
pub mod validate;

pub use fields::FIELDS;
pub use flag::Flag;
pub use ops::OPERATIONS;
pub use user::{LANGUAGES, NewUser, TWOFA_TYPES, User, UserUpdate, parse_new_users, parse_update};
pub use validate::{validate_new_user, validate_new_users, validate_update};

use crate::description::{
    BulkField, Deletion, Description, FieldValue, FilterKind, ListFilter, ListQuery, MaxUsers,
    Probe, Select, Switch, SwitchWords, Update,
};
use crate::error::ValidationErrors;
use crate::operation::{Body, OperationSpec, PathParams, Write};

/// Nothing for CommPeak: its one read-only field, `id`, is the key of the user an update
/// changes (passed when it matches the path, refused when it names another user, as
/// LivePerson's), and its rules refuse no other field a read returns.
pub const SERVER_SET: &[&str] = &[];

/// CommPeak's users as the console handles them: keyed by id, no revision (a save reads the
/// user again first), partial updates, `is_active` and the `is_deleted` flag as 0/1.
pub const DESCRIPTION: Description = Description {
    key: "id",
    login: "username",
    searched: &["username", "email", "first_name", "last_name"],
    columns: &["username", "first_name", "last_name", "email", "is_active"],
    revision: None,
    revision_counts_writes: false,
    update: Update::Partial,
    disabled: Switch {
        field: "is_active",
        on: FieldValue::Number(0),
        off: FieldValue::Number(1),
    },
    disabled_words: SwitchWords {
        set: "Set active",
        enable: "Activate",
        disable: "Deactivate",
    },
    deletion: Deletion::Flag(Switch {
        field: "is_deleted",
        on: FieldValue::Number(1),
        off: FieldValue::Number(0),
    }),
    deleted: Some("is_deleted"),
    list: ListQuery {
        select: Some(Select::BY_PROXY),
        include_deleted: None,
    },
    filters: &[ListFilter {
        field: "is_active",
        param: "active",
        label: "Status",
        kind: FilterKind::YesNo {
            yes: "Active",
            no: "Inactive",
        },
    }],
    new_user: &[("is_active", FieldValue::Number(1))],
    bulk: &[
        BulkField::set("default_language"),
        BulkField::set("twofa_type"),
        BulkField::set("timezone_id"),
        BulkField::set("max_concurrent_sessions"),
        BulkField::set("use_webrtc"),
        BulkField::set("member_all_desks"),
        BulkField::set("member_all_skill_groups"),
    ],
    // A user id CommPeak never gives: 404 once the credentials are accepted.
    probe: Probe {
        operation: crate::operation::names::GET_USER,
        id: Some("0"),
        body: None,
    },
    // CommPeak publishes no cap: the same default as LivePerson's.
    max_users: MaxUsers::Chosen(1000),
};

/// A request body, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    None,
    NewUsers(Vec<NewUser>),
    Update(Box<UserUpdate>),
}

/// Reads and checks the body of `operation`, reporting every problem.
pub fn check_body(
    operation: &OperationSpec,
    params: &PathParams,
    body: &[u8],
) -> Result<Request, ValidationErrors> {
    match operation.body {
        Body::None => Ok(Request::None),
        Body::Users(Write::Create) => {
            let users = parse_new_users(body)?;
            validate_new_users(&users)?;
            Ok(Request::NewUsers(users))
        }
        Body::User(Write::Update) => {
            let update = parse_update(body)?;
            validate_update(&update, params.id.as_deref())?;
            Ok(Request::Update(Box::new(update)))
        }
        other => Err(crate::parse::unsupported_body(other)),
    }
}
