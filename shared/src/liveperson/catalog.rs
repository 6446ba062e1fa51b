//! The account configuration a user refers to by id: skills (Skills API), agent groups (Agent
//! Groups API) and profiles (Profiles API), as their `GET` methods return them, so the console
//! can show names instead of ids. Read only: this product never writes them, so the types are
//! read leniently (numbers and booleans also as strings, as the Agent Groups appendix's example
//! sends them) and fields it does not model are ignored.
//!
//! Every list answer is a bare JSON array; read it with [`parse_skills`],
//! [`parse_agent_groups`] or [`parse_profiles`], then look names up with [`names`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_with::serde_as;

use super::roles::{Profile, Role};
use crate::error::ValidationErrors;
use crate::lenient::Lenient;

/// One agent group's share of a skill's routing (`skillRoutingConfiguration`).
#[serde_as]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SkillRouting {
    /// Documented as a string; read as either.
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_group_id: Option<i64>,
    /// Cascade order: priority 1 first, then 2, …
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_percentage: Option<i64>,
}

/// A skill (Skills API appendix, "Entity Structure"). Every field is optional in the type
/// because a read with `select` carries only some (the list's default is `id,deleted,name`).
#[serde_as]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Skill {
    /// Read-only long.
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Read-only soft-delete flag.
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// Unique per account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skill_order: Option<i64>,
    /// Seconds; the vendor's default is 120.
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_wait_time: Option<i64>,
    /// `yyyy-MM-dd HH:mm:ss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_updated: Option<String>,
    /// Absent means the vendor's default, `true`.
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_transfer: Option<bool>,
    /// Skills this one may transfer to; absent (`null`) means every skill.
    #[serde_as(as = "Option<Vec<Lenient>>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skill_transfer_list: Option<Vec<i64>>,
    #[serde_as(as = "Option<Vec<Lenient>>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lob_ids: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skill_routing_configuration: Option<Vec<SkillRouting>>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_hours_id: Option<i64>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_occasion_id: Option<i64>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrap_up_time: Option<i64>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_skill: Option<i64>,
}

/// An agent group (Agent Groups API appendix). Groups form one tree per account: the root is
/// the only group whose `parentGroupId` is `null` (read as `None`, as is a `parentGroupId`
/// left out by `select`).
#[serde_as]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AgentGroup {
    /// Read-only long; users name it in `memberOf.agentGroupId` (`-1`: the "Main Group").
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// Unique per account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_group_id: Option<i64>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
    /// `yyyy-MM-dd HH:mm:ss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_updated: Option<String>,
}

/// One permission package of a profile (`permissionPackages`).
#[serde_as]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PermissionPackage {
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_displayed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature_keys: Option<Vec<String>>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
}

/// A profile as the Profiles API returns it (its appendix). [`Profile`] is the console's own,
/// smaller view of one (id, name, role), which an operator may also configure;
/// [`ProfileRecord::profile`] turns a record into it.
#[serde_as]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProfileRecord {
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// Unique per account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// 1 Admin, 2 Agent, 3 Agent Manager, 4 Campaign Manager, 5 LPA: see [`Role::from_type_id`].
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_type_id: Option<i64>,
    /// The role's name as the vendor writes it (its example: "Administrator").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_type_name: Option<String>,
    /// `yyyy-MM-dd HH:mm:ss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_updated: Option<String>,
    /// Read-only: how many users have this profile.
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_of_assigned_users: Option<i64>,
    #[serde_as(as = "Option<Vec<Lenient>>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission_packages: Option<Vec<PermissionPackage>>,
    #[serde_as(as = "Option<Lenient>")]
    #[serde(rename = "isAssignedToLPA", skip_serializing_if = "Option::is_none")]
    pub is_assigned_to_lpa: Option<bool>,
}

impl ProfileRecord {
    /// The role its `roleTypeId` gives (`None` when absent or unknown).
    pub fn role(&self) -> Option<Role> {
        self.role_type_id.and_then(Role::from_type_id)
    }

    /// The console's view of this profile, as an operator would configure it; `None` without an
    /// id or a known role. A missing name (narrowed out by `select`) becomes "Profile {id}".
    pub fn profile(&self) -> Option<Profile> {
        let id = self.id?;
        Some(Profile {
            id,
            name: self.name.clone().unwrap_or_else(|| format!("Profile {id}")),
            role: self.role()?,
        })
    }
}

/// The profiles of a Profiles API list that the role rules can use: not deleted, with an id
/// and a known role. `ProfileRoles::of(&profiles_of(&records))` is then the account's role
/// catalog.
pub fn profiles_of(records: &[ProfileRecord]) -> Vec<Profile> {
    records
        .iter()
        .filter(|r| r.deleted != Some(true))
        .filter_map(ProfileRecord::profile)
        .collect()
}

/// What the three catalogs have in common: an id, a name and a soft-delete flag.
pub trait CatalogEntry {
    fn id(&self) -> Option<i64>;
    fn name(&self) -> Option<&str>;
    fn is_deleted(&self) -> bool;
}

macro_rules! catalog_entry {
    ($($entry:ty),*) => {$(
        impl CatalogEntry for $entry {
            fn id(&self) -> Option<i64> {
                self.id
            }
            fn name(&self) -> Option<&str> {
                self.name.as_deref()
            }
            fn is_deleted(&self) -> bool {
                self.deleted == Some(true)
            }
        }
    )*};
}
catalog_entry!(Skill, AgentGroup, ProfileRecord, Named);

/// Any catalog entry read for its name alone (`select=id,name,deleted`): what the console
/// needs to show names, without the deserializers of the whole entities in the page's
/// first-load module.
#[serde_as]
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Named {
    #[serde_as(as = "Option<Lenient>")]
    pub id: Option<i64>,
    pub name: Option<String>,
    #[serde_as(as = "Option<Lenient>")]
    pub deleted: Option<bool>,
}

/// Reads any of the three lists for names only (unknown fields are passed over).
pub fn parse_named(body: &[u8]) -> Result<Vec<Named>, ValidationErrors> {
    crate::parse::parse_list(body)
}

/// Name by id, for showing names instead of ids. Deleted entries are kept (a user may still
/// name a deleted skill, and its name is still the best thing to show); entries without an id
/// or a name are left out.
pub fn names<T: CatalogEntry>(entries: &[T]) -> HashMap<i64, String> {
    entries
        .iter()
        .filter_map(|e| Some((e.id()?, e.name()?.to_owned())))
        .collect()
}

/// Reads `GET …/skills` (a bare JSON array; one object is read as a list of one). A value of
/// the wrong type is reported at its JSON Pointer (`/3/skillOrder`).
pub fn parse_skills(body: &[u8]) -> Result<Vec<Skill>, ValidationErrors> {
    crate::parse::parse_list(body)
}

/// Reads `GET …/agentGroups`, as [`parse_skills`] does.
pub fn parse_agent_groups(body: &[u8]) -> Result<Vec<AgentGroup>, ValidationErrors> {
    crate::parse::parse_list(body)
}

/// Reads `GET …/profiles`, as [`parse_skills`] does.
pub fn parse_profiles(body: &[u8]) -> Result<Vec<ProfileRecord>, ValidationErrors> {
    crate::parse::parse_list(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_agent_groups_example_written_as_strings() {
        // The appendix's example, every value a string.
        let body = br#"[{
            "id": "1231234", "deleted": "false", "name": "newAgentGroup1",
            "description": "a new group of agents", "parentGroupId": "1", "isEnabled": "true"
        }, {"id": -1, "name": "Main Group", "parentGroupId": null, "isEnabled": true}]"#;
        let groups = parse_agent_groups(body).unwrap();
        assert_eq!(
            groups[0],
            AgentGroup {
                id: Some(1_231_234),
                deleted: Some(false),
                name: Some("newAgentGroup1".into()),
                description: Some("a new group of agents".into()),
                parent_group_id: Some(1),
                is_enabled: Some(true),
                date_updated: None,
            }
        );
        assert_eq!(groups[1].parent_group_id, None, "the root has no parent");
        assert_eq!(groups[1].id, Some(-1));
        // Written natively.
        assert_eq!(
            serde_json::to_value(&groups[0]).unwrap(),
            json!({"id": 1231234, "deleted": false, "name": "newAgentGroup1",
                   "description": "a new group of agents", "parentGroupId": 1, "isEnabled": true})
        );
    }

    #[test]
    fn reads_the_skills_example_and_strings() {
        let body = br#"[{
            "id": 326244912, "skillOrder": 0, "description": "skillDescription",
            "workingHoursId": 2859745012, "specialOccasionId": 2861462812,
            "name": "skillName1448453890425", "maxWaitTime": 0, "deleted": true,
            "dateUpdated": "2015-11-25 14:18:11", "canTransfer": true,
            "skillTransferList": [2286661812, 2286661912], "lobIds": [766661812],
            "skillRoutingConfiguration": [
                {"priority": 1, "splitPercentage": 10, "agentGroupId": 326244812},
                {"priority": "2", "splitPercentage": "20", "agentGroupId": "326244812"}
            ],
            "defaultPostChatSurveyId": "12", "notModelled": {"x": [1]}
        }, {"id": "5001", "deleted": "false", "name": "Billing"}]"#;
        let skills = parse_skills(body).unwrap();
        assert_eq!(skills[0].id, Some(326_244_912));
        assert_eq!(skills[0].deleted, Some(true));
        assert_eq!(
            skills[0].skill_transfer_list,
            Some(vec![2286661812, 2286661912])
        );
        let routing = skills[0].skill_routing_configuration.as_ref().unwrap();
        assert_eq!(
            routing[1],
            SkillRouting {
                agent_group_id: Some(326_244_812),
                priority: Some(2),
                split_percentage: Some(20),
            }
        );
        assert_eq!(skills[1].id, Some(5001));
        assert_eq!(skills[1].deleted, Some(false));
        let names = names(&skills);
        assert_eq!(names[&5001], "Billing");
        assert_eq!(names.len(), 2);
    }

    #[test]
    fn profiles_give_roles() {
        let body = br#"[
            {"id": 2338395712, "isAssignedToLPA": false, "roleTypeId": 1,
             "roleTypeName": "Administrator", "description": "", "name": "new",
             "permissions": [3, 5, 1737, 1738],
             "permissionPackages": [{"id": 10006, "isDisplayed": true,
                                     "featureKeys": ["Common.Api_key_management"], "isEnabled": true}],
             "deleted": false, "dateUpdated": "2017-09-19 16:29:28"},
            {"id": "3001", "name": "Agent", "roleTypeId": "2", "numOfAssignedUsers": "12"},
            {"id": 3009, "name": "Old", "roleTypeId": 2, "deleted": true},
            {"id": 3010, "name": "Future role", "roleTypeId": 9},
            {"id": 3011, "roleTypeId": 3}
        ]"#;
        let records = parse_profiles(body).unwrap();
        assert_eq!(records[0].role(), Some(Role::Admin));
        assert_eq!(records[0].is_assigned_to_lpa, Some(false));
        assert_eq!(
            records[0].permission_packages.as_ref().unwrap()[0].id,
            Some(10006)
        );
        assert_eq!(records[1].num_of_assigned_users, Some(12));
        assert_eq!(
            profiles_of(&records),
            [
                Profile {
                    id: 2_338_395_712,
                    name: "new".into(),
                    role: Role::Admin
                },
                Profile {
                    id: 3001,
                    name: "Agent".into(),
                    role: Role::Agent
                },
                Profile {
                    id: 3011,
                    name: "Profile 3011".into(),
                    role: Role::AgentManager
                },
            ],
            "deleted profiles and unknown roles are left out"
        );
        assert_eq!(
            serde_json::to_value(&records[0]).unwrap()["isAssignedToLPA"],
            false,
            "the vendor's spelling is kept"
        );
    }

    #[test]
    fn wrong_types_are_named_by_pointer() {
        for (body, path) in [
            (&br#"[{"id": 1}, {"id": "x"}]"#[..], "/1/id"),
            (
                br#"[{"skillRoutingConfiguration": [{"priority": "first"}]}]"#,
                "/0/skillRoutingConfiguration/0/priority",
            ),
        ] {
            let errors = parse_skills(body).unwrap_err();
            assert_eq!(errors.0[0].path, path);
        }
        assert_eq!(
            parse_agent_groups(br#"[{"isEnabled": "yes"}]"#)
                .unwrap_err()
                .0[0]
                .path,
            "/0/isEnabled"
        );
        assert!(parse_profiles(b"[]").unwrap().is_empty());
        assert!(parse_profiles(b"not json").is_err());
    }
}
