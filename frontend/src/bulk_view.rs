//! Bulk work on the selected users: an edit with a per-user preview, applied in chunks with
//! `If-Match`, per-row results and an undo of the batch; and a delete behind a typed
//! confirmation. A chunk that meets a newer revision is sent again only for the users nobody
//! changed meanwhile; the others are reported, never overwritten.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use shared::liveperson::{ProfileRoles, User, role_change_resets, validate_user};
use shared::operation::Write;
use shared::{ConnectionInfo, ValidationErrors};

use crate::api::{self, Failure};
use crate::bulk::{self, BulkEdit, BulkForm, Change};
use crate::catalog::Names;
use crate::dialog::Dialog;
use crate::record;
use shared::format::{on_selected, thousands, user_count};

const FIELDS: &[shared::field::FieldSpec] = shared::liveperson::FIELDS;
const DESCRIPTION: &shared::description::Description = &shared::liveperson::DESCRIPTION;

/// One user's part in a batch: the record it was read as, and what is sent for it.
#[derive(Debug, Clone, PartialEq)]
struct Item {
    id: i64,
    login: String,
    base: Value,
    send: Value,
}

/// What became of one user of a batch.
#[derive(Debug, Clone, PartialEq)]
enum Done {
    /// Changed: from `before` to `after` (what an undo puts back, and checks against).
    Applied {
        before: Value,
        after: Value,
    },
    /// Left alone, and why.
    Skipped(String),
    Failed(String),
    NotSent,
}

fn login_of(record: &Value) -> String {
    record::get(record, "loginName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn id_of(record: &Value) -> Option<i64> {
    record::get(record, "id").and_then(Value::as_i64)
}

/// Sends `items` in chunks, each at the revision the last answer gave. A chunk refused for a
/// newer revision is sent once more with only its users that nobody changed, rebuilt on
/// their current record by `rebuild`.
async fn send_in_chunks(
    connection: String,
    chunk_size: usize,
    mut revision: Option<String>,
    items: Vec<Item>,
    rebuild: impl Fn(&Item, &Value) -> Option<Value>,
    progress: RwSignal<(usize, usize)>,
    cancel: StoredValue<bool>,
) -> HashMap<i64, Done> {
    let mut done = HashMap::new();
    progress.set((0, items.len()));
    for chunk in items.chunks(chunk_size.max(1)) {
        if cancel.get_value() {
            for item in chunk {
                done.insert(item.id, Done::NotSent);
            }
            continue;
        }
        let mut chunk: Vec<Item> = chunk.to_vec();
        for attempt in 0..2 {
            let bodies: Vec<Value> = chunk
                .iter()
                .map(|i| record::update_body(DESCRIPTION, FIELDS, &i.send, &i.send))
                .collect();
            match api::update_users(&connection, &bodies, revision.as_deref()).await {
                Ok(new_revision) => {
                    revision = new_revision;
                    for item in &chunk {
                        done.insert(
                            item.id,
                            Done::Applied {
                                before: item.base.clone(),
                                after: item.send.clone(),
                            },
                        );
                    }
                    break;
                }
                Err(failure) if failure.is_conflict() && attempt == 0 => {
                    let now = match api::list_records(&connection).await {
                        Ok((records, now_revision)) => {
                            revision = now_revision;
                            records
                                .into_iter()
                                .filter_map(|r| Some((id_of(&r)?, r)))
                                .collect::<HashMap<i64, Value>>()
                        }
                        Err(reload) => {
                            for item in &chunk {
                                done.insert(item.id, Done::Failed(reload.to_string()));
                            }
                            break;
                        }
                    };
                    let mut again = Vec::new();
                    for item in chunk {
                        let untouched = now.get(&item.id).filter(|current| {
                            record::differences(&item.base, current, current, FIELDS).is_empty()
                        });
                        match untouched.and_then(|current| {
                            rebuild(&item, current).map(|send| (current.clone(), send))
                        }) {
                            Some((base, send)) => again.push(Item { base, send, ..item }),
                            None => {
                                done.insert(
                                    item.id,
                                    Done::Skipped(
                                        "Someone else changed or deleted this user meanwhile; it was left as they made it."
                                            .into(),
                                    ),
                                );
                            }
                        }
                    }
                    if again.is_empty() {
                        break;
                    }
                    chunk = again;
                }
                Err(failure) => {
                    for (k, item) in chunk.iter().enumerate() {
                        let own: Vec<&str> = failure
                            .field_errors
                            .0
                            .iter()
                            .filter(|e| {
                                e.path.strip_prefix('/').and_then(|p| p.split('/').next())
                                    == Some(k.to_string().as_str())
                            })
                            .map(|e| e.message.as_str())
                            .collect();
                        let why = if own.is_empty() {
                            failure.to_string()
                        } else {
                            own.join(" ")
                        };
                        done.insert(item.id, Done::Failed(why));
                    }
                    break;
                }
            }
        }
        progress.update(|(sent, _)| *sent += chunk_size.max(1));
    }
    progress.update(|(sent, total)| *sent = (*sent).min(*total));
    done
}

/// One user in the preview of a bulk edit.
#[derive(Debug, Clone, PartialEq)]
struct Planned {
    item: Item,
    changes: Vec<Change>,
    /// Why it cannot be sent (the vendor's rules), if so.
    problems: Vec<String>,
    /// Fields LivePerson will clear because the profiles change.
    resets: Vec<String>,
}

/// `change` with the ids of skills, groups and profiles shown by name.
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
    edit: &BulkEdit,
    records: &[Value],
    roles: &ProfileRoles,
    catalogs: &Names,
) -> Vec<Planned> {
    records
        .iter()
        .filter_map(|before| {
            let after = bulk::apply(edit, before);
            let changes = bulk::changes(before, &after);
            if changes.is_empty() {
                return None;
            }
            let changes = changes.into_iter().map(|c| named(c, catalogs)).collect();
            let mut errors = ValidationErrors::default();
            for (field, problem) in catalogs.added_unknown_ids(Some(before), &after) {
                errors.push(shared::FieldError::new(
                    format!("/{field}"),
                    shared::ErrorCode::InvalidValue,
                    problem,
                ));
            }
            let as_user = |v: &Value| {
                serde_json::from_value::<User>(record::update_body(DESCRIPTION, FIELDS, v, v))
            };
            let mut resets = Vec::new();
            match (as_user(before), as_user(&after)) {
                (Ok(old), Ok(new)) => {
                    validate_user(&new, Write::Update, roles, "", &mut errors);
                    resets = role_change_resets(&old, &new, roles)
                        .into_iter()
                        .map(|r| r.field.to_owned())
                        .collect();
                }
                (_, Err(e)) | (Err(e), _) => errors.push(shared::FieldError::new(
                    "",
                    shared::ErrorCode::InvalidType,
                    e.to_string(),
                )),
            }
            Some(Planned {
                item: Item {
                    id: id_of(before)?,
                    login: login_of(before),
                    base: before.clone(),
                    send: after,
                },
                changes,
                problems: errors.0.into_iter().map(|e| e.message).collect(),
                resets,
            })
        })
        .collect()
}

/// The results of a batch as rows: login, what happened.
fn result_rows(
    items: &[(i64, String)],
    done: &HashMap<i64, Done>,
    batch: Batch,
) -> Vec<(String, String)> {
    items
        .iter()
        .filter_map(|(id, login)| {
            let text = match (done.get(id)?, batch) {
                (Done::Applied { .. }, Batch::Applied) => "Changed".to_owned(),
                (Done::Applied { .. }, Batch::Undone) => "Restored".to_owned(),
                (other, _) => other.explained(),
            };
            Some((login.clone(), text))
        })
        .collect()
}

impl Done {
    /// Why a user was not changed, as the result table says it.
    fn explained(&self) -> String {
        match self {
            Done::Applied { .. } => "Changed".to_owned(),
            Done::Skipped(why) => format!("Not changed: {why}"),
            Done::Failed(why) => format!("Failed: {why}"),
            Done::NotSent => "Not sent: cancelled".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Closed,
    Form,
    Loading,
    Preview(Vec<Planned>, Option<String>),
    Sending,
    /// A batch's outcome; `Batch::Undone` once it was undone, which offers no second undo.
    Done(Vec<(i64, String)>, HashMap<i64, Done>, Batch),
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
    let connection_id = StoredValue::new(connection.id.clone());
    let chunk_size = connection.chunk_size;
    let roles = StoredValue::new(ProfileRoles::of(&connection.profiles));
    let catalogs = crate::catalog::use_names(&connection, true).0;
    let stage = RwSignal::new(Stage::Closed);
    let form = RwSignal::new(BulkForm::default());
    let problems = RwSignal::new(Vec::<String>::new());
    let failure = RwSignal::new(None::<Failure>);
    let progress = RwSignal::new((0_usize, 0_usize));
    let cancel = StoredValue::new(false);
    let undoing = RwSignal::new(false);
    let selected = move || selection.with(HashSet::len);
    // Each stage's first control or heading takes the focus when it appears, so a keyboard
    // (or screen reader) user is where the panel's work is.
    let first_control = NodeRef::<leptos::html::Select>::new();
    let stage_heading = NodeRef::<leptos::html::H3>::new();
    Effect::new(move |_| {
        if let Some(select) = first_control.get() {
            let _ = select.focus();
        }
    });
    Effect::new(move |_| {
        if let Some(heading) = stage_heading.get() {
            let _ = heading.focus();
        }
    });

    let preview = move |_| {
        let edit = match catalogs.with_untracked(|c| form.get_untracked().to_edit(c)) {
            Ok(edit) => edit,
            Err(found) => {
                problems.set(found);
                return;
            }
        };
        problems.set(Vec::new());
        failure.set(None);
        stage.set(Stage::Loading);
        let ids = selection.get_untracked();
        spawn_local(async move {
            match api::list_records(&connection_id.get_value()).await {
                Ok((records, revision)) => {
                    let chosen: Vec<Value> = records
                        .into_iter()
                        .filter(|r| id_of(r).is_some_and(|id| ids.contains(&id.to_string())))
                        .collect();
                    let planned = roles.with_value(|roles| {
                        catalogs.with_untracked(|c| plan(&edit, &chosen, roles, c))
                    });
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
        let edit = catalogs
            .with_untracked(|c| form.get_untracked().to_edit(c))
            .unwrap_or_default();
        let items: Vec<Item> = planned
            .into_iter()
            .filter(|p| p.problems.is_empty())
            .map(|p| p.item)
            .collect();
        let names: Vec<(i64, String)> = items.iter().map(|i| (i.id, i.login.clone())).collect();
        cancel.set_value(false);
        stage.set(Stage::Sending);
        spawn_local(async move {
            let done = send_in_chunks(
                connection_id.get_value(),
                chunk_size,
                revision,
                items,
                move |_, now| Some(bulk::apply(&edit, now)),
                progress,
                cancel,
            )
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
        let applied: HashMap<i64, (Value, Value)> = done
            .into_iter()
            .filter_map(|(id, d)| match d {
                Done::Applied { before, after } => Some((id, (before, after))),
                _ => None,
            })
            .collect();
        undoing.set(true);
        cancel.set_value(false);
        stage.set(Stage::Sending);
        spawn_local(async move {
            let connection = connection_id.get_value();
            let (records, revision) = match api::list_records(&connection).await {
                Ok(found) => found,
                Err(f) => {
                    // Nothing was undone: the batch stays undoable.
                    failure.set(Some(f));
                    undoing.set(false);
                    let applied = applied
                        .into_iter()
                        .map(|(id, (before, after))| (id, Done::Applied { before, after }))
                        .collect();
                    stage.set(Stage::Done(names, applied, Batch::Applied));
                    return;
                }
            };
            let now: HashMap<i64, Value> = records
                .into_iter()
                .filter_map(|r| Some((id_of(&r)?, r)))
                .collect();
            let mut results = HashMap::new();
            let mut items = Vec::new();
            for (id, login) in &names {
                let Some((before, after)) = applied.get(id) else {
                    continue;
                };
                match now
                    .get(id)
                    .map(|current| (current, bulk::undo(before, after, current)))
                {
                    Some((current, Ok(send))) => items.push(Item {
                        id: *id,
                        login: login.clone(),
                        base: current.clone(),
                        send,
                    }),
                    Some((_, Err(moved))) => {
                        results.insert(
                            *id,
                            Done::Skipped(format!(
                                "someone changed {} since the batch, so it was left as they made it",
                                moved.join(", ")
                            )),
                        );
                    }
                    None => {
                        results.insert(*id, Done::Skipped("the user no longer exists".into()));
                    }
                }
            }
            let originals = applied.clone();
            let done = send_in_chunks(
                connection,
                chunk_size,
                revision,
                items,
                move |item, current| {
                    let (before, after) = originals.get(&item.id)?;
                    bulk::undo(before, after, current).ok()
                },
                progress,
                cancel,
            )
            .await;
            results.extend(done);
            undoing.set(false);
            stage.set(Stage::Done(names, results, Batch::Undone));
            on_changed.run(());
        });
    };

    // A text field of the form; with `named`, the names of that catalog are suggested.
    let field = move |label: &'static str,
                      id: &'static str,
                      get: fn(&BulkForm) -> String,
                      set: fn(&mut BulkForm, String),
                      named: Option<fn(&Names) -> &crate::catalog::Catalog>| {
        let list_id = named.map(|_| format!("{id}-choices"));
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input type="text" id=id autocomplete="off" list=list_id.clone()
                    prop:value=move || form.with(get)
                    on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| set(f, v)) } />
                {list_id.zip(named).map(|(list_id, pick)| view! {
                    <datalist id=list_id>
                        {move || catalogs.with(|c| pick(c).entries()
                            .map(|(_, name)| view! { <option value=name.to_owned()></option> })
                            .collect_view())}
                    </datalist>
                })}
            </div>
        }
    };
    let body = move || {
        match stage.get() {
        Stage::Closed => ().into_any(),
        Stage::Form | Stage::Loading => view! {
            <fieldset class="bulk">
                <legend>{move || format!("Change {} selected", user_count(selected()))}</legend>
                <div class="field">
                    <label for="bulk-enabled">"Set enabled"</label>
                    <select id="bulk-enabled" node_ref=first_control prop:value=move || form.with(|f| f.enabled.clone())
                        on:change=move |ev| { let v = event_target_value(&ev); form.update(|f| f.enabled = v) }>
                        <option value="">"Leave as is"</option>
                        <option value="yes">"Enable"</option>
                        <option value="no">"Disable"</option>
                    </select>
                </div>
                {field("Set max chats", "bulk-max-chats", |f| f.max_chats.clone(), |f, v| f.max_chats = v, None)}
                {field("Skills to add", "bulk-add-skills", |f| f.add_skills.clone(), |f, v| f.add_skills = v, Some(|n| &n.skills))}
                {field("Skills to remove", "bulk-remove-skills", |f| f.remove_skills.clone(), |f, v| f.remove_skills = v, Some(|n| &n.skills))}
                {field("Set agent group (or none)", "bulk-group", |f| f.agent_group.clone(), |f, v| f.agent_group = v, Some(|n| &n.groups))}
                {field("Set profiles", "bulk-profiles", |f| f.profiles.clone(), |f, v| f.profiles = v, Some(|n| &n.profiles))}
                <p class="muted">"Empty fields are left as they are. Skills and profiles by name, separated by commas."</p>
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
        Stage::Preview(planned, _) => {
            let ready = planned.iter().filter(|p| p.problems.is_empty()).count();
            let unchanged = selected().saturating_sub(planned.len());
            let rows = planned.into_iter().map(|p| {
                let changes = p.changes.iter().map(|c| format!("{}: {} → {}", c.label,
                    if c.before.is_empty() { "(empty)" } else { &c.before },
                    if c.after.is_empty() { "(empty)" } else { &c.after })).collect::<Vec<_>>().join("; ");
                let note = match (p.problems.is_empty(), p.resets.is_empty()) {
                    (false, _) => format!("Will not be sent: {}", p.problems.join(" ")),
                    (true, false) => format!("LivePerson will clear: {}", p.resets.join(", ")),
                    (true, true) => String::new(),
                };
                view! { <tr><td>{p.item.login}</td><td>{changes}</td><td>{note}</td></tr> }
            }).collect_view();
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
                        <button type="button" disabled=ready == 0 on:click=apply>{format!("Apply to {}", user_count(ready))}</button>
                        <button type="button" class="secondary" on:click=move |_| stage.set(Stage::Form)>"Back to the change"</button>
                    </div>
                </section>
            }.into_any()
        }
        Stage::Sending => view! {
            <div class="field bulk">
                <label for="bulk-progress">{move || if undoing.get() { "Undo progress" } else { "Bulk edit progress" }}</label>
                <progress id="bulk-progress" max=move || progress.get().1 value=move || progress.get().0></progress>
                <span role="status">{move || format!("{} of {} sent.", thousands(progress.get().0), thousands(progress.get().1))}</span>
                <button type="button" class="secondary" on:click=move |_| cancel.set_value(true)>"Cancel"</button>
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
            <BulkDelete connection_id=connection_id.get_value() chunk_size selection on_changed />
        </div>
        {move || failure.get().map(|f| view! { <p role="alert" class="alert">{f.to_string()}</p> })}
        {body}
    }
}

#[component]
fn BulkDelete(
    connection_id: String,
    chunk_size: usize,
    selection: RwSignal<HashSet<String>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let deleting = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let connection_id = StoredValue::new(connection_id);
    let count = move || selection.with(HashSet::len);
    let phrase = move || format!("delete {}", user_count(count()));
    let confirm = move |()| {
        // LivePerson's keys are its numeric ids.
        let ids: Vec<i64> = selection
            .get_untracked()
            .iter()
            .filter_map(|key| key.parse().ok())
            .collect();
        deleting.set(true);
        spawn_local(async move {
            let connection = connection_id.get_value();
            // The revision the deletes are checked against: the account as it is now, read
            // when the admin confirmed.
            let layout = crate::list::Layout::minimal(shared::connection::VendorKind::Liveperson);
            let mut revision = match api::list_users(&connection, &layout, false).await {
                Ok(list) => list.revision,
                Err(f) => {
                    outcome.set(Some(Err(f.to_string())));
                    deleting.set(false);
                    open.set(false);
                    return;
                }
            };
            let (mut deleted, mut failed) = (Vec::new(), Vec::new());
            for chunk in ids.chunks(chunk_size.max(1)) {
                match api::delete_users(&connection, chunk, revision.as_deref()).await {
                    Ok(new_revision) => {
                        revision = new_revision;
                        deleted.extend_from_slice(chunk);
                    }
                    Err(f) => failed.push((chunk.len(), f.to_string())),
                }
            }
            selection.update(|s| {
                for id in &deleted {
                    s.remove(&id.to_string());
                }
            });
            let message = if failed.is_empty() {
                Ok(format!("Deleted {}.", user_count(deleted.len())))
            } else {
                Err(format!(
                    "Deleted {}; {} were not: {}",
                    user_count(deleted.len()),
                    user_count(failed.iter().map(|(n, _)| n).sum()),
                    failed
                        .into_iter()
                        .map(|(_, why)| why)
                        .collect::<Vec<_>>()
                        .join(" ")
                ))
            };
            outcome.set(Some(message));
            deleting.set(false);
            open.set(false);
            typed.set(String::new());
            on_changed.run(());
        });
    };
    view! {
        <button type="button" class="danger" disabled=move || count() == 0
            on:click=move |_| { typed.set(String::new()); outcome.set(None); open.set(true) }>
            {move || on_selected("Delete", count())}
        </button>
        {move || outcome.get().map(|o| match o {
            Ok(text) => view! { <p role="status" class="status">{text}</p> }.into_any(),
            Err(text) => view! { <p role="alert" class="alert">{text}</p> }.into_any(),
        })}
        <Dialog open=open title=Signal::derive(move || format!("Delete {}?", user_count(count())))
            on_dismiss=Callback::new(move |()| open.set(false))>
            <p>"LivePerson marks them as deleted: they can no longer log in. To confirm, type the phrase below."</p>
            // A form, so Enter in the phrase confirms once the phrase is right.
            <form novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                if !deleting.get_untracked() && typed.with_untracked(|t| t.trim() == phrase()) {
                    confirm(());
                }
            }>
                <div class="field">
                    <label for="bulk-delete-confirm">{move || format!("Type \"{}\"", phrase())}</label>
                    <input type="text" id="bulk-delete-confirm" autocomplete="off"
                        prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev)) />
                </div>
                <div class="actions">
                    <button type="submit" class="danger"
                        disabled=move || deleting.get() || typed.with(|t| t.trim() != phrase())>
                        {move || format!("Delete {}", user_count(count()))}
                    </button>
                    <button type="button" class="secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                </div>
            </form>
        </Dialog>
    }
}
