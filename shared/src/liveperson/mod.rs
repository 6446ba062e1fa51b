//! LivePerson Account Config Users API (`le-users`): the user entity, its validation rules,
//! the `select` expression and the description of the operations.

pub mod ops;
pub mod select;
pub mod user;
pub mod validate;

pub use select::{SelectError, Selection};
pub use user::{MemberOf, User, parse_users};
pub use validate::{Operation, validate_batch, validate_user};
