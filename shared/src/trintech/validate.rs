//! Trintech's rules for a user on create and on update (`users-apis.md` §2.2 and §2.3; the
//! constraints are the published ones of `POST /users`). Every problem is reported.

use super::user::User;
use crate::error::{ErrorCode, ValidationErrors};
use crate::operation::Write;
use crate::rules::{Report, batch_size, in_record_order, unique_within};

/// At most this many users per request, on both write methods (§2.2, published).
pub const MAX_BATCH: usize = 1000;
pub const USER_NAME_LENGTH: (usize, usize) = (2, 60);
pub const PASSWORD_LENGTH: (usize, usize) = (8, 255);
pub const EMAIL_MAX: usize = 128;
pub const PHONE_MAX: usize = 20;
/// `departmentId`, `locationId` and `programAdminRoleId`.
pub const CODE_MAX: usize = 15;
/// The special characters the password policy requires one of, and the only ones allowed.
pub const PASSWORD_SPECIALS: &str = "@$!%*#?&";

/// The published user name pattern `^(?=.{2,60}$)(?![.])(?!.*[.]{2})[a-zA-Z0-9._#@-]+(?<![.])$`,
/// hand-written because no regex engine in the browser bundle supports look-around.
pub fn is_user_name(name: &str) -> bool {
    let (min, max) = USER_NAME_LENGTH;
    (min..=max).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._#@-".contains(&b))
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
}

/// The published password policy: at least one letter, one digit and one of
/// [`PASSWORD_SPECIALS`], and nothing else (the length is checked separately).
pub fn is_policy_password(password: &str) -> bool {
    let special = |c: char| PASSWORD_SPECIALS.contains(c);
    password.chars().any(|c| c.is_ascii_alphabetic())
        && password.chars().any(|c| c.is_ascii_digit())
        && password.chars().any(special)
        && password
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || special(c))
}

/// Checks one user; `prefix` is the user's pointer in the body (`/3`, or `""` for a form).
pub fn validate_user(user: &User, write: Write, prefix: &str, errors: &mut ValidationErrors) {
    let mut report = Report::new(prefix, errors);

    report.require("userName", "User name", &user.user_name);
    if let Some(name) = user.user_name.as_deref().filter(|n| !n.is_empty())
        && !is_user_name(name)
    {
        report.refuse(
            "userName",
            ErrorCode::InvalidFormat,
            format!(
                "User name \"{name}\" must be 2-60 characters of letters, digits and . _ # @ -, \
                 with no dot at either end and no two dots in a row."
            ),
        );
    }

    match write {
        Write::Create => {
            report.require("password", "Password", &user.password);
            if let Some(password) = user.password.as_deref().filter(|p| !p.is_empty()) {
                let (min, max) = PASSWORD_LENGTH;
                report.length("password", "Password", &user.password, min, max);
                if !is_policy_password(password) {
                    report.refuse(
                        "password",
                        ErrorCode::InvalidFormat,
                        format!(
                            "The password needs at least one letter, one digit and one of \
                             {PASSWORD_SPECIALS}, and no other characters."
                        ),
                    );
                }
            }
        }
        // Not updatable (§2.2): sending them is refused rather than silently dropped, so an
        // admin never believes a password or access change was made.
        Write::Update => {
            report.absent(
                "password",
                &user.password,
                ErrorCode::NotUpdatable,
                "The password cannot be changed by an update; leave it out.",
            );
            if let Some(access) = &user.user_access {
                let present = access.present();
                if present.is_empty() {
                    report.refuse(
                        "userAccess",
                        ErrorCode::NotUpdatable,
                        "User access cannot be changed by an update; leave it out.",
                    );
                }
                for flag in present {
                    report.refuse(
                        &format!("userAccess/{flag}"),
                        ErrorCode::NotUpdatable,
                        format!("userAccess.{flag} cannot be changed by an update; leave it out."),
                    );
                }
            }
        }
    }

    // `name` is required; which of its parts is not published, so one filled part suffices.
    match &user.name {
        None => report.refuse("name", ErrorCode::Required, "Name is required."),
        Some(name) => {
            let parts = [
                &name.first_name,
                &name.middle_name,
                &name.last_name,
                &name.display_name,
            ];
            if !parts.iter().any(|p| crate::rules::is_filled(p)) {
                report.refuse(
                    "name",
                    ErrorCode::Required,
                    "Name needs at least a first, last or display name.",
                );
            }
        }
    }

    report.require("email", "Email", &user.email);
    report.length("email", "Email", &user.email, 0, EMAIL_MAX);
    report.email("email", &user.email);
    report.length(
        "phoneNumber",
        "Phone number",
        &user.phone_number,
        0,
        PHONE_MAX,
    );
    for (field, label, value) in [
        ("departmentId", "Department", &user.department_id),
        ("locationId", "Location", &user.location_id),
        (
            "programAdminRoleId",
            "Program admin role",
            &user.program_admin_role_id,
        ),
    ] {
        report.length(field, label, value, 0, CODE_MAX);
    }
    for (index, role) in user.roles.iter().flatten().enumerate() {
        report.require(&format!("roles/{index}/type"), "Role type", &role.role_type);
        report.require(&format!("roles/{index}/value"), "Role value", &role.value);
    }
}

/// Checks one request: its size, each user, and `userName` and `email` unique within it.
pub fn validate_batch(users: &[User], write: Write) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    batch_size(users.len(), Some(MAX_BATCH), &mut errors);
    for (index, user) in users.iter().enumerate() {
        validate_user(user, write, &format!("/{index}"), &mut errors);
    }
    let indexed = || users.iter().enumerate();
    unique_within(
        indexed().map(|(i, u)| (i, u.user_name.as_deref())),
        "userName",
        "User name",
        &mut errors,
    );
    unique_within(
        indexed().map(|(i, u)| (i, u.email.as_deref())),
        "email",
        "Email",
        &mut errors,
    );
    in_record_order(&mut errors);
    errors.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trintech::parse_users;
    use serde_json::{Value, json};

    fn valid() -> Value {
        json!({
            "userName": "jane.doe", "password": "Str0ng#pass",
            "name": {"firstName": "Jane", "lastName": "Doe"},
            "email": "jane.doe@example.com", "phoneNumber": "+1 555 0100",
            "roles": [{"type": "Close", "value": "Preparer"}],
            "userAccess": {"AccessAutomation": true, "AccessCertification": false},
            "departmentId": "FIN", "locationId": "NYC", "programAdminRoleId": "PA1",
            "lockedOut": false
        })
    }

    fn valid_update() -> Value {
        let mut user = valid();
        let object = user.as_object_mut().unwrap();
        object.remove("password");
        object.remove("userAccess");
        user
    }

    fn with(mut user: Value, patch: Value) -> Value {
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                user.as_object_mut().unwrap().remove(k);
            } else {
                user[k] = v.clone();
            }
        }
        user
    }

    fn codes(users: Value, write: Write) -> Vec<(String, ErrorCode)> {
        let users = parse_users(users.to_string().as_bytes()).unwrap();
        match validate_batch(&users, write) {
            Ok(()) => vec![],
            Err(e) => e.0.into_iter().map(|e| (e.path, e.code)).collect(),
        }
    }

    #[test]
    fn rules_per_field() {
        use ErrorCode::*;
        let create = Write::Create;
        let update = Write::Update;
        let long = |n: usize| "x".repeat(n);
        type Case = (&'static str, Write, Value, Vec<(&'static str, ErrorCode)>);
        let cases: Vec<Case> = vec![
            ("valid create", create, valid(), vec![]),
            ("valid update", update, valid_update(), vec![]),
            (
                "user name required",
                create,
                with(valid(), json!({"userName": null})),
                vec![("/0/userName", Required)],
            ),
            (
                "user name too short",
                create,
                with(valid(), json!({"userName": "j"})),
                vec![("/0/userName", InvalidFormat)],
            ),
            (
                "user name of 60 is fine",
                create,
                with(valid(), json!({"userName": long(60)})),
                vec![],
            ),
            (
                "user name of 61",
                create,
                with(valid(), json!({"userName": long(61)})),
                vec![("/0/userName", InvalidFormat)],
            ),
            (
                "user name leading dot",
                create,
                with(valid(), json!({"userName": ".jane"})),
                vec![("/0/userName", InvalidFormat)],
            ),
            (
                "user name trailing dot",
                create,
                with(valid(), json!({"userName": "jane."})),
                vec![("/0/userName", InvalidFormat)],
            ),
            (
                "user name double dot",
                create,
                with(valid(), json!({"userName": "ja..ne"})),
                vec![("/0/userName", InvalidFormat)],
            ),
            (
                "user name with allowed specials",
                create,
                with(valid(), json!({"userName": "j_d#1@corp-x.io"})),
                vec![],
            ),
            (
                "user name with a space",
                create,
                with(valid(), json!({"userName": "jane doe"})),
                vec![("/0/userName", InvalidFormat)],
            ),
            (
                "password required on create",
                create,
                with(valid(), json!({"password": null})),
                vec![("/0/password", Required)],
            ),
            (
                "password too short",
                create,
                with(valid(), json!({"password": "Ab1!"})),
                vec![("/0/password", TooShort)],
            ),
            (
                "password too long",
                create,
                with(valid(), json!({"password": format!("A1!{}", long(253))})),
                vec![("/0/password", TooLong)],
            ),
            (
                "password without digit",
                create,
                with(valid(), json!({"password": "Strong#pass"})),
                vec![("/0/password", InvalidFormat)],
            ),
            (
                "password without special",
                create,
                with(valid(), json!({"password": "Str0ngpass"})),
                vec![("/0/password", InvalidFormat)],
            ),
            (
                "password with a disallowed character",
                create,
                with(valid(), json!({"password": "Str0ng#pass^"})),
                vec![("/0/password", InvalidFormat)],
            ),
            (
                "password on update",
                update,
                with(valid_update(), json!({"password": "Str0ng#pass"})),
                vec![("/0/password", NotUpdatable)],
            ),
            (
                "user access on update",
                update,
                with(
                    valid_update(),
                    json!({"userAccess": {"AccessComplete": true, "AccessOperationalMatching": "false"}}),
                ),
                vec![
                    ("/0/userAccess/AccessComplete", NotUpdatable),
                    ("/0/userAccess/AccessOperationalMatching", NotUpdatable),
                ],
            ),
            (
                "empty user access on update",
                update,
                with(valid_update(), json!({"userAccess": {}})),
                vec![("/0/userAccess", NotUpdatable)],
            ),
            (
                "user name is the key on update",
                update,
                with(valid_update(), json!({"userName": null})),
                vec![("/0/userName", Required)],
            ),
            (
                "name required",
                create,
                with(valid(), json!({"name": null})),
                vec![("/0/name", Required)],
            ),
            (
                "name with nothing in it",
                create,
                with(valid(), json!({"name": {"middleName": " "}})),
                vec![("/0/name", Required)],
            ),
            (
                "display name alone is enough",
                update,
                with(valid_update(), json!({"name": {"displayName": "JD"}})),
                vec![],
            ),
            (
                "email required",
                create,
                with(valid(), json!({"email": null})),
                vec![("/0/email", Required)],
            ),
            (
                "email too long",
                create,
                with(
                    valid(),
                    json!({"email": format!("{}@{}.example.com", long(60), long(56))}),
                ),
                vec![("/0/email", TooLong)],
            ),
            (
                "email of 128 is fine",
                create,
                with(
                    valid(),
                    json!({"email": format!("{}@{}.example.com", long(60), long(55))}),
                ),
                vec![],
            ),
            (
                "email syntax",
                update,
                with(valid_update(), json!({"email": "jane@example"})),
                vec![("/0/email", InvalidEmail)],
            ),
            (
                "phone too long",
                create,
                with(valid(), json!({"phoneNumber": long(21)})),
                vec![("/0/phoneNumber", TooLong)],
            ),
            (
                "codes too long",
                update,
                with(
                    valid_update(),
                    json!({"departmentId": long(16), "locationId": long(16), "programAdminRoleId": long(16)}),
                ),
                vec![
                    ("/0/departmentId", TooLong),
                    ("/0/locationId", TooLong),
                    ("/0/programAdminRoleId", TooLong),
                ],
            ),
            (
                "codes of 15 are fine",
                create,
                with(valid(), json!({"departmentId": long(15)})),
                vec![],
            ),
            (
                "role without value",
                create,
                with(
                    valid(),
                    json!({"roles": [{"type": "Close", "value": "P"}, {"type": "Close"}]}),
                ),
                vec![("/0/roles/1/value", Required)],
            ),
        ];
        for (case, write, user, expected) in cases {
            let expected: Vec<(String, ErrorCode)> = expected
                .into_iter()
                .map(|(p, c)| (p.to_owned(), c))
                .collect();
            assert_eq!(codes(json!([user]), write), expected, "{case}");
        }
    }

    #[test]
    fn batch_rules() {
        use ErrorCode::*;
        let second = with(
            valid(),
            json!({"userName": "JANE.DOE", "email": "Jane.Doe@example.com"}),
        );
        assert_eq!(
            codes(json!([valid(), second]), Write::Create),
            vec![
                ("/1/userName".to_owned(), Duplicate),
                ("/1/email".to_owned(), Duplicate)
            ]
        );
        let many: Vec<Value> = (0..1001)
            .map(|i| {
                with(
                    valid(),
                    json!({"userName": format!("u{i}"), "email": format!("u{i}@example.com")}),
                )
            })
            .collect();
        assert_eq!(codes(json!(many[..1000]), Write::Create), vec![]);
        assert_eq!(
            codes(json!(many), Write::Create),
            vec![(String::new(), TooMany)]
        );
        assert_eq!(
            codes(json!([]), Write::Update),
            vec![(String::new(), Empty)]
        );
    }
}
