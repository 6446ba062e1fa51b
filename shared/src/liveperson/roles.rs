//! Roles and the role-change rule (`users-apis.md` §1.6 `profileIds` and "Behavioural rules"):
//! a user's profiles give its roles; leaving Agent resets `maxChats`, `maxAsyncChats`,
//! `memberOf` and `skillIds`, leaving Agent Manager resets `managerOf`.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::user::User;

/// A profile's role, LivePerson's `roleTypeId` (Profiles API appendix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    Admin,
    Agent,
    AgentManager,
    CampaignManager,
    Lpa,
}

impl Role {
    /// The role of LivePerson's `roleTypeId`.
    pub fn from_type_id(id: i64) -> Option<Self> {
        Some(match id {
            1 => Role::Admin,
            2 => Role::Agent,
            3 => Role::AgentManager,
            4 => Role::CampaignManager,
            5 => Role::Lpa,
            _ => return None,
        })
    }

    pub fn type_id(self) -> i64 {
        match self {
            Role::Admin => 1,
            Role::Agent => 2,
            Role::AgentManager => 3,
            Role::CampaignManager => 4,
            Role::Lpa => 5,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Agent => "Agent",
            Role::AgentManager => "Agent Manager",
            Role::CampaignManager => "Campaign Manager",
            Role::Lpa => "LPA",
        }
    }

    /// The vendor's `roleTypeName` of a profile with this role (the Profiles API's example
    /// names role 1 "Administrator"; the others as [`Role::label`]).
    pub fn type_name(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            other => other.label(),
        }
    }
}

/// A profile of an account: its id, its name and the role it carries. The Users API does not
/// list profiles (the Profiles API does), so the operator names them in the connection's
/// configuration; the console shows the names and warns before a role change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

/// Which role each profile of an account carries. Profiles are account data (the Profiles
/// API), not part of the Users API, so whoever knows them (the sandbox, or a connection's
/// configuration) supplies this catalog; an empty one makes the role rules silent rather
/// than wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRoles(pub HashMap<i64, Role>);

impl ProfileRoles {
    /// The catalog of these profiles.
    pub fn of(profiles: &[Profile]) -> Self {
        Self(profiles.iter().map(|p| (p.id, p.role)).collect())
    }

    /// The roles `user`'s profiles give it (none for an unknown profile).
    pub fn roles_of(&self, user: &User) -> BTreeSet<Role> {
        user.profile_ids
            .iter()
            .flatten()
            .filter_map(|id| self.0.get(id).copied())
            .collect()
    }
}

/// A field the vendor clears because a user's role changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reset {
    /// The field's name as the API spells it.
    pub field: &'static str,
    /// The role the user leaves.
    pub left: Role,
}

/// What LivePerson will clear when `before` is replaced by `after`: the UI calls this to warn
/// before saving, the sandbox to do what the vendor does. Only fields `after` still carries
/// are listed, since those are the values that would be lost.
pub fn role_change_resets(before: &User, after: &User, roles: &ProfileRoles) -> Vec<Reset> {
    let (was, is) = (roles.roles_of(before), roles.roles_of(after));
    let mut resets = Vec::new();
    if was.contains(&Role::Agent) && !is.contains(&Role::Agent) {
        for (field, kept) in [
            ("maxChats", after.max_chats.is_some()),
            ("maxAsyncChats", after.max_async_chats.is_some()),
            ("memberOf", after.member_of.is_some()),
            ("skillIds", after.skill_ids.is_some()),
        ] {
            if kept {
                resets.push(Reset {
                    field,
                    left: Role::Agent,
                });
            }
        }
    }
    if was.contains(&Role::AgentManager)
        && !is.contains(&Role::AgentManager)
        && after.manager_of.is_some()
    {
        resets.push(Reset {
            field: "managerOf",
            left: Role::AgentManager,
        });
    }
    resets
}

/// Clears in `after` what [`role_change_resets`] lists. `maxChats` is required, so it becomes
/// 0 rather than absent.
pub fn apply_role_change(before: &User, after: &mut User, roles: &ProfileRoles) {
    for reset in role_change_resets(before, after, roles) {
        match reset.field {
            "maxChats" => after.max_chats = Some(0),
            "maxAsyncChats" => after.max_async_chats = None,
            "memberOf" => after.member_of = None,
            "skillIds" => after.skill_ids = None,
            "managerOf" => after.manager_of = None,
            other => unreachable!("role_change_resets lists no field {other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::liveperson::MemberOf;

    const AGENT: i64 = 10;
    const MANAGER: i64 = 11;
    const ADMIN: i64 = 12;

    fn catalog() -> ProfileRoles {
        ProfileRoles(HashMap::from([
            (AGENT, Role::Agent),
            (MANAGER, Role::AgentManager),
            (ADMIN, Role::Admin),
        ]))
    }

    fn user(profiles: &[i64]) -> User {
        User {
            profile_ids: Some(profiles.to_vec()),
            max_chats: Some(4),
            max_async_chats: Some(2),
            member_of: Some(MemberOf {
                agent_group_id: Some(-1),
                assignment_date: None,
            }),
            skill_ids: Some(vec![5001]),
            manager_of: Some(vec![MemberOf::default()]),
            ..User::default()
        }
    }

    #[test]
    fn resets_by_role_change() {
        let agent_fields = ["maxChats", "maxAsyncChats", "memberOf", "skillIds"];
        for (case, before, after, expected) in [
            ("agent stays agent", &[AGENT][..], &[AGENT][..], &[][..]),
            ("agent becomes admin", &[AGENT], &[ADMIN], &agent_fields[..]),
            ("agent gains admin", &[AGENT], &[AGENT, ADMIN], &[]),
            (
                "manager becomes admin",
                &[MANAGER],
                &[ADMIN],
                &["managerOf"],
            ),
            (
                "agent+manager becomes admin",
                &[AGENT, MANAGER],
                &[ADMIN],
                &[
                    "maxChats",
                    "maxAsyncChats",
                    "memberOf",
                    "skillIds",
                    "managerOf",
                ],
            ),
            ("unknown profiles", &[99], &[98], &[]),
        ] {
            let resets = role_change_resets(&user(before), &user(after), &catalog());
            let fields: Vec<&str> = resets.iter().map(|r| r.field).collect();
            assert_eq!(fields, expected, "{case}");
        }
    }

    #[test]
    fn applying_clears_the_listed_fields() {
        let mut after = user(&[ADMIN]);
        apply_role_change(&user(&[AGENT, MANAGER]), &mut after, &catalog());
        assert_eq!(after.max_chats, Some(0));
        assert_eq!(after.max_async_chats, None);
        assert_eq!(after.member_of, None);
        assert_eq!(after.skill_ids, None);
        assert_eq!(after.manager_of, None);
        let once = after.clone();
        apply_role_change(&user(&[AGENT, MANAGER]), &mut after, &catalog());
        assert_eq!(after, once, "applying twice changes nothing more");
    }
}
