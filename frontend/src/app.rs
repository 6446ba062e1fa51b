//! The console's frame: who is signed in, which connection, which screen, and the guard
//! that asks before unsaved edits are left behind.

use std::cell::RefCell;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ConnectionInfo;

use crate::api::{self, Failure};
use crate::dialog::Dialog;
use crate::grid::ListScreen;
use crate::list;
use crate::on_demand;
use crate::route::{Link, Nav, Route, Screen};

/// Something being fetched.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
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

/// Who is using the console (`None` until the proxy has said).
#[derive(Clone, Copy)]
struct Session(RwSignal<Option<api::Me>>);

/// May the admin change anything? A viewer sees no write controls (the proxy refuses a
/// viewer's writes in any case); nothing is offered before the role is known.
pub fn can_write() -> bool {
    use_context::<Session>().is_some_and(|s| {
        s.0.with(|me| me.as_ref().is_some_and(|me| me.role == "admin"))
    })
}

/// A message for the next screen (after a delete, the list says what happened).
#[derive(Clone, Copy)]
struct Notice(RwSignal<Option<(String, Screen)>>);

/// What shows a message on the screen navigated to next. Taken while a component is set up
/// (the context is not reachable from a task it spawns).
pub fn notifier() -> impl Fn(String) + Copy + 'static {
    let notice = use_context::<Notice>();
    move |message| {
        if let Some(notice) = notice {
            notice.0.set(Some((message, Screen::NotFound)));
        }
    }
}

thread_local! {
    /// Each connection's list view last shown (its query), so "Back to the list" and the
    /// connection switcher return to it: two connections keep their own views.
    static LAST_LIST_QUERIES: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

/// `connection`'s list view last shown (empty: the default view).
pub fn last_list_query(connection: &str) -> String {
    LAST_LIST_QUERIES.with(|q| {
        q.borrow()
            .iter()
            .find(|(c, _)| c == connection)
            .map(|(_, query)| query.clone())
            .unwrap_or_default()
    })
}

pub fn remember_list_query(connection: &str, query: &str) {
    LAST_LIST_QUERIES.with(|q| {
        let mut queries = q.borrow_mut();
        match queries.iter_mut().find(|(c, _)| c == connection) {
            Some((_, kept)) => *kept = query.to_owned(),
            None => queries.push((connection.to_owned(), query.to_owned())),
        }
    });
}

/// How a connection is named in the switcher: its label, and its vendor when the label
/// does not already say it ("LivePerson (sandbox)", not "LivePerson (sandbox) (LivePerson)").
pub fn connection_label(connection: &ConnectionInfo) -> String {
    let vendor = connection.kind.label();
    if connection
        .label
        .to_lowercase()
        .contains(&vendor.to_lowercase())
    {
        connection.label.clone()
    } else {
        format!("{} ({vendor})", connection.label)
    }
}

/// The connection the home page opens: the first with a list, else the first.
fn first_connection(list: &[ConnectionInfo]) -> Option<&ConnectionInfo> {
    list.iter().find(|c| list::has_list(c)).or(list.first())
}

/// Whether the connection can read one user: by its own read, or from its list (Trintech).
fn reads_one_user(connection: &ConnectionInfo) -> bool {
    connection.declares(shared::operation::names::GET_USER) || list::has_list(connection)
}

/// A connection that declares no list (Trintech publishes none): what it offers instead.
#[component]
fn NoList(connection: ConnectionInfo) -> impl IntoView {
    let creates = connection.declares(shared::operation::names::CREATE_USERS);
    let id = connection.id.clone();
    view! {
        <section aria-labelledby="users-heading">
            <h2 id="users-heading">{format!("{} users", connection.label)}</h2>
            <p>"This connection declares no list of users: the vendor publishes none, so \
                the console cannot show, search or open its users here."</p>
            <Show when=move || can_write() && creates>
                <p>
                    <Link route=Route::new_user(&id)>"Create a user"</Link>" "
                    <Link route=Route::import(&id)>"Import users"</Link>
                </p>
            </Show>
        </section>
    }
}

#[component]
pub fn App() -> impl IntoView {
    let nav = Nav::start();
    provide_context(nav);
    let me = RwSignal::new(None::<api::Me>);
    provide_context(Session(me));
    spawn_local(async move { me.set(api::me().await.ok()) });
    let notice = RwSignal::new(None::<(String, Screen)>);
    provide_context(Notice(notice));
    let connections = RwSignal::new(Load::<Vec<ConnectionInfo>>::Loading);
    spawn_local(async move { connections.set(api::connections().await.into()) });

    // The connection the route names, or for the home screen the first LivePerson one.
    let current_connection = move || {
        let route = nav.route.get();
        match route.screen {
            Screen::List { connection }
            | Screen::User { connection, .. }
            | Screen::New { connection }
            | Screen::Import { connection } => Some(connection),
            Screen::Home => connections.with(|c| match c {
                Load::Loaded(list) => first_connection(list).map(|c| c.id.clone()),
                _ => None,
            }),
            Screen::NotFound => None,
        }
    };
    let switcher = move || {
        let Load::Loaded(list) = connections.get() else {
            return None;
        };
        (list.len() > 1).then(|| {
            let options = list
                .into_iter()
                .map(|c| {
                    let label = connection_label(&c);
                    view! { <option value=c.id>{label}</option> }
                })
                .collect_view();
            view! {
                <div class="field inline">
                    <label for="connection">"Connection"</label>
                    <select id="connection"
                        prop:value=move || current_connection().unwrap_or_default()
                        on:change=move |ev| {
                            let connection = event_target_value(&ev);
                            let query = last_list_query(&connection);
                            nav.go(Route::list(&connection, query));
                        }>
                        {options}
                    </select>
                </div>
            }
        })
    };
    let screen = move || {
        let route = nav.route.get();
        let Load::Loaded(list) = connections.get() else {
            return match connections.get() {
                Load::Failed(failure) => view! {
                    <p role="alert" class="alert">{format!("The connections could not be loaded. {failure}")}</p>
                }
                .into_any(),
                _ => view! { <p role="status">"Loading connections…"</p> }.into_any(),
            };
        };
        let find = |id: &str| list.iter().find(|c| c.id == id).cloned();
        let unsupported = |c: &ConnectionInfo| {
            view! {
                <p role="status">{format!(
                    "{} is a {} connection; this page of the console is not available for it yet.",
                    c.label,
                    c.kind.label()
                )}</p>
            }
            .into_any()
        };
        let unknown = |id: &str| {
            view! {
                <p role="alert" class="alert">{format!("This console has no connection named \"{id}\".")}</p>
                <p><Link route=Route::parse("", "")>"Go to the first connection"</Link></p>
            }
            .into_any()
        };
        match route.screen {
            // The home page is the first connection's list, under that list's own URL.
            Screen::Home => match first_connection(&list) {
                Some(c) => {
                    let to = Route::list(&c.id, route.query);
                    request_animation_frame(move || nav.redirect(to));
                    view! { <p role="status">"Opening the first connection…"</p> }.into_any()
                }
                None => view! {
                    <p role="status">"No connection is configured on this console."</p>
                }
                .into_any(),
            },
            Screen::List { connection } => match find(&connection) {
                Some(c) if list::has_list(&c) => {
                    view! { <ListScreen connection=c query=route.query /> }.into_any()
                }
                Some(c) => view! { <NoList connection=c /> }.into_any(),
                None => unknown(&connection),
            },
            Screen::User { connection, id } => match find(&connection) {
                Some(c) if reads_one_user(&c) => on_demand::view(on_demand::Screen::User(c, id)),
                Some(c) => unsupported(&c),
                None => unknown(&connection),
            },
            Screen::New { connection } => match find(&connection) {
                Some(c) if c.declares(shared::operation::names::CREATE_USERS) => {
                    on_demand::view(on_demand::Screen::Create(c))
                }
                Some(c) => unsupported(&c),
                None => unknown(&connection),
            },
            Screen::Import { connection } => match find(&connection) {
                Some(c) if c.declares(shared::operation::names::CREATE_USERS) => {
                    on_demand::view(on_demand::Screen::Import(c))
                }
                Some(c) => unsupported(&c),
                None => unknown(&connection),
            },
            Screen::NotFound => view! {
                <p role="alert" class="alert">"There is no such page in this console."</p>
                <p><Link route=Route::parse("", "")>"Go to the user list"</Link></p>
            }
            .into_any(),
        }
    };
    // A notice is shown on the screen it was meant for, then dropped.
    let shown_notice = move || {
        let screen = nav.route.with(|r| r.screen.clone());
        let (text, for_screen) = notice.get()?;
        if for_screen == Screen::NotFound {
            notice.set(Some((text.clone(), screen)));
        } else if for_screen != screen {
            notice.set(None);
            return None;
        }
        Some(view! { <p role="status" class="status">{text}</p> })
    };
    let leaving = move || nav.pending.with(Option::is_some);

    view! {
        <a class="skip-link" href="#main" on:click=move |ev| {
            // The page's <base> would make "#main" a link to the base: focus the content instead.
            ev.prevent_default();
            if let Some(main) = document().get_element_by_id("main") {
                use leptos::wasm_bindgen::JsCast;
                if let Ok(main) = main.dyn_into::<web_sys::HtmlElement>() {
                    let _ = main.focus();
                }
            }
        }>"Skip to content"</a>
        <header>
            <h1>"Users console"</h1>
            {switcher}
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
            {shown_notice}
            {screen}
        </main>
        <Dialog open=Signal::derive(leaving) title="Leave without saving?".to_owned()
            on_dismiss=Callback::new(move |()| nav.pending.set(None))>
            <p>{move || format!(
                "You have not saved {}. Leaving this page drops them.",
                nav.unsaved.get().unwrap_or_else(|| "your changes".into())
            )}</p>
            <div class="actions">
                <button type="button" on:click=move |_| nav.pending.set(None)>"Stay on this page"</button>
                <button type="button" class="danger" on:click=move |_| {
                    if let Some(route) = nav.pending.get_untracked() {
                        nav.go_anyway(route);
                    }
                }>"Leave and drop my changes"</button>
            </div>
        </Dialog>
    }
}
