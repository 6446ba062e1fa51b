//! The screens loaded on demand. The first load carries the frame and the list; the user
//! page, the create form, the import screen and the bulk panel are each split off into a
//! wasm module of their own (`cargo xtask split-wasm`, run by Trunk after every build),
//! fetched the first time they are needed.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use shared::ConnectionInfo;

use crate::bulk::panel::BulkPanel;
use crate::create::CreateScreen;
use crate::import_view::ImportScreen;
use crate::user::UserScreen;
use shared::format::on_selected;

/// A screen's module could not be fetched: typically the console was upgraded while this
/// page stayed open, and the old module is gone.
#[derive(Debug, thiserror::Error)]
#[error(
    "This part of the console could not be loaded ({0}). Reload the page; if the console was just upgraded, the reload brings the new version."
)]
pub struct Unloaded(String);

impl From<SplitLoaderError> for Unloaded {
    fn from(error: SplitLoaderError) -> Self {
        Self(error.to_string())
    }
}

// Each function below is a split point: its body and everything only it reaches go into
// the module named first in its attribute. `fallible` turns a failed fetch into `Unloaded`
// instead of a panic, which would stop the whole console.

#[wasm_split(user_screen, wasm_split_path = ::leptos::wasm_split, fallible)]
fn user_screen(connection: ConnectionInfo, id: String) -> Result<AnyView, Unloaded> {
    Ok(view! { <UserScreen connection id /> }.into_any())
}

#[wasm_split(create_screen, wasm_split_path = ::leptos::wasm_split, fallible)]
fn create_screen(connection: ConnectionInfo) -> Result<AnyView, Unloaded> {
    Ok(view! { <CreateScreen connection /> }.into_any())
}

#[wasm_split(import_screen, wasm_split_path = ::leptos::wasm_split, fallible)]
fn import_screen(connection: ConnectionInfo) -> Result<AnyView, Unloaded> {
    Ok(view! { <ImportScreen connection /> }.into_any())
}

#[wasm_split(bulk_panel, wasm_split_path = ::leptos::wasm_split, fallible)]
fn bulk_panel(
    connection: ConnectionInfo,
    selection: RwSignal<HashSet<String>>,
    on_changed: Callback<()>,
) -> Result<AnyView, Unloaded> {
    Ok(view! { <BulkPanel connection selection on_changed /> }.into_any())
}

/// The bulk panel, fetched when the first user is selected: until then its buttons could
/// do nothing, so they are drawn disabled by the first-load module, exactly as the panel
/// draws them with nothing selected.
pub fn bulk(
    connection: ConnectionInfo,
    selection: RwSignal<HashSet<String>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let wanted = Memo::new(move |was: Option<&bool>| {
        was.copied().unwrap_or(false) || selection.with(|s| !s.is_empty())
    });
    // While the module is on its way the buttons say so to assistive technology too.
    let deletes = shared::vendor::description(connection.kind).deletion
        != shared::description::Deletion::None;
    let idle = move |loading: bool| {
        let count = move || selection.with(HashSet::len);
        view! {
            <div class="actions" aria-busy=loading.then_some("true")>
                <button type="button" disabled>{move || on_selected("Edit", count())}</button>
                {deletes.then(|| view! {
                    <button type="button" class="danger" disabled>{move || on_selected("Delete", count())}</button>
                })}
            </div>
        }
    };
    move || {
        if !wanted.get() {
            return idle(false).into_any();
        }
        let connection = connection.clone();
        let loaded =
            Suspend::new(
                async move { or_alert(bulk_panel(connection, selection, on_changed).await) },
            );
        view! { <Suspense fallback=move || idle(true)>{loaded}</Suspense> }.into_any()
    }
}

/// The reads of a connection's names (skills, agent groups, profiles), fetched after the
/// list has drawn: the list shows ids until they come, and the first load does not carry
/// their code.
#[wasm_split(catalogs, wasm_split_path = ::leptos::wasm_split, fallible)]
fn catalogs(
    connection: ConnectionInfo,
    start: crate::catalog::Names,
) -> Result<std::pin::Pin<Box<dyn std::future::Future<Output = crate::catalog::Names>>>, Unloaded> {
    Ok(Box::pin(async move {
        crate::vendors::catalogs(&connection, start).await
    }))
}

/// `connection`'s names as the account has them, or `start` when they cannot be read (the
/// console then works with ids).
pub async fn read_catalogs(
    connection: ConnectionInfo,
    start: crate::catalog::Names,
) -> crate::catalog::Names {
    match catalogs(connection, start.clone()).await {
        Ok(reading) => reading.await,
        Err(_) => start,
    }
}

/// The list's `rows` in `columns` as CSV (`list::to_csv`), split off with the CSV writer,
/// which only an export needs.
#[wasm_split(users_csv, wasm_split_path = ::leptos::wasm_split, fallible)]
fn write_users_csv(
    loaded: std::sync::Arc<crate::grid::Loaded>,
    rows: Vec<usize>,
    columns: Vec<crate::list::Column>,
    names: std::sync::Arc<crate::catalog::Names>,
) -> Result<Result<String, String>, Unloaded> {
    Ok(
        crate::list::to_csv(&loaded.layout, &loaded.users, &rows, &columns, &names)
            .map_err(|e| e.to_string()),
    )
}

/// [`write_users_csv`], with a module that cannot be fetched as an error to show.
pub async fn users_csv(
    loaded: std::sync::Arc<crate::grid::Loaded>,
    rows: Vec<usize>,
    columns: Vec<crate::list::Column>,
    names: std::sync::Arc<crate::catalog::Names>,
) -> Result<String, String> {
    write_users_csv(loaded, rows, columns, names)
        .await
        .map_err(|unloaded| unloaded.to_string())
        .and_then(|written| written)
}

/// The loaded view, or the alert that says why there is none.
fn or_alert(loaded: Result<AnyView, Unloaded>) -> AnyView {
    loaded.unwrap_or_else(|unloaded| {
        view! { <p role="alert" class="alert">{unloaded.to_string()}</p> }.into_any()
    })
}

/// Which screen to load.
pub enum Screen {
    User(ConnectionInfo, String),
    Create(ConnectionInfo),
    Import(ConnectionInfo),
}

/// `screen`, with a status while its module is fetched and an alert if that fails.
pub fn view(screen: Screen) -> AnyView {
    let loaded = Suspend::new(async move {
        let loaded = match screen {
            Screen::User(connection, id) => user_screen(connection, id).await,
            Screen::Create(connection) => create_screen(connection).await,
            Screen::Import(connection) => import_screen(connection).await,
        };
        or_alert(loaded)
    });
    view! {
        <Suspense fallback=|| view! { <p role="status">"Loading…"</p> }>{loaded}</Suspense>
    }
    .into_any()
}
