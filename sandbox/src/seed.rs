//! Where the sandbox's first users come from: generated deterministically (the same count
//! always yields the same realistic users) or loaded from a JSON file of vendor-shaped users,
//! so tests, benchmarks and other tools can run on identical data.

use std::collections::HashSet;
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
/// Agent groups; `-1` is the account's "Main Group".
pub const AGENT_GROUPS: [i64; 6] = [-1, 101, 102, 103, 104, 105];
/// Skills, ids 5001..=5030.
pub const SKILL_IDS: std::ops::RangeInclusive<i64> = 5_001..=5_030;

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
