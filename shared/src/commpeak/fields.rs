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
    FieldSpec::new("first_name", "First name", FieldKind::Text).update_only(),
    FieldSpec::new("last_name", "Last name", FieldKind::Text).update_only(),
    FieldSpec::new("is_active", "Active", FieldKind::Flag),
    FieldSpec::new("is_deleted", "Deleted", FieldKind::Flag).update_only(),
    FieldSpec::new("sip_uri", "SIP URI", FieldKind::Text),
    FieldSpec::new("sip_option", "SIP option", FieldKind::Text).create_only(),
    FieldSpec::new(
        "registration_password",
        "SIP registration password",
        FieldKind::Password,
    )
    .secret()
    .update_only(),
    FieldSpec::new("virtual_extension", "Virtual extension", FieldKind::Text).update_only(),
    FieldSpec::new(
        "predictive_dynamic_extension",
        "Predictive dynamic extension",
        FieldKind::Text,
    )
    .update_only(),
    FieldSpec::new(
        "user_route_caller_id",
        "User route caller id",
        FieldKind::Integer,
    ),
    FieldSpec::new("timezone_id", "Time zone id", FieldKind::Integer).update_only(),
    FieldSpec::new(
        "default_language",
        "Language",
        FieldKind::Choice(LANGUAGE_CHOICES),
    )
    .update_only(),
    FieldSpec::new(
        "twofa_type",
        "Two-factor authentication",
        FieldKind::Choice(TWOFA_CHOICES),
    )
    .update_only(),
    // Text in the vendor's own types (`"0"`), so written as text.
    FieldSpec::new("max_session_time", "Max session time", FieldKind::Text).update_only(),
    FieldSpec::new(
        "max_concurrent_sessions",
        "Max concurrent sessions",
        FieldKind::Text,
    )
    .update_only(),
    FieldSpec::new("use_extended_ip_acl", "Extended IP ACL", FieldKind::Flag),
    FieldSpec::new("use_webrtc", "WebRTC", FieldKind::Flag).update_only(),
    FieldSpec::new("member_all_desks", "Member of all desks", FieldKind::Flag),
    FieldSpec::new(
        "member_all_skill_groups",
        "Member of all skill groups",
        FieldKind::Flag,
    )
    .update_only(),
    FieldSpec::new("is_clockedin", "Clocked in", FieldKind::Flag).update_only(),
    FieldSpec::new(
        "is_predictive_clockedin",
        "Predictive clocked in",
        FieldKind::Flag,
    )
    .update_only(),
    FieldSpec::new(
        "reset_password",
        "Reset password at next login",
        FieldKind::Flag,
    )
    .create_only(),
    FieldSpec::new("kerb_username", "Kerberos user name", FieldKind::Text).create_only(),
    // Taken on create only: an update has neither (§3.5).
    FieldSpec::new("desks", "Desks", FieldKind::Structured).create_only(),
    FieldSpec::new("roles", "Roles", FieldKind::Structured).create_only(),
    FieldSpec::new("skill_groups", "Skill groups", FieldKind::Structured).create_only(),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commpeak::{LANGUAGES, TWOFA_TYPES};

    /// The fields a create and an update take, as the entity types read them: a form never
    /// offers a field the write would drop.
    #[test]
    fn create_and_update_fields_match_the_entity_types() {
        let create: serde_json::Map<String, serde_json::Value> = FIELDS
            .iter()
            .filter(|f| !f.read_only && !f.update_only)
            .map(|f| (f.path.to_owned(), serde_json::Value::Null))
            .collect();
        let update: Vec<&str> = FIELDS
            .iter()
            .filter(|f| !f.read_only && !f.create_only)
            .map(|f| f.path)
            .collect();
        for field in create.keys() {
            assert!(
                NEW_USER_FIELDS.contains(&field.as_str()),
                "{field} is offered on create, which CommPeak's create does not take"
            );
        }
        for field in update {
            assert!(
                UPDATE_FIELDS.contains(&field),
                "{field} is offered on update, which CommPeak's update does not take"
            );
        }
    }

    /// `NewUser`'s and `UserUpdate`'s members (§3.4, §3.5).
    const NEW_USER_FIELDS: &[&str] = &[
        "username",
        "password",
        "email",
        "sip_option",
        "is_active",
        "reset_password",
        "sip_uri",
        "use_extended_ip_acl",
        "user_route_caller_id",
        "member_all_desks",
        "kerb_username",
        "desks",
        "roles",
        "skill_groups",
    ];
    const UPDATE_FIELDS: &[&str] = &[
        "username",
        "email",
        "is_active",
        "sip_uri",
        "is_deleted",
        "use_extended_ip_acl",
        "user_route_caller_id",
        "predictive_dynamic_extension",
        "timezone_id",
        "first_name",
        "last_name",
        "virtual_extension",
        "default_language",
        "max_session_time",
        "max_concurrent_sessions",
        "twofa_type",
        "member_all_skill_groups",
        "member_all_desks",
        "registration_password",
        "is_clockedin",
        "is_predictive_clockedin",
        "use_webrtc",
    ];

    #[test]
    fn choices_match_the_validated_values() {
        let values = |choices: &[Choice]| choices.iter().map(|c| c.value).collect::<Vec<_>>();
        assert_eq!(values(LANGUAGE_CHOICES), LANGUAGES);
        assert_eq!(values(TWOFA_CHOICES), TWOFA_TYPES);
    }
}
