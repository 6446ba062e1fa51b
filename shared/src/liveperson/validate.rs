//! LivePerson's rules for a user on create and on update (`users-apis.md` §1.6 and §1.10).
//! Every problem is reported, each with the JSON Pointer of the field it concerns.

use std::collections::HashMap;

use super::password::password_problem;
use super::roles::{ProfileRoles, Role};
use super::user::User;
use crate::error::{ErrorCode, FieldError, ValidationErrors};
use crate::operation::Write;
use crate::rules::{Report, batch_size, in_record_order, is_filled, unique_within};

/// Checks one user; `prefix` is the pointer of the user in the body (`/3`, or `""` for a
/// form holding a single user). `roles` tells which profiles make a user an agent; with an
/// empty catalog the agent rules cannot apply and are skipped.
pub fn validate_user(
    user: &User,
    write: Write,
    roles: &ProfileRoles,
    prefix: &str,
    errors: &mut ValidationErrors,
) {
    let mut report = Report::new(prefix, errors);
    let is_api_user = user.is_api_user == Some(true);

    match (write, user.id) {
        (Write::Create, Some(_)) => report.refuse(
            "id",
            ErrorCode::ReadOnly,
            "The id is assigned by LivePerson; leave it out when creating a user.",
        ),
        (Write::Update, None) => report.refuse(
            "id",
            ErrorCode::Required,
            "The id of the user to update is required.",
        ),
        (_, Some(id)) if id <= 0 => report.refuse(
            "id",
            ErrorCode::NotPositive,
            format!("The id must be a number greater than zero, not {id}."),
        ),
        _ => {}
    }
    // `deleted: false` is what every writable user has (a deleted user cannot be updated,
    // 404, and a new one is not deleted), so a record sent back as read passes and the flag
    // is dropped on the way (`SERVER_SET`); `true` would be a change no write can make.
    if user.deleted == Some(true) {
        report.refuse(
            "deleted",
            ErrorCode::ReadOnly,
            "The deleted flag is read-only; delete a user with the delete operation.",
        );
    }

    // Required on create and, because PUT replaces the whole record, on update too (§1.6).
    report.require("loginName", "Login name", &user.login_name);
    report.require("fullName", "Full name", &user.full_name);
    report.require("nickname", "Nickname", &user.nickname);
    report.require("email", "Email", &user.email);
    for (field, label, present) in [
        ("isEnabled", "Enabled", user.is_enabled.is_some()),
        ("maxChats", "Max chats", user.max_chats.is_some()),
        (
            "profileIds",
            "Profiles",
            user.profile_ids.as_ref().is_some_and(|p| !p.is_empty()),
        ),
    ] {
        if !present {
            report.refuse(field, ErrorCode::Required, format!("{label} is required."));
        }
    }
    report.email("email", &user.email);

    for (field, label, value) in [
        ("maxChats", "Max chats", user.max_chats),
        ("maxAsyncChats", "Max async chats", user.max_async_chats),
    ] {
        if let Some(n) = value.filter(|n| *n < 0) {
            report.refuse(
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
                report.refuse(
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
            report.refuse(
                field,
                ErrorCode::InvalidDate,
                format!("\"{date}\" is not a date in the form yyyy-MM-dd HH:mm:ss."),
            );
        }
    }

    // Agents need an agent group (§1.6 `memberOf`: "Required only for agents").
    let user_roles = roles.roles_of(user);
    if user_roles.contains(&Role::Agent)
        && user
            .member_of
            .as_ref()
            .and_then(|m| m.agent_group_id)
            .is_none()
    {
        report.refuse(
            "memberOf",
            ErrorCode::Required,
            "An agent must belong to an agent group (memberOf); -1 is the Main Group.",
        );
    }

    // Password: needed on create for people; API users authenticate by app key, never by
    // password (§1.6 `isApiUser`, `allowedAppKeys`).
    let password_given = user.password_sh.as_deref().is_some_and(|p| !p.is_empty());
    if is_api_user {
        if password_given {
            report.refuse(
                "passwordSh",
                ErrorCode::NotAllowed,
                "API users have no password; leave the password empty.",
            );
        }
        if !is_filled(&user.allowed_app_keys) {
            report.refuse(
                "allowedAppKeys",
                ErrorCode::Required,
                "Allowed app keys are required for an API user.",
            );
        }
    } else {
        if write == Write::Create && !password_given {
            report.refuse(
                "passwordSh",
                ErrorCode::Required,
                "A password is required for a new user.",
            );
        }
        if is_filled(&user.allowed_app_keys) {
            report.refuse(
                "allowedAppKeys",
                ErrorCode::NotAllowed,
                "Only API users (isApiUser) have allowed app keys.",
            );
        }
    }
    if user.password_sh.as_deref() == Some("") {
        report.refuse(
            "passwordSh",
            ErrorCode::Required,
            "An empty password is not allowed; send null to keep the current one.",
        );
    } else if let Some(problem) = user
        .password_sh
        .as_deref()
        .filter(|_| !is_api_user)
        .and_then(|p| password_problem(p, user.login_name.as_deref()))
    {
        report.refuse("passwordSh", ErrorCode::InvalidFormat, problem);
    }
}

/// Checks a list of users for one request: each user, plus `loginName` (and on update `id`)
/// unique within the list.
pub fn validate_batch(
    users: &[User],
    write: Write,
    roles: &ProfileRoles,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    // LivePerson publishes no cap; the console chunks batches itself (decisions: batch limits).
    batch_size(users.len(), None, &mut errors);
    for (index, user) in users.iter().enumerate() {
        validate_user(user, write, roles, &format!("/{index}"), &mut errors);
    }
    unique_within(
        users
            .iter()
            .enumerate()
            .map(|(i, u)| (i, u.login_name.as_deref())),
        "loginName",
        "Login name",
        &mut errors,
    );
    if write == Write::Update {
        let mut first_id: HashMap<i64, usize> = HashMap::new();
        for (index, id) in users
            .iter()
            .enumerate()
            .filter_map(|(i, u)| Some((i, u.id?)))
        {
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
    in_record_order(&mut errors);
    errors.into_result()
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
    use crate::operation::Write as Operation;

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
        match validate_batch(&users, op, &ProfileRoles::default()) {
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
                "deleted cannot be set",
                with(serde_json::json!({"deleted": true})),
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
                "a weak password",
                with(serde_json::json!({"passwordSh": "abc"})),
                vec![("/0/passwordSh", InvalidFormat)],
            ),
            (
                "all missing fields are reported, not just the first",
                serde_json::json!({"passwordSh": "Pa55word!x"}),
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

    /// A record sent back as read passes on both writes; only a change of a server-set
    /// field, or one that is malformed, is refused. `id` stays refused on create.
    #[test]
    fn server_set_fields_pass_unchanged_and_are_refused_changed() {
        use ErrorCode::*;
        let read_back = serde_json::json!({
            "pid": "9f2c", "deleted": false, "dateUpdated": "2024-05-06 07:08:09",
            "lastPwdChangeDate": "2024-01-02 03:04:05",
            "memberOf": {"agentGroupId": -1, "assignmentDate": "2024-01-02 03:04:05"},
            "managerOf": [{"agentGroupId": 7, "assignmentDate": "2024-01-02 03:04:05"}]
        });
        let update_base = || with(serde_json::json!({"id": 42, "passwordSh": null}));
        let patched = |mut user: serde_json::Value, patch: serde_json::Value| {
            for (k, v) in patch.as_object().unwrap() {
                user[k] = v.clone();
            }
            user
        };
        let cases: Vec<(Operation, Case)> = vec![
            (
                Operation::Update,
                (
                    "update, every server-set field as read",
                    patched(update_base(), read_back.clone()),
                    vec![],
                ),
            ),
            (
                Operation::Create,
                (
                    "create, every server-set field as read",
                    patched(with(serde_json::json!({})), read_back.clone()),
                    vec![],
                ),
            ),
            (
                Operation::Update,
                (
                    "update, deleted set",
                    patched(update_base(), serde_json::json!({"deleted": true})),
                    vec![("/0/deleted", ReadOnly)],
                ),
            ),
            (
                Operation::Update,
                (
                    "update, deleted as a string is read leniently",
                    patched(update_base(), serde_json::json!({"deleted": "true"})),
                    vec![("/0/deleted", ReadOnly)],
                ),
            ),
            (
                Operation::Create,
                (
                    "create, deleted set",
                    with(serde_json::json!({"deleted": true})),
                    vec![("/0/deleted", ReadOnly)],
                ),
            ),
            (
                Operation::Create,
                (
                    "create, an id",
                    patched(with(serde_json::json!({"id": 42})), read_back.clone()),
                    vec![("/0/id", ReadOnly)],
                ),
            ),
            (
                Operation::Update,
                (
                    "update, a malformed date is still refused",
                    patched(
                        update_base(),
                        serde_json::json!({"dateUpdated": "yesterday", "lastPwdChangeDate": "2024-01-02"}),
                    ),
                    vec![
                        ("/0/lastPwdChangeDate", InvalidDate),
                        ("/0/dateUpdated", InvalidDate),
                    ],
                ),
            ),
        ];
        for (write, (name, user, expected)) in cases {
            let expected: Vec<(String, ErrorCode)> = expected
                .into_iter()
                .map(|(p, c)| (p.to_owned(), c))
                .collect();
            assert_eq!(codes(serde_json::json!([user]), write), expected, "{name}");
        }
        // A pid of the wrong type is still a wrong type.
        assert!(parse_users(br#"[{"pid": 5}]"#).is_err());
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
