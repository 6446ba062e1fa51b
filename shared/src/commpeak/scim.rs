//! How a CommPeak user is a SCIM User (`crate::scim::mapping`): `username` is the
//! `userName`, `first_name`/`last_name` the given and family names, `is_active` (a 0/1 flag,
//! read as `"0"`/`"1"`, written as a number) is `active`, and the password goes in `password`
//! on create. The SCIM id is CommPeak's id; a user flagged `is_deleted` is no SCIM resource.
//! CommPeak has no field for `externalId`, `displayName` or a formatted name.
//!
//! CommPeak's create takes no names (they are update-only), so a create is followed by an
//! update that sets them (`Mapping::after_create`). A replace keeps what CommPeak requires
//! when SCIM leaves it out (`username`, `email`, `is_active`) and clears the names; the
//! update is partial, so only what changed is sent.

use crate::scim::mapping::{Attribute, Encoding, Mapping, Source};

pub const SCIM: Mapping = Mapping {
    kind: crate::connection::VendorKind::Commpeak,
    attributes: &[
        Attribute::text(Source::UserName, "username"),
        Attribute::text(Source::GivenName, "first_name"),
        Attribute::text(Source::FamilyName, "last_name"),
        Attribute::text(Source::Email, "email"),
        Attribute::with(Source::Active, "is_active", Encoding::Flag),
        Attribute::text(Source::Password, "password"),
    ],
    list_select: "id,is_deleted,username,first_name,last_name,email,is_active",
    password_accepted: accepted,
    password_specials: "",
    // The sandbox's seeded account (`sandbox::seed::COMMPEAK_ROLES`): role "1" is its Agent
    // role. Nothing else is required: SCIM supplies username, email and the password.
    sandbox_defaults: r#"{"roles": ["1"]}"#,
    name_required: false,
    retired_empties: &[],
};

/// CommPeak publishes no password rule: its create needs one (this product's rule, see
/// `validate_new_user`), and any is taken.
fn accepted(password: &str) -> bool {
    !password.trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conflict::update_body;
    use crate::connection::VendorKind;
    use crate::operation::{PathParams, names};
    use crate::scim::mapping::testing::{
        assert_attributes, assert_creates, assert_identity_providers_create, check_create,
        check_generated_passwords, entra_user, okta_user, resource,
    };
    use crate::scim::{ScimType, USER_SCHEMA};
    use serde_json::{Map, Value, json};

    /// A user as CommPeak answers it (every scalar a string), with fields SCIM does not map.
    fn vendor_user() -> Value {
        json!({
            "id": "1017", "username": "adal", "email": "adal@dialer.example.com",
            "registration_password": "s3cret", "is_active": "1", "is_deleted": "0",
            "first_name": "Ada", "last_name": "Lovelace", "timezone_id": "4",
            "default_language": "en_US", "roles": {"1": "Agent"}, "desks": []
        })
    }

    #[test]
    fn reads() {
        let published = json!({
            "schemas": [USER_SCHEMA], "id": "1017", "userName": "adal",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "adal@dialer.example.com", "type": "work", "primary": true}],
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
            ("as answered", vendor_user(), Some(published.clone())),
            ("deleted", with(json!({"is_deleted": "1"})), None),
            ("deleted as a number", with(json!({"is_deleted": 1})), None),
            ("no id", with(json!({"id": ""})), None),
            (
                "inactive \"0\", names empty as a create leaves them",
                with(json!({"is_active": "0", "first_name": "", "last_name": "", "id": 1017})),
                Some({
                    let mut p = published.clone();
                    p["active"] = json!(false);
                    p.as_object_mut().unwrap().remove("name");
                    p
                }),
            ),
        ];
        for (case, user, expected) in cases {
            assert_eq!(&SCIM.resource(user).map(Value::Object), expected, "{case}");
        }
    }

    #[test]
    fn writes() {
        let cases: &[(&str, Map<String, Value>, Value)] = &[
            (
                "Okta: its password; no names on create",
                okta_user(),
                json!({"username": "ada.lovelace@example.com", "email": "ada.lovelace@example.com",
                    "is_active": 1, "password": "Okta#set#Passw0rd"}),
            ),
            (
                "Entra: the primary email, a generated password",
                entra_user(),
                json!({"username": "AdaL@contoso.com", "email": "AdaL@contoso.com",
                    "is_active": 1, "password": "Gen3rated"}),
            ),
            (
                "inactive is the number 0",
                resource(
                    json!({"userName": "bob", "emails": [{"value": "bob@x.io"}], "active": false}),
                ),
                json!({"username": "bob", "email": "bob@x.io", "is_active": 0, "password": "Gen3rated"}),
            ),
        ];
        assert_creates(&SCIM, "Gen3rated", cases);
    }

    /// The create, then the update that sets the names, each passing CommPeak's own check;
    /// the update sends the names only.
    #[test]
    fn creates_pass_commpeaks_check_and_names_follow() {
        let update = crate::vendor::operations(VendorKind::Commpeak)
            .iter()
            .find(|op| op.name == names::UPDATE_USER)
            .unwrap();
        for (input, user) in assert_identity_providers_create(&SCIM) {
            // As the vendor answers the create: names empty, scalars as strings.
            let created = json!({"id": "1031", "username": user["username"], "email": user["email"],
                "is_active": "1", "is_deleted": "0", "first_name": "", "last_name": "",
                "registration_password": "x"});
            let named = SCIM.after_create(&created, &input).unwrap().unwrap();
            let body = update_body(
                &super::super::DESCRIPTION,
                super::super::FIELDS,
                &created,
                &named,
            );
            assert_eq!(body, json!({"first_name": "Ada", "last_name": "Lovelace"}));
            let params = PathParams {
                id: Some("1031".into()),
            };
            let bytes = serde_json::to_vec(&body).unwrap();
            assert!(
                crate::vendor::check_body(VendorKind::Commpeak, update, &params, &bytes).is_ok()
            );
        }
        let nameless = resource(json!({"userName": "bob", "emails": [{"value": "b@x.io"}]}));
        assert_eq!(SCIM.after_create(&vendor_user(), &nameless), Ok(None));
    }

    #[test]
    fn replace_clears_the_names_and_keeps_the_required() {
        let current = vendor_user();
        let cases: &[(&str, Value, Result<Value, ScimType>)] = &[
            (
                "only a user name: names cleared, email and flag kept",
                json!({"userName": "adal"}),
                Ok(json!({"first_name": "", "last_name": ""})),
            ),
            (
                "deactivated: 0, a number",
                json!({"userName": "adal", "name": {"givenName": "Ada", "familyName": "Lovelace"},
                    "emails": [{"value": "adal@dialer.example.com"}], "active": false}),
                Ok(json!({"is_active": 0})),
            ),
            (
                "renamed (CommPeak lets the username change)",
                json!({"userName": "ada.l", "name": {"givenName": "Ada", "familyName": "Lovelace"}, "active": true}),
                Ok(json!({"username": "ada.l"})),
            ),
            (
                "emails not an array",
                json!({"userName": "adal", "emails": {}}),
                Err(ScimType::InvalidValue),
            ),
        ];
        for (case, input, expected) in cases {
            // What the proxy sends: the partial update of what changed.
            let found = SCIM
                .replaced_user(&current, &resource(input.clone()))
                .map(|replaced| {
                    update_body(
                        &super::super::DESCRIPTION,
                        super::super::FIELDS,
                        &current,
                        &replaced,
                    )
                })
                .map_err(|e| e.scim_type.unwrap());
            assert_eq!(&found, expected, "{case}");
        }
    }

    #[test]
    fn errors_name_the_scim_attribute() {
        assert_attributes(
            &SCIM,
            &[
                ("/0/username", Some("userName")),
                ("/first_name", Some("name")),
                ("/last_name", Some("name")),
                ("/0/email", Some("emails")),
                ("/is_active", Some("active")),
                ("/0/password", Some("password")),
                ("/0/roles", None),
                ("/timezone_id", None),
            ],
        );
    }

    #[test]
    fn generated_passwords_pass_commpeaks_create() {
        check_generated_passwords(&SCIM, 0xC0, |password| {
            let user = json!({"username": "u", "email": "u@x.io", "password": password});
            assert_eq!(check_create(VendorKind::Commpeak, &user), Ok(()));
        });
    }

    /// Role "1" is the seeded account's Agent role (see `SCIM`); the configuration's checks
    /// refuse what CommPeak's create does not take.
    #[test]
    fn sandbox_defaults_are_the_seeded_agent_role() {
        let defaults = SCIM.sandbox_defaults();
        assert_eq!(defaults["roles"], json!(["1"]));
        assert_eq!(SCIM.defaults_problem(&defaults), None);
        assert_eq!(
            SCIM.defaults_problem(&Map::new()),
            None,
            "SCIM supplies every required field"
        );
        let cases: &[(Value, &str)] = &[
            (
                json!({"first_name": "X"}),
                "not taken by the vendor's create",
            ),
            (json!({"id": 4}), "set by the vendor"),
            (json!({"password": "x"}), "always set from SCIM's password"),
            (json!({"nope": 1}), "not a field"),
            (json!({"is_active": "maybe"}), "SCIM default \"is_active\""),
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
