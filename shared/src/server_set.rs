//! Fields a vendor sets itself (a process id, the time of the last change, the soft-delete
//! flag). The plainest client reads a user, edits it and writes the whole record back, so
//! these fields come back with every such write; refusing them would refuse that client.
//! Telling "sent back as read" from "changed" would need a read of the user before every
//! write, which the proxy (stateless, one upstream call per request) does not make. So each
//! vendor's rules accept the values a writable user always has, and what reaches the vendor
//! leaves these fields out: the vendor goes on setting them, whatever a client sent.
//!
//! A field is named by its path inside one user, segments separated by `/`, as the field
//! tables name them; `*` stands for every item of a list (`managerOf/*/assignmentDate`).

use serde_json::Value;

/// Removes the fields `fields` names from one user object, or from each user of a list (the
/// vendors' bodies are either), and says whether anything was removed, so that a body that
/// needed nothing is sent as it came. Everything else stays, fields this product does not
/// model included: the vendor may use them.
pub fn strip(body: &mut Value, fields: &[&str]) -> bool {
    match body {
        Value::Array(users) => users
            .iter_mut()
            .fold(false, |removed, user| strip_user(user, fields) | removed),
        user => strip_user(user, fields),
    }
}

/// The body to send instead of `body`: the same users without the fields `fields` names,
/// re-serialized; `None` when it carries none of them, so that the bytes received (and
/// checked) are the bytes sent, exactly, whenever nothing has to go.
///
/// Re-serializing orders an object's keys and writes numbers in serde_json's own form; both
/// mean the same JSON, which is why only a body that needs it is re-serialized.
pub fn stripped(body: &[u8], fields: &[&str]) -> Option<Vec<u8>> {
    stripped_answer(body, fields).ok().flatten()
}

/// A vendor's answer that may name a field to take out and is not JSON: passed on as it
/// came, it could carry the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the vendor's answer is not JSON, and it may carry a field that must not be passed on")]
pub struct Unreadable;

/// [`stripped`] for a vendor's answer (one user, or a list of users, as the vendors answer
/// even a get-one), which nobody checked before: `Ok(None)` when it carries none of the
/// fields, so that the bytes received are passed on, exactly; the same users without them
/// otherwise; and an error, rather than the bytes as they came, when they might hold one of
/// the fields but are not JSON.
pub fn stripped_answer(body: &[u8], fields: &[&str]) -> Result<Option<Vec<u8>>, Unreadable> {
    if !might_name(body, fields) {
        return Ok(None);
    }
    let mut value: Value = serde_json::from_slice(body).map_err(|_| Unreadable)?;
    Ok(strip(&mut value, fields)
        .then(|| serde_json::to_vec(&value).expect("a JSON value always serializes")))
}

/// Whether the bytes could hold one of the fields, so that the common body (none of them)
/// is not parsed a second time: a key is either written as is, or spelled with a `\u` escape.
fn might_name(body: &[u8], fields: &[&str]) -> bool {
    let contains = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    !fields.is_empty()
        && (contains(b"\\u")
            || fields
                .iter()
                .filter_map(|field| field.rsplit('/').next())
                .any(|key| contains(key.as_bytes())))
}

fn strip_user(user: &mut Value, fields: &[&str]) -> bool {
    fields.iter().fold(false, |removed, field| {
        let path: Vec<&str> = field.split('/').collect();
        remove_at(user, &path) | removed
    })
}

fn remove_at(value: &mut Value, path: &[&str]) -> bool {
    match (path, value) {
        ([key], Value::Object(object)) => object.remove(*key).is_some(),
        (["*", rest @ ..], Value::Array(items)) => items
            .iter_mut()
            .fold(false, |removed, item| remove_at(item, rest) | removed),
        ([key, rest @ ..], Value::Object(object)) => object
            .get_mut(*key)
            .is_some_and(|inner| remove_at(inner, rest)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FIELDS: &[&str] = &[
        "pid",
        "deleted",
        "memberOf/assignmentDate",
        "managerOf/*/date",
    ];

    #[test]
    fn strips_the_named_fields_and_keeps_everything_else() {
        for (case, body, expected, removed) in [
            (
                "one user",
                json!({"id": 7, "pid": "p", "deleted": false, "loginName": "a", "x-unknown": [1]}),
                json!({"id": 7, "loginName": "a", "x-unknown": [1]}),
                true,
            ),
            (
                "a list",
                json!([{"pid": "p", "a": 1}, {"b": 2}, {"deleted": false}]),
                json!([{"a": 1}, {"b": 2}, {}]),
                true,
            ),
            (
                "nested",
                json!({"memberOf": {"agentGroupId": -1, "assignmentDate": "d"}}),
                json!({"memberOf": {"agentGroupId": -1}}),
                true,
            ),
            (
                "every item of a list",
                json!({"managerOf": [{"g": 1, "date": "d"}, {"g": 2}, 3]}),
                json!({"managerOf": [{"g": 1}, {"g": 2}, 3]}),
                true,
            ),
            (
                "a nested path through something else",
                json!({"memberOf": -1, "managerOf": {"date": "d"}}),
                json!({"memberOf": -1, "managerOf": {"date": "d"}}),
                false,
            ),
            (
                "nothing to strip",
                json!({"id": 7, "loginName": "pid"}),
                json!({"id": 7, "loginName": "pid"}),
                false,
            ),
            ("not a user", json!("pid"), json!("pid"), false),
        ] {
            let mut stripped_value = body.clone();
            assert_eq!(strip(&mut stripped_value, FIELDS), removed, "{case}");
            assert_eq!(stripped_value, expected, "{case}");
            let bytes = stripped(body.to_string().as_bytes(), FIELDS);
            assert_eq!(
                bytes.map(|b| serde_json::from_slice::<Value>(&b).unwrap()),
                removed.then_some(expected),
                "{case}"
            );
        }
    }

    #[test]
    fn bytes_without_the_fields_are_sent_as_they_came() {
        // Not even parsed: a value serde_json would rewrite (a large number) is kept as is.
        let body = br#"{"id": 7, "big": 123456789012345678901234567890, "b":  1.0e2}"#;
        assert_eq!(stripped(body, FIELDS), None);
        assert_eq!(stripped(body, &[]), None);
        // A key spelled with an escape is still found.
        assert_eq!(
            stripped(br#"{"id": 7, "\u0070id": "p"}"#, FIELDS).as_deref(),
            Some(br#"{"id":7}"#.as_slice())
        );
        // What is not JSON was refused before; here it is left alone.
        assert_eq!(stripped(b"{\"pid\": ", FIELDS), None);
    }

    /// An answer: the users of a list, or the array a get-one answers, lose the fields; one
    /// without them is passed on as it came; one that is not JSON and may hold one is refused.
    #[test]
    fn answers_lose_the_fields_or_pass_as_they_came() {
        const SECRET: &[&str] = &["registration_password"];
        for (case, body, expected) in [
            (
                "a list",
                r#"[{"id": "1", "registration_password": "s1", "sip_uri": "sip:a"},
                    {"id": "2", "registration_password": "s2"}, {"id": "3"}]"#,
                Ok(Some(
                    json!([{"id": "1", "sip_uri": "sip:a"}, {"id": "2"}, {"id": "3"}]),
                )),
            ),
            (
                "one user",
                r#"{"id": "1", "registration_password": "s1"}"#,
                Ok(Some(json!({"id": "1"}))),
            ),
            (
                "a key spelled with an escape",
                r#"[{"id": "1", "registration\u005fpassword": "s1"}]"#,
                Ok(Some(json!([{"id": "1"}]))),
            ),
            ("none of them", r#"[{"id": "1", "big": 1.0e2}]"#, Ok(None)),
            (
                "named only in a value",
                r#"[{"id": "1", "note": "registration_password"}]"#,
                Ok(None),
            ),
            ("an empty list", "[]", Ok(None)),
            (
                "cut short",
                r#"[{"id": "1", "registration_password": "s1"}, {"#,
                Err(Unreadable),
            ),
            ("not JSON, naming nothing", "<html>", Ok(None)),
        ] {
            assert_eq!(
                stripped_answer(body.as_bytes(), SECRET)
                    .map(|bytes| { bytes.map(|b| serde_json::from_slice::<Value>(&b).unwrap()) }),
                expected,
                "{case}"
            );
        }
    }
}
