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

#[cfg(not(target_arch = "wasm32"))]
mod members;
#[cfg(not(target_arch = "wasm32"))]
pub use members::Keep;

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
/// When every field is a top-level member, every other byte is kept as it came (see
/// [`stripped_answer`]); a nested path re-serializes the body, which orders an object's keys
/// and writes numbers in serde_json's own form. Either means the same JSON, which is why only
/// a body that needs it is rewritten.
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
///
/// Fields that are all top-level members (CommPeak's `registration_password`) are taken out
/// without a tree of the answer: it is read through once, noting where each such member lies,
/// and copied without those members and a comma beside each, every other byte as it came (a
/// 28 MB list in about 40 ms rather than 380). A nested path, or such a member named with an
/// escape, goes through a `serde_json::Value`.
pub fn stripped_answer(body: &[u8], fields: &[&str]) -> Result<Option<Vec<u8>>, Unreadable> {
    if !might_name(body, fields) {
        return Ok(None);
    }
    #[cfg(not(target_arch = "wasm32"))]
    if !fields.iter().any(|field| field.contains('/')) {
        match members::narrowed(body, Keep::AllBut(fields)) {
            Ok(answer) => return Ok(answer),
            Err(members::Failure::Malformed) => return Err(Unreadable),
            Err(members::Failure::Escaped) => {}
        }
    }
    let mut value: Value = serde_json::from_slice(body).map_err(|_| Unreadable)?;
    Ok(strip(&mut value, fields)
        .then(|| serde_json::to_vec(&value).expect("a JSON value always serializes")))
}

/// A list answer with only the top-level members `kept` of each user (a selection the vendor
/// cannot apply itself: CommPeak's and Trintech's lists): `Ok(None)` when no user had any
/// other, so the bytes received are passed on. Read through without a tree, like
/// [`stripped_answer`]; a member named with an escape goes through a `serde_json::Value`.
#[cfg(not(target_arch = "wasm32"))]
pub fn narrowed_answer(body: &[u8], kept: &[&str]) -> Result<Option<Vec<u8>>, Unreadable> {
    match members::narrowed(body, Keep::Only(kept)) {
        Ok(answer) => return Ok(answer),
        Err(members::Failure::Malformed) => return Err(Unreadable),
        Err(members::Failure::Escaped) => {}
    }
    let mut value: Value = serde_json::from_slice(body).map_err(|_| Unreadable)?;
    let mut narrowed = false;
    let mut narrow = |user: &mut Value| {
        if let Value::Object(members) = user {
            let before = members.len();
            members.retain(|name, _| kept.contains(&name.as_str()));
            narrowed |= members.len() != before;
        }
    };
    match &mut value {
        Value::Array(users) => users.iter_mut().for_each(&mut narrow),
        user => narrow(user),
    }
    Ok(narrowed.then(|| serde_json::to_vec(&value).expect("a JSON value always serializes")))
}

/// Whether the bytes could hold one of the fields, so that the common body (none of them)
/// is not parsed a second time: a key is either written as is, or spelled with a `\u` escape.
fn might_name(body: &[u8], fields: &[&str]) -> bool {
    let contains = |needle: &[u8]| memchr::memmem::find(body, needle).is_some();
    !fields.is_empty()
        && (fields
            .iter()
            .filter_map(|field| field.rsplit('/').next())
            .any(|key| contains(key.as_bytes()))
            || contains(b"\\u"))
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
    use std::borrow::Cow;

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

    /// Top-level members only (CommPeak's case): the answer is read through without a tree,
    /// and copied without those members and a comma beside each; every other byte stays as it
    /// came (order, whitespace, escapes, numbers as written), and it means what the general
    /// path (a `Value` rewritten) makes of it.
    #[test]
    fn top_level_members_go_and_every_other_byte_stays() {
        const SECRET: &[&str] = &["registration_password"];
        for (case, body, expected) in [
            (
                "a list",
                r#"[{"id":"1","registration_password":"s1","sip_uri":"sip:a"},{"id":"2","registration_password":"s2"},{"id":"3"}]"#,
                Ok(Some(
                    r#"[{"id":"1","sip_uri":"sip:a"},{"id":"2"},{"id":"3"}]"#,
                )),
            ),
            (
                "one user",
                r#"{"id": "1", "registration_password": "s1", "email": "a@b.io"}"#,
                Ok(Some(r#"{"id": "1", "email": "a@b.io"}"#)),
            ),
            (
                "CommPeak's array of one",
                r#"[{"registration_password": "s1", "id": "7"}]"#,
                Ok(Some(r#"[{"id": "7"}]"#)),
            ),
            (
                "first, last, only, repeated, and all of them",
                r#"[{"registration_password":"a","id":"1"},{"id":"2","registration_password":"b"},{"registration_password":"c"},{"registration_password":1,"registration_password":2,"id":"4"},{"id":"5","registration_password":1,"registration_password":2},{"registration_password":1,"registration_password":2},{}]"#,
                Ok(Some(
                    r#"[{"id":"1"},{"id":"2"},{},{"id":"4"},{"id":"5"},{},{}]"#,
                )),
            ),
            (
                "member order and the bytes of every value",
                "{\"z\": 1.0e2, \"a\": 123456789012345678901234567890, \"registration_password\": \"x\",\n\
                 \"m\": {\"b\": 1,  \"a\": [ 1, 2 ], \"registration_password\": \"nested stays\"},\n\
                 \"s\": \"caf\\u00e9 \\\"q\\\" \u{e9}\", \"n\": null, \"t\": true, \"e\": [ ]}",
                Ok(Some(
                    "{\"z\": 1.0e2, \"a\": 123456789012345678901234567890,\n\
                     \"m\": {\"b\": 1,  \"a\": [ 1, 2 ], \"registration_password\": \"nested stays\"},\n\
                     \"s\": \"caf\\u00e9 \\\"q\\\" \u{e9}\", \"n\": null, \"t\": true, \"e\": [ ]}",
                )),
            ),
            (
                "pretty-printed",
                "[\n  {\n    \"registration_password\" : \"s\" ,\n    \"id\" : \"1\" ,\n    \"registration_password\" : \"s\"\n  }\n]\n",
                Ok(Some("[\n  {\n    \"id\" : \"1\"\n  }\n]\n")),
            ),
            (
                "escapes in other names and in values stay as written",
                r#"[{"na\u006de": "x", "registration_password": "s\"\\\u0041", "q\"uote": "a\nb\u2028c\"registration_password\""}]"#,
                Ok(Some(
                    r#"[{"na\u006de": "x", "q\"uote": "a\nb\u2028c\"registration_password\""}]"#,
                )),
            ),
            (
                "the name written with an escape: the general path",
                r#"[{"id": "1", "registration\u005fpassword": "s"}]"#,
                Ok(Some(r#"[{"id":"1"}]"#)),
            ),
            (
                "nothing to remove",
                r#"[{"id": "1", "note": "registration_password"}, {"m": {"registration_password": "s"}}]"#,
                Ok(None),
            ),
            (
                "named nowhere, with an escape",
                r#"[{"id": "\u0031"}]"#,
                Ok(None),
            ),
            (
                "not users: passed over as they are",
                r#"["registration_password", [{"registration_password": "s"}], 1, null, {"registration_password": "s", "id": 2}]"#,
                Ok(Some(
                    r#"["registration_password", [{"registration_password": "s"}], 1, null, {"id": 2}]"#,
                )),
            ),
            ("a bare string", r#""registration_password""#, Ok(None)),
            (
                "cut short",
                r#"[{"id": "1", "registration_password": "s1"}, {"#,
                Err(Unreadable),
            ),
            (
                "trailing bytes",
                r#"[{"registration_password": "s1"}] x"#,
                Err(Unreadable),
            ),
            (
                "a value missing",
                r#"[{"id": "1", "registration_password": }]"#,
                Err(Unreadable),
            ),
            (
                "a broken value passed over",
                r#"[{"registration_password": "s", "id": tru}]"#,
                Err(Unreadable),
            ),
            (
                "a broken escape passed over",
                r#"[{"registration_password": "s", "id": "\x"}]"#,
                Err(Unreadable),
            ),
            (
                "a comma too many",
                r#"[{"registration_password": "s",}]"#,
                Err(Unreadable),
            ),
        ] {
            let got = stripped_answer(body.as_bytes(), SECRET);
            assert_eq!(
                got.as_ref()
                    .map(|bytes| bytes.as_deref().map(String::from_utf8_lossy))
                    .map_err(|e| *e),
                expected.map(|bytes| bytes.map(Cow::from)),
                "{case}"
            );
            // The same meaning as the whole answer rewritten as a `Value`.
            if let Ok(Some(bytes)) = got {
                let mut value: Value = serde_json::from_str(body).unwrap();
                assert!(strip(&mut value, SECRET), "{case}");
                assert_eq!(
                    serde_json::from_slice::<Value>(&bytes).unwrap(),
                    value,
                    "{case}"
                );
            }
        }
        // Bytes that are not UTF-8 inside a value are not JSON.
        assert_eq!(
            stripped_answer(
                b"[{\"registration_password\": \"s\", \"id\": \"\xff\"}]",
                SECRET
            ),
            Err(Unreadable)
        );
    }

    #[test]
    fn a_narrowed_list_keeps_only_the_selected_members() {
        let kept = &["id", "email"];
        let read = |answer: Result<Option<Vec<u8>>, Unreadable>| {
            answer.map(|bytes| bytes.map(|b| serde_json::from_slice::<Value>(&b).unwrap()))
        };
        for (body, expected) in [
            (
                &br#"[{"id":"1","username":"a","registration_password":"s","email":"a@x"},
                     {"email":"b@x","id":"2"}, 3]"#[..],
                Ok(Some(
                    json!([{"id": "1", "email": "a@x"}, {"email": "b@x", "id": "2"}, 3]),
                )),
            ),
            // Nothing else to take out: passed on as it came.
            (br#"[{"id":1}]"#, Ok(None)),
            // A name written with an escape: the general path, the same meaning.
            (
                br#"[{"id":1,"name":"x","email":"e"}]"#,
                Ok(Some(json!([{"id": 1, "email": "e"}]))),
            ),
            (b"[{\"id\":", Err(Unreadable)),
        ] {
            assert_eq!(
                read(narrowed_answer(body, kept)),
                expected,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "[a-z\"\\\\é\n\u{2028}_]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec((key(), inner), 0..5)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    fn key() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            Just("registration_password".to_owned()),
            Just("id".to_owned()),
            "[a-z\"\\\\é_]{0,6}",
        ]
    }

    proptest::proptest! {
        /// Whatever the answer, the copy member by member means what the `Value` rewritten
        /// means, and is refused or passed as it came exactly when that is.
        #[test]
        fn the_copy_means_what_the_value_rewritten_means(
            users in proptest::collection::vec(
                proptest::collection::vec((key(), json_value()), 0..6),
                0..5,
            ),
            one in proptest::bool::ANY,
            pretty in proptest::bool::ANY,
            cut in proptest::option::of(0usize..400),
        ) {
            const SECRET: &[&str] = &["registration_password"];
            let users: Vec<Value> = users
                .into_iter()
                .map(|members| Value::Object(members.into_iter().collect()))
                .collect();
            let answer = match (one, users.first()) {
                (true, Some(user)) => user.clone(),
                _ => Value::Array(users),
            };
            let mut body = if pretty {
                serde_json::to_vec_pretty(&answer).unwrap()
            } else {
                serde_json::to_vec(&answer).unwrap()
            };
            if let Some(cut) = cut {
                body.truncate(cut);
            }
            let general = match serde_json::from_slice::<Value>(&body) {
                Err(_) => Err(Unreadable),
                Ok(mut value) => Ok(strip(&mut value, SECRET).then_some(value)),
            };
            let copied = stripped_answer(&body, SECRET).map(|bytes| {
                bytes.map(|b| serde_json::from_slice::<Value>(&b).unwrap())
            });
            if might_name(&body, SECRET) {
                proptest::prop_assert_eq!(copied, general);
            } else {
                proptest::prop_assert_eq!(copied, Ok(None));
            }
        }
    }
}
