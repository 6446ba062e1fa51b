//! The create-user form's text inputs, turned into a LivePerson user and checked with the
//! shared rules before anything is sent.

use shared::liveperson::{MemberOf, ProfileRoles, User, validate_user};
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

impl Draft {
    /// The user to create, or every problem found (typing errors and the vendor's rules).
    pub fn to_user(&self) -> Result<User, ValidationErrors> {
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
        let mut profile_ids = Vec::new();
        for part in self
            .profile_ids
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match part.parse::<i64>() {
                Ok(id) => profile_ids.push(id),
                Err(_) => errors.push(FieldError::new(
                    "/profileIds",
                    ErrorCode::InvalidType,
                    format!(
                        "Profile ids are numbers separated by commas; \"{part}\" is not a number."
                    ),
                )),
            }
        }
        let member_of = match self.agent_group.trim() {
            "" => None,
            group => {
                match group.parse::<i64>() {
                    Ok(id) => Some(MemberOf {
                        agent_group_id: Some(id),
                        assignment_date: None,
                    }),
                    Err(_) => {
                        errors.push(FieldError::new(
                        "/memberOf",
                        ErrorCode::InvalidType,
                        format!("The agent group is a number (-1 is the Main Group), not \"{group}\"."),
                    ));
                        None
                    }
                }
            }
        };
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
        validate_user(
            &user,
            Write::Create,
            &ProfileRoles::default(),
            "",
            &mut rules,
        );
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
                "profile not a number",
                |d| d.profile_ids = "3001, agent".into(),
                &[("/profileIds", ErrorCode::InvalidType)],
            ),
            (
                "agent group not a number",
                |d| d.agent_group = "main".into(),
                &[("/memberOf", ErrorCode::InvalidType)],
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
            let got: Vec<(String, ErrorCode)> = match draft.to_user() {
                Ok(_) => vec![],
                Err(e) => e.0.into_iter().map(|e| (e.path, e.code)).collect(),
            };
            let expected: Vec<(String, ErrorCode)> = expected
                .iter()
                .map(|(p, c)| ((*p).to_owned(), *c))
                .collect();
            assert_eq!(got, expected, "{name}");
        }
        let user = valid().to_user().unwrap();
        assert_eq!(user.login_name.as_deref(), Some("jdoe"));
        assert_eq!(user.profile_ids, Some(vec![3001, 3002]));
        assert_eq!(user.password_sh.as_deref(), Some("S3cret pw"));
    }
}
