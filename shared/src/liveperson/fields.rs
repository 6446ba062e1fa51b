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
    FieldSpec::new("id", "Id", FieldKind::Integer).read_only(),
    FieldSpec::new("pid", "Process id", FieldKind::Text).read_only(),
    FieldSpec::new("deleted", "Deleted", FieldKind::Boolean).read_only(),
    // Practitioners treat loginName as create-only (§1.6 practitioner notes); the vendor does
    // not say so, so the console lets it be edited and the vendor decides.
    FieldSpec::new("loginName", "Login name", FieldKind::Text).required(),
    FieldSpec::new("fullName", "Full name", FieldKind::Text).required(),
    FieldSpec::new("nickname", "Nickname", FieldKind::Text).required(),
    FieldSpec::new("email", "Email", FieldKind::Email).required(),
    FieldSpec::new("isEnabled", "Enabled", FieldKind::Boolean).required(),
    FieldSpec::new("maxChats", "Max chats", FieldKind::Integer).required(),
    FieldSpec::new("maxAsyncChats", "Max async chats", FieldKind::Integer),
    FieldSpec::new("profileIds", "Profile ids", FieldKind::IdList).required(),
    FieldSpec::new("skillIds", "Skill ids", FieldKind::IdList),
    FieldSpec::new("memberOf/agentGroupId", "Agent group", FieldKind::Integer),
    FieldSpec::new("managerOf", "Manager of", FieldKind::Structured),
    // Required on create for people; `null` on update keeps the current password.
    FieldSpec::new("passwordSh", "Password", FieldKind::Password).secret(),
    FieldSpec::new(
        "changePwdNextLogin",
        "Change password at next login",
        FieldKind::Boolean,
    ),
    FieldSpec::new("isApiUser", "API user", FieldKind::Boolean),
    FieldSpec::new("allowedAppKeys", "Allowed app keys", FieldKind::Text),
    FieldSpec::new("userTypeId", "User type", FieldKind::Choice(USER_TYPES)),
    FieldSpec::new("permissionGroups", "Permission groups", FieldKind::IdList),
    FieldSpec::new("lobIds", "Lines of business", FieldKind::IdList),
    FieldSpec::new("description", "Description", FieldKind::Text),
    FieldSpec::new("mobileNumber", "Mobile number", FieldKind::Text),
    FieldSpec::new("employeeId", "Employee id", FieldKind::Text),
    FieldSpec::new("pictureId", "Picture id", FieldKind::Text),
    FieldSpec::new("pictureUrl", "Picture URL", FieldKind::Text),
    FieldSpec::new("backgndImgUri", "Background image URI", FieldKind::Text),
    FieldSpec::new("pnCertName", "Mobile app id", FieldKind::Text),
    FieldSpec::new("disabledManually", "Disabled manually", FieldKind::Boolean),
    FieldSpec::new("lastPwdChangeDate", "Password changed", FieldKind::Date).read_only(),
    FieldSpec::new("dateUpdated", "Updated", FieldKind::Date).read_only(),
];
