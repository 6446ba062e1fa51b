//! Property tests: whatever a vendor sends in the loose form (every number and boolean as a
//! string, CommPeak flags as "0"/"1") is read to the same value as the native form, and
//! written back natively. Every field of every entity takes part, as the strategies are
//! derived from the types.

use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The loose form vendors send: numbers and booleans as strings, at any depth.
fn loosen(value: Value) -> Value {
    match value {
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Array(items) => Value::Array(items.into_iter().map(loosen).collect()),
        Value::Object(fields) => {
            Value::Object(fields.into_iter().map(|(k, v)| (k, loosen(v))).collect())
        }
        other => other,
    }
}

fn round_trips<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let native = serde_json::to_value(value).expect("an entity always serializes");
    let read: T = serde_json::from_value(native.clone())
        .map_err(|e| TestCaseError::fail(format!("native form not read back: {e}")))?;
    prop_assert_eq!(&read, value);
    let loose = loosen(native.clone());
    let read: T = serde_json::from_value(loose.clone())
        .map_err(|e| TestCaseError::fail(format!("loose form {loose} not read: {e}")))?;
    prop_assert_eq!(serde_json::to_value(&read).unwrap(), native);
    Ok(())
}

proptest! {
    #[test]
    fn liveperson_user(user: crate::liveperson::User) {
        round_trips(&user)?;
    }

    #[test]
    fn liveperson_skill(skill: crate::liveperson::Skill) {
        round_trips(&skill)?;
    }

    #[test]
    fn liveperson_agent_group(group: crate::liveperson::AgentGroup) {
        round_trips(&group)?;
    }

    #[test]
    fn liveperson_profile(profile: crate::liveperson::ProfileRecord) {
        round_trips(&profile)?;
    }

    #[test]
    fn trintech_user(user: crate::trintech::User) {
        round_trips(&user)?;
    }

    #[test]
    fn commpeak_user(user: crate::commpeak::User) {
        round_trips(&user)?;
    }

    #[test]
    fn commpeak_new_user(user: crate::commpeak::NewUser) {
        round_trips(&user)?;
    }

    #[test]
    fn commpeak_update(update: crate::commpeak::UserUpdate) {
        round_trips(&update)?;
    }

    /// CommPeak flags are written as the numbers 0 and 1, never as booleans.
    #[test]
    fn commpeak_flags_are_numbers(update: crate::commpeak::UserUpdate) {
        let native = serde_json::to_value(&update).unwrap();
        for flag in ["is_active", "is_deleted", "use_webrtc", "is_clockedin", "member_all_desks"] {
            if let Some(value) = native.get(flag) {
                prop_assert!(value == 0 || value == 1, "{} is {}", flag, value);
            }
        }
    }
}
