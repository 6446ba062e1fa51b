//! Bulk edits of many users: what the admin asks to set or clear, applied to each user's full
//! record; the per-user preview; and the undo of a batch, which restores the previous values
//! only where nobody changed them since. Pure, tested natively.

use serde_json::Value;
use shared::field::{FieldKind, FieldSpec};

use crate::catalog::{Catalog, Names};
use crate::record;

const FIELDS: &[FieldSpec] = shared::liveperson::FIELDS;

/// What a bulk edit does; `None` (or an empty list) leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkEdit {
    pub enabled: Option<bool>,
    pub max_chats: Option<i64>,
    pub add_skills: Vec<i64>,
    pub remove_skills: Vec<i64>,
    /// `Some(None)` removes the user from its agent group.
    pub agent_group: Option<Option<i64>>,
    pub profiles: Option<Vec<i64>>,
}

/// The fields a bulk edit can touch, by path.
pub const TOUCHED: [&str; 5] = [
    "isEnabled",
    "maxChats",
    "skillIds",
    "memberOf/agentGroupId",
    "profileIds",
];

/// The form of a bulk edit, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkForm {
    /// `""` (leave), `"yes"` or `"no"`.
    pub enabled: String,
    pub max_chats: String,
    pub add_skills: String,
    pub remove_skills: String,
    /// `""` (leave), `"none"` (remove from its group) or a group id.
    pub agent_group: String,
    pub profiles: String,
}

/// The ids a field of the form names, by name or id; every part that names nothing is said.
fn ids(label: &str, text: &str, catalog: &Catalog) -> Result<Vec<i64>, String> {
    catalog
        .resolve(text)
        .map_err(|problems| format!("{label}: {}", problems.join(" ")))
}

impl BulkForm {
    /// The edit, or every problem with what was typed. Skills, the agent group and profiles
    /// are typed by name (or id) and looked up in `names`.
    pub fn to_edit(&self, names: &Names) -> Result<BulkEdit, Vec<String>> {
        let mut problems = Vec::new();
        let number = |label: &str, text: &str| -> Result<Option<i64>, String> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<i64>()
                .map(Some)
                .map_err(|_| format!("{label}: \"{text}\" is not a whole number."))
        };
        fn keep<T>(problems: &mut Vec<String>, result: Result<T, String>, empty: T) -> T {
            result.unwrap_or_else(|p| {
                problems.push(p);
                empty
            })
        }
        let p = &mut problems;
        let max_chats = keep(p, number("Max chats", &self.max_chats), None);
        let agent_group = match self.agent_group.trim() {
            "" => None,
            "none" => Some(None),
            "-1" => Some(Some(-1)),
            other => keep(
                p,
                names
                    .groups
                    .resolve_one(other)
                    .map(|id| Some(Some(id)))
                    .map_err(|why| format!("Agent group: {why}")),
                None,
            ),
        };
        let add_skills = keep(
            p,
            ids("Skills to add", &self.add_skills, &names.skills),
            Vec::new(),
        );
        let remove_skills = keep(
            p,
            ids("Skills to remove", &self.remove_skills, &names.skills),
            Vec::new(),
        );
        let profiles = if self.profiles.trim().is_empty() {
            None
        } else {
            Some(keep(
                p,
                ids("Profiles", &self.profiles, &names.profiles),
                Vec::new(),
            ))
        };
        if max_chats.is_some_and(|n| n < 0) {
            problems.push("Max chats cannot be negative.".into());
        }
        if profiles.as_ref().is_some_and(Vec::is_empty) {
            problems.push("Profiles: give at least one profile, or leave it empty.".into());
        }
        if let Some(both) = add_skills.iter().find(|s| remove_skills.contains(s)) {
            problems.push(format!("Skill {both} is both added and removed."));
        }
        let edit = BulkEdit {
            enabled: match self.enabled.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            max_chats,
            add_skills,
            remove_skills,
            agent_group,
            profiles,
        };
        if problems.is_empty() && edit == BulkEdit::default() {
            problems.push("Nothing to change: set at least one field.".into());
        }
        if problems.is_empty() {
            Ok(edit)
        } else {
            Err(problems)
        }
    }
}

fn ids_of(record: &Value, path: &str) -> Vec<i64> {
    record::get(record, path)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

/// `record` with `edit` applied; everything else stays as the vendor sent it.
pub fn apply(edit: &BulkEdit, record: &Value) -> Value {
    let mut out = record.clone();
    if let Some(enabled) = edit.enabled {
        record::set(&mut out, "isEnabled", Some(Value::Bool(enabled)));
    }
    if let Some(max) = edit.max_chats {
        record::set(&mut out, "maxChats", Some(max.into()));
    }
    if !edit.add_skills.is_empty() || !edit.remove_skills.is_empty() {
        let mut skills = ids_of(record, "skillIds");
        skills.retain(|s| !edit.remove_skills.contains(s));
        for s in &edit.add_skills {
            if !skills.contains(s) {
                skills.push(*s);
            }
        }
        record::set(&mut out, "skillIds", Some(skills.into()));
    }
    if let Some(group) = edit.agent_group {
        record::set(&mut out, "memberOf/agentGroupId", group.map(Value::from));
    }
    if let Some(profiles) = &edit.profiles {
        record::set(&mut out, "profileIds", Some(profiles.clone().into()));
    }
    out
}

/// One field a bulk edit changes on one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: &'static str,
    pub label: &'static str,
    pub before: String,
    pub after: String,
}

fn shown(record: &Value, path: &str) -> String {
    let kind = shared::field::lookup(FIELDS, path).map_or(FieldKind::Text, |f| f.kind);
    record::text_of(record::get(record, path), kind)
}

/// What differs between `before` and `after` among the fields a bulk edit touches.
pub fn changes(before: &Value, after: &Value) -> Vec<Change> {
    TOUCHED
        .iter()
        .filter_map(|&path| {
            let (b, a) = (shown(before, path), shown(after, path));
            (b != a).then(|| Change {
                path,
                label: shared::field::lookup(FIELDS, path).map_or(path, |f| f.label),
                before: b,
                after: a,
            })
        })
        .collect()
}

/// The record that undoes a batch on one user: `now` with each field the batch changed put
/// back as it was `before` the batch, or, when someone changed one of those fields since the
/// batch set it (`now` differs from `applied`), the fields in that state (nothing is undone
/// over another admin's change).
pub fn undo(before: &Value, applied: &Value, now: &Value) -> Result<Value, Vec<&'static str>> {
    let changed = changes(before, applied);
    let moved: Vec<&'static str> = changed
        .iter()
        .filter(|c| shown(now, c.path) != c.after)
        .map(|c| c.label)
        .collect();
    if !moved.is_empty() {
        return Err(moved);
    }
    let mut out = now.clone();
    for change in changed {
        record::set(
            &mut out,
            change.path,
            record::get(before, change.path).cloned(),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn agent() -> Value {
        json!({
            "id": 1, "loginName": "a", "isEnabled": true, "maxChats": 3,
            "skillIds": [5001, 5002], "memberOf": {"agentGroupId": 101, "assignmentDate": "d"},
            "profileIds": [3001], "description": "kept"
        })
    }

    #[test]
    fn forms() {
        let form = |f: fn(&mut BulkForm)| {
            let mut form = BulkForm::default();
            f(&mut form);
            form.to_edit(&Names::default())
        };
        assert_eq!(
            form(|f| {
                f.enabled = "no".into();
                f.add_skills = "5003; 5004".into();
                f.agent_group = "none".into();
            }),
            Ok(BulkEdit {
                enabled: Some(false),
                add_skills: vec![5003, 5004],
                agent_group: Some(None),
                ..BulkEdit::default()
            })
        );
        for (change, fragment) in [
            (
                (|_: &mut BulkForm| {}) as fn(&mut BulkForm),
                "Nothing to change",
            ),
            (|f| f.max_chats = "lots".into(), "Max chats: \"lots\""),
            (|f| f.max_chats = "-2".into(), "cannot be negative"),
            (
                |f| f.remove_skills = "5001, x".into(),
                "\"x\" is not a skill id",
            ),
            (
                |f| {
                    f.add_skills = "7".into();
                    f.remove_skills = "7".into();
                },
                "Skill 7 is both added and removed",
            ),
            (|f| f.profiles = " , ".into(), "at least one profile"),
        ] {
            let problems = form(change).unwrap_err();
            assert!(
                problems.iter().any(|p| p.contains(fragment)),
                "{problems:?} lacks {fragment}"
            );
        }
        // With the account's names, names are taken and unknown ids refused.
        let names = Names {
            skills: Catalog::of("skill", [(5001, "Billing".to_owned())]),
            groups: Catalog::of("agent group", [(101, "Tier 1".to_owned())]),
            ..Names::default()
        };
        let named = BulkForm {
            add_skills: "billing".into(),
            agent_group: "Tier 1".into(),
            ..BulkForm::default()
        };
        assert_eq!(
            named.to_edit(&names),
            Ok(BulkEdit {
                add_skills: vec![5001],
                agent_group: Some(Some(101)),
                ..BulkEdit::default()
            })
        );
        for (change, fragment) in [
            (
                (|f: &mut BulkForm| f.add_skills = "9999".into()) as fn(&mut BulkForm),
                "There is no skill 9999",
            ),
            (
                |f| f.agent_group = "Tier 9".into(),
                "No agent group is named \"Tier 9\"",
            ),
        ] {
            let mut form = BulkForm::default();
            change(&mut form);
            let problems = form.to_edit(&names).unwrap_err();
            assert!(
                problems.iter().any(|p| p.contains(fragment)),
                "{problems:?} lacks {fragment}"
            );
        }
    }

    #[test]
    fn applying_and_previewing() {
        let edit = BulkEdit {
            enabled: Some(false),
            max_chats: Some(3),
            add_skills: vec![5003, 5001],
            remove_skills: vec![5002],
            agent_group: Some(Some(102)),
            ..BulkEdit::default()
        };
        let after = apply(&edit, &agent());
        assert_eq!(after["skillIds"], json!([5001, 5003]));
        assert_eq!(
            after["memberOf"],
            json!({"agentGroupId": 102, "assignmentDate": "d"})
        );
        assert_eq!(after["description"], "kept");
        let summary: Vec<(&str, String, String)> = changes(&agent(), &after)
            .into_iter()
            .map(|c| (c.label, c.before, c.after))
            .collect();
        assert_eq!(
            summary,
            [
                ("Enabled", "true".into(), "false".into()),
                ("Skills", "5001, 5002".into(), "5001, 5003".into()),
                ("Agent group", "101".into(), "102".into()),
            ],
            "max chats was already 3"
        );
        let removed = apply(
            &BulkEdit {
                agent_group: Some(None),
                ..BulkEdit::default()
            },
            &json!({"memberOf": {"agentGroupId": 101}}),
        );
        assert_eq!(removed.get("memberOf"), None);
    }

    #[test]
    fn undoing() {
        let before = agent();
        let edit = BulkEdit {
            enabled: Some(false),
            add_skills: vec![5009],
            ..BulkEdit::default()
        };
        let applied = apply(&edit, &before);
        // Someone else changed an untouched field since: the undo keeps it.
        let mut now = applied.clone();
        now["description"] = json!("theirs");
        let undone = undo(&before, &applied, &now).unwrap();
        assert_eq!(undone["isEnabled"], true);
        assert_eq!(undone["skillIds"], json!([5001, 5002]));
        assert_eq!(undone["description"], "theirs");
        // Someone changed a field the batch set: nothing is undone on this user.
        now["isEnabled"] = json!(true);
        assert_eq!(undo(&before, &applied, &now), Err(vec!["Enabled"]));
    }
}
