//! The conflict panel: a save that met a newer record shows, per field, the original,
//! theirs and mine, and the admin chooses which to keep.

use std::collections::HashMap;

use leptos::prelude::*;
use serde_json::Value;
use shared::ValidationErrors;
use shared::field::FieldSpec;

use super::Conflict;
use crate::api::Record;
use crate::record::{self, Choice};

/// A save that met a newer record: per field, the original, theirs and mine, and the admin's
/// choice of mine or theirs; saved again (at the new revision, where the vendor has one).
#[component]
pub fn ConflictPanel(
    conflict: Conflict,
    fields: &'static [FieldSpec],
    original: RwSignal<Value>,
    mine: Memo<(Value, ValidationErrors)>,
    choices: RwSignal<HashMap<&'static str, Choice>>,
    saving: RwSignal<bool>,
    on_save: Callback<(Value, Value, Option<String>)>,
    on_discard: Callback<Record>,
) -> impl IntoView {
    let theirs = StoredValue::new(conflict.theirs);
    let at = StoredValue::new(conflict.revision);
    let found = Memo::new(move |_| {
        original.with(|o| {
            mine.with(|(m, _)| theirs.with_value(|t| record::differences(o, t, m, fields)))
        })
    });
    let undecided = move || {
        found.with(|found| {
            choices.with(|c| {
                found
                    .iter()
                    .filter(|d| !c.contains_key(d.field.path))
                    .count()
            })
        })
    };
    let rows = move || {
        found
            .get()
            .into_iter()
            .map(|d| {
                let path = d.field.path;
                let name = format!("conflict-{}", path.replace('/', "-"));
                let chosen = move |choice: Choice| choices.with(|c| c.get(path) == Some(&choice));
                let choose = move |choice: Choice| choices.update(|c| {
                    c.insert(path, choice);
                });
                let shown = |text: String| if text.is_empty() { "(empty)".to_owned() } else { text };
                view! {
                    <tr>
                        <th scope="row">{d.field.label}</th>
                        <td>{shown(d.original)}</td>
                        <td>{shown(d.theirs)}</td>
                        <td>{shown(d.mine)}</td>
                        <td>
                            <fieldset class="choice">
                                <legend class="visually-hidden">{format!("{} to keep", d.field.label)}</legend>
                                <label>
                                    <input type="radio" name=name.clone() prop:checked=move || chosen(Choice::Mine)
                                        on:change=move |_| choose(Choice::Mine) />
                                    {format!("Keep mine ({})", d.field.label)}
                                </label>
                                <label>
                                    <input type="radio" name=name prop:checked=move || chosen(Choice::Theirs)
                                        on:change=move |_| choose(Choice::Theirs) />
                                    {format!("Take theirs ({})", d.field.label)}
                                </label>
                            </fieldset>
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };
    let save = move |_| {
        let picked: Vec<(&'static str, Choice)> = found.with_untracked(|found| {
            choices.with_untracked(|c| {
                found
                    .iter()
                    .filter_map(|d| c.get(d.field.path).map(|choice| (d.field.path, *choice)))
                    .collect()
            })
        });
        let merged =
            mine.with_untracked(|(m, _)| theirs.with_value(|t| record::merge(t, m, &picked)));
        on_save.run((theirs.get_value(), merged, at.get_value()));
    };
    let discard = move |_| {
        on_discard.run(Record {
            value: theirs.get_value(),
            revision: at.get_value(),
        });
    };
    // The panel appears above a long form while the admin is at Save: it takes the focus,
    // which also brings it into view.
    let heading = NodeRef::<leptos::html::H3>::new();
    Effect::new(move |_| {
        if let Some(heading) = heading.get() {
            let _ = heading.focus();
        }
    });
    view! {
        <div class="conflict" role="region" aria-labelledby="conflict-heading">
            <h3 id="conflict-heading" tabindex="-1" node_ref=heading>"Someone else changed this user"</h3>
            <p role="alert">"Your save was not applied: the user changed since you opened it. Your edits are kept. For each field below, keep yours or take theirs, then save again."</p>
            <table>
                <caption>"Changed fields"</caption>
                <thead><tr>
                    <th scope="col">"Field"</th><th scope="col">"When you opened it"</th>
                    <th scope="col">"Theirs (now)"</th><th scope="col">"Mine"</th><th scope="col">"Keep"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <div class="actions">
                <button type="button" disabled=move || { saving.get() || undecided() > 0 } on:click=save>
                    "Save with these choices"
                </button>
                <button type="button" class="secondary" on:click=discard>"Drop my edits and use theirs"</button>
                <span class="muted">{move || match undecided() {
                    0 => String::new(),
                    1 => "1 field still to decide.".to_owned(),
                    n => format!("{n} fields still to decide."),
                }}</span>
            </div>
        </div>
    }
}
