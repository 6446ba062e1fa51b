//! The LivePerson user's fields as a form shows them (`users-apis.md` §1.6).

use crate::field::{Choice, FieldKind, FieldSpec};

const USER_TYPES: &[Choice] = &[
    Choice {
        value: "0",
        label: "System",
    },
    Choice {
        value: "1",
        label: "Human",
    },
    Choice {
        value: "2",
        label: "Bot",
    },
];

pub const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("id", "Id", FieldKind::Integer)
        .read_only()
        .in_group("Record"),
    FieldSpec::new("pid", "Process id", FieldKind::Text)
        .read_only()
        .in_group("Record"),
    FieldSpec::new("deleted", "Deleted", FieldKind::Boolean)
        .read_only()
        .in_group("Record"),
    // Practitioners treat loginName as create-only (§1.6 practitioner notes); the vendor does
    // not say so, so the console lets it be edited and the vendor decides.
    FieldSpec::new("loginName", "Login name", FieldKind::Text)
        .required()
        .in_group("Identity"),
    FieldSpec::new("fullName", "Full name", FieldKind::Text)
        .required()
        .in_group("Identity"),
    FieldSpec::new("nickname", "Nickname", FieldKind::Text)
        .required()
        .in_group("Identity"),
    FieldSpec::new("email", "Email", FieldKind::Email)
        .required()
        .in_group("Identity"),
    FieldSpec::new("isEnabled", "Enabled", FieldKind::Boolean)
        .required()
        .in_group("Access"),
    FieldSpec::new("maxChats", "Max chats", FieldKind::Integer)
        .required()
        .in_group("Chats and routing"),
    FieldSpec::new("maxAsyncChats", "Max async chats", FieldKind::Integer)
        .in_group("Chats and routing"),
    FieldSpec::new("profileIds", "Profiles", FieldKind::IdList)
        .required()
        .in_group("Access"),
    FieldSpec::new("skillIds", "Skills", FieldKind::IdList).in_group("Chats and routing"),
    FieldSpec::new("memberOf/agentGroupId", "Agent group", FieldKind::Integer)
        .in_group("Chats and routing"),
    FieldSpec::new("managerOf", "Manager of", FieldKind::Structured).in_group("Chats and routing"),
    // Required on create for people; `null` on update keeps the current password. Never in
    // an answer: LivePerson takes it and does not send it back.
    FieldSpec::new("passwordSh", "Password", FieldKind::Password)
        .secret()
        .write_only()
        .in_group("Access"),
    FieldSpec::new(
        "changePwdNextLogin",
        "Change password at next login",
        FieldKind::Boolean,
    )
    .in_group("Access"),
    FieldSpec::new("isApiUser", "API user", FieldKind::Boolean).in_group("Access"),
    FieldSpec::new("allowedAppKeys", "Allowed app keys", FieldKind::Text).in_group("Access"),
    FieldSpec::new("userTypeId", "User type", FieldKind::Choice(USER_TYPES)).in_group("Access"),
    FieldSpec::new("permissionGroups", "Permission groups", FieldKind::IdList).in_group("Access"),
    FieldSpec::new("lobIds", "Lines of business", FieldKind::IdList).in_group("Chats and routing"),
    FieldSpec::new("description", "Description", FieldKind::Text).in_group("Identity"),
    FieldSpec::new("mobileNumber", "Mobile number", FieldKind::Text).in_group("Identity"),
    FieldSpec::new("employeeId", "Employee id", FieldKind::Text).in_group("Identity"),
    FieldSpec::new("pictureId", "Picture id", FieldKind::Text).in_group("Appearance"),
    FieldSpec::new("pictureUrl", "Picture URL", FieldKind::Text).in_group("Appearance"),
    FieldSpec::new("backgndImgUri", "Background image URI", FieldKind::Text).in_group("Appearance"),
    FieldSpec::new("pnCertName", "Mobile app id", FieldKind::Text).in_group("Appearance"),
    FieldSpec::new("disabledManually", "Disabled manually", FieldKind::Boolean).in_group("Access"),
    FieldSpec::new("lastPwdChangeDate", "Password changed", FieldKind::Date)
        .read_only()
        .in_group("Record"),
    FieldSpec::new("dateUpdated", "Updated", FieldKind::Date)
        .read_only()
        .in_group("Record"),
];
