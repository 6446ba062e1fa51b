//! The create-user form's text inputs, turned into a LivePerson user and checked with the
//! shared rules before anything is sent.

use shared::liveperson::{MemberOf, ProfileRoles, User, validate_user};

use crate::catalog::Names;
use shared::operation::Write;
use shared::{ErrorCode, FieldError, ValidationErrors};

/// What the admin has typed, exactly as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub login_name: String,
    pub full_name: String,
    pub nickname: String,
    pub email: String,
    pub password: String,
    pub max_chats: String,
    /// Comma-separated profile ids.
    pub profile_ids: String,
    /// The agent group (`memberOf.agentGroupId`); agents need one, `-1` is the Main Group.
    pub agent_group: String,
    pub is_enabled: bool,
}

impl Default for Draft {
    fn default() -> Self {
        Self {
            login_name: String::new(),
            full_name: String::new(),
            nickname: String::new(),
            email: String::new(),
            password: String::new(),
            max_chats: "0".into(),
            profile_ids: String::new(),
            agent_group: MAIN_GROUP.into(),
            is_enabled: true,
        }
    }
}

/// LivePerson's "Main Group" agent group.
pub const MAIN_GROUP: &str = "-1";

fn text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// The fields of the form in the order it shows them (as in error paths).
pub const FORM_ORDER: [&str; 9] = [
    "loginName",
    "fullName",
    "nickname",
    "email",
    "passwordSh",
    "maxChats",
    "profileIds",
    "memberOf",
    "isEnabled",
];

impl Draft {
    /// The fields the admin has typed something into (or changed from their default).
    pub fn typed_fields(&self) -> Vec<&'static str> {
        let start = Draft::default();
        [
            ("loginName", self.login_name != start.login_name),
            ("fullName", self.full_name != start.full_name),
            ("nickname", self.nickname != start.nickname),
            ("email", self.email != start.email),
            ("passwordSh", self.password != start.password),
            ("maxChats", self.max_chats != start.max_chats),
            ("profileIds", self.profile_ids != start.profile_ids),
            ("memberOf", self.agent_group != start.agent_group),
            ("isEnabled", self.is_enabled != start.is_enabled),
        ]
        .into_iter()
        .filter_map(|(field, typed)| typed.then_some(field))
        .collect()
    }

    /// The user to create, or every problem found (typing errors and the vendor's rules).
    /// Profiles and the agent group may be typed by name (`names`) or id.
    pub fn to_user(&self, roles: &ProfileRoles, names: &Names) -> Result<User, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let max_chats = match self.max_chats.trim() {
            "" => None,
            n => match n.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(FieldError::new(
                        "/maxChats",
                        ErrorCode::InvalidType,
                        format!("Max chats must be a whole number, not \"{n}\"."),
                    ));
                    Some(0)
                }
            },
        };
        let profile_ids = names
            .profiles
            .resolve(&self.profile_ids)
            .unwrap_or_else(|problems| {
                for problem in problems {
                    errors.push(FieldError::new(
                        "/profileIds",
                        ErrorCode::InvalidValue,
                        problem,
                    ));
                }
                Vec::new()
            });
        let member_of = match self.agent_group.trim() {
            "" => None,
            // LivePerson's Main Group, which no account lists.
            MAIN_GROUP => Some(-1),
            group => match names.groups.resolve_one(group) {
                Ok(id) => Some(id),
                Err(problem) => {
                    errors.push(FieldError::new(
                        "/memberOf",
                        ErrorCode::InvalidValue,
                        problem,
                    ));
                    None
                }
            },
        }
        .map(|id| MemberOf {
            agent_group_id: Some(id),
            assignment_date: None,
        });
        let user = User {
            login_name: text(&self.login_name),
            full_name: text(&self.full_name),
            nickname: text(&self.nickname),
            email: text(&self.email),
            // Passwords are not trimmed: spaces may be meant.
            password_sh: (!self.password.is_empty()).then(|| self.password.clone()),
            max_chats,
            profile_ids: (!profile_ids.is_empty()).then_some(profile_ids),
            member_of,
            is_enabled: Some(self.is_enabled),
            ..User::default()
        };
        let mut rules = ValidationErrors::default();
        validate_user(&user, Write::Create, roles, "", &mut rules);
        // A typing error already explains the field; don't add "is required" on top of it.
        for error in rules.0 {
            if errors.for_field(error.field()).next().is_none() {
                errors.push(error);
            }
        }
        errors.into_result().map(|()| user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Draft {
        Draft {
            login_name: " jdoe ".into(),
            full_name: "Jane Doe".into(),
            nickname: "Jane".into(),
            email: "jane@example.com".into(),
            password: "S3cret pw".into(),
            max_chats: "3".into(),
            profile_ids: "3001, 3002".into(),
            agent_group: " 101 ".into(),
            is_enabled: true,
        }
    }

    #[test]
    fn drafts() {
        type Case = (
            &'static str,
            fn(&mut Draft),
            &'static [(&'static str, ErrorCode)],
        );
        let cases: &[Case] = &[
            ("valid", |_| {}, &[]),
            (
                "bad email",
                |d| d.email = "jane@".into(),
                &[("/email", ErrorCode::InvalidEmail)],
            ),
            (
                "max chats not a number",
                |d| d.max_chats = "three".into(),
                &[("/maxChats", ErrorCode::InvalidType)],
            ),
            (
                "negative max chats",
                |d| d.max_chats = "-1".into(),
                &[("/maxChats", ErrorCode::Negative)],
            ),
            (
                "profile names unknown without the account's profiles",
                |d| d.profile_ids = "3001, agent".into(),
                &[("/profileIds", ErrorCode::InvalidValue)],
            ),
            (
                "agent group name unknown without the account's groups",
                |d| d.agent_group = "main".into(),
                &[("/memberOf", ErrorCode::InvalidValue)],
            ),
            ("no agent group", |d| d.agent_group.clear(), &[]),
            (
                "no profile",
                |d| d.profile_ids = " ".into(),
                &[("/profileIds", ErrorCode::Required)],
            ),
            (
                "blank fields",
                |d| {
                    d.login_name = "  ".into();
                    d.password.clear();
                },
                &[
                    ("/loginName", ErrorCode::Required),
                    ("/passwordSh", ErrorCode::Required),
                ],
            ),
        ];
        for (name, change, expected) in cases {
            let mut draft = valid();
            change(&mut draft);
            let got: Vec<(String, ErrorCode)> =
                match draft.to_user(&ProfileRoles::default(), &Names::default()) {
                    Ok(_) => vec![],
                    Err(e) => e.0.into_iter().map(|e| (e.path, e.code)).collect(),
                };
            let expected: Vec<(String, ErrorCode)> = expected
                .iter()
                .map(|(p, c)| ((*p).to_owned(), *c))
                .collect();
            assert_eq!(got, expected, "{name}");
        }
        let user = valid()
            .to_user(&ProfileRoles::default(), &Names::default())
            .unwrap();
        assert_eq!(user.login_name.as_deref(), Some("jdoe"));
        assert_eq!(user.profile_ids, Some(vec![3001, 3002]));
        assert_eq!(user.password_sh.as_deref(), Some("S3cret pw"));
        // With the account's names, names are taken and unknown ids refused.
        let names = Names {
            profiles: crate::catalog::Catalog::of("profile", [(3001, "Agent".to_owned())]),
            groups: crate::catalog::Catalog::of("agent group", [(101, "Sales".to_owned())]),
            ..Names::default()
        };
        let named = Draft {
            profile_ids: "agent".into(),
            agent_group: "Sales".into(),
            ..valid()
        };
        let user = named.to_user(&ProfileRoles::default(), &names).unwrap();
        assert_eq!(user.profile_ids, Some(vec![3001]));
        assert_eq!(user.member_of.and_then(|m| m.agent_group_id), Some(101));
        let unknown = Draft {
            profile_ids: "9999".into(),
            ..valid()
        };
        assert!(unknown.to_user(&ProfileRoles::default(), &names).is_err());
    }
}
