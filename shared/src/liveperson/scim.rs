//! How a LivePerson user is a SCIM User (`crate::scim::mapping`): the login name is the
//! `userName`, `fullName` the formatted name, `nickname` the display name, `isEnabled` is
//! `active`, `employeeId` holds the `externalId`, and the password goes in `passwordSh` on
//! create. The SCIM id is LivePerson's numeric id; a soft-deleted user is no SCIM resource.
//!
//! A replace keeps what LivePerson requires when SCIM leaves it out (`loginName`,
//! `fullName`, `nickname`, `email`, `isEnabled`) and clears the optional `employeeId`.
//! A create needs what SCIM cannot supply from the connection's SCIM defaults: `profileIds`
//! and `maxChats`, and `memberOf` for an agent profile.

use crate::scim::mapping::{Attribute, Encoding, Mapping, Source};

pub const SCIM: Mapping = Mapping {
    kind: crate::connection::VendorKind::Liveperson,
    attributes: &[
        Attribute::text(Source::UserName, "loginName"),
        Attribute::text(Source::Formatted, "fullName"),
        Attribute::text(Source::DisplayName, "nickname"),
        Attribute::text(Source::Email, "email"),
        Attribute::with(Source::Active, "isEnabled", Encoding::Bool),
        // LivePerson documents it returned empty (PII), so a read may not publish it back.
        Attribute::text(Source::ExternalId, "employeeId"),
        Attribute::text(Source::Password, "passwordSh"),
    ],
    list_select: "id,deleted,loginName,fullName,nickname,email,isEnabled,employeeId",
    password_accepted: accepted,
    // LivePerson's rule needs letters and digits only.
    password_specials: "",
    // The sandbox's seeded account (`sandbox::seed`): profile 3001 is its "Agent" profile
    // (`PROFILES[0]`, role type 2), and an agent needs an agent group, -1 being the Main
    // Group (`AGENT_GROUPS[0]`); two chats at a time, as a new agent.
    sandbox_defaults: r#"{"profileIds": [3001], "memberOf": {"agentGroupId": -1}, "maxChats": 2}"#,
    name_required: true,
    retired_empties: &[],
};

/// LivePerson's password rule for a new user (its login name unknown here: a generated
/// password is never one).
fn accepted(password: &str) -> bool {
    super::password::password_problem(password, None).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::VendorKind;
    use crate::scim::mapping::testing::{
        assert_attributes, assert_identity_providers_create, assert_one_create_carries_all,
        check_create, check_generated_passwords, entra_user, okta_user, resource,
    };
    use crate::scim::{ScimType, USER_SCHEMA};
    use serde_json::{Map, Value, json};

    /// A user as LivePerson answers it, with fields SCIM does not map.
    fn vendor_user() -> Value {
        json!({
            "id": 4100000001_i64, "pid": "p1", "deleted": false, "loginName": "ada",
            "fullName": "Ada Lovelace", "nickname": "Ada", "email": "ada@example.com",
            "isEnabled": true, "maxChats": 3, "profileIds": [3001], "skillIds": [5001],
            "memberOf": {"agentGroupId": 101, "assignmentDate": "2024-01-02 03:04:05"},
            "employeeId": "E-17", "mobileNumber": "+15550100", "dateUpdated": "2024-01-02 03:04:05"
        })
    }

    #[test]
    fn reads() {
        let published = json!({
            "schemas": [USER_SCHEMA], "id": "4100000001", "userName": "ada",
            "name": {"formatted": "Ada Lovelace"}, "displayName": "Ada",
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
            "active": true, "externalId": "E-17"
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
            ("deleted", with(json!({"deleted": true})), None),
            (
                "deleted as a string",
                with(json!({"deleted": "true"})),
                None,
            ),
            ("no id", with(json!({"id": null})), None),
            (
                "strings for booleans and ids, empty PII",
                with(
                    json!({"id": "4100000001", "isEnabled": "false", "fullName": "", "employeeId": ""}),
                ),
                Some({
                    let mut p = published.clone();
                    p["active"] = json!(false);
                    p.as_object_mut().unwrap().remove("name");
                    p.as_object_mut().unwrap().remove("externalId");
                    p
                }),
            ),
        ];
        for (case, user, expected) in cases {
            let found = SCIM.resource(user).map(Value::Object);
            assert_eq!(&found, expected, "{case}");
        }
        assert_eq!(SCIM.id(&vendor_user()).as_deref(), Some("4100000001"));
    }

    #[test]
    fn writes() {
        let cases: &[(&str, Map<String, Value>, Value)] = &[
            (
                "Okta: names composed, its password",
                okta_user(),
                json!({"loginName": "ada.lovelace@example.com", "fullName": "Ada Lovelace",
                    "nickname": "Ada Lovelace", "email": "ada.lovelace@example.com",
                    "isEnabled": true, "employeeId": "00u1ab2cd3EfGh4iJ5d7",
                    "passwordSh": "Okta#set#Passw0rd"}),
            ),
            (
                "Entra: formatted name, the primary email, a generated password",
                entra_user(),
                json!({"loginName": "AdaL@contoso.com", "fullName": "Ada King Lovelace",
                    "nickname": "Ada Lovelace", "email": "AdaL@contoso.com", "isEnabled": true,
                    "employeeId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", "passwordSh": "Gen3rated"}),
            ),
            (
                "only a user name and an email: disabled, no names",
                resource(
                    json!({"userName": "bob", "emails": [{"value": "bob@x.io"}], "active": false}),
                ),
                json!({"loginName": "bob", "email": "bob@x.io", "isEnabled": false, "passwordSh": "Gen3rated"}),
            ),
        ];
        assert_one_create_carries_all(&SCIM, "Gen3rated", cases);
    }

    #[test]
    fn creates_pass_livepersons_check() {
        assert_identity_providers_create(&SCIM);
        // Without the defaults, the vendor's rules refuse it: the defaults are what makes it.
        let bare = SCIM
            .create_user(&okta_user(), &Map::new(), "Gen3rated1")
            .unwrap();
        assert!(check_create(VendorKind::Liveperson, &bare).is_err());
    }

    #[test]
    fn replace_clears_the_optional_and_keeps_the_required() {
        let current = vendor_user();
        let cases: &[(&str, Value, Result<Value, ScimType>)] = &[
            (
                "only a user name: required kept, and employeeId (an admin's too)",
                json!({"userName": "ada"}),
                Ok(vendor_user()),
            ),
            (
                "a new login, names and disabled",
                json!({"userName": "ada2", "name": {"givenName": "A", "familyName": "L"},
                    "active": false, "externalId": "E-17", "password": "ignored1"}),
                Ok({
                    let mut u = vendor_user();
                    u["loginName"] = json!("ada2");
                    u["fullName"] = json!("A L");
                    u["nickname"] = json!("A L");
                    u["isEnabled"] = json!(false);
                    u
                }),
            ),
            (
                "active not a boolean",
                json!({"userName": "ada", "active": 0}),
                Err(ScimType::InvalidValue),
            ),
        ];
        for (case, input, expected) in cases {
            let found = SCIM
                .replaced_user(&current, &resource(input.clone()))
                .map_err(|e| e.scim_type.unwrap());
            assert_eq!(&found, expected, "{case}");
        }
        // A PATCH's result without externalId removed it: employeeId is cleared.
        let mut patched = SCIM.resource(&current).unwrap();
        patched.remove("externalId");
        let user = SCIM.patched_user(&current, &patched).unwrap();
        assert_eq!(user.get("employeeId"), None, "{user}");
        assert_eq!(user["loginName"], current["loginName"]);
    }

    #[test]
    fn errors_name_the_scim_attribute() {
        assert_attributes(
            &SCIM,
            &[
                ("/0/loginName", Some("userName")),
                ("/fullName", Some("name")),
                ("/0/nickname", Some("displayName")),
                ("/0/email", Some("emails")),
                ("/isEnabled", Some("active")),
                ("/0/passwordSh", Some("password")),
                ("/0/employeeId", Some("externalId")),
                ("/0/profileIds/0", None),
                ("/memberOf", None),
            ],
        );
    }

    #[test]
    fn generated_passwords_pass_livepersons_rule() {
        check_generated_passwords(&SCIM, 0x1170, |password| {
            assert_eq!(
                crate::liveperson::password::password_problem(password, Some("ada")),
                None
            );
        });
    }

    /// The defaults name the seeded account's Agent profile and Main Group (see `SCIM`), the
    /// agent group a create form starts with, and a configuration without them is refused.
    #[test]
    fn sandbox_defaults_are_the_seeded_agent() {
        let defaults = SCIM.sandbox_defaults();
        assert_eq!(defaults["profileIds"], json!([3001]));
        assert!(
            crate::liveperson::DESCRIPTION
                .new_user
                .iter()
                .any(|(field, value)| *field == "memberOf/agentGroupId"
                    && *value == crate::description::FieldValue::Number(-1)),
            "the Main Group, as a new user in the console"
        );
        assert_eq!(defaults["memberOf"]["agentGroupId"], json!(-1));
        assert_eq!(SCIM.defaults_problem(&defaults), None);
        let cases: &[(Value, &str)] = &[
            (json!({"maxChats": 2}), "\"profileIds\""),
            (json!({"profileIds": [3001]}), "\"maxChats\""),
            (
                json!({"profileIds": [3001], "maxChats": 2, "favouriteColour": "red"}),
                "favouriteColour",
            ),
            (
                json!({"profileIds": [3001], "maxChats": 2, "pid": "p"}),
                "set by the vendor",
            ),
            (
                json!({"profileIds": [3001], "maxChats": 2, "loginName": "x"}),
                "always set from SCIM's userName",
            ),
            (
                json!({"profileIds": [-4], "maxChats": 2}),
                "SCIM default \"profileIds\"",
            ),
            (
                json!({"profileIds": [3001], "maxChats": "many"}),
                "SCIM default \"maxChats\"",
            ),
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
