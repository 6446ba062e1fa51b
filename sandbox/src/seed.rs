//! Deterministic, realistic seed data: the same count always yields the same users, so tests,
//! benchmarks and other tools can run on identical data.

use serde_json::{Value, json};

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

/// `count` users as the vendor would return them (native JSON types, server fields set).
pub fn users(account_id: &str, count: usize) -> Vec<Value> {
    let mut rng = fastrand::Rng::with_seed(0x5EED);
    let mut seen_logins = std::collections::HashMap::<String, u32>::new();
    (0..count)
        .map(|i| {
            let id = FIRST_ID + i as i64;
            let first = FIRST_NAMES[rng.usize(..FIRST_NAMES.len())];
            let last = LAST_NAMES[rng.usize(..LAST_NAMES.len())];
            let base = format!("{}.{}", first.to_lowercase(), last.to_lowercase());
            let n = seen_logins.entry(base.clone()).or_default();
            *n += 1;
            let login = if *n == 1 { base } else { format!("{base}{n}") };
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

#[cfg(test)]
mod tests {
    use super::*;
    use shared::liveperson::{Operation, User, validate_batch};

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
        validate_batch(&editable, Operation::Update).unwrap();
    }
}
