//! Where the sandbox's first users come from: generated deterministically (the same count
//! always yields the same realistic users) or loaded from a JSON file of vendor-shaped users,
//! so tests, benchmarks and other tools can run on identical data.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use shared::liveperson::{ProfileRoles, Role};

use crate::store::pid_for;

/// The first seeded user's id; the vendor's ids are large positive longs.
pub const FIRST_ID: i64 = 4_100_000_001;

/// Profiles the seeded account has, with the role each carries (Profiles API `roleTypeId`).
pub const PROFILES: [(i64, &str, u8); 4] = [
    (3_001, "Agent", 2),
    (3_002, "Agent Manager", 3),
    (3_003, "Administrator", 1),
    (3_004, "Campaign Manager", 4),
];
/// Agent groups users are put in; `-1` is the account's "Main Group", the root of the tree.
pub const AGENT_GROUPS: [i64; 6] = [-1, 101, 102, 103, 104, 105];
/// Skills users are given, ids 5001..=5030.
pub const SKILL_IDS: std::ops::RangeInclusive<i64> = 5_001..=5_030;

/// The account's agent group tree: id, name, parent (`None` only for the root), deleted. Every
/// id of [`AGENT_GROUPS`], plus one deleted group nobody is in.
pub const AGENT_GROUP_TREE: [(i64, &str, Option<i64>, bool); 7] = [
    (-1, "Main Group", None, false),
    (101, "Sales", Some(-1), false),
    (102, "Sales EMEA", Some(101), false),
    (103, "Sales Americas", Some(101), false),
    (104, "Customer Support", Some(-1), false),
    (105, "Tier 2 Support", Some(104), false),
    (106, "Night Shift", Some(104), true),
];

/// The account's skills: id, name, the agent group its conversations are routed to, deleted.
/// Every id of [`SKILL_IDS`], plus one deleted skill nobody has.
pub const SKILLS: [(i64, &str, i64, bool); 31] = [
    (5_001, "Billing", 104, false),
    (5_002, "Sales EMEA", 102, false),
    (5_003, "Sales Americas", 103, false),
    (5_004, "Tier 1 support", 104, false),
    (5_005, "Tier 2 support", 105, false),
    (5_006, "Technical support", 105, false),
    (5_007, "Returns and refunds", 104, false),
    (5_008, "Shipping and delivery", 104, false),
    (5_009, "Account access", 104, false),
    (5_010, "Onboarding", 101, false),
    (5_011, "Retention", 101, false),
    (5_012, "VIP customers", 105, false),
    (5_013, "Spanish", 103, false),
    (5_014, "German", 102, false),
    (5_015, "French", 102, false),
    (5_016, "Mobile app", 105, false),
    (5_017, "Payments", 104, false),
    (5_018, "Fraud and security", 105, false),
    (5_019, "Complaints", 105, false),
    (5_020, "Escalations", 105, false),
    (5_021, "Renewals", 101, false),
    (5_022, "Upgrades", 101, false),
    (5_023, "Bot handoff", 104, false),
    (5_024, "Social media", 104, false),
    (5_025, "WhatsApp", 104, false),
    (5_026, "SMS", 104, false),
    (5_027, "Email follow-up", 104, false),
    (5_028, "Web chat", 104, false),
    (5_029, "Callback requests", 104, false),
    (5_030, "Feedback", 104, false),
    (5_031, "Legacy phone support", 104, true),
];

/// When the seeded account configuration was last changed (`dateUpdated`), and the same instant
/// as the Profiles API's `X-LP-Last-Modified` (milliseconds since the epoch, UTC).
pub const CATALOG_UPDATED: &str = "2024-03-01 09:00:00";
pub const CATALOG_LAST_MODIFIED_MS: i64 = 1_709_283_600_000;

const FIRST_NAMES: [&str; 40] = [
    "Amelia", "Ben", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kavya", "Liam", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara", "Umar",
    "Vera", "Wei", "Ximena", "Yusuf", "Zoe", "Aisha", "Bruno", "Chloe", "Diego", "Emma", "Felix",
    "Gita", "Hugo", "Ivy", "Jamal", "Kira", "Luca", "Mina", "Nadia",
];
const LAST_NAMES: [&str; 40] = [
    "Adams",
    "Bauer",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Oliveira",
    "Petrov",
    "Quint",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Andersen",
    "Becker",
    "Cruz",
    "Dias",
    "Eriksen",
    "Ferreira",
    "Gomez",
    "Horvat",
    "Ivanova",
    "Jovanovic",
    "Kim",
    "Lopez",
    "Martin",
    "Novak",
];

/// Where a vendor's first users come from (used only when its table is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seed {
    /// This many generated users.
    Generated(usize),
    /// A JSON file holding an array of users shaped as the vendor returns them.
    File(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read the seed file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the seed file {} is not a JSON array of users: {source}", path.display())]
    NotJson {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("the seed file {}, user {index}: {reason}", path.display())]
    Record {
        path: PathBuf,
        index: usize,
        reason: String,
    },
}

/// The records of a seed file, each read with the vendor's lenient type `T` and written back
/// natively; `check` completes or refuses each one.
fn load<T>(
    path: &Path,
    mut check: impl FnMut(usize, T) -> Result<Value, String>,
) -> Result<Vec<Value>, SeedError>
where
    T: serde::de::DeserializeOwned,
{
    let text = std::fs::read(path).map_err(|source| SeedError::Read {
        path: path.to_owned(),
        source,
    })?;
    let values: Vec<Value> =
        serde_json::from_slice(&text).map_err(|source| SeedError::NotJson {
            path: path.to_owned(),
            source,
        })?;
    let record_error = |index, reason| SeedError::Record {
        path: path.to_owned(),
        index,
        reason,
    };
    values
        .into_iter()
        .enumerate()
        .map(|(index, value)| {
            let record = shared::parse::parse_record::<T>(index, value)
                .map_err(|e| record_error(index, e.message))?;
            check(index, record).map_err(|reason| record_error(index, reason))
        })
        .collect()
}

/// A unique key (compared without case) seen for the second time.
fn first_time(seen: &mut HashSet<String>, what: &str, value: &str) -> Result<(), String> {
    if seen.insert(value.to_lowercase()) {
        Ok(())
    } else {
        Err(format!("{what} \"{value}\" appears twice"))
    }
}

/// A given id must be positive and not seen before.
fn unique_id(seen: &mut HashSet<i64>, id: Option<i64>) -> Result<(), String> {
    match id {
        Some(id) if id <= 0 || !seen.insert(id) => {
            Err(format!("id {id} is not positive or appears twice"))
        }
        _ => Ok(()),
    }
}

/// LivePerson users to seed into `account_id`. A file's users keep their ids (or get the next
/// free ones), `pid` and `deleted` are filled in when missing, and passwords are dropped.
pub fn liveperson_records(seed: &Seed, account_id: &str) -> Result<Vec<Value>, SeedError> {
    let path = match seed {
        Seed::Generated(count) => return Ok(users(account_id, *count)),
        Seed::File(path) => path,
    };
    let mut logins = HashSet::new();
    let mut ids = HashSet::new();
    let mut records = load(path, |_, mut user: shared::liveperson::User| {
        let login = user.login_name.clone().ok_or("it has no loginName")?;
        first_time(&mut logins, "loginName", &login)?;
        unique_id(&mut ids, user.id)?;
        user.password_sh = None;
        let mut record = serde_json::to_value(&user).map_err(|e| e.to_string())?;
        record.as_object_mut().map(|r| r.remove("passwordSh"));
        Ok(record)
    })?;
    let mut next_id = ids
        .iter()
        .max()
        .copied()
        .unwrap_or(FIRST_ID - 1)
        .max(FIRST_ID - 1)
        + 1;
    for record in &mut records {
        if record.get("id").is_none() {
            record["id"] = next_id.into();
            next_id += 1;
        }
        let id = record["id"].as_i64().unwrap_or_default();
        if record.get("pid").is_none() {
            record["pid"] = pid_for(account_id, id).into();
        }
        if record.get("deleted").is_none() {
            record["deleted"] = false.into();
        }
    }
    Ok(records)
}

/// Trintech users to seed. A file's users need `userName` and `email`; passwords are dropped
/// (seeded people have a password nobody knows).
pub fn trintech_records(seed: &Seed) -> Result<Vec<Value>, SeedError> {
    let path = match seed {
        Seed::Generated(count) => return Ok(trintech_users(*count)),
        Seed::File(path) => path,
    };
    let (mut names, mut emails) = (HashSet::new(), HashSet::new());
    load(path, |_, mut user: shared::trintech::User| {
        first_time(
            &mut names,
            "userName",
            user.user_name.as_deref().ok_or("it has no userName")?,
        )?;
        first_time(
            &mut emails,
            "email",
            user.email.as_deref().ok_or("it has no email")?,
        )?;
        user.password = None;
        serde_json::to_value(&user).map_err(|e| e.to_string())
    })
}

/// CommPeak users to seed. A file's users need `username`; they keep their ids or get the next
/// free ones.
pub fn commpeak_records(seed: &Seed) -> Result<Vec<Value>, SeedError> {
    let path = match seed {
        Seed::Generated(count) => return Ok(commpeak_users(*count)),
        Seed::File(path) => path,
    };
    let (mut names, mut ids) = (HashSet::new(), HashSet::new());
    let mut records = load(path, |_, user: shared::commpeak::User| {
        first_time(
            &mut names,
            "username",
            user.username.as_deref().ok_or("it has no username")?,
        )?;
        unique_id(&mut ids, user.id)?;
        serde_json::to_value(&user).map_err(|e| e.to_string())
    })?;
    let mut next_id = ids.iter().max().map_or(COMMPEAK_FIRST_ID, |max| max + 1);
    for record in &mut records {
        if record.get("id").is_none() {
            record["id"] = next_id.into();
            next_id += 1;
        }
    }
    Ok(records)
}

/// The seeded account's profiles as the role catalog the LivePerson rules need.
pub fn profile_roles() -> ProfileRoles {
    ProfileRoles(
        PROFILES
            .iter()
            .filter_map(|(id, _, role)| Some((*id, Role::from_type_id(i64::from(*role))?)))
            .collect(),
    )
}

/// The skill, agent group and profile ids the stored users refer to (`skillIds`,
/// `memberOf.agentGroupId`, `managerOf[].agentGroupId`, `profileIds`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct References {
    pub skills: BTreeSet<i64>,
    pub agent_groups: BTreeSet<i64>,
    pub profiles: BTreeSet<i64>,
}

impl References {
    /// Adds what one user refers to.
    pub fn add(&mut self, user: &shared::liveperson::User) {
        self.skills.extend(user.skill_ids.iter().flatten());
        self.profiles.extend(user.profile_ids.iter().flatten());
        self.agent_groups.extend(
            user.member_of
                .iter()
                .chain(user.manager_of.iter().flatten())
                .filter_map(|m| m.agent_group_id),
        );
    }
}

/// The LivePerson account configuration users refer to by id, as the Skills, Agent Groups and
/// Profiles APIs return it (native JSON, every field set), each list ordered by id. Read only
/// through the API.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    pub skills: Vec<Value>,
    pub agent_groups: Vec<Value>,
    pub profiles: Vec<Value>,
}

/// The seeded account's configuration: [`SKILLS`], [`AGENT_GROUP_TREE`] and [`PROFILES`], and
/// for any other id `referenced` names (users loaded from a file, or stored by an earlier run)
/// an entry named after its id ("Skill 42", "Agent group 42" under the Main Group, "Profile 42"
/// without a role, as the role rules know none for it), so every id a user carries has a name.
pub fn liveperson_catalog(referenced: &References) -> Catalog {
    use std::collections::BTreeMap;
    let mut skills: BTreeMap<i64, Value> = SKILLS
        .iter()
        .enumerate()
        .map(|(order, &(id, name, group, deleted))| {
            let skill = json!({
                "id": id,
                "deleted": deleted,
                "name": name,
                "description": "",
                "skillOrder": order + 1,
                "maxWaitTime": 120,
                "dateUpdated": CATALOG_UPDATED,
                "canTransfer": true,
                "lobIds": [],
                "skillRoutingConfiguration": [
                    {"agentGroupId": group, "priority": 1, "splitPercentage": 100}
                ],
            });
            (id, skill)
        })
        .collect();
    for &id in &referenced.skills {
        let order = skills.len() + 1;
        skills.entry(id).or_insert_with(|| {
            json!({
                "id": id, "deleted": false, "name": format!("Skill {id}"), "skillOrder": order,
                "maxWaitTime": 120, "dateUpdated": CATALOG_UPDATED, "canTransfer": true,
            })
        });
    }
    let mut agent_groups: BTreeMap<i64, Value> = AGENT_GROUP_TREE
        .iter()
        .map(|&(id, name, parent, deleted)| {
            let group = json!({
                "id": id,
                "deleted": deleted,
                "name": name,
                "description": "",
                "parentGroupId": parent,
                "isEnabled": !deleted,
                "dateUpdated": CATALOG_UPDATED,
            });
            (id, group)
        })
        .collect();
    for &id in &referenced.agent_groups {
        agent_groups.entry(id).or_insert_with(|| {
            json!({
                "id": id, "deleted": false, "name": format!("Agent group {id}"),
                "parentGroupId": AGENT_GROUP_TREE[0].0, "isEnabled": true,
                "dateUpdated": CATALOG_UPDATED,
            })
        });
    }
    let mut profiles: BTreeMap<i64, Value> = PROFILES
        .iter()
        .filter_map(|&(id, name, role)| {
            let role = Role::from_type_id(i64::from(role))?;
            // The core permission package of each role: 10000 Admin, 20000 Agent, …
            let core = role.type_id() * 10_000;
            let profile = json!({
                "id": id,
                "deleted": false,
                "name": name,
                "description": "",
                "roleTypeId": role.type_id(),
                "roleTypeName": role.type_name(),
                "dateUpdated": CATALOG_UPDATED,
                "permissions": [],
                "permissionPackages": [
                    {"id": core, "isDisplayed": true, "featureKeys": [], "isEnabled": true}
                ],
                "isAssignedToLPA": false,
            });
            Some((id, profile))
        })
        .collect();
    for &id in &referenced.profiles {
        profiles.entry(id).or_insert_with(|| {
            json!({
                "id": id, "deleted": false, "name": format!("Profile {id}"),
                "dateUpdated": CATALOG_UPDATED, "permissions": [], "permissionPackages": [],
                "isAssignedToLPA": false,
            })
        });
    }
    Catalog {
        skills: skills.into_values().collect(),
        agent_groups: agent_groups.into_values().collect(),
        profiles: profiles.into_values().collect(),
    }
}

/// A deterministic first and last name for the `i`th generated person of a vendor.
fn person(rng: &mut fastrand::Rng) -> (&'static str, &'static str) {
    (
        FIRST_NAMES[rng.usize(..FIRST_NAMES.len())],
        LAST_NAMES[rng.usize(..LAST_NAMES.len())],
    )
}

/// A login made unique by a counter when the same person's name comes round again.
fn unique_login(seen: &mut std::collections::HashMap<String, u32>, base: String) -> String {
    let n = seen.entry(base.clone()).or_default();
    *n += 1;
    if *n == 1 { base } else { format!("{base}{n}") }
}

/// `count` LivePerson users as the vendor would return them (native JSON types, server
/// fields set).
pub fn users(account_id: &str, count: usize) -> Vec<Value> {
    let mut rng = fastrand::Rng::with_seed(0x5EED);
    let mut seen_logins = std::collections::HashMap::<String, u32>::new();
    (0..count)
        .map(|i| {
            let id = FIRST_ID + i as i64;
            let (first, last) = person(&mut rng);
            let login = unique_login(
                &mut seen_logins,
                format!("{}.{}", first.to_lowercase(), last.to_lowercase()),
            );
            let roll = rng.u8(..100);
            let is_api_user = roll < 2;
            let (profile, _, role) = match roll {
                0..4 => PROFILES[2],
                4..6 => PROFILES[3],
                6..14 => PROFILES[1],
                _ => PROFILES[0],
            };
            let date = |rng: &mut fastrand::Rng| {
                format!(
                    "{}-{:02}-{:02} {:02}:{:02}:{:02}",
                    rng.u16(2022..=2025),
                    rng.u8(1..=12),
                    rng.u8(1..=28),
                    rng.u8(..24),
                    rng.u8(..60),
                    rng.u8(..60)
                )
            };
            let mut user = json!({
                "id": id,
                "pid": pid_for(account_id, id),
                "deleted": false,
                "loginName": login,
                "fullName": format!("{first} {last}"),
                "nickname": first,
                "email": format!("{login}@example.com"),
                "isEnabled": rng.u8(..100) < 92,
                "maxChats": if role == 2 { rng.i64(1..=8) } else { 0 },
                "profileIds": [profile],
                "isApiUser": is_api_user,
                "userTypeId": if is_api_user { 0 } else { 1 },
                "changePwdNextLogin": false,
                "permissionGroups": [],
                "lobIds": [],
                "dateUpdated": date(&mut rng),
            });
            if is_api_user {
                user["allowedAppKeys"] = format!("{:032x}", rng.u128(..)).into();
            } else {
                user["lastPwdChangeDate"] = date(&mut rng).into();
            }
            if role == 2 {
                let skills = (0..rng.usize(..=3))
                    .map(|_| rng.i64(SKILL_IDS))
                    .collect::<std::collections::BTreeSet<_>>();
                user["skillIds"] = json!(skills);
                user["memberOf"] = json!({
                    "agentGroupId": AGENT_GROUPS[rng.usize(..AGENT_GROUPS.len())],
                    "assignmentDate": date(&mut rng),
                });
                if rng.u8(..4) == 0 {
                    user["maxAsyncChats"] = rng.i64(0..=20).into();
                }
            }
            if role == 3 {
                user["managerOf"] = json!([{
                    "agentGroupId": AGENT_GROUPS[rng.usize(1..AGENT_GROUPS.len())],
                    "assignmentDate": date(&mut rng),
                }]);
            }
            if rng.u8(..5) == 0 {
                user["mobileNumber"] = format!("+1555{:07}", rng.u32(..10_000_000)).into();
            }
            user
        })
        .collect()
}

/// Trintech department, location and program-admin-role codes configured "in Certification".
pub const TRINTECH_DEPARTMENTS: [&str; 5] = ["FIN", "ACCT", "TREAS", "TAX", "AUDIT"];
pub const TRINTECH_LOCATIONS: [&str; 4] = ["NYC", "LON", "DAL", "SGP"];
const TRINTECH_ROLES: [(&str, &str); 4] = [
    ("Close", "Preparer"),
    ("Close", "Reviewer"),
    ("Reconciliation", "Approver"),
    ("Compliance", "Auditor"),
];

/// `count` Trintech users as stored (no password: only its digest is kept, elsewhere).
pub fn trintech_users(count: usize) -> Vec<Value> {
    let mut rng = fastrand::Rng::with_seed(0x7217);
    let mut seen = std::collections::HashMap::new();
    (0..count)
        .map(|_| {
            let (first, last) = person(&mut rng);
            let user_name = unique_login(
                &mut seen,
                format!("{}.{}", first.to_lowercase(), last.to_lowercase()),
            );
            let (role_type, role) = TRINTECH_ROLES[rng.usize(..TRINTECH_ROLES.len())];
            json!({
                "userName": user_name,
                "name": {"firstName": first, "lastName": last, "displayName": format!("{first} {last}")},
                "email": format!("{user_name}@corp.example.com"),
                "phoneNumber": format!("+1 214 555 {:04}", rng.u16(..10_000)),
                "roles": [{"type": role_type, "value": role}],
                "userAccess": {
                    "AccessAutomation": rng.bool(),
                    "AccessCertification": true,
                    "AccessComplete": rng.bool(),
                    "AccessOperationalMatching": rng.u8(..4) == 0,
                },
                "departmentId": TRINTECH_DEPARTMENTS[rng.usize(..TRINTECH_DEPARTMENTS.len())],
                "locationId": TRINTECH_LOCATIONS[rng.usize(..TRINTECH_LOCATIONS.len())],
                "programAdminRoleId": "PA-STD",
                "lockedOut": rng.u8(..50) == 0,
            })
        })
        .collect()
}

/// CommPeak's roles, as the `roles` object of a read user names them.
pub const COMMPEAK_ROLES: [(&str, &str); 3] = [("1", "Agent"), ("2", "Supervisor"), ("3", "Admin")];
/// The first seeded CommPeak user id.
pub const COMMPEAK_FIRST_ID: i64 = 1001;

/// `count` CommPeak users as stored (native JSON; the API stringifies every scalar).
pub fn commpeak_users(count: usize) -> Vec<Value> {
    let mut rng = fastrand::Rng::with_seed(0xC0FFEE);
    let mut seen = std::collections::HashMap::new();
    (0..count)
        .map(|i| {
            let id = COMMPEAK_FIRST_ID + i as i64;
            let (first, last) = person(&mut rng);
            let username = unique_login(
                &mut seen,
                format!("{}{}", first.to_lowercase(), &last[..1].to_lowercase()),
            );
            let (role_id, role) = COMMPEAK_ROLES[usize::from(rng.u8(..10) == 0)];
            json!({
                "id": id,
                "username": username,
                "email": format!("{username}@dialer.example.com"),
                "registration_password": registration_password(&mut rng),
                "is_active": rng.u8(..20) != 0,
                "is_clockedin": rng.bool(),
                "sip_uri": format!("sip:{username}@example.td.commpeak.com"),
                "auto_dial": rng.bool(),
                "is_deleted": false,
                "use_extended_ip_acl": false,
                "user_route_caller_id": 0,
                "timezone_id": rng.i64(1..=30),
                "use_webrtc": true,
                "first_name": first,
                "last_name": last,
                "virtual_extension": (2000 + i).to_string(),
                "default_language": shared::commpeak::LANGUAGES[rng.usize(..shared::commpeak::LANGUAGES.len())],
                "max_session_time": "0",
                "max_concurrent_sessions": "1",
                "twofa_type": "default",
                "member_all_desks": rng.u8(..3) == 0,
                "desks": [],
                "roles": {role_id: role},
                "groups": [],
            })
        })
        .collect()
}

/// A SIP registration password as CommPeak generates one.
pub fn registration_password(rng: &mut fastrand::Rng) -> String {
    (0..16).map(|_| rng.alphanumeric()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_files_are_read_leniently_and_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, body: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, body).unwrap();
            Seed::File(path)
        };
        let good = write(
            "lp.json",
            r#"[{"id": "77", "loginName": "a", "isEnabled": "true", "passwordSh": "secret"},
                {"loginName": "b", "maxChats": "3"}]"#,
        );
        let records = liveperson_records(&good, "123").unwrap();
        assert_eq!(records[0]["id"], 77);
        assert_eq!(records[0]["isEnabled"], true);
        assert!(
            records[0].get("passwordSh").is_none(),
            "a password was kept"
        );
        assert_eq!(records[1]["id"], FIRST_ID);
        assert_eq!(records[1]["maxChats"], 3);
        assert_eq!(records[1]["deleted"], false);

        for (case, body, fragment) in [
            ("not JSON", "users", "not a JSON array"),
            ("no login", r#"[{"id": 1}]"#, "user 0: it has no loginName"),
            (
                "twice",
                r#"[{"loginName": "a"}, {"loginName": "A"}]"#,
                "user 1: loginName \"A\" appears twice",
            ),
            (
                "wrong type",
                r#"[{"loginName": "a", "maxChats": "many"}]"#,
                "user 0: maxChats",
            ),
        ] {
            let error = liveperson_records(&write("bad.json", body), "123")
                .unwrap_err()
                .to_string();
            assert!(error.contains(fragment), "{case}: {error}");
        }
        let missing = Seed::File(dir.path().join("missing.json"));
        assert!(
            trintech_records(&missing)
                .unwrap_err()
                .to_string()
                .contains("cannot read")
        );

        let cp = write(
            "cp.json",
            r#"[{"id": "5", "username": "x", "is_active": "1"}, {"username": "y"}]"#,
        );
        let records = commpeak_records(&cp).unwrap();
        assert_eq!(
            (records[0]["id"].clone(), records[1]["id"].clone()),
            (json!(5), json!(6))
        );
        assert_eq!(records[0]["is_active"], 1);
        let tt = write(
            "tt.json",
            r#"[{"userName": "x", "email": "x@example.com", "password": "P4ss!word"}]"#,
        );
        let records = trintech_records(&tt).unwrap();
        assert!(records[0].get("password").is_none());
    }
    use shared::liveperson::{User, validate_batch};
    use shared::operation::Write;

    #[test]
    fn seed_is_deterministic_unique_and_valid() {
        let a = users("123", 2_000);
        assert_eq!(a, users("123", 2_000));
        let logins: std::collections::HashSet<_> = a
            .iter()
            .map(|u| u["loginName"].as_str().unwrap().to_lowercase())
            .collect();
        assert_eq!(logins.len(), a.len());
        // Every seeded user must pass the same rules a PUT of it would meet (minus the
        // server-owned fields), or editing a seeded user in the console would fail.
        let editable: Vec<User> = a
            .iter()
            .map(|u| {
                let mut u = u.clone();
                u.as_object_mut().unwrap().remove("deleted");
                serde_json::from_value(u).unwrap()
            })
            .collect();
        validate_batch(&editable, Write::Update, &profile_roles()).unwrap();
    }

    #[test]
    fn the_catalog_names_every_id_a_generated_user_carries() {
        assert!(
            SKILLS.iter().filter(|s| !s.3).map(|s| s.0).eq(SKILL_IDS),
            "the skills given to users are the catalog's live skills"
        );
        assert!(
            AGENT_GROUP_TREE
                .iter()
                .filter(|g| !g.3)
                .map(|g| g.0)
                .eq(AGENT_GROUPS),
            "the groups users are put in are the catalog's live groups"
        );
        let mut references = References::default();
        for user in users("123", 3_000) {
            references.add(&serde_json::from_value(user).unwrap());
        }
        assert_eq!(
            references.skills,
            SKILL_IDS.collect(),
            "3,000 users use every skill"
        );
        let catalog = liveperson_catalog(&references);
        let ids = |list: &[Value]| -> BTreeSet<i64> {
            list.iter().map(|e| e["id"].as_i64().unwrap()).collect()
        };
        assert_eq!(catalog.skills.len(), SKILLS.len(), "no made-up skill");
        assert_eq!(catalog.agent_groups.len(), AGENT_GROUP_TREE.len());
        assert_eq!(catalog.profiles.len(), PROFILES.len());
        for (what, used, listed) in [
            ("skill", &references.skills, ids(&catalog.skills)),
            (
                "agent group",
                &references.agent_groups,
                ids(&catalog.agent_groups),
            ),
            ("profile", &references.profiles, ids(&catalog.profiles)),
        ] {
            assert!(
                used.is_subset(&listed),
                "a {what} used is not in the catalog"
            );
        }
        // One tree: a single root, every parent a listed group.
        let groups = ids(&catalog.agent_groups);
        let roots: Vec<_> = catalog
            .agent_groups
            .iter()
            .filter(|g| g["parentGroupId"].is_null())
            .collect();
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0]["id"], -1);
        assert!(catalog.agent_groups.iter().all(|g| {
            g["parentGroupId"]
                .as_i64()
                .is_none_or(|parent| groups.contains(&parent))
        }));
        // Read back with the shared types, the profiles give the roles the rules use.
        let profiles: Vec<shared::liveperson::ProfileRecord> =
            serde_json::from_value(Value::Array(catalog.profiles.clone())).unwrap();
        assert_eq!(
            ProfileRoles::of(&shared::liveperson::profiles_of(&profiles)),
            profile_roles()
        );
        let skills: Vec<shared::liveperson::Skill> =
            serde_json::from_value(Value::Array(catalog.skills)).unwrap();
        assert_eq!(skills[0].name.as_deref(), Some("Billing"));
    }

    #[test]
    fn ids_the_seeded_catalog_lacks_are_named_after_themselves() {
        let references = References {
            skills: [5_001, 77].into(),
            agent_groups: [-1, 88].into(),
            profiles: [3_001, 99].into(),
        };
        let catalog = liveperson_catalog(&references);
        let find = |list: &[Value], id: i64| list.iter().find(|e| e["id"] == id).cloned();
        assert_eq!(find(&catalog.skills, 77).unwrap()["name"], "Skill 77");
        let group = find(&catalog.agent_groups, 88).unwrap();
        assert_eq!(
            (group["name"].clone(), group["parentGroupId"].clone()),
            (json!("Agent group 88"), json!(-1))
        );
        let profile = find(&catalog.profiles, 99).unwrap();
        assert_eq!(profile["name"], "Profile 99");
        assert!(profile.get("roleTypeId").is_none(), "no role is made up");
        assert_eq!(catalog.skills.len(), SKILLS.len() + 1);
        assert_eq!(catalog.skills[0]["id"], 77, "ordered by id");
    }

    #[test]
    fn other_vendors_seeds_are_deterministic_unique_and_valid() {
        let trintech = trintech_users(2_000);
        assert_eq!(trintech, trintech_users(2_000));
        let users: Vec<shared::trintech::User> = trintech
            .iter()
            .map(|u| {
                let mut u = u.clone();
                u.as_object_mut().unwrap().remove("userAccess");
                serde_json::from_value(u).unwrap()
            })
            .collect();
        shared::trintech::validate_batch(&users[..1000], Write::Update).unwrap();
        shared::trintech::validate_batch(&users[1000..], Write::Update).unwrap();

        let commpeak = commpeak_users(2_000);
        assert_eq!(commpeak, commpeak_users(2_000));
        let names: std::collections::HashSet<_> = commpeak
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names.len(), commpeak.len());
        for user in &commpeak {
            let update: shared::commpeak::UserUpdate =
                serde_json::from_value(user.clone()).unwrap();
            shared::commpeak::validate_update(&update, None).unwrap();
        }
    }
}
