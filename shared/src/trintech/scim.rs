//! How a Trintech user is a SCIM User (`crate::scim::mapping`): `userName` is the
//! `userName` and, Trintech having no id, the SCIM id too; `name.firstName`/`lastName`/
//! `displayName` are the given, family and formatted names; the primary email and phone are
//! `email` and `phoneNumber`; `active` is the opposite of `lockedOut`; the password goes in
//! `password` on create. Trintech has no field for `externalId` or a top-level display name,
//! and publishes no delete, so no Trintech user is a deleted one.
//!
//! The user name is create-only (the key an update names): a replace that changes it is a
//! 400 `mutability`. A replace keeps `email` (required) and `lockedOut` when SCIM leaves them
//! out, and clears the name parts and the phone; Trintech still needs one name part, which
//! its own rules ask for.

use crate::scim::mapping::{Attribute, Encoding, Mapping, Source};

pub const SCIM: Mapping = Mapping {
    kind: crate::connection::VendorKind::Trintech,
    attributes: &[
        Attribute::text(Source::UserName, "userName"),
        Attribute::text(Source::GivenName, "name/firstName"),
        Attribute::text(Source::FamilyName, "name/lastName"),
        Attribute::text(Source::Formatted, "name/displayName"),
        Attribute::text(Source::Email, "email"),
        Attribute::text(Source::Phone, "phoneNumber"),
        Attribute::with(Source::Active, "lockedOut", Encoding::Negated),
        Attribute::text(Source::Password, "password"),
    ],
    list_select: "userName,name,email,phoneNumber,lockedOut,roles",
    password_accepted: accepted,
    // The policy needs one of these, and takes no other special character.
    password_specials: super::validate::PASSWORD_SPECIALS,
    // As every seeded Trintech user (`sandbox::seed::trintech_users`): access to
    // Certification, and the first seeded role, a Close preparer.
    sandbox_defaults: r#"{"userAccess": {"AccessCertification": true}, "roles": [{"type": "Close", "value": "Preparer"}]}"#,
    name_required: true,
    // No delete: a SCIM delete locks the user out and takes every role away.
    retired_empties: &["roles"],
};

/// Trintech's published password policy: its length and its characters.
fn accepted(password: &str) -> bool {
    let (min, max) = super::validate::PASSWORD_LENGTH;
    (min..=max).contains(&password.chars().count()) && super::validate::is_policy_password(password)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::mapping::testing::{
        assert_attributes, assert_identity_providers_create, assert_one_create_carries_all,
        check_generated_passwords, entra_user, okta_user, resource,
    };
    use crate::scim::{ScimType, USER_SCHEMA};
    use serde_json::{Map, Value, json};

    /// A user as Trintech holds it, with fields SCIM does not map.
    fn vendor_user() -> Value {
        json!({
            "userName": "jane.doe",
            "name": {"firstName": "Jane", "middleName": "Q", "lastName": "Doe", "displayName": "Jane Doe"},
            "email": "jane.doe@corp.example.com", "phoneNumber": "+1 214 555 0101",
            "roles": [{"type": "Close", "value": "Preparer"}],
            "userAccess": {"AccessCertification": true}, "departmentId": "FIN",
            "lockedOut": false
        })
    }

    #[test]
    fn reads() {
        let published = json!({
            "schemas": [USER_SCHEMA], "id": "jane.doe", "userName": "jane.doe",
            "name": {"givenName": "Jane", "familyName": "Doe", "formatted": "Jane Doe"},
            "emails": [{"value": "jane.doe@corp.example.com", "type": "work", "primary": true}],
            "phoneNumbers": [{"value": "+1 214 555 0101", "type": "work", "primary": true}],
            "active": true
        });
        let with = |changes: Value| {
            let mut user = vendor_user();
            for (k, v) in changes.as_object().unwrap() {
                user[k] = v.clone();
            }
            user
        };
        let cases: &[(&str, Value, Option<Value>)] = &[
            ("as held", vendor_user(), Some(published.clone())),
            ("no user name, no id", with(json!({"userName": null})), None),
            (
                "locked out (as a string), no phone",
                with(json!({"lockedOut": "true", "phoneNumber": ""})),
                Some({
                    let mut p = published.clone();
                    p["active"] = json!(false);
                    p.as_object_mut().unwrap().remove("phoneNumbers");
                    p
                }),
            ),
            (
                "locked out with no roles: deleted through SCIM",
                with(json!({"lockedOut": true, "roles": []})),
                None,
            ),
            (
                "no roles but not locked out",
                with(json!({"roles": []})),
                Some(published.clone()),
            ),
        ];
        for (case, user, expected) in cases {
            assert_eq!(&SCIM.resource(user).map(Value::Object), expected, "{case}");
        }
    }

    /// A SCIM delete locks the user out and takes the roles away, and the user is then no
    /// SCIM resource; everything else the vendor holds stays.
    #[test]
    fn a_delete_retires_the_user() {
        let retired = SCIM.retired_user(&vendor_user());
        assert_eq!(retired["lockedOut"], json!(true));
        assert_eq!(retired["roles"], json!([]));
        assert_eq!(retired["departmentId"], vendor_user()["departmentId"]);
        assert_eq!(retired["email"], vendor_user()["email"]);
        assert!(SCIM.resource(&retired).is_none());
    }

    #[test]
    fn writes() {
        let cases: &[(&str, Map<String, Value>, Value)] = &[
            (
                "Okta: formatted name composed, its password",
                okta_user(),
                json!({"userName": "ada.lovelace@example.com",
                    "name": {"firstName": "Ada", "lastName": "Lovelace", "displayName": "Ada Lovelace"},
                    "email": "ada.lovelace@example.com", "lockedOut": false,
                    "password": "Okta#set#Passw0rd"}),
            ),
            (
                "Entra: the primary email, the work phone, a generated password",
                entra_user(),
                json!({"userName": "AdaL@contoso.com",
                    "name": {"firstName": "Ada", "lastName": "Lovelace", "displayName": "Ada King Lovelace"},
                    "email": "AdaL@contoso.com", "phoneNumber": "+1 555 0199", "lockedOut": false,
                    "password": "Gen3rated#"}),
            ),
            (
                "inactive is locked out; a display name stands for the name",
                resource(
                    json!({"userName": "bob", "displayName": "Bob", "emails": [{"value": "bob@x.io"}], "active": false}),
                ),
                json!({"userName": "bob", "name": {"displayName": "Bob"}, "email": "bob@x.io",
                    "lockedOut": true, "password": "Gen3rated#"}),
            ),
        ];
        assert_one_create_carries_all(&SCIM, "Gen3rated#", cases);
    }

    #[test]
    fn creates_pass_trintechs_check() {
        assert_identity_providers_create(&SCIM);
    }

    #[test]
    fn replace_keeps_the_key_and_clears_the_optional() {
        let current = vendor_user();
        let cases: &[(&str, Value, Result<Value, ScimType>)] = &[
            (
                "only the user name: names and phone cleared, email and lock kept",
                json!({"userName": "jane.doe"}),
                Ok({
                    let mut u = vendor_user();
                    u["name"] = json!({"middleName": "Q"});
                    u.as_object_mut().unwrap().remove("phoneNumber");
                    u
                }),
            ),
            (
                "deactivated, renamed",
                json!({"userName": "jane.doe", "name": {"givenName": "Janet", "familyName": "Doe"},
                    "emails": [{"value": "jane.doe@corp.example.com"}],
                    "phoneNumbers": [{"value": "+1 214 555 0101"}], "active": false}),
                Ok({
                    let mut u = vendor_user();
                    u["name"]["firstName"] = json!("Janet");
                    u["name"]["displayName"] = json!("Janet Doe");
                    u["lockedOut"] = json!(true);
                    u
                }),
            ),
            (
                "a new user name",
                json!({"userName": "jane.d"}),
                Err(ScimType::Mutability),
            ),
            (
                "phone numbers not an array",
                json!({"userName": "jane.doe", "phoneNumbers": "1"}),
                Err(ScimType::InvalidValue),
            ),
        ];
        for (case, input, expected) in cases {
            let found = SCIM
                .replaced_user(&current, &resource(input.clone()))
                .map_err(|e| e.scim_type.unwrap());
            assert_eq!(&found, expected, "{case}");
        }
        // Without a user name, the key is kept.
        let kept = SCIM
            .replaced_user(&current, &resource(json!({"active": true})))
            .unwrap();
        assert_eq!(kept["userName"], "jane.doe");
    }

    #[test]
    fn errors_name_the_scim_attribute() {
        assert_attributes(
            &SCIM,
            &[
                ("/0/userName", Some("userName")),
                ("/0/name", Some("name")),
                ("/0/name/firstName", Some("name")),
                ("/name/displayName", Some("name")),
                ("/0/email", Some("emails")),
                ("/3/phoneNumber", Some("phoneNumbers")),
                ("/0/lockedOut", Some("active")),
                ("/0/password", Some("password")),
                ("/0/name/middleName", None),
                ("/0/departmentId", None),
            ],
        );
    }

    #[test]
    fn generated_passwords_pass_trintechs_policy() {
        check_generated_passwords(&SCIM, 0x7217, |password| {
            assert!(
                super::super::validate::is_policy_password(password),
                "{password}"
            );
            let (min, max) = super::super::validate::PASSWORD_LENGTH;
            assert!((min..=max).contains(&password.len()));
        });
    }

    /// Every seeded Trintech user has access to Certification and a role like this one (see
    /// `SCIM`); the configuration's checks refuse what Trintech's rules refuse.
    #[test]
    fn sandbox_defaults_are_like_the_seeded_users() {
        let defaults = SCIM.sandbox_defaults();
        assert_eq!(defaults["userAccess"]["AccessCertification"], json!(true));
        assert_eq!(SCIM.defaults_problem(&defaults), None);
        assert_eq!(SCIM.defaults_problem(&Map::new()), None);
        let cases: &[(Value, &str)] = &[
            (json!({"userName": "x"}), "always set from SCIM's userName"),
            (
                json!({"departmentId": "A-CODE-FAR-TOO-LONG"}),
                "SCIM default \"departmentId\"",
            ),
            (
                json!({"roles": [{"type": "Close"}]}),
                "SCIM default \"roles\"",
            ),
            (json!({"id": 1}), "not a field"),
        ];
        for (defaults, expected) in cases {
            let problem = SCIM.defaults_problem(defaults.as_object().unwrap());
            assert!(
                problem.as_deref().is_some_and(|p| p.contains(expected)),
                "{defaults}: {problem:?}"
            );
        }
    }
}
