//! The one place where the vendors' data and rules live: entity types, validation and
//! operation descriptions, compiled natively for the proxy and sandbox and to wasm32 for the
//! browser, so all three apply exactly the same rules. Nothing here does I/O.

pub mod batch;
pub mod commpeak;
pub mod conflict;
pub mod connection;
pub mod description;
pub mod error;
pub mod field;
pub mod format;
pub mod lenient;
pub mod liveperson;
pub mod operation;
pub mod parse;
pub mod rules;
pub mod scim;
pub mod select;
pub mod server_set;
pub mod trintech;
pub mod vendor;

#[cfg(test)]
mod roundtrip;

pub use connection::{ConnectionInfo, VendorKind};
pub use error::{ApiError, ErrorCode, FieldError, ValidationErrors};
