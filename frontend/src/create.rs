//! The create-user screen: one user typed in, checked with the shared rules as the admin
//! types and again before sending.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::{ConnectionInfo, ValidationErrors};

use crate::api::{self, Failure};
use crate::draft::Draft;
use crate::route::{Link, Route};

/// A labelled text input whose field errors are shown right below it and announced with it.
#[component]
pub fn TextField(
    label: &'static str,
    /// The user field (as in error paths), e.g. `loginName`.
    field: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    value: RwSignal<String>,
    errors: RwSignal<ValidationErrors>,
) -> impl IntoView {
    let id = format!("user-{field}");
    let error_id = format!("{id}-error");
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
                aria-describedby=error_id.clone()
                aria-invalid=move || if message().is_empty() { "false" } else { "true" }
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <span id=error_id class="field-error">{message}</span>
        </div>
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
    let errors = RwSignal::new(ValidationErrors::default());
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
        // Checked with the same rules as the proxy and the vendor: nothing invalid is sent.
        let user = match draft().to_user() {
            Ok(user) => user,
            Err(found) => {
                errors.set(found);
                return;
            }
        };
        errors.set(ValidationErrors::default());
        sending.set(true);
        spawn_local(async move {
            let login = user.login_name.clone().unwrap_or_default();
            match api::create_users(&connection_id.get_value(), &[user]).await {
                Ok(created) => {
                    clear();
                    let id = created.first().and_then(|u| u.id);
                    outcome.set(Some(Ok((login, id))));
                }
                Err(failure) => {
                    errors.set(failure.field_errors.clone());
                    outcome.set(Some(Err(failure)));
                }
            }
            sending.set(false);
        });
    };

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
                <TextField label="Profile ids (comma-separated)" field="profileIds" value=profile_ids errors />
                <TextField label="Agent group id (-1 = Main Group)" field="memberOf" input_type="number" value=agent_group errors />
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
