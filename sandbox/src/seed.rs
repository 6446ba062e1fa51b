//! Deterministic, realistic seed data: the same count always yields the same users, so tests,
//! benchmarks and other tools can run on identical data.

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
