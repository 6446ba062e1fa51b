//! The console's screens: the connection's user list and the create-user form.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::liveperson::User;
use shared::{ConnectionInfo, ValidationErrors, VendorKind};

use crate::api::{self, Failure, UserList};
use crate::draft::Draft;
use crate::format::{thousands, user_count};
use crate::list::{self, Column, Sort};
use leptos::wasm_bindgen::JsCast;

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
                Load::Loaded(loaded) => view! { <UserGrid users=loaded.users /> }.into_any(),
            }}
        </section>
        <CreateUserForm connection_id=connection.id on_created=Callback::new(move |()| reload()) />
    }
}

/// The connection's users as an ARIA grid: search, sort by any column, and only the rows in
/// view rendered (see [`list::window`]), so tens of thousands of users scroll smoothly.
/// Arrow keys, Page Up/Down, Home/End (with Ctrl: first/last row) move between cells.
#[component]
fn UserGrid(users: Vec<User>) -> impl IntoView {
    let total = users.len();
    let texts: Vec<String> = users.iter().map(list::search_text).collect();
    let users = StoredValue::new(users);
    let texts = StoredValue::new(texts);
    let query = RwSignal::new(String::new());
    let sort = RwSignal::new(Sort::default());
    // Sorting happens when the order changes, searching on every keystroke, over the
    // sorted order.
    let sorted = Memo::new(move |_| {
        let sort = sort.get();
        users.with_value(|users| list::sorted(users, sort))
    });
    let shown = Memo::new(move |_| {
        let query = query.get();
        sorted.with(|order| texts.with_value(|texts| list::filter(order, texts, &query)))
    });
    let scroll_top = RwSignal::new(0.0);
    let viewport = RwSignal::new(600.0);
    // The cell that takes Tab focus, as (position in the shown rows, column).
    let focus = RwSignal::new((0_usize, 0_usize));
    let scroller = NodeRef::<leptos::html::Div>::new();
    let columns = Column::ALL.len();

    let count = move || {
        let n = shown.with(Vec::len);
        if query.with(|q| q.trim().is_empty()) {
            user_count(total)
        } else {
            format!("{} of {}", thousands(n), user_count(total))
        }
    };
    let measure = move || {
        if let Some(el) = scroller.get_untracked() {
            scroll_top.set(f64::from(el.scroll_top()));
            viewport.set(f64::from(el.client_height()));
        }
    };
    Effect::new(move |_| {
        if scroller.get().is_some() {
            measure();
        }
    });
    // Moves the focus cell, scrolls it into view, and focuses it once it is rendered.
    let move_to = move |row: usize, column: usize| {
        let rows = shown.with_untracked(Vec::len);
        if rows == 0 {
            return;
        }
        let (row, column) = (row.min(rows - 1), column.min(columns - 1));
        focus.set((row, column));
        if let Some(el) = scroller.get_untracked() {
            let top = row as f64 * list::ROW_HEIGHT;
            let view = f64::from(el.client_height()) - 2.0 * list::ROW_HEIGHT;
            let scrolled = f64::from(el.scroll_top());
            if top < scrolled {
                el.set_scroll_top(top as i32);
            } else if top > scrolled + view {
                el.set_scroll_top((top - view) as i32);
            }
            measure();
        }
        let id = cell_id(row, column);
        request_animation_frame(move || {
            if let Some(cell) = document().get_element_by_id(&id)
                && let Ok(cell) = cell.dyn_into::<leptos::web_sys::HtmlElement>()
            {
                let _ = cell.focus();
            }
        });
    };
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        let (row, column) = focus.get_untracked();
        let page = (viewport.get_untracked() / list::ROW_HEIGHT)
            .floor()
            .max(1.0) as usize;
        let last = shown.with_untracked(Vec::len).saturating_sub(1);
        let target = match (event.key().as_str(), event.ctrl_key()) {
            ("ArrowDown", _) => (row + 1, column),
            ("ArrowUp", _) => (row.saturating_sub(1), column),
            ("ArrowRight", _) => (row, column + 1),
            ("ArrowLeft", _) => (row, column.saturating_sub(1)),
            ("PageDown", _) => (row + page, column),
            ("PageUp", _) => (row.saturating_sub(page), column),
            ("Home", true) => (0, 0),
            ("End", true) => (last, columns - 1),
            ("Home", false) => (row, 0),
            ("End", false) => (row, columns - 1),
            _ => return,
        };
        event.prevent_default();
        move_to(target.0, target.1);
    };

    // A new order or a new search starts at its first row.
    let to_top = move || {
        focus.set((0, focus.get_untracked().1));
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(0);
        }
        measure();
    };
    let headers = Column::ALL
        .into_iter()
        .map(|column| {
            let aria_sort = move || {
                let sort = sort.get();
                match (sort.column == column, sort.ascending) {
                    (false, _) => "none",
                    (true, true) => "ascending",
                    (true, false) => "descending",
                }
            };
            view! {
                <th role="columnheader" scope="col" aria-sort=aria_sort>
                    <button type="button" class="sort" on:click=move |_| {
                        sort.update(|s| *s = s.clicked(column));
                        to_top();
                    }>
                        {column.label()}
                    </button>
                </th>
            }
        })
        .collect_view();
    // The rows in view change only when a whole row scrolls past, and each row is keyed by
    // its place and its user, so scrolling adds and drops rows at the edges and keeps the
    // rest (and the focused cell) as they are.
    let range =
        Memo::new(move |_| list::window(scroll_top.get(), viewport.get(), shown.with(Vec::len)));
    let window_rows = move || {
        let range = range.get();
        shown.with(|shown| {
            range
                .map(|position| (position, shown[position]))
                .collect::<Vec<_>>()
        })
    };
    let row = move |(position, index): (usize, usize)| {
        let cells = users.with_value(|users| {
            Column::ALL
                .into_iter()
                .enumerate()
                .map(|(c, column)| {
                    let tabindex = move || {
                        if focus.get() == (position, c) {
                            "0"
                        } else {
                            "-1"
                        }
                    };
                    view! {
                        <td role="gridcell" id=cell_id(position, c) tabindex=tabindex
                            on:focus=move |_| focus.set((position, c))>
                            {column.text(&users[index])}
                        </td>
                    }
                })
                .collect_view()
        });
        view! { <tr role="row" aria-rowindex=position + 2>{cells}</tr> }
    };
    let before = move || format!("{}px", range.get().start as f64 * list::ROW_HEIGHT);
    let after = move || {
        let hidden = shown.with(Vec::len) - range.get().end;
        format!("{}px", hidden as f64 * list::ROW_HEIGHT)
    };
    let rows = view! {
        <tr class="spacer" aria-hidden="true">
            <td colspan=columns style:height=before></td>
        </tr>
        <For each=window_rows key=|row| *row children=row />
        <tr class="spacer" aria-hidden="true">
            <td colspan=columns style:height=after></td>
        </tr>
    };

    view! {
        <div class="list-tools">
            <label for="user-search">"Search"</label>
            <input id="user-search" type="search" autocomplete="off"
                placeholder="Login name, nickname, email or name"
                prop:value=move || query.get()
                on:input=move |ev| {
                    query.set(event_target_value(&ev));
                    to_top();
                } />
            <p role="status">{count}</p>
        </div>
        <div class="table-scroll" role="region" aria-label="User list" node_ref=scroller
            on:scroll=move |_| measure()>
            <table role="grid" aria-rowcount=move || shown.with(Vec::len) + 1 aria-colcount=columns
                on:keydown=on_key>
                <caption>"Users of this account"</caption>
                <thead>
                    <tr role="row" aria-rowindex="1">{headers}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

fn cell_id(row: usize, column: usize) -> String {
    format!("user-cell-{row}-{column}")
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
