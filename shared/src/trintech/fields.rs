//! The Trintech user's fields as a form shows them (`users-apis.md` §2.3).

use crate::field::{FieldKind, FieldSpec};

pub const FIELDS: &[FieldSpec] = &[
    // The key of an update (§2.2), so it can be given on create only.
    FieldSpec::new("userName", "User name", FieldKind::Text)
        .required()
        .create_only(),
    FieldSpec::new("password", "Password", FieldKind::Password)
        .required()
        .create_only()
        .secret(),
    FieldSpec::new("name/firstName", "First name", FieldKind::Text),
    FieldSpec::new("name/middleName", "Middle name", FieldKind::Text),
    FieldSpec::new("name/lastName", "Last name", FieldKind::Text),
    FieldSpec::new("name/displayName", "Display name", FieldKind::Text),
    FieldSpec::new("email", "Email", FieldKind::Email).required(),
    FieldSpec::new("phoneNumber", "Phone number", FieldKind::Text),
    FieldSpec::new("roles", "Roles", FieldKind::Structured),
    FieldSpec::new(
        "userAccess/AccessAutomation",
        "Access: Automation",
        FieldKind::Boolean,
    )
    .create_only(),
    FieldSpec::new(
        "userAccess/AccessCertification",
        "Access: Certification",
        FieldKind::Boolean,
    )
    .create_only(),
    FieldSpec::new(
        "userAccess/AccessComplete",
        "Access: Complete",
        FieldKind::Boolean,
    )
    .create_only(),
    FieldSpec::new(
        "userAccess/AccessOperationalMatching",
        "Access: Operational Matching",
        FieldKind::Boolean,
    )
    .create_only(),
    FieldSpec::new("departmentId", "Department code", FieldKind::Text),
    FieldSpec::new("locationId", "Location code", FieldKind::Text),
    FieldSpec::new("programAdminRoleId", "Program admin role", FieldKind::Text),
    FieldSpec::new("lockedOut", "Locked out", FieldKind::Boolean),
];
