//! The bulk panel over the selected users: a form of the vendor's bulk controls, a per-user
//! preview checked with the vendor's rules, the send with per-user results, and one undo of
//! the batch; beside it the bulk delete.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use shared::ConnectionInfo;
use shared::description::Description;
use shared::field::FieldKind;
use shared::format::{on_selected, thousands, user_count};

use super::send::{Done, Item, Read, Sending, by_key};
use super::{BulkForm, Change, Control, Part};
use crate::api::{self, Failure};
use crate::catalog::Names;
use crate::record;

/// One user in the preview of a bulk edit.
#[derive(Debug, Clone, PartialEq)]
struct Planned {
    item: Item,
    changes: Vec<Change>,
    /// Why it cannot be sent (the vendor's rules), if so.
    problems: Vec<String>,
    /// What the vendor will clear because of this change (LivePerson's role resets).
    warning: Option<String>,
}

/// `change` with the ids of named things (skills, groups, profiles) shown by name.
fn named(mut change: Change, catalogs: &Names) -> Change {
    if let Some(catalog) = catalogs.for_field(change.path) {
        let ids = |text: &str| -> Vec<i64> {
            text.split(',')
                .filter_map(|p| p.trim().parse().ok())
                .collect()
        };
        change.before = catalog.display(&ids(&change.before));
        change.after = catalog.display(&ids(&change.after));
    }
    change
}

fn plan(
    connection: &ConnectionInfo,
    edit: &super::BulkEdit,
    records: &[Value],
    catalogs: &Names,
) -> Vec<Planned> {
    let description = shared::vendor::description(connection.kind);
    let fields = shared::vendor::fields(connection.kind);
    let paths = edit.paths();
    records
        .iter()
        .filter_map(|before| {
            let key = record::key_of(before, description.key)?;
            let after = super::apply(edit, before);
            let changes = super::changes(fields, &paths, before, &after);
            if changes.is_empty() {
                return None;
            }
            let changes = changes.into_iter().map(|c| named(c, catalogs)).collect();
            let body = record::update_body(description, fields, before, &after);
            let mut problems: Vec<String> = catalogs
                .added_unknown_ids(Some(before), &after)
                .into_iter()
                .map(|(_, problem)| problem)
                .collect();
            problems.extend(
                crate::vendors::update_rules(connection, &key, &body)
                    .0
                    .into_iter()
                    .map(|e| e.message),
            );
            let (intro, cleared) =
                crate::vendors::change_warnings(connection, fields, before, &after);
            let warning = (!cleared.is_empty()).then(|| format!("{intro} {}", cleared.join(", ")));
            let login = record::get(before, description.login)
                .map(|v| record::text_of(Some(v), FieldKind::Text))
                .unwrap_or_else(|| key.clone());
            Some(Planned {
                item: Item {
                    key,
                    login,
                    base: before.clone(),
                    send: after,
                },
                changes,
                problems,
                warning,
            })
        })
        .collect()
}

/// The results of a batch as rows: login, what happened.
fn result_rows(
    items: &[(String, String)],
    done: &HashMap<String, Done>,
    batch: Batch,
) -> Vec<(String, String)> {
    items
        .iter()
        .filter_map(|(key, login)| {
            let text = match (done.get(key)?, batch) {
                (Done::Applied { .. }, Batch::Applied) => "Changed".to_owned(),
                (Done::Applied { .. }, Batch::Undone) => "Restored".to_owned(),
                (other, _) => other.explained(),
            };
            Some((login.clone(), text))
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Closed,
    Form,
    Loading,
    Preview(Vec<Planned>, Option<String>),
    Sending,
    /// A batch's outcome; `Batch::Undone` once it was undone, which offers no second undo.
    Done(Vec<(String, String)>, HashMap<String, Done>, Batch),
}

/// Which batch a result is of: the edit (which can be undone once) or its undo (final).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Batch {
    Applied,
    Undone,
}

#[component]
pub fn BulkPanel(
    connection: ConnectionInfo,
    selection: RwSignal<HashSet<String>>,
    /// Called when users changed, so the list is read again.
    on_changed: Callback<()>,
) -> impl IntoView {
    let description = shared::vendor::description(connection.kind);
    let fields = shared::vendor::fields(connection.kind);
    let controls = super::controls(description, fields);
    let hint = if controls
        .iter()
        .any(|c| matches!(c.part, Part::Add | Part::Remove) || c.spec.kind == FieldKind::IdList)
    {
        "Empty fields are left as they are. Lists by name, separated by commas."
    } else {
        "Empty fields are left as they are."
    };
    let catalogs = crate::catalog::use_names(&connection, true).0;
    let stage = RwSignal::new(Stage::Closed);
    let form = RwSignal::new(BulkForm::default());
    let problems = RwSignal::new(Vec::<String>::new());
    let failure = RwSignal::new(None::<Failure>);
    let undoing = RwSignal::new(false);
    let sending = Sending {
        connection: StoredValue::new(connection.clone()),
        touched: StoredValue::new(Vec::new()),
        progress: RwSignal::new((0, 0)),
        cancel: StoredValue::new(false),
    };
    let progress = sending.progress;
    let selected = move || selection.with(HashSet::len);
    // Each stage's heading (the form: its first control) takes the focus when it appears,
    // so a keyboard (or screen reader) user is where the panel's work is.
    let stage_heading = NodeRef::<leptos::html::H3>::new();
    Effect::new(move |_| {
        if let Some(heading) = stage_heading.get() {
            let _ = heading.focus();
        }
    });
    let edit_of =
        move || catalogs.with_untracked(|c| form.get_untracked().to_edit(description, fields, c));

    let preview = move |_| {
        let edit = match edit_of() {
            Ok(edit) => edit,
            Err(found) => {
                problems.set(found);
                return;
            }
        };
        problems.set(Vec::new());
        failure.set(None);
        stage.set(Stage::Loading);
        let keys = selection.get_untracked();
        spawn_local(async move {
            let connection = sending.connection.get_value();
            match api::list_records(&connection).await {
                Ok((records, revision)) => {
                    let chosen: Vec<Value> = records
                        .into_iter()
                        .filter(|r| {
                            record::key_of(r, description.key).is_some_and(|k| keys.contains(&k))
                        })
                        .collect();
                    let planned = catalogs.with_untracked(|c| plan(&connection, &edit, &chosen, c));
                    stage.set(Stage::Preview(planned, revision));
                }
                Err(f) => {
                    failure.set(Some(f));
                    stage.set(Stage::Form);
                }
            }
        });
    };
    let apply = move |_| {
        let Stage::Preview(planned, revision) = stage.get_untracked() else {
            return;
        };
        let edit = edit_of().unwrap_or_default();
        let items: Vec<Item> = planned
            .into_iter()
            .filter(|p| p.problems.is_empty())
            .map(|p| p.item)
            .collect();
        let names: Vec<(String, String)> = items
            .iter()
            .map(|i| (i.key.clone(), i.login.clone()))
            .collect();
        sending.cancel.set_value(false);
        sending.touched.set_value(edit.paths());
        stage.set(Stage::Sending);
        spawn_local(async move {
            let done = sending
                .send(revision, items, Read::BeforeThePreview, move |_, now| {
                    Some(super::apply(&edit, now))
                })
                .await;
            stage.set(Stage::Done(names, done, Batch::Applied));
            on_changed.run(());
        });
    };
    let undo = move |_| {
        // Only an applied batch can be undone, and only once: the undo's own result offers
        // no undo, so a second press can never re-apply the batch.
        let Stage::Done(names, done, Batch::Applied) = stage.get_untracked() else {
            return;
        };
        let applied: HashMap<String, (Value, Value)> = done
            .into_iter()
            .filter_map(|(key, d)| match d {
                Done::Applied { before, after } => Some((key, (before, after))),
                _ => None,
            })
            .collect();
        undoing.set(true);
        sending.cancel.set_value(false);
        stage.set(Stage::Sending);
        spawn_local(async move {
            let connection = sending.connection.get_value();
            let touched = sending.touched.get_value();
            let (records, revision) = match api::list_records(&connection).await {
                Ok(found) => found,
                Err(f) => {
                    // Nothing was undone: the batch stays undoable.
                    failure.set(Some(f));
                    undoing.set(false);
                    let applied = applied
                        .into_iter()
                        .map(|(key, (before, after))| (key, Done::Applied { before, after }))
                        .collect();
                    stage.set(Stage::Done(names, applied, Batch::Applied));
                    return;
                }
            };
            let now = by_key(records, description.key);
            let mut results = HashMap::new();
            let mut items = Vec::new();
            for (key, login) in &names {
                let Some((before, after)) = applied.get(key) else {
                    continue;
                };
                let undone = now.get(key).map(|current| {
                    (
                        current,
                        super::undo(fields, &touched, before, after, current),
                    )
                });
                match undone {
                    Some((current, Ok(send))) => items.push(Item {
                        key: key.clone(),
                        login: login.clone(),
                        base: current.clone(),
                        send,
                    }),
                    Some((_, Err(moved))) => {
                        results.insert(
                            key.clone(),
                            Done::Skipped(format!(
                                "someone changed {} since the batch, so it was left as they made it",
                                moved.join(", ")
                            )),
                        );
                    }
                    None => {
                        results.insert(
                            key.clone(),
                            Done::Skipped("the user no longer exists".into()),
                        );
                    }
                }
            }
            let done = sending
                .send(revision, items, Read::JustNow, move |item, current| {
                    let (before, after) = applied.get(&item.key)?;
                    super::undo(fields, &touched, before, after, current).ok()
                })
                .await;
            results.extend(done);
            undoing.set(false);
            stage.set(Stage::Done(names, results, Batch::Undone));
            on_changed.run(());
        });
    };

    let body = move || {
        match stage.get() {
        Stage::Closed => ().into_any(),
        Stage::Form | Stage::Loading => view! {
            <fieldset class="bulk">
                <legend>{move || format!("Change {} selected", user_count(selected()))}</legend>
                {controls.iter().enumerate().map(|(n, control)| view! {
                    <BulkControl control=*control description form catalogs first=n == 0 />
                }).collect_view()}
                <p class="muted">{hint}</p>
                {move || (!problems.with(Vec::is_empty)).then(|| view! {
                    <ul role="alert" class="alert">{problems.get().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                })}
                <div class="actions">
                    <button type="button" disabled=move || matches!(stage.get(), Stage::Loading) on:click=preview>
                        {move || if matches!(stage.get(), Stage::Loading) { "Reading the users…" } else { "Preview changes" }}
                    </button>
                    <button type="button" class="secondary" on:click=move |_| stage.set(Stage::Closed)>"Close"</button>
                </div>
            </fieldset>
        }.into_any(),
        Stage::Preview(planned, _) => view! {
            <Preview planned selected=selected() stage_heading on_apply=Callback::new(apply)
                on_back=Callback::new(move |()| stage.set(Stage::Form)) />
        }.into_any(),
        Stage::Sending => view! {
            <div class="field bulk">
                <label for="bulk-progress">{move || if undoing.get() { "Undo progress" } else { "Bulk edit progress" }}</label>
                <progress id="bulk-progress" max=move || progress.get().1 value=move || progress.get().0></progress>
                <span role="status">{move || format!("{} of {} sent.", thousands(progress.get().0), thousands(progress.get().1))}</span>
                <button type="button" class="secondary" on:click=move |_| sending.cancel.set_value(true)>"Cancel"</button>
            </div>
        }.into_any(),
        Stage::Done(names, done, batch) => {
            let changed = done.values().filter(|d| matches!(d, Done::Applied { .. })).count();
            let rows = result_rows(&names, &done, batch);
            let others = done.values().filter(|d| !matches!(d, Done::Applied { .. })).count();
            let (heading, summary) = match batch {
                Batch::Applied => ("Result", format!("{} changed, {} not.", user_count(changed), user_count(others))),
                Batch::Undone => ("Result of the undo", format!(
                    "Batch undone: {} restored, {} not. This batch cannot be undone again.",
                    user_count(changed), user_count(others))),
            };
            view! {
                <section aria-labelledby="bulk-done-heading" class="bulk">
                    <h3 id="bulk-done-heading" tabindex="-1" node_ref=stage_heading>{heading}</h3>
                    <p role="status">{summary}</p>
                    <table>
                        <caption>"Each user's result"</caption>
                        <thead><tr><th scope="col">"Login name"</th><th scope="col">"Result"</th></tr></thead>
                        <tbody>{rows.into_iter().map(|(login, result)| view! { <tr><td>{login}</td><td>{result}</td></tr> }).collect_view()}</tbody>
                    </table>
                    <div class="actions">
                        {(changed > 0 && batch == Batch::Applied).then(|| view! { <button type="button" on:click=undo>"Undo this batch"</button> })}
                        <button type="button" class="secondary" on:click=move |_| stage.set(Stage::Closed)>"Close"</button>
                    </div>
                </section>
            }.into_any()
        }
    }
    };

    view! {
        <div class="actions">
            <button type="button" disabled=move || selected() == 0 || !matches!(stage.get(), Stage::Closed | Stage::Done(..))
                on:click=move |_| { form.set(BulkForm::default()); stage.set(Stage::Form) }>
                {move || on_selected("Edit", selected())}
            </button>
            <super::delete::BulkDelete connection selection on_changed />
        </div>
        {move || failure.get().map(|f| view! { <p role="alert" class="alert">{f.to_string()}</p> })}
        {body}
    }
}

/// One control of the bulk form: a choice (the switch, a flag, a fixed list) or typed text,
/// with the account's names suggested where the field holds ids it names.
#[component]
fn BulkControl(
    control: Control,
    description: &'static Description,
    form: RwSignal<BulkForm>,
    catalogs: ReadSignal<std::sync::Arc<Names>>,
    /// Takes the focus when drawn (the panel's first control).
    first: bool,
) -> impl IntoView {
    let chosen = NodeRef::<leptos::html::Select>::new();
    Effect::new(move |_| {
        if first && let Some(select) = chosen.get() {
            let _ = select.focus();
        }
    });
    let id = control.id();
    let label = control.label(description);
    let choices = control.choices(description);
    let value = move || form.with(|f| f.get(&control));
    let input = if choices.is_empty() {
        let list_id = Names::names_field(control.spec.path).then(|| format!("{id}-choices"));
        let suggestions = list_id.clone().map(|list_id| view! {
            <datalist id=list_id>
                {move || catalogs.with(|c| c.for_field(control.spec.path).map(|catalog| catalog.entries()
                    .map(|(_, name)| view! { <option value=name.to_owned()></option> })
                    .collect_view()))}
            </datalist>
        });
        view! {
            <input type="text" id=id.clone() autocomplete="off" list=list_id prop:value=value
                on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.set(&control, v)) } />
            {suggestions}
        }
        .into_any()
    } else {
        view! {
            <select id=id.clone() node_ref=chosen prop:value=value
                on:change=move |ev| { let v = event_target_value(&ev); form.update(|f| f.set(&control, v)) }>
                <option value="">"Leave as is"</option>
                {choices.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
            </select>
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {input}
        </div>
    }
}

/// The preview: each user's change, the vendor's refusals and warnings, and Apply.
#[component]
fn Preview(
    planned: Vec<Planned>,
    selected: usize,
    stage_heading: NodeRef<leptos::html::H3>,
    on_apply: Callback<leptos::ev::MouseEvent>,
    on_back: Callback<()>,
) -> impl IntoView {
    let ready = planned.iter().filter(|p| p.problems.is_empty()).count();
    let unchanged = selected.saturating_sub(planned.len());
    let shown = |text: &str| {
        if text.is_empty() {
            "(empty)".to_owned()
        } else {
            text.to_owned()
        }
    };
    let rows = planned
        .into_iter()
        .map(|p| {
            let changes = p
                .changes
                .iter()
                .map(|c| format!("{}: {} → {}", c.label, shown(&c.before), shown(&c.after)))
                .collect::<Vec<_>>()
                .join("; ");
            let note = if p.problems.is_empty() {
                p.warning.unwrap_or_default()
            } else {
                format!("Will not be sent: {}", p.problems.join(" "))
            };
            view! { <tr><td>{p.item.login}</td><td>{changes}</td><td>{note}</td></tr> }
        })
        .collect_view();
    view! {
        <section aria-labelledby="bulk-preview-heading" class="bulk">
            <h3 id="bulk-preview-heading" tabindex="-1" node_ref=stage_heading>"Preview of the change"</h3>
            <p role="status">{format!("{} will change; {} already as asked.", user_count(ready), user_count(unchanged))}</p>
            <table>
                <caption>"Each user's change"</caption>
                <thead><tr><th scope="col">"Login name"</th><th scope="col">"Change"</th><th scope="col">"Note"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <div class="actions">
                <button type="button" disabled=ready == 0 on:click=move |ev| on_apply.run(ev)>{format!("Apply to {}", user_count(ready))}</button>
                <button type="button" class="secondary" on:click=move |_| on_back.run(())>"Back to the change"</button>
            </div>
        </section>
    }
}
