//! The LivePerson user entity: every field of the Users API appendix table
//! (`users-apis.md` §1.6), read leniently and written with native JSON types.

use serde::{Deserialize, Serialize};
use serde_with::serde_as;

use crate::error::ValidationErrors;
use crate::lenient::Lenient;

/// Agent group membership (`memberOf`, and the items of `managerOf`).
#[serde_as]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MemberOf {
    /// Agent group id; `-1` is the account's "Main Group".
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_group_id: Option<i64>,
    /// Server-set, `yyyy-MM-dd HH:mm:ss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignment_date: Option<String>,
}

/// A LivePerson user. Every field is optional in the type because a list read with `select`
/// carries only some of them; which fields an operation requires is decided by
/// [`super::validate_user`], not by the type.
///
/// Writing: absent fields are left out, except `passwordSh`, which is always written (`null`
/// when unset) because on an update `null` is how the vendor is told to keep the password
/// (§1.6) and PUT replaces the whole record.
#[serde_as]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct User {
    /// Read-only; required only on update. A positive long.
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
    /// Read-only soft-delete flag.
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_chats: Option<i64>,
    #[serde_as(as = "Option<Vec<Lenient>>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skill_ids: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Required for agents only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_of: Option<MemberOf>,
    /// Agent managers only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager_of: Option<Vec<MemberOf>>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_pwd_next_login: Option<bool>,
    /// Required on create (except API users); on update a new value changes the password and
    /// `null` keeps it. Always serialized, see the type's documentation.
    pub password_sh: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_password: Option<String>,
    /// Server-set, `yyyy-MM-dd HH:mm:ss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_pwd_change_date: Option<String>,
    /// Server-set, `yyyy-MM-dd HH:mm:ss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_updated: Option<String>,
    #[serde_as(as = "Option<Vec<Lenient>>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission_groups: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture_url: Option<String>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_manually: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backgnd_img_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pn_cert_name: Option<String>,
    /// `null`/absent means "inherit the account default".
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_async_chats: Option<i64>,
    /// Profiles determine the role (Agent, Agent Manager, ...).
    #[serde_as(as = "Option<Vec<Lenient>>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_ids: Option<Vec<i64>>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_api_user: Option<bool>,
    /// 0 system, 1 human (default), 2 bot.
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_type_id: Option<i64>,
    /// Required for API users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_app_keys: Option<String>,
    #[serde_as(as = "Option<Vec<Lenient>>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lob_ids: Option<Vec<i64>>,
}

/// Parses a request body holding a list of users, or a single user object (the vendor accepts
/// both on create); see [`crate::parse::parse_list`].
pub fn parse_users(body: &[u8]) -> Result<Vec<User>, ValidationErrors> {
    crate::parse::parse_list(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    #[test]
    fn reads_strings_as_numbers_and_booleans_and_writes_natively() {
        // The appendix example writes everything as strings; real responses use native types.
        let vendor = json!({
            "id": "987654321", "loginName": "jdoe", "isEnabled": "true", "maxChats": "4",
            "skillIds": ["12", 13], "memberOf": {"agentGroupId": "-1", "assignmentDate": "2024-01-02 03:04:05"},
            "profileIds": ["1001"], "isApiUser": false, "changePwdNextLogin": "false"
        });
        let user: User = serde_json::from_value(vendor).unwrap();
        assert_eq!(user.id, Some(987654321));
        assert_eq!(user.is_enabled, Some(true));
        assert_eq!(user.max_chats, Some(4));
        assert_eq!(user.skill_ids, Some(vec![12, 13]));
        assert_eq!(user.member_of.as_ref().unwrap().agent_group_id, Some(-1));
        assert_eq!(
            serde_json::to_value(&user).unwrap(),
            json!({
                "id": 987654321, "loginName": "jdoe", "isEnabled": true, "maxChats": 4,
                "skillIds": [12, 13], "memberOf": {"agentGroupId": -1, "assignmentDate": "2024-01-02 03:04:05"},
                "profileIds": [1001], "isApiUser": false, "changePwdNextLogin": false,
                "passwordSh": null
            })
        );
    }

    #[test]
    fn parse_users_names_the_field_of_a_wrong_type() {
        let cases: &[(&str, &[&str])] = &[
            (
                r#"[{"loginName":"a"},{"maxChats":"many"}]"#,
                &["/1/maxChats"],
            ),
            (r#"[{"skillIds":[1,"x"]}]"#, &["/0/skillIds/1"]),
            (r#"[{"isEnabled":"yes"}, 7]"#, &["/0/isEnabled", "/1"]),
            (r#"{"id":"abc"}"#, &["/0/id"]),
            (r#"not json"#, &[""]),
        ];
        for (body, paths) in cases {
            let errors = parse_users(body.as_bytes()).unwrap_err();
            let got: Vec<&str> = errors.0.iter().map(|e| e.path.as_str()).collect();
            assert_eq!(&got, paths, "{body}");
            assert!(errors.0.iter().all(|e| e.code == ErrorCode::InvalidType));
        }
    }

    #[test]
    fn parse_users_accepts_a_list_or_one_object() {
        assert_eq!(
            parse_users(br#"[{"loginName":"a"},{"loginName":"b"}]"#)
                .unwrap()
                .len(),
            2
        );
        assert_eq!(parse_users(br#"{"loginName":"a"}"#).unwrap().len(), 1);
        assert_eq!(parse_users(b"[]").unwrap().len(), 0);
    }
}
