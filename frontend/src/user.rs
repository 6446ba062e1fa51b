//! The one-user screen: the full record in grouped, labelled inputs described by the vendor's
//! field table, checked with the shared rules as the admin types; saved whole with the
//! revision it was read at, and a conflicting save resolved field by field.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use shared::field::{FieldKind, FieldSpec};
use shared::liveperson::password::{MIN_LENGTH, password_problem};
use shared::liveperson::{ProfileRoles, User, role_change_resets, validate_user};
use shared::operation::Write;
use shared::{ConnectionInfo, ValidationErrors};

use crate::api::{self, Failure, Record};
use crate::app::{Load, can_write};
use crate::catalog::Names;
use crate::dialog::Dialog;
use crate::picker::{Field as PickerField, Holds, IdPicker};
use crate::record::{self, Choice};
use crate::route::{Link, Route, use_nav};

const FIELDS: &[FieldSpec] = shared::liveperson::FIELDS;
const PASSWORD_FIELD: &str = "passwordSh";

#[component]
pub fn UserScreen(connection: ConnectionInfo, id: String) -> impl IntoView {
    let record = RwSignal::new(Load::<(Record, bool)>::Loading);
    let connection_id = connection.id.clone();
    let load_id = id.clone();
    spawn_local(async move {
        let loaded = match api::get_user(&connection_id, &load_id).await {
            Ok(live) => Ok((live, false)),
            // A deleted user is not served on its own; the list with deleted users still
            // has it, so the link the list shows opens it, read-only.
            Err(gone) if gone.status == Some(404) => {
                match api::deleted_user(&connection_id, &load_id).await {
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

/// Why the form cannot be saved as it is: typing errors first, then LivePerson's rules for an
/// update (with the account's profiles, so the agent rules apply too).
fn check(
    original: &Value,
    applied: &Value,
    typing: &ValidationErrors,
    roles: &ProfileRoles,
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
    let body = record::update_body(applied, FIELDS, PASSWORD_FIELD);
    let mut rules = ValidationErrors::default();
    match serde_json::from_value::<User>(body) {
        Ok(user) => validate_user(&user, Write::Update, roles, "", &mut rules),
        Err(e) => rules.push(shared::FieldError::new(
            "",
            shared::ErrorCode::InvalidType,
            format!("The record cannot be read as a LivePerson user: {e}."),
        )),
    }
    for error in rules.0 {
        // A typing error already explains its field.
        if errors.for_field(error.field()).next().is_none() {
            errors.push(error);
        }
    }
    errors
}

/// Focuses the input of the first field (in form order) that `errors` name, so a refused
/// save lands the admin on what to fix.
pub fn focus_first_field(errors: &ValidationErrors) {
    let first = record::editable(FIELDS).find(|spec| {
        errors
            .for_field(record::top_field(spec.path))
            .next()
            .is_some()
    });
    let Some(spec) = first else { return };
    let id = format!("field-{}", spec.path.replace('/', "-"));
    if let Some(input) = document()
        .get_element_by_id(&id)
        .and_then(|e| leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    {
        let _ = input.focus();
    }
}

/// A save that met a newer record: what it is now, at which revision.
#[derive(Clone)]
struct Conflict {
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
    let connection_id = StoredValue::new(connection.id.clone());
    let id = StoredValue::new(id);
    let roles = StoredValue::new(ProfileRoles::of(&connection.profiles));
    let names = crate::catalog::use_names(&connection, true).0;
    let original = RwSignal::new(loaded.value);
    let revision = RwSignal::new(loaded.revision);
    let texts = RwSignal::new(original.with_untracked(|r| record::texts_of(r, FIELDS)));
    let applied =
        Memo::new(move |_| original.with(|o| texts.with(|t| record::apply(o, t, FIELDS))));
    let errors = Memo::new(move |_| {
        applied.with(|(value, typing)| {
            roles.with_value(|roles| {
                names.with(|names| original.with(|o| check(o, value, typing, roles, names)))
            })
        })
    });
    // What the proxy or vendor refused at the last save, shown until the admin edits again.
    let refused = RwSignal::new(ValidationErrors::default());
    let dirty = Memo::new(move |_| applied.with(|(value, _)| original.with(|o| value != o)));
    let login = move || {
        original.with(|o| {
            record::get(o, "loginName")
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

    // What the vendor will clear because the profiles change.
    let resets = Memo::new(move |_| {
        let as_user = |v: &Value| serde_json::from_value::<User>(v.clone()).ok();
        let (Some(before), Some(after)) =
            (original.with(as_user), applied.with(|(v, _)| as_user(v)))
        else {
            return Vec::new();
        };
        roles.with_value(|roles| role_change_resets(&before, &after, roles))
    });

    // After a save (or a reload), the form starts again from the vendor's record.
    let start_from = move |fresh: Record| {
        texts.set(record::texts_of(&fresh.value, FIELDS));
        original.set(fresh.value);
        revision.set(fresh.revision);
        conflict.set(None);
        choices.set(HashMap::new());
        refused.set(ValidationErrors::default());
    };
    // Sends `value` as the user's record, at revision `at`. A conflict is shown for the admin
    // to settle, except when the account moved on but this user did not (the revision is
    // shared by every user of the account): then nothing of theirs can be overwritten, and
    // the edits are sent once more at the new revision.
    let send = move |value: Value, at: Option<String>, after_conflict: bool| {
        saving.set(true);
        outcome.set(None);
        spawn_local(async move {
            let (connection, id) = (connection_id.get_value(), id.get_value());
            let (mut value, mut at, mut rebased) = (value, at, false);
            loop {
                let body = record::update_body(&value, FIELDS, PASSWORD_FIELD);
                match api::update_user(&connection, &id, &body, at.as_deref()).await {
                    Ok(_) => {
                        match api::get_user(&connection, &id).await {
                            Ok(fresh) => {
                                start_from(fresh);
                                let message = match (after_conflict, rebased) {
                                    (true, _) => format!("Saved {} with your choices.", login()),
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
                        let now = match api::get_user(&connection, &id).await {
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
                        let found = original
                            .with_untracked(|o| record::differences(o, &now.value, &value, FIELDS));
                        if !rebased && found.iter().all(|d| d.default == Some(Choice::Mine)) {
                            rebased = true;
                            let mine: Vec<(&'static str, Choice)> =
                                found.iter().map(|d| (d.field.path, Choice::Mine)).collect();
                            value = record::merge(&now.value, &value, &mine);
                            original.set(now.value);
                            revision.set(now.revision.clone());
                            texts.set(record::texts_of(&value, FIELDS));
                            at = now.revision;
                            continue;
                        }
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
                        break;
                    }
                    Err(failure) => {
                        refused.set(failure.field_errors.clone());
                        focus_first_field(&failure.field_errors);
                        outcome.set(Some(Err(failure)));
                        break;
                    }
                }
            }
            saving.set(false);
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !errors.with_untracked(|e| e.0.is_empty()) || !dirty.get_untracked() {
            return;
        }
        send(
            applied.with_untracked(|(v, _)| v.clone()),
            revision.get_untracked(),
            false,
        );
    };
    // The admin settled a conflict: theirs is the new base, the merge is what is sent.
    let save_settled = move |(theirs, merged, at): (Value, Value, Option<String>)| {
        texts.set(record::texts_of(&merged, FIELDS));
        original.set(theirs);
        revision.set(at.clone());
        conflict.set(None);
        send(merged, at, true);
    };

    let shown_errors = move |path: &'static str| {
        let field = record::top_field(path);
        let mut messages: Vec<String> =
            errors.with(|e| e.for_field(field).map(|e| e.message.clone()).collect());
        refused.with(|r| messages.extend(r.for_field(field).map(|e| e.message.clone())));
        messages.join(" ")
    };
    let read_only = move || deleted || !can_write();
    let may_change = move || !deleted && can_write();
    let input = move |spec: &'static FieldSpec| {
        let dom_id = format!("field-{}", spec.path.replace('/', "-"));
        let error_id = format!("{dom_id}-error");
        let value = move || texts.with(|t| t.get(spec.path).cloned().unwrap_or_default());
        let set = move |text: String| {
            refused.set(ValidationErrors::default());
            texts.update(|t| {
                t.insert(spec.path, text);
            });
        };
        let invalid = move || {
            if shown_errors(spec.path).is_empty() {
                "false"
            } else {
                "true"
            }
        };
        let holds = match spec.path {
            "profileIds" | "skillIds" => Some(Holds::Many),
            "memberOf/agentGroupId" => Some(Holds::One),
            "managerOf" => Some(Holds::GroupList),
            _ => None,
        };
        let hint = match (spec.path, spec.kind) {
            ("memberOf/agentGroupId", _) => {
                Some("Empty for no group; -1 is the Main Group.".to_owned())
            }
            ("managerOf", _) => Some("The agent groups this user manages.".to_owned()),
            (_, FieldKind::IdList) if holds.is_none() => {
                Some("Numbers, separated by commas.".to_owned())
            }
            (_, FieldKind::Structured) => Some("JSON.".to_owned()),
            _ => None,
        };
        let hint_id = format!("{dom_id}-hint");
        let described = if hint.is_some() {
            format!("{hint_id} {error_id}")
        } else {
            error_id.clone()
        };
        let control = match (holds, spec.kind) {
            (Some(holds), _) => {
                let path = spec.path;
                view! {
                    <IdPicker label=spec.label holds
                        catalog=Signal::derive(move || names.with(|n| n.for_field(path).cloned().unwrap_or_default()))
                        field=PickerField {
                            dom_id: dom_id.clone(),
                            described_by: described.clone(),
                            text: Signal::derive(value),
                            set: Callback::new(set),
                            read_only: Signal::derive(read_only),
                        } />
                }.into_any()
            }
            (None, FieldKind::Boolean) => view! {
                <input type="checkbox" id=dom_id.clone() aria-describedby=described
                    disabled=read_only
                    prop:checked=move || value() == "true"
                    on:change=move |ev| set(event_target_checked(&ev).to_string()) />
            }.into_any(),
            (None, FieldKind::Choice(choices)) => {
                let options = choices
                    .iter()
                    .map(|c| view! { <option value=c.value>{c.label}</option> })
                    .collect_view();
                view! {
                    <select id=dom_id.clone() aria-describedby=described aria-invalid=invalid
                        disabled=read_only
                        prop:value=value on:change=move |ev| set(event_target_value(&ev))>
                        <option value="">"(not set)"</option>
                        {options}
                    </select>
                }.into_any()
            }
            (None, FieldKind::Structured) => view! {
                <textarea id=dom_id.clone() aria-describedby=described aria-invalid=invalid rows="3"
                    readonly=read_only
                    prop:value=value on:input=move |ev| set(event_target_value(&ev))></textarea>
            }.into_any(),
            (None, kind) => view! {
                <input type=if kind == FieldKind::Email { "email" } else { "text" }
                    inputmode=matches!(kind, FieldKind::Integer).then_some("numeric")
                    id=dom_id.clone() autocomplete="off" aria-describedby=described aria-invalid=invalid
                    readonly=read_only
                    prop:value=value on:input=move |ev| set(event_target_value(&ev)) />
            }.into_any(),
        };
        let checkbox = spec.kind == FieldKind::Boolean;
        view! {
            <div class=if checkbox { "field checkbox" } else { "field" }>
                {(!checkbox).then(|| view! { <label for=dom_id.clone()>{spec.label}</label> })}
                {control}
                {checkbox.then(|| view! { <label for=dom_id.clone()>{spec.label}</label> })}
                {hint.map(|hint| view! { <span id=hint_id class="muted hint">{hint}</span> })}
                <span id=error_id class="field-error">{move || shown_errors(spec.path)}</span>
            </div>
        }
    };
    let groups = shared::field::groups(FIELDS)
        .into_iter()
        .filter_map(|group| {
            let fields: Vec<&'static FieldSpec> = record::editable(FIELDS)
                .filter(|f| f.group == group)
                .collect();
            (!fields.is_empty()).then(|| {
                view! {
                    <fieldset class="group">
                        <legend>{group}</legend>
                        {fields.into_iter().map(input).collect_view()}
                    </fieldset>
                }
            })
        })
        .collect_view();
    let facts = move || {
        original.with(|o| {
            FIELDS
                .iter()
                .filter(|f| f.read_only)
                .map(|f| {
                    let text = record::text_of(record::get(o, f.path), f.kind);
                    view! { <dt>{f.label}</dt><dd>{if text.is_empty() { "—".to_owned() } else { text }}</dd> }
                })
                .collect_view()
        })
    };
    let reset_labels = move || {
        resets.with(|resets| {
            resets
                .iter()
                .map(|r| {
                    let label = shared::field::lookup(FIELDS, r.field)
                        .or_else(|| FIELDS.iter().find(|f| record::top_field(f.path) == r.field))
                        .map_or(r.field, |f| f.label);
                    format!("{label} (leaves the {} role)", r.left.label())
                })
                .collect::<Vec<_>>()
        })
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
            <dl class="facts">
                {facts}
                <dt>"Revision read at"</dt>
                <dd>{move || revision.get().unwrap_or_else(|| "unknown".into())}</dd>
            </dl>
            {move || conflict.get().map(|c| view! {
                <ConflictPanel conflict=c original mine=applied choices saving
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
                    let labels = reset_labels();
                    (!labels.is_empty()).then(|| view! {
                        <div role="alert" class="warning">
                            <p>"With these profiles, LivePerson will clear these fields when you save:"</p>
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
                            on:click=move |_| texts.set(original.with_untracked(|o| record::texts_of(o, FIELDS)))>
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
            <Show when=may_change>
                <PasswordReset connection_id=connection_id.get_value() id=id.get_value() login=Signal::derive(login) />
                <DeleteUser connection_id=connection_id.get_value() id=id.get_value()
                    login=Signal::derive(login) revision original
                    on_changed=Callback::new(move |now: Record| {
                        if dirty.get_untracked() {
                            // The edits stay; the conflict shows them against the current record.
                            let found = original.with_untracked(|o| {
                                applied.with_untracked(|(mine, _)| {
                                    record::differences(o, &now.value, mine, FIELDS)
                                })
                            });
                            choices.set(
                                found
                                    .iter()
                                    .filter_map(|d| d.default.map(|c| (d.field.path, c)))
                                    .collect(),
                            );
                            conflict.set(Some(Conflict { theirs: now.value, revision: now.revision }));
                        } else {
                            start_from(now);
                        }
                    }) />
            </Show>
        </section>
    }
}

/// A save that met a newer record: per field, the original, theirs and mine, and the admin's
/// choice of mine or theirs; saved again at the new revision.
#[component]
fn ConflictPanel(
    conflict: Conflict,
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
            mine.with(|(m, _)| theirs.with_value(|t| record::differences(o, t, m, FIELDS)))
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

/// A new password for the user: checked as typed with the same rule as a new user's
/// password, and sent only after the admin confirms in a dialog.
#[component]
fn PasswordReset(connection_id: String, id: String, login: Signal<String>) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<String, Failure>>);
    let sending = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    // Shown once the admin has tried to go on, then as they type.
    let tried = RwSignal::new(false);
    let target = StoredValue::new((connection_id, id));
    let problem = move || password.with(|p| password_problem(p, Some(&login.get())));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        outcome.set(None);
        tried.set(true);
        if problem().is_none() {
            confirming.set(true);
        }
    };
    let reset = move |_| {
        let new_password = password.get_untracked();
        sending.set(true);
        spawn_local(async move {
            let (connection, id) = target.get_value();
            let result = api::reset_password(&connection, &id, &new_password).await;
            if result.is_ok() {
                password.set(String::new());
                tried.set(false);
            }
            outcome.set(Some(result.map(|()| {
                format!("The password of {} was reset.", login.get_untracked())
            })));
            sending.set(false);
            confirming.set(false);
        });
    };
    view! {
        <section aria-labelledby="password-heading">
            <h3 id="password-heading">"Password"</h3>
            <form class="inline" novalidate on:submit=submit aria-labelledby="password-heading">
                <div class="field">
                    <label for="new-password">"New password"</label>
                    <input type="password" id="new-password" autocomplete="new-password"
                        aria-describedby="new-password-hint new-password-error"
                        aria-invalid=move || if tried.get() && problem().is_some() { "true" } else { "false" }
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev)) />
                    <span id="new-password-hint" class="muted hint">{format!(
                        "At least {MIN_LENGTH} characters, with a letter and a digit."
                    )}</span>
                    <span id="new-password-error" class="field-error">
                        {move || tried.get().then(problem).flatten()}
                    </span>
                </div>
                <button type="submit" disabled=move || sending.get()>"Reset password"</button>
            </form>
            {move || outcome.get().map(|outcome| match outcome {
                Ok(message) => view! { <p role="status" class="status">{message}</p> }.into_any(),
                Err(failure) => view! { <p role="alert" class="alert">{failure.to_string()}</p> }.into_any(),
            })}
            <Dialog open=confirming title=Signal::derive(move || format!("Reset the password of {}?", login.get()))
                on_dismiss=Callback::new(move |()| confirming.set(false))>
                <p>{move || format!("{} will sign in with the new password from now on; the old one stops working.", login.get())}</p>
                <div class="actions">
                    <button type="button" class="danger" disabled=move || sending.get() on:click=reset>
                        "Reset the password"
                    </button>
                    <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            </Dialog>
        </section>
    }
}

#[component]
fn DeleteUser(
    connection_id: String,
    id: String,
    login: Signal<String>,
    revision: RwSignal<Option<String>>,
    /// The record as the admin sees it: what the delete is confirmed against.
    original: RwSignal<Value>,
    /// Called with the current record when it changed under the admin.
    on_changed: Callback<Record>,
) -> impl IntoView {
    let nav = use_nav();
    let notice = crate::app::notifier();
    let open = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let deleting = RwSignal::new(false);
    let target = StoredValue::new((connection_id, id));
    let confirm = move |_| {
        deleting.set(true);
        spawn_local(async move {
            let (connection, id) = target.get_value();
            let mut result =
                api::delete_user(&connection, &id, revision.get_untracked().as_deref()).await;
            // The revision is the account's: any change anywhere moves it. If this user is as
            // the admin saw it, the delete is what they confirmed, at the new revision; if the
            // user changed, the admin sees the change first.
            if matches!(&result, Err(f) if f.is_conflict()) {
                result = match api::get_user(&connection, &id).await {
                    Ok(now) => {
                        let unchanged = original.with_untracked(|o| {
                            record::differences(o, &now.value, &now.value, FIELDS).is_empty()
                        });
                        if unchanged {
                            revision.set(now.revision.clone());
                            api::delete_user(&connection, &id, now.revision.as_deref()).await
                        } else {
                            let failure = result.err().map(|f| Failure {
                                message: "Someone else changed this user since you opened it, so it was not deleted. The form now shows the current record: check it, then delete again if you still mean to.".into(),
                                ..f
                            });
                            on_changed.run(now);
                            failure.map_or(Ok(()), Err)
                        }
                    }
                    Err(f) => Err(f),
                };
            }
            match result {
                Ok(()) => {
                    notice(format!("Deleted user {}.", login.get_untracked()));
                    nav.go_anyway(Route::list(
                        &connection,
                        crate::app::last_list_query(&connection),
                    ));
                }
                Err(f) => {
                    failure.set(Some(f));
                    open.set(false);
                }
            }
            deleting.set(false);
        });
    };
    view! {
        <section aria-labelledby="delete-heading">
            <h3 id="delete-heading">"Delete"</h3>
            <button type="button" class="danger" on:click=move |_| open.set(true)>"Delete user"</button>
            {move || failure.get().map(|f| view! { <p role="alert" class="alert">{f.to_string()}</p> })}
            <Dialog open=open title=Signal::derive(move || format!("Delete {}?", login.get()))
                on_dismiss=Callback::new(move |()| open.set(false))>
                <p>{move || format!("LivePerson marks {} as deleted: the user can no longer log in, and the console lists it only with \"Include deleted users\".", login.get())}</p>
                <div class="actions">
                    <button type="button" class="danger" disabled=move || deleting.get() on:click=confirm>
                        {move || format!("Delete {}", login.get())}
                    </button>
                    <button type="button" class="secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                </div>
            </Dialog>
        </section>
    }
}
