//! The rule a save follows when someone else may have changed the same user: a three-way,
//! field-by-field comparison of the record as read (original), as it is now (theirs) and as
//! the admin edited it (mine) over a vendor's editable fields, the decision it leads to
//! (save unchanged, rebase onto theirs, or ask the admin) and the merge that is sent. Over
//! the vendor's JSON (`serde_json::Value`) and its [`FieldSpec`]s, so the browser's user
//! page and `cargo xtask bench editors` run the very same code. Also what a save sends by
//! the vendor's update rule ([`update_body`]). Pure: no I/O.

use serde_json::{Map, Value};

use crate::description::{Description, Update};
use crate::field::{FieldKind, FieldSpec};

/// How many times one save is sent again at a newer revision on its own, when the account
/// moved on but the user did not (the revision is one counter for every user of the
/// account). After that the admin is asked: a bound, so that a busy account cannot keep a
/// save retrying forever.
pub const REBASES_PER_SAVE: u32 = 1;

/// The fields a form shows as inputs: neither read-only, create-only nor secret (a password
/// is changed by its own operation, never by saving the record).
pub fn editable(fields: &'static [FieldSpec]) -> impl Iterator<Item = &'static FieldSpec> {
    fields
        .iter()
        .filter(|f| !f.read_only && !f.create_only && !f.secret)
}

fn pointer(path: &str) -> String {
    format!("/{path}")
}

/// The value at `path` (`memberOf/agentGroupId`) in `record`.
pub fn get<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    record.pointer(&pointer(path)).filter(|v| !v.is_null())
}

/// Sets `path` in `record`, creating the objects on the way; `None` removes it (and an
/// object left empty by that).
pub fn set(record: &mut Value, path: &str, value: Option<Value>) {
    let Some((parent, leaf)) = path.rsplit_once('/') else {
        let Value::Object(map) = record else { return };
        match value {
            Some(value) => map.insert(path.to_owned(), value),
            None => map.remove(path),
        };
        return;
    };
    let Value::Object(map) = record else { return };
    let child = map
        .entry(parent.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !child.is_object() {
        *child = Value::Object(Map::new());
    }
    set(child, leaf, value);
    if child.as_object().is_some_and(Map::is_empty) {
        map.remove(parent);
    }
}

/// How a value reads in a form input of `kind`. Fields are compared by it, so a vendor's
/// `"4"` and a written `4` are the same value, as the admin sees them.
pub fn text_of(value: Option<&Value>, kind: FieldKind) -> String {
    let Some(value) = value else {
        return match kind {
            FieldKind::Boolean => "false".into(),
            _ => String::new(),
        };
    };
    match (kind, value) {
        (FieldKind::IdList, Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        (FieldKind::Structured, v) => serde_json::to_string_pretty(v).unwrap_or_default(),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// The top-level field a path is in: errors about `memberOf/agentGroupId` are about
/// `memberOf`, as the vendor's rules name it, and a partial update sends the whole member.
pub fn top_field(path: &str) -> &str {
    path.split('/').next().unwrap_or(path)
}

/// Whether an emptied field of `kind` is sent as empty text by a partial update.
pub fn clears_as_text(kind: FieldKind) -> bool {
    matches!(
        kind,
        FieldKind::Text | FieldKind::Email | FieldKind::Password | FieldKind::Choice(_)
    )
}

/// What an update sends for `record`, read as `original`, by the vendor's update rule:
/// * `Update::Replace` (LivePerson, Trintech): the whole record, without what the vendor
///   sets itself (read-only) or takes on create only, except the key, which names the user;
///   each write-only secret as `null` (LivePerson keeps the current password).
/// * `Update::Partial` (CommPeak): only the fields the admin changed (a nested field's whole
///   top-level member), so nothing else is written.
pub fn update_body(
    description: &Description,
    fields: &'static [FieldSpec],
    original: &Value,
    record: &Value,
) -> Value {
    match description.update {
        Update::Replace => {
            let mut body = record.clone();
            for spec in fields
                .iter()
                .filter(|f| (f.read_only || f.create_only) && f.path != description.key)
            {
                set(&mut body, spec.path, None);
            }
            if let Value::Object(map) = &mut body {
                for spec in fields.iter().filter(|f| f.write_only) {
                    map.insert(spec.path.to_owned(), Value::Null);
                }
            }
            body
        }
        Update::Partial => {
            let mut body = Map::new();
            for spec in editable(fields) {
                let top = top_field(spec.path);
                let now = record.get(top);
                if original.get(top) != now && !body.contains_key(top) {
                    // An emptied text is sent empty: CommPeak keeps a field an update leaves
                    // out or sends as null. Other kinds cannot be emptied (the console
                    // refuses to save them emptied).
                    let sent = match now {
                        Some(value) => value.clone(),
                        None if clears_as_text(spec.kind) => Value::String(String::new()),
                        None => Value::Null,
                    };
                    body.insert(top.to_owned(), sent);
                }
            }
            Value::Object(body)
        }
    }
}

/// Whose value a conflicting field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Mine,
    Theirs,
}

/// One field that differs between the record as read (original), as it is now (theirs) and
/// as the admin edited it (mine).
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub field: &'static FieldSpec,
    pub original: String,
    pub theirs: String,
    pub mine: String,
    /// What the field takes unless the admin decides: theirs when only they changed it,
    /// mine when only the admin did, nothing when both did (the admin must choose).
    pub default: Option<Choice>,
}

/// Every editable field that someone changed since the record was read, compared as the
/// form shows it ([`text_of`]).
pub fn differences(
    original: &Value,
    theirs: &Value,
    mine: &Value,
    fields: &'static [FieldSpec],
) -> Vec<Difference> {
    editable(fields)
        .filter_map(|field| {
            let show = |record: &Value| text_of(get(record, field.path), field.kind);
            let (original, theirs, mine) = (show(original), show(theirs), show(mine));
            let they_changed = theirs != original;
            let i_changed = mine != original;
            let default = match (they_changed, i_changed) {
                (false, false) => return None,
                // Both made the same change: nothing to decide.
                (true, true) if theirs == mine => return None,
                (true, false) => Some(Choice::Theirs),
                (false, true) => Some(Choice::Mine),
                (true, true) => None,
            };
            Some(Difference {
                field,
                original,
                theirs,
                mine,
                default,
            })
        })
        .collect()
}

/// The record to save after a conflict: theirs (the current record, with everything this
/// form does not edit), with each difference settled as `choices` say.
pub fn merge(theirs: &Value, mine: &Value, choices: &[(&'static str, Choice)]) -> Value {
    let mut out = theirs.clone();
    for (path, choice) in choices {
        if *choice == Choice::Mine {
            set(&mut out, path, get(mine, path).cloned());
        }
    }
    out
}

/// What a save does once it has seen the user as it is now.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Nobody else changed a field the admin can edit: save `merged`, the admin's fields
    /// onto the current record (which keeps what the form does not edit as it is now).
    Unchanged { merged: Value },
    /// Others changed only fields the admin did not, and the vendor has no revision: their
    /// values (`taken`) are kept in `merged`, with the admin's fields on top.
    Rebase {
        merged: Value,
        taken: Vec<&'static FieldSpec>,
    },
    /// The admin decides, field by field: a field both changed, or, where writes carry a
    /// revision, any field they changed (the vendor refused the save, so the admin sees
    /// what moved before anything of theirs is sent back).
    Conflict(Vec<Difference>),
}

/// The rule a save follows after reading the user again (`theirs`): a vendor without a
/// revision reads it just before every save, one with a revision when the vendor refused a
/// save at a stale one (409/412).
pub fn decide(
    description: &Description,
    fields: &'static [FieldSpec],
    original: &Value,
    theirs: &Value,
    mine: &Value,
) -> Decision {
    let found = differences(original, theirs, mine, fields);
    let both = found.iter().any(|d| d.default.is_none());
    let taken: Vec<&'static FieldSpec> = found
        .iter()
        .filter(|d| d.default == Some(Choice::Theirs))
        .map(|d| d.field)
        .collect();
    if both || (description.revision.is_some() && !taken.is_empty()) {
        return Decision::Conflict(found);
    }
    let mine_only: Vec<(&'static str, Choice)> = found
        .iter()
        .filter(|d| d.default == Some(Choice::Mine))
        .map(|d| (d.field.path, Choice::Mine))
        .collect();
    let merged = merge(theirs, mine, &mine_only);
    if taken.is_empty() {
        Decision::Unchanged { merged }
    } else {
        Decision::Rebase { merged, taken }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::VendorKind;
    use crate::vendor::{description, fields};
    use serde_json::json;

    fn record() -> Value {
        json!({
            "id": 7, "pid": "p7", "deleted": false, "loginName": "ada", "fullName": "Ada L",
            "nickname": "Ada", "email": "ada@example.com", "isEnabled": true, "maxChats": 3,
            "profileIds": [3001], "skillIds": [5001, 5002],
            "memberOf": {"agentGroupId": -1, "assignmentDate": "2024-01-01 10:00:00"},
            "userTypeId": 1, "dateUpdated": "2024-01-01 10:00:00",
            "somethingNew": {"kept": true}
        })
    }

    #[test]
    fn differences_per_field_and_merge() {
        let lp = fields(VendorKind::Liveperson);
        let original = record();
        let mut theirs = record();
        theirs["email"] = json!("ada@new.example");
        theirs["maxChats"] = json!(8);
        theirs["skillIds"] = json!([5009]);
        let mut mine = record();
        mine["maxChats"] = json!(4);
        mine["nickname"] = json!("Countess");
        mine["skillIds"] = json!([5009]);
        let found = differences(&original, &theirs, &mine, lp);
        let summary: Vec<(&str, &str, &str, &str, Option<Choice>)> = found
            .iter()
            .map(|d| {
                let texts = (d.original.as_str(), d.theirs.as_str(), d.mine.as_str());
                (d.field.path, texts.0, texts.1, texts.2, d.default)
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("nickname", "Ada", "Ada", "Countess", Some(Choice::Mine)),
                (
                    "email",
                    "ada@example.com",
                    "ada@new.example",
                    "ada@example.com",
                    Some(Choice::Theirs)
                ),
                ("maxChats", "3", "8", "4", None),
            ]
        );
        let merged = merge(
            &theirs,
            &mine,
            &[
                ("nickname", Choice::Mine),
                ("email", Choice::Theirs),
                ("maxChats", Choice::Mine),
            ],
        );
        assert_eq!(merged["nickname"], "Countess");
        assert_eq!(merged["email"], "ada@new.example");
        assert_eq!(merged["maxChats"], 4);
        assert_eq!(merged["skillIds"], json!([5009]));
        assert!(differences(&original, &original, &original, lp).is_empty());
        // Read leniently: the vendor's "3" is the 3 a form wrote.
        let mut as_text = record();
        as_text["maxChats"] = json!("3");
        assert!(differences(&original, &as_text, &original, lp).is_empty());
    }

    /// Which way each vendor's save goes, by what they and I changed of one user.
    #[test]
    fn decisions() {
        #[derive(Debug, PartialEq)]
        enum Expected {
            Unchanged,
            Rebase(&'static [&'static str]),
            Conflict(&'static [&'static str]),
        }
        use Expected::*;
        type Edit = &'static [(&'static str, &'static str)];
        let cases: &[(VendorKind, Edit, Edit, Expected)] = &[
            // Nobody else touched the user (only the account moved): save as is.
            (VendorKind::Liveperson, &[], &[("nickname", "N")], Unchanged),
            (VendorKind::Commpeak, &[], &[("first_name", "N")], Unchanged),
            // The same change on both sides is no conflict.
            (
                VendorKind::Liveperson,
                &[("nickname", "N")],
                &[("nickname", "N")],
                Unchanged,
            ),
            // They changed another field: taken without a revision, asked with one.
            (
                VendorKind::Commpeak,
                &[("last_name", "T")],
                &[("first_name", "N")],
                Rebase(&["last_name"]),
            ),
            (
                VendorKind::Liveperson,
                &[("description", "T")],
                &[("nickname", "N")],
                Conflict(&["nickname", "description"]),
            ),
            // Both changed one field: always the admin's call.
            (
                VendorKind::Commpeak,
                &[("first_name", "T"), ("last_name", "T")],
                &[("first_name", "N")],
                Conflict(&["first_name", "last_name"]),
            ),
            (
                VendorKind::Liveperson,
                &[("nickname", "T")],
                &[("nickname", "N")],
                Conflict(&["nickname"]),
            ),
        ];
        for (kind, theirs_edit, mine_edit, expected) in cases {
            let original = match kind {
                VendorKind::Commpeak => json!({"id": "17", "username": "jd",
                    "first_name": "J", "last_name": "D", "is_active": "1"}),
                _ => record(),
            };
            let edited = |edit: Edit| {
                let mut out = original.clone();
                for (path, value) in edit {
                    out[*path] = json!(value);
                }
                out
            };
            let (theirs, mine) = (edited(theirs_edit), edited(mine_edit));
            let context = format!("{kind:?}: theirs {theirs_edit:?}, mine {mine_edit:?}");
            match (
                decide(description(*kind), fields(*kind), &original, &theirs, &mine),
                expected,
            ) {
                (Decision::Unchanged { merged }, Unchanged) => {
                    assert_eq!(merged, mine, "{context}: mine, onto theirs");
                }
                (Decision::Rebase { merged, taken }, Rebase(paths)) => {
                    let taken: Vec<&str> = taken.iter().map(|f| f.path).collect();
                    assert_eq!(&taken, paths, "{context}");
                    // Both sides' edits are in what is sent.
                    for (path, value) in theirs_edit.iter().chain(mine_edit.iter()) {
                        assert_eq!(merged[*path], json!(value), "{context}: {path}");
                    }
                }
                (Decision::Conflict(found), Conflict(paths)) => {
                    let found: Vec<&str> = found.iter().map(|d| d.field.path).collect();
                    assert_eq!(&found, paths, "{context}");
                }
                (decided, expected) => panic!("{context}: {decided:?}, expected {expected:?}"),
            }
        }
    }
}
