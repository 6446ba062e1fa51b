//! The CommPeak user's fields as a form shows them (`users-apis.md` §3.4–3.6).

use crate::field::{Choice, FieldKind, FieldSpec};

const LANGUAGE_CHOICES: &[Choice] = &[
    Choice {
        value: "en_US",
        label: "English (United States)",
    },
    Choice {
        value: "es_ES",
        label: "Spanish (Spain)",
    },
    Choice {
        value: "pt_BR",
        label: "Portuguese (Brazil)",
    },
    Choice {
        value: "ru_RU",
        label: "Russian",
    },
];

const TWOFA_CHOICES: &[Choice] = &[
    Choice {
        value: "default",
        label: "Default from role / tenant",
    },
    Choice {
        value: "disabled",
        label: "Disabled (login without 2FA)",
    },
    Choice {
        value: "email",
        label: "Email one-time code",
    },
    Choice {
        value: "google",
        label: "Google Authenticator",
    },
];

pub const FIELDS: &[FieldSpec] = &[
    FieldSpec::new("id", "Id", FieldKind::Integer).read_only(),
    FieldSpec::new("username", "User name", FieldKind::Text).required(),
    FieldSpec::new("password", "Password", FieldKind::Password)
        .required()
        .create_only()
        .secret(),
    FieldSpec::new("email", "Email", FieldKind::Email).required(),
    FieldSpec::new("first_name", "First name", FieldKind::Text),
    FieldSpec::new("last_name", "Last name", FieldKind::Text),
    FieldSpec::new("is_active", "Active", FieldKind::Flag),
    FieldSpec::new("is_deleted", "Deleted", FieldKind::Flag),
    FieldSpec::new("sip_uri", "SIP URI", FieldKind::Text),
    FieldSpec::new("sip_option", "SIP option", FieldKind::Text).create_only(),
    FieldSpec::new(
        "registration_password",
        "SIP registration password",
        FieldKind::Password,
    )
    .secret(),
    FieldSpec::new("virtual_extension", "Virtual extension", FieldKind::Text),
    FieldSpec::new(
        "predictive_dynamic_extension",
        "Predictive dynamic extension",
        FieldKind::Text,
    ),
    FieldSpec::new(
        "user_route_caller_id",
        "User route caller id",
        FieldKind::Integer,
    ),
    FieldSpec::new("timezone_id", "Time zone id", FieldKind::Integer),
    FieldSpec::new(
        "default_language",
        "Language",
        FieldKind::Choice(LANGUAGE_CHOICES),
    ),
    FieldSpec::new(
        "twofa_type",
        "Two-factor authentication",
        FieldKind::Choice(TWOFA_CHOICES),
    ),
    FieldSpec::new("max_session_time", "Max session time", FieldKind::Integer),
    FieldSpec::new(
        "max_concurrent_sessions",
        "Max concurrent sessions",
        FieldKind::Integer,
    ),
    FieldSpec::new("use_extended_ip_acl", "Extended IP ACL", FieldKind::Flag),
    FieldSpec::new("use_webrtc", "WebRTC", FieldKind::Flag),
    FieldSpec::new("member_all_desks", "Member of all desks", FieldKind::Flag),
    FieldSpec::new(
        "member_all_skill_groups",
        "Member of all skill groups",
        FieldKind::Flag,
    ),
    FieldSpec::new("is_clockedin", "Clocked in", FieldKind::Flag),
    FieldSpec::new(
        "is_predictive_clockedin",
        "Predictive clocked in",
        FieldKind::Flag,
    ),
    FieldSpec::new(
        "reset_password",
        "Reset password at next login",
        FieldKind::Flag,
    )
    .create_only(),
    FieldSpec::new("kerb_username", "Kerberos user name", FieldKind::Text).create_only(),
    FieldSpec::new("desks", "Desks", FieldKind::Structured),
    FieldSpec::new("roles", "Roles", FieldKind::Structured),
    FieldSpec::new("skill_groups", "Skill groups", FieldKind::Structured).create_only(),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commpeak::{LANGUAGES, TWOFA_TYPES};

    #[test]
    fn choices_match_the_validated_values() {
        let values = |choices: &[Choice]| choices.iter().map(|c| c.value).collect::<Vec<_>>();
        assert_eq!(values(LANGUAGE_CHOICES), LANGUAGES);
        assert_eq!(values(TWOFA_CHOICES), TWOFA_TYPES);
    }
}
