//! The create-user screen: one user typed in, checked with the shared rules as the admin
//! types and again before sending.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::liveperson::ProfileRoles;
use shared::{ConnectionInfo, ValidationErrors};

use crate::api::{self, Failure};
use crate::draft::{Draft, FORM_ORDER};
use crate::route::{Link, Route};

/// A labelled text input whose field errors are shown right below it and announced with it.
#[component]
pub fn TextField(
    label: &'static str,
    /// The user field (as in error paths), e.g. `loginName`.
    field: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    /// Names offered as the admin types (a `datalist`).
    #[prop(optional, into)]
    suggestions: Option<Signal<Vec<String>>>,
    value: RwSignal<String>,
    #[prop(into)] errors: Signal<ValidationErrors>,
) -> impl IntoView {
    let id = format!("user-{field}");
    let error_id = format!("{id}-error");
    let list_id = suggestions.map(|_| format!("{id}-choices"));
    let message = move || {
        errors.with(|e| {
            e.for_field(field)
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                type=input_type
                id=id
                name=field
                autocomplete=autocomplete
                list=list_id.clone()
                aria-describedby=error_id.clone()
                aria-invalid=move || if message().is_empty() { "false" } else { "true" }
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <span id=error_id class="field-error">{message}</span>
            {list_id.zip(suggestions).map(|(list_id, suggestions)| view! {
                <datalist id=list_id>
                    {move || suggestions.get().into_iter().map(|s| view! { <option value=s></option> }).collect_view()}
                </datalist>
            })}
        </div>
    }
}

/// Focuses the input of the first field, in the form's order, that `errors` name.
fn focus_first_error(errors: &ValidationErrors) {
    let Some(field) = FORM_ORDER
        .iter()
        .find(|field| errors.for_field(field).next().is_some())
    else {
        return;
    };
    if let Some(input) = document()
        .get_element_by_id(&format!("user-{field}"))
        .and_then(|e| leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    {
        let _ = input.focus();
    }
}

#[component]
pub fn CreateScreen(connection: ConnectionInfo) -> impl IntoView {
    let nav = crate::route::use_nav();
    let connection_id = StoredValue::new(connection.id.clone());
    let login_name = RwSignal::new(String::new());
    let full_name = RwSignal::new(String::new());
    let nickname = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let max_chats = RwSignal::new(Draft::default().max_chats);
    let profile_ids = RwSignal::new(String::new());
    let agent_group = RwSignal::new(Draft::default().agent_group);
    let is_enabled = RwSignal::new(true);
    let roles = StoredValue::new(ProfileRoles::of(&connection.profiles));
    // What the vendor refused at the last submit, until the admin types again.
    let refused = RwSignal::new(ValidationErrors::default());
    // After a submit every problem shows; before it, only those of fields already typed in,
    // so an empty form does not open on a page of "is required".
    let submitted = RwSignal::new(false);
    // What was created: its login name and, when the vendor said, its id.
    let outcome = RwSignal::new(None::<Result<(String, Option<i64>), Failure>>);
    let sending = RwSignal::new(false);

    let draft = move || Draft {
        login_name: login_name.get(),
        full_name: full_name.get(),
        nickname: nickname.get(),
        email: email.get(),
        password: password.get(),
        max_chats: max_chats.get(),
        profile_ids: profile_ids.get(),
        agent_group: agent_group.get(),
        is_enabled: is_enabled.get(),
    };
    // Checked as the admin types, with the same rules (and the account's profiles) as the
    // proxy and the vendor.
    let names = crate::catalog::use_names(&connection, true).0;
    let checked = Memo::new(move |_| {
        roles.with_value(|roles| names.with(|names| draft().to_user(roles, names)))
    });
    let suggest = move |pick: fn(&crate::catalog::Names) -> &crate::catalog::Catalog| {
        Signal::derive(move || {
            names.with(|n| pick(n).entries().map(|(_, name)| name.to_owned()).collect())
        })
    };
    let errors = Memo::new(move |_| {
        let typed = draft().typed_fields();
        let all = submitted.get();
        let mut shown = ValidationErrors::default();
        if let Err(found) = checked.get() {
            shown.0.extend(
                found
                    .0
                    .into_iter()
                    .filter(|e| all || typed.iter().any(|t| *t == e.field())),
            );
        }
        shown.0.extend(refused.get().0);
        shown
    });
    let clear = move || {
        for field in [
            login_name,
            full_name,
            nickname,
            email,
            password,
            profile_ids,
        ] {
            field.set(String::new());
        }
        max_chats.set(Draft::default().max_chats);
        agent_group.set(Draft::default().agent_group);
        is_enabled.set(true);
    };
    // What is typed and not yet created holds the admin back from leaving by mistake.
    Effect::new(move |_| {
        let typed = draft() != Draft::default();
        nav.unsaved
            .set(typed.then(|| "the user you are creating".to_owned()));
    });
    on_cleanup(move || nav.unsaved.set(None));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        outcome.set(None);
        refused.set(ValidationErrors::default());
        submitted.set(true);
        // Nothing invalid is sent; the first field to fix takes the focus.
        let user = match checked.get_untracked() {
            Ok(user) => user,
            Err(found) => {
                focus_first_error(&found);
                return;
            }
        };
        sending.set(true);
        spawn_local(async move {
            let login = user.login_name.clone().unwrap_or_default();
            match api::create_users(&connection_id.get_value(), &[user]).await {
                Ok(created) => {
                    clear();
                    submitted.set(false);
                    let id = created.first().and_then(|u| u.id);
                    outcome.set(Some(Ok((login, id))));
                }
                Err(failure) => {
                    // The vendor's errors name the user as `/0/…` in the list sent.
                    let own = ValidationErrors(
                        failure
                            .field_errors
                            .0
                            .iter()
                            .map(|e| shared::FieldError {
                                path: e.path.strip_prefix("/0").unwrap_or(&e.path).to_owned(),
                                ..e.clone()
                            })
                            .collect(),
                    );
                    focus_first_error(&own);
                    refused.set(own);
                    outcome.set(Some(Err(failure)));
                }
            }
            sending.set(false);
        });
    };
    // Typing again takes back what the vendor said about the last submit.
    Effect::new(move |was: Option<Draft>| {
        let now = draft();
        if was.is_some_and(|was| was != now) {
            refused.set(ValidationErrors::default());
        }
        now
    });

    view! {
        <section aria-labelledby="create-heading">
            <p><Link route=Route::list(&connection.id, String::new())>"Back to the list"</Link></p>
            <h2 id="create-heading">{format!("Create a user on {}", connection.label)}</h2>
            // `novalidate`: the shared rules decide and explain, not the browser's own tooltips.
            <form class="create" novalidate on:submit=submit aria-labelledby="create-heading">
                <TextField label="Login name" field="loginName" value=login_name errors autocomplete="off" />
                <TextField label="Full name" field="fullName" value=full_name errors autocomplete="off" />
                <TextField label="Nickname" field="nickname" value=nickname errors autocomplete="off" />
                <TextField label="Email" field="email" input_type="email" value=email errors autocomplete="off" />
                <TextField label="Password" field="passwordSh" input_type="password" value=password errors autocomplete="new-password" />
                <TextField label="Max chats" field="maxChats" input_type="number" value=max_chats errors />
                <TextField label="Profiles (names, comma-separated)" field="profileIds" value=profile_ids errors
                    suggestions=suggest(|n| &n.profiles) autocomplete="off" />
                <TextField label="Agent group (-1 = Main Group)" field="memberOf" value=agent_group errors
                    suggestions=suggest(|n| &n.groups) autocomplete="off" />
                <div class="field checkbox">
                    <input
                        type="checkbox"
                        id="user-isEnabled"
                        prop:checked=move || is_enabled.get()
                        on:change=move |ev| is_enabled.set(event_target_checked(&ev))
                    />
                    <label for="user-isEnabled">"Enabled"</label>
                </div>
                <div class="actions">
                    <button type="submit" disabled=move || sending.get()>
                        {move || if sending.get() { "Creating…" } else { "Create user" }}
                    </button>
                </div>
            </form>
            {move || outcome.get().map(|outcome| match outcome {
                Ok((login, id)) => view! {
                    <p role="status" class="status">{format!("Created user {login}.")}</p>
                    {id.map(|id| view! {
                        <p><Link route=Route::user(&connection_id.get_value(), &id.to_string())>
                            {format!("Open {login}")}
                        </Link></p>
                    })}
                }.into_any(),
                Err(failure) => view! { <p role="alert" class="alert">{failure.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}
