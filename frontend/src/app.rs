//! The console's screens: the connection's user list and the create-user form.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::liveperson::User;
use shared::{ConnectionInfo, ValidationErrors, VendorKind};

use crate::api::{self, Failure, UserList};
use crate::draft::Draft;
use crate::format::user_count;

/// Something being fetched.
#[derive(Debug, Clone, PartialEq)]
enum Load<T> {
    Loading,
    Loaded(T),
    Failed(Failure),
}

impl<T> From<Result<T, Failure>> for Load<T> {
    fn from(result: Result<T, Failure>) -> Self {
        match result {
            Ok(value) => Load::Loaded(value),
            Err(failure) => Load::Failed(failure),
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    let connections = RwSignal::new(Load::<Vec<ConnectionInfo>>::Loading);
    spawn_local(async move { connections.set(api::connections().await.into()) });
    let me = RwSignal::new(None::<api::Me>);
    spawn_local(async move { me.set(api::me().await.ok()) });

    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header>
            <h1>"Users console"</h1>
            {move || me.get().map(|me| {
                let signed_in = format!("Signed in as {} ({})", me.name, me.role);
                // Only the proxy's own sign-in has a sign-out here; a gateway has its own.
                let sign_out = (me.mode == "login").then(|| view! {
                    <form method="post" action="logout">
                        <button type="submit">"Sign out"</button>
                    </form>
                });
                view! { <p>{signed_in}</p> {sign_out} }
            })}
        </header>
        <main id="main" tabindex="-1">
            {move || match connections.get() {
                Load::Loading => view! { <p role="status">"Loading connections…"</p> }.into_any(),
                Load::Failed(failure) => view! {
                    <p role="alert" class="alert">{failure.to_string()}</p>
                }.into_any(),
                Load::Loaded(list) => match list.into_iter().find(|c| c.kind == VendorKind::Liveperson) {
                    Some(connection) => view! { <LivepersonUsers connection /> }.into_any(),
                    None => view! {
                        <p role="status">"No LivePerson connection is configured on this console."</p>
                    }.into_any(),
                },
            }}
        </main>
    }
}

#[component]
fn LivepersonUsers(connection: ConnectionInfo) -> impl IntoView {
    let connection_id = StoredValue::new(connection.id.clone());
    let list = RwSignal::new(Load::<UserList>::Loading);
    let reload = move || {
        spawn_local(async move {
            let result = api::list_users(&connection_id.get_value()).await;
            list.set(result.into());
        })
    };
    reload();

    view! {
        <section aria-labelledby="users-heading">
            <h2 id="users-heading">{format!("{} users", connection.label)}</h2>
            {move || match list.get() {
                Load::Loading => view! { <p role="status">"Loading users…"</p> }.into_any(),
                Load::Failed(failure) => view! {
                    <p role="alert" class="alert">{format!("The users could not be loaded. {failure}")}</p>
                }.into_any(),
                Load::Loaded(loaded) => view! { <UserTable users=loaded.users /> }.into_any(),
            }}
        </section>
        <CreateUserForm connection_id=connection.id on_created=Callback::new(move |()| reload()) />
    }
}

#[component]
fn UserTable(users: Vec<User>) -> impl IntoView {
    let count = user_count(users.len());
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let rows = users
        .into_iter()
        .map(|user| {
            let profiles = user
                .profile_ids
                .iter()
                .flatten()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            view! {
                <tr>
                    <td>{text(&user.login_name)}</td>
                    <td>{text(&user.full_name)}</td>
                    <td>{text(&user.nickname)}</td>
                    <td>{text(&user.email)}</td>
                    <td>{match user.is_enabled { Some(true) => "Yes", Some(false) => "No", None => "" }}</td>
                    <td>{user.max_chats.map(|n| n.to_string()).unwrap_or_default()}</td>
                    <td>{profiles}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p role="status">{count}</p>
        <div class="table-scroll" role="region" aria-label="User list" tabindex="0">
            <table>
                <caption>"Users of this account"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Login name"</th>
                        <th scope="col">"Full name"</th>
                        <th scope="col">"Nickname"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Enabled"</th>
                        <th scope="col">"Max chats"</th>
                        <th scope="col">"Profiles"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// A labelled text input whose field errors are shown right below it and announced with it.
#[component]
fn TextField(
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
fn CreateUserForm(connection_id: String, on_created: Callback<()>) -> impl IntoView {
    let connection_id = StoredValue::new(connection_id);
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
    let outcome = RwSignal::new(None::<Result<String, Failure>>);
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
                Ok(_) => {
                    clear();
                    outcome.set(Some(Ok(format!("Created user {login}."))));
                    on_created.run(());
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
            <h2 id="create-heading">"Create a user"</h2>
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
                Ok(message) => view! { <p role="status" class="status">{message}</p> }.into_any(),
                Err(failure) => view! { <p role="alert" class="alert">{failure.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}
