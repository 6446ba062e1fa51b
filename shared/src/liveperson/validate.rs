//! LivePerson's rules for a user on create and on update (`users-apis.md` §1.6 and §1.10).
//! Every problem is reported, each with the JSON Pointer of the field it concerns.

use std::collections::HashMap;

use super::user::User;
use crate::error::{ErrorCode, FieldError, ValidationErrors};

/// Which write a user is being checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
}

/// Checks one user; `prefix` is the pointer of the user in the body (`/3`, or `""` for a
/// form holding a single user).
pub fn validate_user(
    user: &User,
    operation: Operation,
    prefix: &str,
    errors: &mut ValidationErrors,
) {
    let mut refuse = |field: &str, code: ErrorCode, message: String| {
        errors.push(FieldError::new(format!("{prefix}/{field}"), code, message));
    };
    let is_api_user = user.is_api_user == Some(true);

    match (operation, user.id) {
        (Operation::Create, Some(_)) => refuse(
            "id",
            ErrorCode::ReadOnly,
            "The id is assigned by LivePerson; leave it out when creating a user.".into(),
        ),
        (Operation::Update, None) => refuse(
            "id",
            ErrorCode::Required,
            "The id of the user to update is required.".into(),
        ),
        (_, Some(id)) if id <= 0 => refuse(
            "id",
            ErrorCode::NotPositive,
            format!("The id must be a number greater than zero, not {id}."),
        ),
        _ => {}
    }
    if user.deleted.is_some() {
        refuse(
            "deleted",
            ErrorCode::ReadOnly,
            "The deleted flag is read-only; delete a user with the delete operation.".into(),
        );
    }

    // Required on create and, because PUT replaces the whole record, on update too (§1.6).
    for (field, label, present) in [
        ("loginName", "Login name", is_filled(&user.login_name)),
        ("fullName", "Full name", is_filled(&user.full_name)),
        ("nickname", "Nickname", is_filled(&user.nickname)),
        ("email", "Email", is_filled(&user.email)),
        ("isEnabled", "Enabled", user.is_enabled.is_some()),
        ("maxChats", "Max chats", user.max_chats.is_some()),
        (
            "profileIds",
            "Profiles",
            user.profile_ids.as_ref().is_some_and(|p| !p.is_empty()),
        ),
    ] {
        if !present {
            refuse(field, ErrorCode::Required, format!("{label} is required."));
        }
    }

    if let Some(email) = user.email.as_deref().filter(|e| !e.trim().is_empty())
        && !is_email(email)
    {
        refuse(
            "email",
            ErrorCode::InvalidEmail,
            format!("\"{email}\" is not a valid email address (expected name@example.com)."),
        );
    }
    for (field, label, value) in [
        ("maxChats", "Max chats", user.max_chats),
        ("maxAsyncChats", "Max async chats", user.max_async_chats),
    ] {
        if let Some(n) = value.filter(|n| *n < 0) {
            refuse(
                field,
                ErrorCode::Negative,
                format!("{label} must be zero or more, not {n}."),
            );
        }
    }
    for (field, ids) in [
        ("skillIds", &user.skill_ids),
        ("profileIds", &user.profile_ids),
        ("permissionGroups", &user.permission_groups),
        ("lobIds", &user.lob_ids),
    ] {
        for (i, id) in ids.iter().flatten().enumerate() {
            if *id <= 0 {
                refuse(
                    &format!("{field}/{i}"),
                    ErrorCode::NotPositive,
                    format!("Ids in {field} must be greater than zero, not {id}."),
                );
            }
        }
    }
    for (field, value) in [
        ("lastPwdChangeDate", &user.last_pwd_change_date),
        ("dateUpdated", &user.date_updated),
    ] {
        if let Some(date) = value.as_deref().filter(|d| !is_vendor_date(d)) {
            refuse(
                field,
                ErrorCode::InvalidDate,
                format!("\"{date}\" is not a date in the form yyyy-MM-dd HH:mm:ss."),
            );
        }
    }

    // Password: needed on create for people; API users authenticate by app key, never by
    // password (§1.6 `isApiUser`, `allowedAppKeys`).
    let password_given = user.password_sh.as_deref().is_some_and(|p| !p.is_empty());
    if is_api_user {
        if password_given {
            refuse(
                "passwordSh",
                ErrorCode::NotAllowed,
                "API users have no password; leave the password empty.".into(),
            );
        }
        if !is_filled(&user.allowed_app_keys) {
            refuse(
                "allowedAppKeys",
                ErrorCode::Required,
                "Allowed app keys are required for an API user.".into(),
            );
        }
    } else if operation == Operation::Create && !password_given {
        refuse(
            "passwordSh",
            ErrorCode::Required,
            "A password is required for a new user.".into(),
        );
    }
    if user.password_sh.as_deref() == Some("") {
        refuse(
            "passwordSh",
            ErrorCode::Required,
            "An empty password is not allowed; send null to keep the current one.".into(),
        );
    }
}

/// Checks a list of users for one request: each user, plus `loginName` (and on update `id`)
/// unique within the list.
pub fn validate_batch(users: &[User], operation: Operation) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    if users.is_empty() {
        errors.push(FieldError::new(
            "",
            ErrorCode::Empty,
            "The request holds no users.",
        ));
    }
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let mut first_id: HashMap<i64, usize> = HashMap::new();
    for (index, user) in users.iter().enumerate() {
        validate_user(user, operation, &format!("/{index}"), &mut errors);
        if let Some(login) = user.login_name.as_deref().filter(|l| !l.is_empty()) {
            let key = login.to_lowercase();
            if let Some(first) = first_seen.get(&key) {
                errors.push(FieldError::new(
                    format!("/{index}/loginName"),
                    ErrorCode::Duplicate,
                    format!("Login name \"{login}\" is also used by user {first} of this request."),
                ));
            } else {
                first_seen.insert(key, index);
            }
        }
        if let (Operation::Update, Some(id)) = (operation, user.id) {
            if let Some(first) = first_id.get(&id) {
                errors.push(FieldError::new(
                    format!("/{index}/id"),
                    ErrorCode::Duplicate,
                    format!("User {id} is also updated by user {first} of this request."),
                ));
            } else {
                first_id.insert(id, index);
            }
        }
    }
    errors.into_result()
}

fn is_filled(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.trim().is_empty())
}

/// A deliberately simple syntax check (`local@domain.tld`): the vendor decides deliverability,
/// this only catches typing mistakes before anything is sent. Hand-written because a regex
/// engine would add hundreds of kilobytes to the browser bundle.
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let tld = labels.last().copied().unwrap_or_default();
    !local.is_empty()
        && local.len() <= 64
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@')
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && tld.len() >= 2
        && tld.chars().all(char::is_alphabetic)
}

/// LivePerson dates are `yyyy-MM-dd HH:mm:ss`, not ISO-8601 (§1.6 `lastPwdChangeDate`).
pub fn is_vendor_date(date: &str) -> bool {
    let b = date.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let number = |range: std::ops::Range<usize>| date[range].parse::<u32>().unwrap_or(u32::MAX);
    b.len() == 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':'
        && [0..4, 5..7, 8..10, 11..13, 14..16, 17..19]
            .into_iter()
            .all(digits)
        && (1..=12).contains(&number(5..7))
        && (1..=31).contains(&number(8..10))
        && number(11..13) < 24
        && number(14..16) < 60
        && number(17..19) < 60
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::liveperson::parse_users;

    /// A user that passes create validation; each case below breaks it in one way.
    fn valid_create() -> serde_json::Value {
        serde_json::json!({
            "loginName": "jdoe", "fullName": "Jane Doe", "nickname": "Jane",
            "email": "jane.doe@example.com", "isEnabled": true, "maxChats": 3,
            "profileIds": [1001], "passwordSh": "S3cret!pw",
            "memberOf": {"agentGroupId": -1}
        })
    }

    fn with(patch: serde_json::Value) -> serde_json::Value {
        let mut user = valid_create();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() && k != "passwordSh" {
                user.as_object_mut().unwrap().remove(k);
            } else {
                user[k] = v.clone();
            }
        }
        user
    }

    /// (name, user, expected (path, code) pairs)
    type Case = (
        &'static str,
        serde_json::Value,
        Vec<(&'static str, ErrorCode)>,
    );

    fn codes(users: serde_json::Value, op: Operation) -> Vec<(String, ErrorCode)> {
        let users = parse_users(users.to_string().as_bytes()).unwrap();
        match validate_batch(&users, op) {
            Ok(()) => vec![],
            Err(e) => e.0.into_iter().map(|e| (e.path, e.code)).collect(),
        }
    }

    #[test]
    fn create_rules() {
        use ErrorCode::*;
        let cases: Vec<Case> = vec![
            ("valid", with(serde_json::json!({})), vec![]),
            (
                "id is read-only",
                with(serde_json::json!({"id": 5})),
                vec![("/0/id", ReadOnly)],
            ),
            (
                "deleted is read-only",
                with(serde_json::json!({"deleted": false})),
                vec![("/0/deleted", ReadOnly)],
            ),
            (
                "bad email",
                with(serde_json::json!({"email": "jane@"})),
                vec![("/0/email", InvalidEmail)],
            ),
            (
                "email with space",
                with(serde_json::json!({"email": "ja ne@example.com"})),
                vec![("/0/email", InvalidEmail)],
            ),
            (
                "negative max chats",
                with(serde_json::json!({"maxChats": -1})),
                vec![("/0/maxChats", Negative)],
            ),
            (
                "negative async chats",
                with(serde_json::json!({"maxAsyncChats": "-2"})),
                vec![("/0/maxAsyncChats", Negative)],
            ),
            (
                "zero skill id",
                with(serde_json::json!({"skillIds": [4, 0]})),
                vec![("/0/skillIds/1", NotPositive)],
            ),
            (
                "no password",
                with(serde_json::json!({"passwordSh": null})),
                vec![("/0/passwordSh", Required)],
            ),
            (
                "empty password",
                with(serde_json::json!({"passwordSh": ""})),
                vec![("/0/passwordSh", Required), ("/0/passwordSh", Required)],
            ),
            (
                "bad date",
                with(serde_json::json!({"dateUpdated": "2024-01-02T03:04:05Z"})),
                vec![("/0/dateUpdated", InvalidDate)],
            ),
            (
                "api user needs app keys and no password",
                with(serde_json::json!({"isApiUser": true})),
                vec![
                    ("/0/passwordSh", NotAllowed),
                    ("/0/allowedAppKeys", Required),
                ],
            ),
            (
                "api user without password is fine",
                with(
                    serde_json::json!({"isApiUser": true, "passwordSh": null, "allowedAppKeys": "k1"}),
                ),
                vec![],
            ),
            (
                "all missing fields are reported, not just the first",
                serde_json::json!({"passwordSh": "x"}),
                vec![
                    ("/0/loginName", Required),
                    ("/0/fullName", Required),
                    ("/0/nickname", Required),
                    ("/0/email", Required),
                    ("/0/isEnabled", Required),
                    ("/0/maxChats", Required),
                    ("/0/profileIds", Required),
                ],
            ),
            (
                "empty profile list",
                with(serde_json::json!({"profileIds": []})),
                vec![("/0/profileIds", Required)],
            ),
        ];
        for (name, user, expected) in cases {
            let expected: Vec<(String, ErrorCode)> = expected
                .into_iter()
                .map(|(p, c)| (p.to_owned(), c))
                .collect();
            assert_eq!(
                codes(serde_json::json!([user]), Operation::Create),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn update_rules() {
        use ErrorCode::*;
        let update = |patch: serde_json::Value| {
            let mut user = with(serde_json::json!({"id": 42, "passwordSh": null}));
            for (k, v) in patch.as_object().unwrap() {
                user[k] = v.clone();
            }
            user
        };
        let cases: Vec<Case> = vec![
            (
                "null password keeps it",
                update(serde_json::json!({})),
                vec![],
            ),
            (
                "new password changes it",
                update(serde_json::json!({"passwordSh": "N3w!pass"})),
                vec![],
            ),
            (
                "id required",
                update(serde_json::json!({"id": null})),
                vec![("/0/id", Required)],
            ),
            (
                "id positive",
                update(serde_json::json!({"id": "-3"})),
                vec![("/0/id", NotPositive)],
            ),
        ];
        for (name, user, expected) in cases {
            let expected: Vec<(String, ErrorCode)> = expected
                .into_iter()
                .map(|(p, c)| (p.to_owned(), c))
                .collect();
            assert_eq!(
                codes(serde_json::json!([user]), Operation::Update),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn batch_rules() {
        use ErrorCode::*;
        let a = with(serde_json::json!({"loginName": "Same"}));
        let b = with(serde_json::json!({"loginName": "same", "email": "x"}));
        assert_eq!(
            codes(serde_json::json!([a, b]), Operation::Create),
            vec![
                ("/1/email".to_owned(), InvalidEmail),
                ("/1/loginName".to_owned(), Duplicate)
            ]
        );
        assert_eq!(
            codes(serde_json::json!([]), Operation::Create),
            vec![(String::new(), Empty)]
        );
        let first = with(serde_json::json!({"id": 7, "loginName": "first", "passwordSh": null}));
        let second =
            with(serde_json::json!({"id": "7", "loginName": "second", "passwordSh": null}));
        assert_eq!(
            codes(serde_json::json!([first, second]), Operation::Update),
            vec![("/1/id".to_owned(), Duplicate)]
        );
        assert_eq!(
            codes(serde_json::json!([first, second]), Operation::Create),
            vec![
                ("/0/id".to_owned(), ReadOnly),
                ("/0/passwordSh".to_owned(), Required),
                ("/1/id".to_owned(), ReadOnly),
                ("/1/passwordSh".to_owned(), Required)
            ]
        );
    }

    #[test]
    fn emails() {
        for (email, ok) in [
            ("a@example.com", true),
            ("first.last+tag@sub.example.co", true),
            ("a@b", false),
            ("@example.com", false),
            ("a@example.c", false),
            ("a@@example.com", false),
            ("a@exa mple.com", false),
            (".a@example.com", false),
            ("a..b@example.com", false),
            ("a@-example.com", false),
            ("a@example..com", false),
            ("a@example.123", false),
        ] {
            assert_eq!(is_email(email), ok, "{email}");
        }
    }

    #[test]
    fn vendor_dates() {
        for (date, ok) in [
            ("2024-02-29 23:59:59", true),
            ("2024-13-01 00:00:00", false),
            ("2024-01-01T00:00:00", false),
            ("2024-01-01 24:00:00", false),
            ("2024-1-01 00:00:00", false),
            ("", false),
        ] {
            assert_eq!(is_vendor_date(date), ok, "{date}");
        }
    }
}
