//! CommPeak's rules for creating users and for a partial update (`users-apis.md` §3.4, §3.6).
//! The vendor publishes no required fields; this product requires on create what a user
//! cannot work without (`username`, `password`, `email`) and checks the documented enums.

use super::user::{LANGUAGES, NewUser, TWOFA_TYPES, UserUpdate};
use crate::error::{ErrorCode, ValidationErrors};
use crate::rules::{Report, batch_size, in_record_order, unique_within};

/// Checks one new user; `prefix` is its pointer in the body (`/3`, or `""` for a form).
pub fn validate_new_user(user: &NewUser, prefix: &str, errors: &mut ValidationErrors) {
    let mut report = Report::new(prefix, errors);
    report.require("username", "User name", &user.username);
    report.require("password", "Password", &user.password);
    report.require("email", "Email", &user.email);
    report.email("email", &user.email);
}

/// Checks the users of one `POST`: each user, and `username` and `email` unique within it.
pub fn validate_new_users(users: &[NewUser]) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    batch_size(users.len(), None, &mut errors);
    for (index, user) in users.iter().enumerate() {
        validate_new_user(user, &format!("/{index}"), &mut errors);
    }
    let indexed = || users.iter().enumerate();
    unique_within(
        indexed().map(|(i, u)| (i, u.username.as_deref())),
        "username",
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

/// Checks a partial update of the user `path_id` names: only what is sent is checked, and
/// something must be sent.
pub fn validate_update(update: &UserUpdate, path_id: Option<&str>) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let mut report = Report::new("", &mut errors);
    if let Some(id) = update.id {
        if id <= 0 {
            report.refuse(
                "id",
                ErrorCode::NotPositive,
                format!("The id must be a number greater than zero, not {id}."),
            );
        } else if let Some(path_id) = path_id
            && path_id != id.to_string()
        {
            report.refuse(
                "id",
                ErrorCode::InvalidValue,
                format!("The body is user {id} but the path names user {path_id}."),
            );
        }
    }
    let unchanged = UserUpdate {
        id: update.id,
        ..UserUpdate::default()
    };
    if *update == unchanged {
        report.refuse("", ErrorCode::Empty, "The update changes no field.");
    }
    if update.username.is_some() {
        report.require("username", "User name", &update.username);
    }
    if update.email.is_some() {
        report.require("email", "Email", &update.email);
    }
    report.email("email", &update.email);
    report.one_of(
        "default_language",
        "Language",
        &update.default_language,
        LANGUAGES,
    );
    report.one_of(
        "twofa_type",
        "Two-factor authentication",
        &update.twofa_type,
        TWOFA_TYPES,
    );
    for (field, label, value) in [
        (
            "max_session_time",
            "Max session time",
            &update.max_session_time,
        ),
        (
            "max_concurrent_sessions",
            "Max concurrent sessions",
            &update.max_concurrent_sessions,
        ),
    ] {
        if let Some(value) = value.as_deref()
            && (value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()))
        {
            report.refuse(
                field,
                ErrorCode::InvalidType,
                format!("{label} must be a whole number of zero or more, not \"{value}\"."),
            );
        }
    }
    errors.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commpeak::{parse_new_users, parse_update};
    use serde_json::{Value, json};

    fn new_codes(users: Value) -> Vec<(String, ErrorCode)> {
        let users = parse_new_users(users.to_string().as_bytes()).unwrap();
        validate_new_users(&users)
            .err()
            .map(|e| e.0.into_iter().map(|e| (e.path, e.code)).collect())
            .unwrap_or_default()
    }

    fn update_codes(update: Value, path_id: &str) -> Vec<(String, ErrorCode)> {
        let update = parse_update(update.to_string().as_bytes()).unwrap();
        validate_update(&update, Some(path_id))
            .err()
            .map(|e| e.0.into_iter().map(|e| (e.path, e.code)).collect())
            .unwrap_or_default()
    }

    fn own(expected: Vec<(&str, ErrorCode)>) -> Vec<(String, ErrorCode)> {
        expected
            .into_iter()
            .map(|(p, c)| (p.to_owned(), c))
            .collect()
    }

    #[test]
    fn create_rules() {
        use ErrorCode::*;
        let valid = json!({"username": "agent7", "password": "pw-7", "email": "a7@example.com", "is_active": "1"});
        for (case, users, expected) in [
            ("valid", json!([valid]), vec![]),
            ("one object", valid.clone(), vec![]),
            (
                "missing everything",
                json!([{}]),
                vec![
                    ("/0/username", Required),
                    ("/0/password", Required),
                    ("/0/email", Required),
                ],
            ),
            (
                "bad email",
                json!([{"username": "a", "password": "p", "email": "a@"}]),
                vec![("/0/email", InvalidEmail)],
            ),
            (
                "duplicates within the request",
                json!([valid, {"username": "AGENT7", "password": "p", "email": "A7@example.com"}]),
                vec![("/1/username", Duplicate), ("/1/email", Duplicate)],
            ),
            ("empty", json!([]), vec![("", Empty)]),
        ] {
            assert_eq!(new_codes(users), own(expected), "{case}");
        }
    }

    #[test]
    fn update_rules() {
        use ErrorCode::*;
        for (case, update, expected) in [
            ("one field", json!({"first_name": "Ana"}), vec![]),
            ("flag as string", json!({"is_active": "0"}), vec![]),
            (
                "matching id",
                json!({"id": "42", "email": "x@example.com"}),
                vec![],
            ),
            ("nothing to change", json!({"id": 42}), vec![("", Empty)]),
            ("empty body", json!({}), vec![("", Empty)]),
            (
                "other id",
                json!({"id": 7, "is_active": 1}),
                vec![("/id", InvalidValue)],
            ),
            (
                "zero id",
                json!({"id": 0, "is_active": 1}),
                vec![("/id", NotPositive)],
            ),
            (
                "blank username",
                json!({"username": " "}),
                vec![("/username", Required)],
            ),
            (
                "bad email",
                json!({"email": "x"}),
                vec![("/email", InvalidEmail)],
            ),
            (
                "unknown language",
                json!({"default_language": "fr_FR"}),
                vec![("/default_language", InvalidValue)],
            ),
            (
                "known language",
                json!({"default_language": "ru_RU"}),
                vec![],
            ),
            (
                "unknown 2FA",
                json!({"twofa_type": "sms"}),
                vec![("/twofa_type", InvalidValue)],
            ),
            ("known 2FA", json!({"twofa_type": "google"}), vec![]),
            (
                "session limits are whole numbers",
                json!({"max_session_time": "1h", "max_concurrent_sessions": "-1"}),
                vec![
                    ("/max_session_time", InvalidType),
                    ("/max_concurrent_sessions", InvalidType),
                ],
            ),
            ("session limit", json!({"max_session_time": "3600"}), vec![]),
        ] {
            assert_eq!(update_codes(update, "42"), own(expected), "{case}");
        }
    }

    #[test]
    fn flags_of_the_wrong_kind_are_named() {
        let errors = parse_update(br#"{"is_active": 2}"#).unwrap_err();
        assert_eq!(errors.0[0].path, "/is_active");
        assert_eq!(errors.0[0].code, ErrorCode::InvalidType);
    }
}
