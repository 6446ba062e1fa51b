//! The create-user screen for any vendor: the fields a create takes, from the vendor's
//! table and grouped as the user page groups them, starting from the description's
//! `new_user`; checked with the vendor's rules as the admin types (errors of untouched fields
//! wait for the first submit, which focuses the first field to fix) and again before sending.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::field::FieldSpec;
use shared::{ConnectionInfo, ValidationErrors};

use crate::api::{self, Failure};
use crate::form::{FieldInput, focus_first_field};
use crate::record;
use crate::route::{Link, Route};

/// What was created: its login and, when the vendor said, its key.
type Created = (String, Option<String>);

#[component]
pub fn CreateScreen(connection: ConnectionInfo) -> impl IntoView {
    let nav = crate::route::use_nav();
    let kind = connection.kind;
    let fields: &'static [FieldSpec] = shared::vendor::fields(kind);
    let description = shared::vendor::description(kind);
    let (start, start_texts) = record::new_user(description, fields);
    let start = StoredValue::new(start);
    let start_texts = StoredValue::new(start_texts);
    let texts = RwSignal::new(start_texts.get_value());
    let names = crate::catalog::use_names(&connection, true).0;
    let label = connection.label.clone();
    let connection = StoredValue::new(connection);
    // What the vendor refused at the last submit, until the admin types again.
    let refused = RwSignal::new(ValidationErrors::default());
    // After a submit every problem shows; before it, only those of fields already typed in,
    // so an empty form does not open on a page of "is required".
    let submitted = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<Created, Failure>>);
    let sending = RwSignal::new(false);

    let built = Memo::new(move |_| {
        start.with_value(|s| texts.with(|t| record::apply_fields(s, t, record::creatable(fields))))
    });
    // Checked as the admin types, with the same rules (and, for LivePerson, the account's
    // profiles) as the proxy and the vendor.
    let checked = Memo::new(move |_| {
        built.with(|(user, typing)| {
            let mut errors = typing.clone();
            names.with(|n| {
                for (field, problem) in n.added_unknown_ids(None, user) {
                    if errors.for_field(field).next().is_none() {
                        errors.push(shared::FieldError::new(
                            format!("/{field}"),
                            shared::ErrorCode::InvalidValue,
                            problem,
                        ));
                    }
                }
            });
            let rules = connection.with_value(|c| crate::vendors::create_rules(c, user));
            for error in rules.0 {
                if errors.for_field(error.field()).next().is_none() {
                    errors.push(error);
                }
            }
            errors
        })
    });
    let typed = move |field: &str| {
        let differs = |t: &record::Texts| {
            t.iter().any(|(path, text)| {
                record::top_field(path) == field && {
                    start_texts.with_value(|s| s.get(path) != Some(text))
                }
            })
        };
        texts.with(differs)
    };
    let shown = move |path: &'static str| {
        let field = record::top_field(path);
        let mut messages: Vec<String> = Vec::new();
        // A problem of a whole member (`/name`) is told at its first field only.
        let own = |e: &&shared::FieldError| record::told_at(e, fields, path);
        if submitted.get() || typed(field) {
            checked.with(|e| {
                messages.extend(e.for_field(field).filter(own).map(|e| e.message.clone()))
            });
        }
        refused
            .with(|r| messages.extend(r.for_field(field).filter(own).map(|e| e.message.clone())));
        messages.join(" ")
    };
    // What is typed and not yet created holds the admin back from leaving by mistake.
    Effect::new(move |_| {
        let dirty = texts.with(|t| start_texts.with_value(|s| t != s));
        nav.unsaved
            .set(dirty.then(|| "the user you are creating".to_owned()));
    });
    on_cleanup(move || nav.unsaved.set(None));

    let login_of = move |user: &serde_json::Value| {
        record::get(user, description.login)
            .map(|v| record::text_of(Some(v), shared::field::FieldKind::Text))
            .unwrap_or_default()
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        outcome.set(None);
        refused.set(ValidationErrors::default());
        submitted.set(true);
        // Nothing invalid is sent; the first field to fix takes the focus.
        let found = checked.get_untracked();
        if !found.0.is_empty() {
            focus_first_field(record::creatable(fields), &found);
            return;
        }
        let user = built.with_untracked(|(user, _)| user.clone());
        sending.set(true);
        spawn_local(async move {
            let login = login_of(&user);
            match api::create_user(&connection.get_value(), &user).await {
                Ok(key) => {
                    // A batch answer names no user; the key sent names it then (Trintech's
                    // userName).
                    let key = key.or_else(|| record::key_of(&user, description.key));
                    texts.set(start_texts.get_value());
                    submitted.set(false);
                    outcome.set(Some(Ok((login, key))));
                }
                Err(failure) => {
                    focus_first_field(record::creatable(fields), &failure.field_errors);
                    refused.set(failure.field_errors.clone());
                    outcome.set(Some(Err(failure)));
                }
            }
            sending.set(false);
        });
    };
    let groups = shared::field::groups(fields)
        .into_iter()
        .filter_map(|group| {
            let in_group: Vec<&'static FieldSpec> = record::creatable(fields)
                .filter(|f| f.group == group)
                .collect();
            (!in_group.is_empty()).then(|| {
                let inputs = in_group
                    .into_iter()
                    .map(|spec| {
                        view! {
                            <FieldInput spec kind texts names read_only=false
                                errors=Signal::derive(move || shown(spec.path))
                                on_edit=Callback::new(move |()| refused.set(ValidationErrors::default())) />
                        }
                    })
                    .collect_view();
                view! {
                    <fieldset class="group">
                        <legend>{group}</legend>
                        {inputs}
                    </fieldset>
                }
            })
        })
        .collect_view();
    let connection_id = connection.with_value(|c| c.id.clone());

    view! {
        <section aria-labelledby="create-heading">
            <p><Link route=Route::list(&connection_id, crate::app::last_list_query(&connection_id))>
                "Back to the list"
            </Link></p>
            <h2 id="create-heading">{format!("Create a user on {label}")}</h2>
            // `novalidate`: the shared rules decide and explain, not the browser's own tooltips.
            <form class="record" novalidate on:submit=submit aria-labelledby="create-heading">
                {groups}
                <div class="actions sticky-actions">
                    <button type="submit" disabled=move || sending.get()>
                        {move || if sending.get() { "Creating…" } else { "Create user" }}
                    </button>
                    <span class="muted">{move || match (submitted.get(), checked.with(|e| e.0.len())) {
                        (false, _) | (true, 0) => String::new(),
                        (true, 1) => "1 problem to fix before creating.".to_owned(),
                        (true, n) => format!("{n} problems to fix before creating."),
                    }}</span>
                    // The live region is there before its text, so the text is announced.
                    <p role="status" class="status">{move || match outcome.get() {
                        Some(Ok((login, _))) => format!("Created user {login}."),
                        _ => String::new(),
                    }}</p>
                    {move || match outcome.get() {
                        Some(Ok((login, Some(key)))) => Some(view! {
                            <p><Link route=Route::user(&connection.with_value(|c| c.id.clone()), &key)>
                                {format!("Open {login}")}
                            </Link></p>
                        }.into_any()),
                        Some(Err(failure)) => Some(view! {
                            <p role="alert" class="alert">{failure.to_string()}</p>
                        }.into_any()),
                        _ => None,
                    }}
                </div>
            </form>
        </section>
    }
}
