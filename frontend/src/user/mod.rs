//! The one-user screen for any vendor: the full record in grouped, labelled inputs described
//! by the vendor's field table, checked with the shared rules as the admin types, and saved
//! by the vendor's update rule (the whole record, or only what changed) with a conflicting
//! change shown field by field, whether the vendor has a revision or not.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use shared::conflict::Decision;
use shared::description::{Deletion, Description};
use shared::field::FieldSpec;
use shared::operation::names;
use shared::{ConnectionInfo, ValidationErrors};

use crate::api::{self, Failure, Record};
use crate::app::{Load, can_write};
use crate::catalog::Names;
use crate::dialog::Dialog;
use crate::form::{FieldInput, focus_first_field};
use crate::record::{self, Choice};
use crate::route::{Link, Route, use_nav};

mod conflict;
mod delete;

use conflict::ConflictPanel;
use delete::{DeleteUser, FlagDelete};

#[component]
pub fn UserScreen(connection: ConnectionInfo, id: String) -> impl IntoView {
    let record = RwSignal::new(Load::<(Record, bool)>::Loading);
    let reading = connection.clone();
    let load_id = id.clone();
    let lists_deleted = shared::vendor::description(connection.kind)
        .list
        .include_deleted
        .is_some();
    spawn_local(async move {
        let loaded = match api::read_user(&reading, &load_id).await {
            Ok(live) => Ok((live, false)),
            // A user deleted by the vendor's delete is not served on its own; the list with
            // deleted users still has it, so the link the list shows opens it, read-only.
            Err(gone) if gone.status == Some(404) && lists_deleted => {
                match api::deleted_user(&reading, &load_id).await {
                    Ok(Some(deleted)) => Ok((deleted, true)),
                    Ok(None) | Err(_) => Err(gone),
                }
            }
            Err(failure) => Err(failure),
        };
        record.set(loaded.into());
    });
    let connection = StoredValue::new(connection);
    let id = StoredValue::new(id);
    view! {
        <p><Link route=connection.with_value(|c| Route::list(&c.id, crate::app::last_list_query(&c.id)))>
            "Back to the list"
        </Link></p>
        {move || match record.get() {
            Load::Loading => view! { <p role="status">"Loading the user…"</p> }.into_any(),
            Load::Failed(failure) => view! {
                <p role="alert" class="alert">{format!("The user could not be loaded. {failure}")}</p>
            }.into_any(),
            Load::Loaded((loaded, deleted)) => view! {
                <UserForm connection=connection.get_value() id=id.get_value() loaded deleted />
            }.into_any(),
        }}
    }
}

/// Why the form cannot be saved as it is: typing errors first, the ids the account does not
/// have, then the vendor's rules for the update body.
fn check(
    connection: &ConnectionInfo,
    key: &str,
    (original, applied): (&Value, &Value),
    typing: &ValidationErrors,
    names: &Names,
) -> ValidationErrors {
    let mut errors = typing.clone();
    for (field, problem) in names.added_unknown_ids(Some(original), applied) {
        if errors.for_field(field).next().is_none() {
            errors.push(shared::FieldError::new(
                format!("/{field}"),
                shared::ErrorCode::InvalidValue,
                problem,
            ));
        }
    }
    let description = shared::vendor::description(connection.kind);
    let fields = shared::vendor::fields(connection.kind);
    for error in record::unclearable(description, fields, original, applied) {
        if errors.for_field(error.field()).next().is_none() {
            errors.push(error);
        }
    }
    let body = record::update_body(description, fields, original, applied);
    // A partial update of nothing is no save to check (the vendor refuses an empty one).
    if body.as_object().is_some_and(serde_json::Map::is_empty) {
        return errors;
    }
    for error in crate::vendors::update_rules(connection, key, &body).0 {
        // A typing error already explains its field.
        if errors.for_field(error.field()).next().is_none() {
            errors.push(error);
        }
    }
    errors
}

/// A save that met a newer record: what it is now, at which revision.
#[derive(Clone)]
pub struct Conflict {
    theirs: Value,
    revision: Option<String>,
}

#[component]
fn UserForm(
    connection: ConnectionInfo,
    id: String,
    loaded: Record,
    /// A deleted user is shown, never changed: the vendor refuses every write to it.
    deleted: bool,
) -> impl IntoView {
    let nav = use_nav();
    let kind = connection.kind;
    let fields: &'static [FieldSpec] = shared::vendor::fields(kind);
    let description: &'static Description = shared::vendor::description(kind);
    let names = crate::catalog::use_names(&connection, true).0;
    let connection = StoredValue::new(connection);
    let id = StoredValue::new(id);
    let original = RwSignal::new(loaded.value);
    let revision = RwSignal::new(loaded.revision);
    let texts = RwSignal::new(original.with_untracked(|r| record::texts_of(r, fields)));
    let applied =
        Memo::new(move |_| original.with(|o| texts.with(|t| record::apply(o, t, fields))));
    let errors = Memo::new(move |_| {
        applied.with(|(value, typing)| {
            names.with(|names| {
                original.with(|o| {
                    connection
                        .with_value(|c| id.with_value(|id| check(c, id, (o, value), typing, names)))
                })
            })
        })
    });
    // Deleted by a flag (CommPeak): shown as such, and still editable and restorable.
    let flagged = Memo::new(move |_| match description.deletion {
        Deletion::Flag(flag) => original.with(|o| record::holds(o, flag.field, flag.on)),
        Deletion::Operation | Deletion::None => false,
    });
    // What the proxy or vendor refused at the last save, shown until the admin edits again.
    let refused = RwSignal::new(ValidationErrors::default());
    let dirty = Memo::new(move |_| applied.with(|(value, _)| original.with(|o| value != o)));
    let login = move || {
        original.with(|o| {
            record::get(o, description.login)
                .and_then(Value::as_str)
                .unwrap_or("this user")
                .to_owned()
        })
    };
    Effect::new(move |_| {
        let unsaved = dirty.get().then(|| format!("your changes to {}", login()));
        nav.unsaved.set(unsaved);
    });
    on_cleanup(move || nav.unsaved.set(None));

    let outcome = RwSignal::new(None::<Result<String, Failure>>);
    let saving = RwSignal::new(false);
    let conflict = RwSignal::new(None::<Conflict>);
    let choices = RwSignal::new(HashMap::<&'static str, Choice>::new());

    // What the vendor will clear because of this change (LivePerson's role resets).
    let warnings = Memo::new(move |_| {
        original.with(|before| {
            applied.with(|(after, _)| {
                connection.with_value(|c| crate::vendors::change_warnings(c, fields, before, after))
            })
        })
    });

    // After a save (or a reload), the form starts again from the vendor's record.
    let start_from = move |fresh: Record| {
        texts.set(record::texts_of(&fresh.value, fields));
        original.set(fresh.value);
        revision.set(fresh.revision);
        conflict.set(None);
        choices.set(HashMap::new());
        refused.set(ValidationErrors::default());
    };
    // Opens the conflict panel over `now`, each field's choice preset where only one side
    // changed it.
    let show_conflict = move |found: &[record::Difference], now: Record| {
        choices.set(
            found
                .iter()
                .filter_map(|d| d.default.map(|c| (d.field.path, c)))
                .collect(),
        );
        conflict.set(Some(Conflict {
            theirs: now.value,
            revision: now.revision,
        }));
    };
    // Sends `value` as the user's record, at revision `at`. A conflict is shown for the admin
    // to settle, except when the account moved on but this user did not (the revision is
    // shared by every user of the account): then nothing of theirs can be overwritten, and
    // the edits are sent once more at the new revision. A vendor without a revision is read
    // again first, and the same comparison decides.
    let send = move |value: Value, at: Option<String>, after_conflict: bool| {
        saving.set(true);
        outcome.set(None);
        spawn_local(async move {
            let (connection, id) = (connection.get_value(), id.get_value());
            let (mut value, mut at, mut rebases) = (value, at, 0);
            // Fields another admin changed meanwhile, taken into the save (no revision).
            let mut taken: Vec<&'static str> = Vec::new();
            loop {
                if description.revision.is_none() {
                    let now = match api::read_user(&connection, &id).await {
                        Ok(now) => now,
                        Err(reload) => {
                            outcome.set(Some(Err(Failure {
                                message: format!(
                                    "Not saved: the user could not be read again to check for changes by others: {}. Your edits are still here; try saving again.",
                                    reload.message
                                ),
                                ..reload
                            })));
                            break;
                        }
                    };
                    // Deleted meanwhile by its flag: not something to save over.
                    if let Deletion::Flag(flag) = description.deletion
                        && record::holds(&now.value, flag.field, flag.on)
                        && !original.with_untracked(|o| record::holds(o, flag.field, flag.on))
                    {
                        outcome.set(Some(Err(Failure::said(format!(
                            "Not saved: someone marked {} deleted since you opened it. Reload the page to see it; your edits are still here.",
                            login()
                        )))));
                        break;
                    }
                    let decided = original.with_untracked(|o| {
                        shared::conflict::decide(description, fields, o, &now.value, &value)
                    });
                    // Always onto the record as it is now (a whole-record save must not put
                    // back what someone changed in a field the form does not show), with
                    // this admin's fields on top.
                    match decided {
                        Decision::Conflict(found) => {
                            show_conflict(&found, now);
                            break;
                        }
                        Decision::Unchanged { merged } => value = merged,
                        Decision::Rebase {
                            merged,
                            taken: theirs,
                        } => {
                            taken = theirs.iter().map(|f| f.label).collect();
                            texts.set(record::texts_of(&merged, fields));
                            value = merged;
                        }
                    }
                    original.set(now.value);
                }
                let body = original
                    .with_untracked(|o| record::update_body(description, fields, o, &value));
                match api::save_user(&connection, &id, &body, at.as_deref()).await {
                    Ok(()) => {
                        match api::read_user(&connection, &id).await {
                            Ok(fresh) => {
                                start_from(fresh);
                                let message = match (after_conflict, rebases > 0) {
                                    (true, _) => format!("Saved {} with your choices.", login()),
                                    (false, _) if !taken.is_empty() => format!(
                                        "Saved {}, with {} as someone else changed it meanwhile.",
                                        login(),
                                        taken.join(", ")
                                    ),
                                    (false, true) => format!(
                                        "Saved {}. The account had changed since you opened this user, but not this user.",
                                        login()
                                    ),
                                    (false, false) => format!("Saved {}.", login()),
                                };
                                outcome.set(Some(Ok(message)));
                            }
                            Err(failure) => outcome.set(Some(Err(Failure {
                                message: format!(
                                    "Saved, but the saved record could not be read back: {}. Reload the page before editing again.",
                                    failure.message
                                ),
                                ..failure
                            }))),
                        }
                        break;
                    }
                    Err(failure) if failure.is_conflict() => {
                        let now = match api::read_user(&connection, &id).await {
                            Ok(now) => now,
                            Err(reload) => {
                                outcome.set(Some(Err(Failure {
                                    message: format!(
                                        "The user changed since you opened it, and its current record could not be read: {}. Your edits are still here; try saving again.",
                                        reload.message
                                    ),
                                    ..reload
                                })));
                                break;
                            }
                        };
                        let decided = original.with_untracked(|o| {
                            shared::conflict::decide(description, fields, o, &now.value, &value)
                        });
                        match decided {
                            // The account moved on, this user did not: nothing of theirs can
                            // be overwritten, so the same edits go again at the new revision.
                            Decision::Unchanged { merged }
                                if rebases < shared::conflict::REBASES_PER_SAVE =>
                            {
                                rebases += 1;
                                value = merged;
                                original.set(now.value);
                                revision.set(now.revision.clone());
                                texts.set(record::texts_of(&value, fields));
                                at = now.revision;
                                continue;
                            }
                            _ => {
                                let found = original.with_untracked(|o| {
                                    record::differences(o, &now.value, &value, fields)
                                });
                                show_conflict(&found, now);
                                break;
                            }
                        }
                    }
                    Err(failure) => {
                        refused.set(failure.field_errors.clone());
                        focus_first_field(record::editable(fields), &failure.field_errors);
                        outcome.set(Some(Err(failure)));
                        break;
                    }
                }
            }
            saving.set(false);
        });
    };
    // A save that turns the user off (or on again) says so first: it decides whether
    // someone can log in, which an edit of a name does not.
    let switching = RwSignal::new(None::<bool>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !errors.with_untracked(|e| e.0.is_empty()) || !dirty.get_untracked() {
            return;
        }
        let off = |record: &Value| {
            record::holds(record, description.disabled.field, description.disabled.on)
        };
        let (was_off, now_off) =
            applied.with_untracked(|(v, _)| original.with_untracked(|o| (off(o), off(v))));
        if was_off != now_off {
            switching.set(Some(now_off));
            return;
        }
        send(
            applied.with_untracked(|(v, _)| v.clone()),
            revision.get_untracked(),
            false,
        );
    };
    let confirm_switch = move |_| {
        switching.set(None);
        send(
            applied.with_untracked(|(v, _)| v.clone()),
            revision.get_untracked(),
            false,
        );
    };
    let switch_word = move || {
        let words = description.disabled_words;
        if switching.get() == Some(true) {
            words.disable
        } else {
            words.enable
        }
    };
    // The admin settled a conflict: theirs is the new base, the merge is what is sent.
    let save_settled = move |(theirs, merged, at): (Value, Value, Option<String>)| {
        texts.set(record::texts_of(&merged, fields));
        original.set(theirs);
        revision.set(at.clone());
        conflict.set(None);
        send(merged, at, true);
    };

    let shown_errors = move |path: &'static str| {
        let field = record::top_field(path);
        // A problem of a whole member (`/name`) is told at its first field only.
        let own = |e: &&shared::FieldError| record::told_at(e, fields, path);
        let mut messages: Vec<String> = errors.with(|e| {
            e.for_field(field)
                .filter(own)
                .map(|e| e.message.clone())
                .collect()
        });
        refused
            .with(|r| messages.extend(r.for_field(field).filter(own).map(|e| e.message.clone())));
        messages.join(" ")
    };
    let updates = connection
        .with_value(|c| c.declares(names::UPDATE_USER) || c.declares(names::UPDATE_USERS));
    let read_only = move || deleted || !can_write() || !updates;
    let may_change = move || !deleted && can_write() && updates;
    let input = move |spec: &'static FieldSpec| {
        view! {
            <FieldInput spec kind texts names read_only=Signal::derive(read_only)
                errors=Signal::derive(move || shown_errors(spec.path))
                on_edit=Callback::new(move |()| refused.set(ValidationErrors::default())) />
        }
    };
    let groups = shared::field::groups(fields)
        .into_iter()
        .filter_map(|group| {
            // A deleted flag is set and cleared by Delete and Restore, after confirmation.
            let shown: Vec<&'static FieldSpec> = record::editable(fields)
                .filter(|f| f.group == group)
                .filter(|f| !matches!(description.deletion, Deletion::Flag(flag) if flag.field == f.path))
                .collect();
            (!shown.is_empty()).then(|| {
                view! {
                    <fieldset class="group">
                        <legend>{group}</legend>
                        {shown.into_iter().map(input).collect_view()}
                    </fieldset>
                }
            })
        })
        .collect_view();
    let facts = move || {
        original.with(|o| {
            fields
                .iter()
                .filter(|f| f.read_only)
                .map(|f| {
                    let text = record::text_of(record::get(o, f.path), f.kind);
                    view! { <dt>{f.label}</dt><dd>{if text.is_empty() { "—".to_owned() } else { text }}</dd> }
                })
                .collect_view()
        })
    };
    // Secrets the vendor sends back (CommPeak's SIP password): masked until the admin asks.
    let secrets = move || {
        fields
            .iter()
            .filter(|f| f.returned_secret())
            .filter(|f| original.with(|o| record::get(o, f.path).is_some()))
            .map(|f| view! { <SecretFact spec=f original /> })
            .collect_view()
    };

    // The record changed under the admin (a delete met a newer record): the edits stay, and
    // the conflict shows them against the current record.
    let on_changed = move |now: Record| {
        if dirty.get_untracked() {
            let found = original.with_untracked(|o| {
                applied.with_untracked(|(mine, _)| record::differences(o, &now.value, mine, fields))
            });
            show_conflict(&found, now);
        } else {
            start_from(now);
        }
    };
    let reread = move |()| {
        spawn_local(async move {
            let read = api::read_user(&connection.get_value(), &id.get_value()).await;
            match read {
                Ok(now) => on_changed(now),
                Err(failure) => outcome.set(Some(Err(failure))),
            }
        });
    };

    view! {
        <section aria-labelledby="user-heading">
            <h2 id="user-heading">{move || format!("User {}", login())}</h2>
            {deleted.then(|| view! {
                <p role="status" class="warning">{move || format!(
                    "{} was deleted. It is shown read-only: a deleted user cannot be edited, get a new password or be deleted again.",
                    login()
                )}</p>
            })}
            {move || flagged.get().then(|| view! {
                <p role="status" class="warning">{format!(
                    "{} is marked deleted. It is listed only with \"Include deleted users\"; Restore user below brings it back.",
                    login()
                )}</p>
            })}
            <dl class="facts">
                {facts}
                {secrets}
                {description.revision.is_some().then(|| view! {
                    <dt>"Revision read at"</dt>
                    <dd>{move || revision.get().unwrap_or_else(|| "unknown".into())}</dd>
                })}
            </dl>
            {move || conflict.get().map(|c| view! {
                <ConflictPanel conflict=c fields original mine=applied choices saving
                    on_save=Callback::new(save_settled)
                    on_discard=Callback::new(move |fresh: Record| {
                        start_from(fresh);
                        outcome.set(Some(Ok("Your edits were dropped; this is the current record.".into())));
                    }) />
            })}
            // `novalidate`: the shared rules decide and explain, not the browser's tooltips.
            <form class="record" novalidate on:submit=save aria-labelledby="user-heading">
                {groups}
                {move || {
                    let (intro, labels) = warnings.get();
                    (!labels.is_empty()).then(|| view! {
                        <div role="alert" class="warning">
                            <p>{intro}</p>
                            <ul>{labels.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                        </div>
                    })
                }}
                <Show when=may_change>
                    <div class="actions sticky-actions">
                        <button type="submit"
                            disabled=move || saving.get() || !dirty.get() || conflict.with(Option::is_some)
                                || !errors.with(|e| e.0.is_empty())>
                            {move || if saving.get() { "Saving…" } else { "Save" }}
                        </button>
                        <button type="button" class="secondary" disabled=move || !dirty.get() || saving.get()
                            on:click=move |_| texts.set(original.with_untracked(|o| record::texts_of(o, fields)))>
                            "Undo my changes"
                        </button>
                        <span class="muted">{move || {
                            let n = errors.with(|e| e.0.len());
                            match (dirty.get(), n) {
                                (_, 0) if dirty.get() => "Unsaved changes.".to_owned(),
                                (_, 0) => "No changes.".to_owned(),
                                (_, 1) => "1 problem to fix before saving.".to_owned(),
                                (_, n) => format!("{n} problems to fix before saving."),
                            }
                        }}</span>
                        // The save's outcome is announced here, beside Save, where the admin
                        // is looking however long the form is.
                        // The live region is there before its text, so the text is announced.
                        <p role="status" class="status">{move || match outcome.get() {
                            Some(Ok(message)) => message,
                            _ => String::new(),
                        }}</p>
                        {move || match outcome.get() {
                            Some(Err(failure)) => Some(view! { <p role="alert" class="alert">{failure.to_string()}</p> }),
                            _ => None,
                        }}
                        {move || conflict.with(Option::is_some).then(|| view! {
                            <p role="alert" class="alert">"Not saved: someone else changed this user. Choose per field above, then save again."</p>
                        })}
                    </div>
                </Show>
            </form>
            <Dialog open=Signal::derive(move || switching.get().is_some())
                title=Signal::derive(move || format!("{} {}?", switch_word(), login()))
                on_dismiss=Callback::new(move |()| switching.set(None))>
                <p>{move || if switching.get() == Some(true) {
                    format!("{} will no longer be able to log in. Your other changes are saved with it.", login())
                } else {
                    format!("{} will be able to log in again. Your other changes are saved with it.", login())
                }}</p>
                <div class="actions">
                    <button type="button" class=move || if switching.get() == Some(true) { "danger" } else { "" }
                        on:click=confirm_switch>
                        {move || format!("{} and save", switch_word())}
                    </button>
                    <button type="button" class="secondary" on:click=move |_| switching.set(None)>"Cancel"</button>
                </div>
            </Dialog>
            <Show when=may_change>
                {connection.with_value(|c| crate::vendors::password_reset(c, id.get_value(), Signal::derive(login)))}
                {match description.deletion {
                    Deletion::Operation => view! {
                        <DeleteUser connection=connection.get_value() id=id.get_value()
                            login=Signal::derive(login) revision original
                            on_changed=Callback::new(on_changed) />
                    }.into_any(),
                    Deletion::Flag(flag) => view! {
                        <FlagDelete connection=connection.get_value() id=id.get_value()
                            login=Signal::derive(login) flag deleted=Signal::derive(move || flagged.get())
                            on_changed=Callback::new(reread) />
                    }.into_any(),
                    Deletion::None => ().into_any(),
                }}
            </Show>
        </section>
    }
}

/// A secret the vendor sends back, masked until the admin reveals it (and hidden again).
#[component]
fn SecretFact(spec: &'static FieldSpec, original: RwSignal<Value>) -> impl IntoView {
    let shown = RwSignal::new(false);
    let text = move || original.with(|o| record::text_of(record::get(o, spec.path), spec.kind));
    view! {
        <dt>{spec.label}</dt>
        <dd>
            {move || if shown.get() {
                view! { <code>{text()}</code> }.into_any()
            } else {
                view! { <span aria-label="hidden">"••••••••"</span> }.into_any()
            }}
            " "
            <button type="button" class="secondary" aria-pressed=move || shown.get().to_string()
                on:click=move |_| shown.update(|s| *s = !*s)>
                {move || if shown.get() { format!("Hide {}", spec.label) } else { format!("Show {}", spec.label) }}
            </button>
        </dd>
    }
}
