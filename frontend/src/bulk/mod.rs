//! Bulk edits of many users, over the vendor's description: the form's controls (the
//! disabled switch and the description's bulk fields), what the admin asks to set, clear,
//! add or remove, applied to each user's record; the per-user preview; and the undo of a
//! batch, which restores the previous values only where nobody changed them since. Pure,
//! tested natively; `panel` draws it, `send` sends it by the vendor's update rules, `delete`
//! deletes by the vendor's deletion.

pub mod delete;
pub mod panel;
pub mod send;

use std::collections::BTreeMap;

use serde_json::Value;
use shared::ConnectionInfo;
use shared::description::{BulkChange, Description};
use shared::field::{FieldKind, FieldSpec};

use crate::catalog::{Catalog, Names};
use crate::record;

/// What a bulk edit does to one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Set(Value),
    /// Empties the field (an agent group of none).
    Clear,
    /// Ids added to and removed from the list the field holds.
    AddRemove {
        add: Vec<i64>,
        remove: Vec<i64>,
    },
}

/// A bulk edit: each field it touches, and how; fields it does not name stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkEdit(pub Vec<(&'static str, Op)>);

impl BulkEdit {
    /// The fields the edit touches.
    pub fn paths(&self) -> Vec<&'static str> {
        self.0.iter().map(|(path, _)| *path).collect()
    }
}

/// Which part of a field a form control edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The description's disabled switch: enable, disable, or leave.
    Switch,
    Set {
        clear: bool,
    },
    Add,
    Remove,
}

/// One control of the bulk form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Control {
    pub spec: &'static FieldSpec,
    pub part: Part,
}

/// The switch control's two values besides "leave as is".
pub const ENABLE: &str = "enable";
pub const DISABLE: &str = "disable";

impl Control {
    /// The element id, unique in the page (`bulk-enabled` for the switch).
    pub fn id(&self) -> String {
        let slug = self.spec.path.replace('/', "-");
        match self.part {
            Part::Switch => "bulk-enabled".to_owned(),
            Part::Set { .. } => format!("bulk-{slug}"),
            Part::Add => format!("bulk-{slug}-add"),
            Part::Remove => format!("bulk-{slug}-remove"),
        }
    }

    /// What the control is called (`Set max chats`, `Skills to add`).
    pub fn label(&self, description: &Description) -> String {
        let label = self.spec.label;
        match self.part {
            Part::Switch => description.disabled_words.set.to_owned(),
            Part::Set { clear: false } => format!("Set {}", in_sentence(label)),
            Part::Set { clear: true } => format!("Set {} (or none)", in_sentence(label)),
            Part::Add => format!("{label} to add"),
            Part::Remove => format!("{label} to remove"),
        }
    }

    /// The choices of a control that is a choice (value, label), after "Leave as is"; none
    /// for a control that is typed.
    pub fn choices(&self, description: &Description) -> Vec<(&'static str, &'static str)> {
        let words = description.disabled_words;
        match (self.part, self.spec.kind) {
            (Part::Switch, _) => vec![(ENABLE, words.enable), (DISABLE, words.disable)],
            (Part::Set { .. }, FieldKind::Boolean | FieldKind::Flag) => {
                vec![("yes", "Yes"), ("no", "No")]
            }
            (Part::Set { .. }, FieldKind::Choice(choices)) => {
                choices.iter().map(|c| (c.value, c.label)).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// A label inside a sentence: `Max chats` as `max chats`, but `WebRTC` and `SIP URI` as
/// they are.
fn in_sentence(label: &str) -> String {
    let first_word = label.split(' ').next().unwrap_or_default();
    if first_word.chars().skip(1).any(char::is_uppercase) {
        return label.to_owned();
    }
    let mut chars = label.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// The bulk form's controls for a vendor: its disabled switch, then its bulk fields.
pub fn controls(description: &Description, fields: &'static [FieldSpec]) -> Vec<Control> {
    let mut controls = Vec::new();
    if let Some(spec) = shared::field::lookup(fields, description.disabled.field) {
        controls.push(Control {
            spec,
            part: Part::Switch,
        });
    }
    for bulk in description.bulk {
        let Some(spec) = shared::field::lookup(fields, bulk.field) else {
            continue;
        };
        match bulk.change {
            BulkChange::Set { clear } => controls.push(Control {
                spec,
                part: Part::Set { clear },
            }),
            BulkChange::AddRemove => {
                for part in [Part::Add, Part::Remove] {
                    controls.push(Control { spec, part });
                }
            }
        }
    }
    controls
}

/// The form of a bulk edit, as typed: each control's text by its id (empty: leave as is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkForm(pub BTreeMap<String, String>);

impl BulkForm {
    pub fn get(&self, control: &Control) -> String {
        self.0.get(&control.id()).cloned().unwrap_or_default()
    }

    pub fn set(&mut self, control: &Control, text: String) {
        self.0.insert(control.id(), text);
    }

    /// The edit, or every problem with what was typed. Ids a field holds are typed by name
    /// (or id) and looked up in `names`.
    pub fn to_edit(
        &self,
        description: &Description,
        fields: &'static [FieldSpec],
        names: &Names,
    ) -> Result<BulkEdit, Vec<String>> {
        let mut problems = Vec::new();
        let mut edit = BulkEdit::default();
        let mut added: BTreeMap<&'static str, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
        for control in controls(description, fields) {
            let text = self.get(&control);
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let spec = control.spec;
            let catalog = names.for_field(spec.path);
            match control.part {
                Part::Switch => {
                    let value = if text == DISABLE {
                        description.disabled.on
                    } else {
                        description.disabled.off
                    };
                    edit.0.push((spec.path, Op::Set(record::json_of(value))));
                }
                Part::Set { clear: true } if text.eq_ignore_ascii_case("none") => {
                    edit.0.push((spec.path, Op::Clear));
                }
                Part::Set { .. } => match set_value(description, spec, text, catalog) {
                    Ok(value) => edit.0.push((spec.path, Op::Set(value))),
                    Err(problem) => problems.push(problem),
                },
                Part::Add | Part::Remove => {
                    let label = control.label(description);
                    match ids(&label, text, spec, catalog) {
                        Ok(ids) => {
                            let entry = added.entry(spec.path).or_default();
                            if control.part == Part::Add {
                                entry.0 = ids;
                            } else {
                                entry.1 = ids;
                            }
                        }
                        Err(problem) => problems.push(problem),
                    }
                }
            }
        }
        for (path, (add, remove)) in added {
            if let Some(both) = add.iter().find(|id| remove.contains(id)) {
                let noun = names
                    .for_field(path)
                    .map_or_else(|| path.to_owned(), |c| in_heading(c.noun));
                problems.push(format!("{noun} {both} is both added and removed."));
            }
            if !add.is_empty() || !remove.is_empty() {
                edit.0.push((path, Op::AddRemove { add, remove }));
            }
        }
        if problems.is_empty() && edit.0.is_empty() {
            problems.push("Nothing to change: set at least one field.".into());
        }
        if problems.is_empty() {
            Ok(edit)
        } else {
            Err(problems)
        }
    }
}

fn in_heading(noun: &str) -> String {
    let mut chars = noun.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The value one "Set" control's text stands for.
fn set_value(
    description: &Description,
    spec: &'static FieldSpec,
    text: &str,
    catalog: Option<&Catalog>,
) -> Result<Value, String> {
    let label = spec.label;
    match (spec.kind, catalog) {
        (FieldKind::IdList, Some(catalog)) => {
            let ids = catalog
                .resolve(text)
                .map_err(|problems| format!("{label}: {}", problems.join(" ")))?;
            if ids.is_empty() {
                return Err(format!(
                    "{label}: give at least one {}, or leave it empty.",
                    catalog.noun
                ));
            }
            Ok(ids.into())
        }
        (_, Some(catalog)) => match catalog.resolve_one(text) {
            Ok(id) => Ok(id.into()),
            // The vendor's own default for a new user is a value it always takes, listed
            // or not (LivePerson's Main Group, -1).
            Err(problem) => description
                .new_user
                .iter()
                .find(|(path, value)| {
                    *path == spec.path
                        && serde_json::from_str::<Value>(text).ok() == Some(record::json_of(*value))
                })
                .map(|(_, value)| record::json_of(*value))
                .ok_or_else(|| format!("{label}: {problem}")),
        },
        (FieldKind::Boolean | FieldKind::Flag, None) => {
            let on = text == "yes";
            Ok(match spec.kind {
                FieldKind::Flag => Value::from(i64::from(on)),
                _ => Value::Bool(on),
            })
        }
        _ => match record::parse(spec, text)? {
            Some(Value::Number(n)) if n.as_i64().is_some_and(|n| n < 0) => {
                Err(format!("{label} cannot be negative."))
            }
            Some(value) => Ok(value),
            None => Err(format!("{label}: type a value, or leave it empty.")),
        },
    }
}

/// The ids an add or remove control names, by name or id.
fn ids(
    label: &str,
    text: &str,
    spec: &FieldSpec,
    catalog: Option<&Catalog>,
) -> Result<Vec<i64>, String> {
    match catalog {
        Some(catalog) => catalog.resolve(text),
        None => text
            .split([',', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<i64>()
                    .map_err(|_| format!("\"{p}\" is not one of the {} ids.", spec.label))
            })
            .collect::<Result<_, _>>()
            .map_err(|p| vec![p]),
    }
    .map_err(|problems| format!("{label}: {}", problems.join(" ")))
}

fn ids_of(record: &Value, path: &str) -> Vec<i64> {
    record::get(record, path)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => s.trim().parse().ok(),
                    other => other.as_i64(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `record` with `edit` applied; everything else stays as the vendor sent it.
pub fn apply(edit: &BulkEdit, record: &Value) -> Value {
    let mut out = record.clone();
    for (path, op) in &edit.0 {
        match op {
            Op::Set(value) => record::set(&mut out, path, Some(value.clone())),
            Op::Clear => record::set(&mut out, path, None),
            Op::AddRemove { add, remove } => {
                let mut ids = ids_of(record, path);
                ids.retain(|id| !remove.contains(id));
                for id in add {
                    if !ids.contains(id) {
                        ids.push(*id);
                    }
                }
                record::set(&mut out, path, Some(ids.into()));
            }
        }
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

/// A field's value as the preview shows it: flags as Yes or No (LivePerson's `true` and
/// CommPeak's `"1"` alike, as the list shows them), choices by their label.
fn shown(fields: &[FieldSpec], record: &Value, path: &str) -> String {
    let kind = shared::field::lookup(fields, path).map_or(FieldKind::Text, |f| f.kind);
    let text = record::text_of(record::get(record, path), kind);
    match kind {
        FieldKind::Boolean | FieldKind::Flag => match text.as_str() {
            "true" | "1" => "Yes".to_owned(),
            "false" | "0" | "" => "No".to_owned(),
            _ => text,
        },
        FieldKind::Choice(choices) => choices
            .iter()
            .find(|c| c.value == text)
            .map_or(text, |c| c.label.to_owned()),
        _ => text,
    }
}

/// What differs between `before` and `after` among `paths` (the fields a bulk edit touches),
/// as the form shows them: CommPeak's `"1"` and `1` are no change.
pub fn changes(
    fields: &'static [FieldSpec],
    paths: &[&'static str],
    before: &Value,
    after: &Value,
) -> Vec<Change> {
    paths
        .iter()
        .filter_map(|&path| {
            let (b, a) = (shown(fields, before, path), shown(fields, after, path));
            (b != a).then(|| Change {
                path,
                label: shared::field::lookup(fields, path).map_or(path, |f| f.label),
                before: b,
                after: a,
            })
        })
        .collect()
}

/// A value as an update writes it: read back through its field's kind, so a flag CommPeak
/// sent as `"1"` is put back as `1`.
fn as_written(fields: &[FieldSpec], path: &str, value: Option<&Value>) -> Option<Value> {
    let spec = shared::field::lookup(fields, path)?;
    let value = value?;
    match spec.kind {
        FieldKind::Flag | FieldKind::Choice(_) | FieldKind::Integer => {
            record::parse(spec, &record::text_of(Some(value), spec.kind))
                .ok()
                .flatten()
                .or_else(|| Some(value.clone()))
        }
        _ => Some(value.clone()),
    }
}

/// The record that undoes a batch on one user: `now` with each field the batch changed put
/// back as it was `before` the batch, or, when someone changed one of those fields since the
/// batch set it (`now` differs from `applied`), the fields in that state (nothing is undone
/// over another admin's change).
pub fn undo(
    fields: &'static [FieldSpec],
    paths: &[&'static str],
    before: &Value,
    applied: &Value,
    now: &Value,
) -> Result<Value, Vec<&'static str>> {
    let changed = changes(fields, paths, before, applied);
    let moved: Vec<&'static str> = changed
        .iter()
        .filter(|c| shown(fields, now, c.path) != c.after)
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
            as_written(fields, change.path, record::get(before, change.path)),
        );
    }
    Ok(out)
}

/// Whether the console offers bulk work on this connection: it can read every user to
/// preview an edit, and update many, by one of the ways `send` knows.
pub fn offered(connection: &ConnectionInfo) -> bool {
    connection.declares(shared::operation::names::LIST_USERS) && send::route(connection).is_some()
}

#[cfg(test)]
mod tests;
