//! The list screen: a connection's users as an ARIA grid with search, filters, a column
//! chooser, selection and CSV export. The view (search, filters, sort, columns) lives in the
//! URL, the chosen columns also in the browser's storage, and only the fields the view needs
//! are fetched (`select`).

use std::collections::HashSet;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_bindgen::JsCast;
use shared::ConnectionInfo;

use crate::api;
use crate::app::{Load, can_write};
use crate::list::{self, Column, Filters, ListView, Names};
use crate::route::{Link, Route, is_plain_click, use_nav};
use shared::description::{FilterKind, ListFilter};
use shared::format::{thousands, user_count};
use shared::operation::names as operation;

/// The users as fetched, with what search reads prepared once.
pub struct Loaded {
    pub users: Vec<list::ListedUser>,
    searchables: Vec<list::Searchable>,
    /// The fields they were read with.
    pub layout: list::Layout,
    include_deleted: bool,
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn columns_key(connection: &str) -> String {
    format!("users-console.columns.{connection}")
}

/// The columns the admin last chose on this connection, in this browser.
fn remembered_columns(connection: &ConnectionInfo) -> Option<Vec<Column>> {
    let text = storage()?.get_item(&columns_key(&connection.id)).ok()??;
    list::columns_from_text(connection.kind, &text)
}

fn remember_columns(connection: &str, columns: &[Column]) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(&columns_key(connection), &list::columns_to_text(columns));
    }
}

/// Offers `text` to the browser as a file download.
pub fn download(file_name: &str, text: &str, mime: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&leptos::wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let link: web_sys::HtmlAnchorElement = document()
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .unchecked_into();
    link.set_href(&url);
    link.set_download(file_name);
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// What the list keeps of itself while the admin is on another screen, per connection: the
/// selection (users' keys), and the user opened from it, whose row takes the focus on the
/// way back.
#[derive(Debug, Clone, Default)]
struct ListMemory {
    selection: HashSet<String>,
    opened: Option<String>,
}

thread_local! {
    /// By connection; a list, not a map: there are few connections, and a map of its own
    /// would weigh on the first-load module.
    static LIST_MEMORY: std::cell::RefCell<Vec<(String, ListMemory)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

fn remembered<T>(connection: &str, read: impl FnOnce(&mut ListMemory) -> T) -> T {
    LIST_MEMORY.with(|m| {
        let mut memory = m.borrow_mut();
        let at = match memory.iter().position(|(c, _)| c == connection) {
            Some(at) => at,
            None => {
                memory.push((connection.to_owned(), ListMemory::default()));
                memory.len() - 1
            }
        };
        read(&mut memory[at].1)
    })
}

#[component]
pub fn ListScreen(connection: ConnectionInfo, query: String) -> impl IntoView {
    let nav = use_nav();
    let connection_id = StoredValue::new(connection.id.clone());
    // The names are read once the list has drawn (`UserGrid` starts the read).
    let (names, set_names) = crate::catalog::use_names(&connection, false);
    let read_names = StoredValue::new((connection.clone(), set_names));
    let view = RwSignal::new(ListView::from_query(
        connection.kind,
        &query,
        remembered_columns(&connection),
    ));
    Effect::new(move |_| {
        let query = view.with(ListView::to_query);
        crate::app::remember_list_query(&connection_id.get_value(), &query);
        nav.replace_query(query);
    });
    let columns = Memo::new(move |_| view.with(|v| v.columns.clone()));
    Effect::new(move |_| columns.with(|c| remember_columns(&connection_id.get_value(), c)));

    let selection = RwSignal::new(remembered(&connection.id, |m| m.selection.clone()));
    // Fetched again only when the view needs a field the list does not hold.
    let needed = Memo::new(move |_| view.with(|v| (v.layout(), v.filters.include_deleted)));
    let data = RwSignal::new(Load::<Arc<Loaded>>::Loading);
    let refresh = RwSignal::new(0_u32);
    let generation = StoredValue::new(0_u32);
    Effect::new(move |previous: Option<u32>| {
        let forced = refresh.get();
        let (layout, include_deleted) = needed.get();
        let covered = data.with_untracked(|d| match d {
            Load::Loaded(l) => l.include_deleted == include_deleted && l.layout.covers(&layout),
            _ => false,
        });
        if covered && previous == Some(forced) {
            return forced;
        }
        generation.update_value(|g| *g += 1);
        let this = generation.get_value();
        spawn_local(async move {
            let result =
                api::list_users(&connection_id.get_value(), &layout, include_deleted).await;
            // A newer fetch started meanwhile: its answer is the one that counts.
            if generation.get_value() != this {
                return;
            }
            mark(LIST_READ_MARK);
            data.set(
                result
                    .map(|list| {
                        let mut users = list.users;
                        // A vendor that lists deleted users always: hidden until asked for.
                        if !include_deleted {
                            users.retain(|u| !layout.is_deleted(u));
                        }
                        // A kept selection holds only users still listed (one deleted
                        // meanwhile is dropped).
                        let listed: HashSet<String> =
                            users.iter().filter_map(|u| layout.key(u)).collect();
                        if selection.with_untracked(|s| s.iter().any(|k| !listed.contains(k))) {
                            selection.update(|s| s.retain(|k| listed.contains(k)));
                        }
                        let searchables = users
                            .iter()
                            .map(|u| list::Searchable::of(&layout, u))
                            .collect();
                        mark(LIST_PREPARED_MARK);
                        Arc::new(Loaded {
                            users,
                            searchables,
                            layout,
                            include_deleted,
                        })
                    })
                    .into(),
            );
        });
        forced
    });

    Effect::new(move |_| {
        let now = selection.get();
        remembered(&connection_id.get_value(), |m| m.selection = now);
    });
    let bulk_connection = StoredValue::new(connection.clone());
    let can_create = connection.declares(operation::CREATE_USERS);
    let has_deleted = shared::vendor::description(connection.kind)
        .deleted
        .is_some();
    let bulk = crate::bulk::offered(&connection);

    let (new_user, import) = (
        Route::new_user(&connection.id),
        Route::import(&connection.id),
    );
    view! {
        <section aria-labelledby="users-heading" class="list-screen">
            <div class="screen-head">
                <h2 id="users-heading">{format!("{} users", connection.label)}</h2>
                <Show when=move || can_write() && can_create>
                    <Link route=new_user.clone()>"Create a user"</Link>
                </Show>
                <Show when=move || can_write() && can_create>
                    <Link route=import.clone()>"Import users"</Link>
                </Show>
            </div>
            <FilterBar view names has_deleted />
            <Show when=move || can_write() && bulk>
                {crate::on_demand::bulk(bulk_connection.get_value(), selection,
                    Callback::new(move |()| refresh.update(|n| *n += 1)))}
            </Show>
            <ColumnChooser view />
            {move || match data.get() {
                Load::Loading => view! { <p role="status">"Loading users…"</p> }.into_any(),
                Load::Failed(failure) => view! {
                    <p role="alert" class="alert">{format!("The users could not be loaded. {failure}")}</p>
                    <button type="button" on:click=move |_| refresh.update(|n| *n += 1)>"Try again"</button>
                }.into_any(),
                Load::Loaded(loaded) => view! {
                    <UserGrid loaded view names read_names selection
                        connection_id=connection_id.get_value() />
                }.into_any(),
            }}
        </section>
    }
}

/// The filters the vendor's description offers: each narrows the list at once; deleted
/// users are listed when asked for.
#[component]
fn FilterBar(
    view: RwSignal<ListView>,
    names: ReadSignal<Arc<Names>>,
    has_deleted: bool,
) -> impl IntoView {
    let kind = view.with_untracked(|v| v.kind);
    // Open on a wide window; on a phone folded away, so the list has the room.
    let wide = window()
        .inner_width()
        .ok()
        .and_then(|w| w.as_f64())
        .is_none_or(|w| w >= 700.0);
    let filters = shared::vendor::description(kind)
        .filters
        .iter()
        .map(|filter| match filter.kind {
            FilterKind::YesNo { yes, no } => {
                view! { <YesNoFilter filter yes no view /> }.into_any()
            }
            FilterKind::Named => view! { <CatalogFilter filter view names /> }.into_any(),
        })
        .collect_view();
    view! {
        <details class="filters-box" open=wide>
        <summary>"Filters"</summary>
        <div class="filters" role="group" aria-label="Filters">
            {filters}
            <Show when=move || has_deleted>
                <div class="field checkbox">
                    <input type="checkbox" id="filter-deleted"
                        prop:checked=move || view.with(|v| v.filters.include_deleted)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            view.update(|v| v.filters.include_deleted = on);
                        } />
                    <label for="filter-deleted">"Include deleted users"</label>
                </div>
            </Show>
            <button type="button" class="secondary"
                disabled=move || view.with(|v| v.filters == Filters::default())
                on:click=move |_| view.update(|v| v.filters = Filters::default())>
                "Clear filters"
            </button>
        </div>
        </details>
    }
}

fn filter_id(filter: &ListFilter) -> String {
    format!("filter-{}", filter.param)
}

/// A yes/no filter (enabled, API user, locked out).
#[component]
fn YesNoFilter(
    filter: &'static ListFilter,
    yes: &'static str,
    no: &'static str,
    view: RwSignal<ListView>,
) -> impl IntoView {
    let id = filter_id(filter);
    let chosen = move || match view.with(|v| v.filters.get(filter.param)) {
        Some(0) => "no",
        Some(_) => "yes",
        None => "",
    };
    view! {
        <div class="field">
            <label for=id.clone()>{filter.label}</label>
            <select id=id prop:value=chosen
                on:change=move |ev| {
                    let value = match event_target_value(&ev).as_str() {
                        "yes" => Some(1),
                        "no" => Some(0),
                        _ => None,
                    };
                    view.update(|v| v.filters.set(v.kind, filter, value));
                }>
                <option value="">"Any"</option>
                <option value="yes">{yes}</option>
                <option value="no">{no}</option>
            </select>
        </div>
    }
}

/// A filter on one skill, agent group or profile: chosen by name once the account's names
/// are known, typed as an id until then.
#[component]
fn CatalogFilter(
    filter: &'static ListFilter,
    view: RwSignal<ListView>,
    names: ReadSignal<Arc<Names>>,
) -> impl IntoView {
    let pick = move |n: &Arc<Names>| n.for_field(filter.field).is_some_and(|c| !c.is_empty());
    let named = Memo::new(move |_| names.with(pick));
    let chosen = move || view.with(|v| v.filters.get(filter.param));
    // Names that arrive (or change order) redraw the options only: the select stays, and
    // each option knows whether it is the one chosen.
    let options = move || {
        names.with(|n| {
            n.for_field(filter.field)
                .into_iter()
                .flat_map(|c| c.entries())
                .map(|(value, name)| {
                    view! {
                        <option value=value.to_string() prop:selected=move || chosen() == Some(value)>
                            {name.to_owned()}
                        </option>
                    }
                })
                .collect_view()
        })
    };
    move || {
        if !named.get() {
            return view! { <IdFilter filter view /> }.into_any();
        }
        let id = filter_id(filter);
        view! {
            <div class="field">
                <label for=id.clone()>{filter.label}</label>
                <select id=id
                    on:change=move |ev| {
                        let chosen = event_target_value(&ev).parse().ok();
                        view.update(|v| v.filters.set(v.kind, filter, chosen));
                    }>
                    <option value="" prop:selected=move || chosen().is_none()>"Any"</option>
                    {options}
                </select>
            </div>
        }
        .into_any()
    }
}

/// A filter on one id: applied as soon as what is typed is a number; anything else is
/// explained next to it and filters nothing.
#[component]
fn IdFilter(filter: &'static ListFilter, view: RwSignal<ListView>) -> impl IntoView {
    let label = filter.label;
    let get = move |v: &ListView| v.filters.get(filter.param);
    let text = RwSignal::new(
        view.with_untracked(get)
            .map(|n| n.to_string())
            .unwrap_or_default(),
    );
    // Cleared from elsewhere (Clear filters): the input follows.
    Effect::new(move |_| {
        if view.with(get).is_none() && text.with_untracked(|t| t.trim().parse::<i64>().is_ok()) {
            text.set(String::new());
        }
    });
    let error = move || {
        let t = text.get();
        let t = t.trim();
        (!t.is_empty() && t.parse::<i64>().is_err())
            .then(|| format!("{label}: type its id, a number."))
    };
    let id = filter_id(filter);
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input type="text" inputmode="numeric" id=id autocomplete="off" size="8"
                aria-describedby=error_id.clone()
                aria-invalid=move || if error().is_some() { "true" } else { "false" }
                prop:value=move || text.get()
                on:input=move |ev| {
                    let typed = event_target_value(&ev);
                    let value = typed.trim().parse::<i64>().ok();
                    text.set(typed);
                    view.update(|v| v.filters.set(v.kind, filter, value));
                } />
            // Its room is kept, so the filters do not jump when an error appears.
            <span id=error_id class="field-error reserved">{error}</span>
        </div>
    }
}

/// Which columns the list shows; at least one stays.
#[component]
fn ColumnChooser(view: RwSignal<ListView>) -> impl IntoView {
    let kind = view.with_untracked(|v| v.kind);
    let boxes = Column::all(kind)
        .into_iter()
        .map(|column| {
            let id = format!("column-{}", column.field().replace('/', "-"));
            let shown = move || view.with(|v| v.columns.contains(&column));
            let last = move || view.with(|v| v.columns == [column]);
            view! {
                <div class="field checkbox">
                    <input type="checkbox" id=id.clone() prop:checked=shown disabled=last
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            view.update(|v| {
                                let mut chosen: Vec<Column> = v.columns.iter().copied().filter(|c| *c != column).collect();
                                if on {
                                    chosen.push(column);
                                }
                                // Kept in the chooser's order, whatever order they were ticked in.
                                v.columns = Column::all(v.kind).into_iter().filter(|c| chosen.contains(c)).collect();
                            });
                        } />
                    <label for=id>{column.label()}</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <details class="columns">
            <summary>"Columns"</summary>
            <fieldset>
                <legend>"Columns shown"</legend>
                {boxes}
            </fieldset>
        </details>
    }
}

/// Performance marks `cargo xtask bench console` reads: the list read (answer decoded), its
/// search texts prepared, its grid built (sorted, rows made), and its rows first painted.
const LIST_READ_MARK: &str = "users-console:list-read";
const LIST_PREPARED_MARK: &str = "users-console:list-prepared";
const LIST_BUILT_MARK: &str = "users-console:list-built";
const LIST_RENDERED_MARK: &str = "users-console:list-rendered";

fn mark(name: &str) {
    if let Some(performance) = window().performance() {
        let _ = performance.mark(name);
    }
}

/// The element with this id, if it is an HTML element.
fn html_element_by_id(id: &str) -> Option<web_sys::HtmlElement> {
    document().get_element_by_id(id)?.dyn_into().ok()
}

/// Focuses `element` where it is: the grid scrolls itself, and a browser scrolling a cell into
/// view would move every row slot under the focus.
fn focus_in_place(element: &web_sys::HtmlElement) {
    let options = web_sys::FocusOptions::new();
    options.set_prevent_scroll(true);
    let _ = element.focus_with_options(&options);
}

fn cell_id(row: usize, column: usize) -> String {
    format!("user-cell-{row}-{column}")
}

/// The (row, column) of a [`cell_id`].
fn parse_cell_id(id: &str) -> Option<(usize, usize)> {
    let (row, column) = id.strip_prefix("user-cell-")?.split_once('-')?;
    Some((row.parse().ok()?, column.parse().ok()?))
}

/// The user a row slot draws and where: its position among the shown rows, and the focus
/// cell (the one tab stop).
struct Place<'a> {
    position: usize,
    user: Option<&'a list::ListedUser>,
    focus: (usize, usize),
}

/// Writes one row slot for the user at `place.position`: cell ids and tab stops (only the
/// focus cell is one), the stripe, the selection box's name, each column's text and the
/// login name's link.
fn draw_row(
    tr: &web_sys::HtmlTableRowElement,
    place: Place<'_>,
    layout: &list::Layout,
    columns: &[Column],
    names: &Names,
    connection: &str,
) {
    let Place {
        position,
        user,
        focus,
    } = place;
    tr.set_class_name(if position % 2 == 1 { "stripe" } else { "" });
    let cells = tr.cells();
    for c in 0..=columns.len() {
        let Some(cell) = cells.item(c as u32) else {
            continue;
        };
        cell.set_id(&cell_id(position, c));
        let _ = cell.set_attribute("tabindex", if focus == (position, c) { "0" } else { "-1" });
        let Some(user) = user else {
            // A slot past the shown rows, about to go: it shows nobody meanwhile.
            if c > 0 {
                cell.set_text_content(None);
            }
            continue;
        };
        let content = cell.first_element_child();
        let Some(column) = c.checked_sub(1).map(|c| columns[c]) else {
            if let Some(checkbox) = content {
                let login = layout.login(user);
                let _ = checkbox.set_attribute("aria-label", &format!("Select {login}"));
            }
            continue;
        };
        let text = column.text(layout, user, names);
        // The whole value, for a cell too narrow to show it: on hover (title) and, through
        // the stylesheet, on focus.
        let _ = if text.chars().count() > column.fits() {
            cell.set_attribute("title", &text)
        } else {
            cell.remove_attribute("title")
        };
        match content {
            Some(link) if is_login(layout, column) => {
                link.set_text_content(Some(&text));
                let _ = match layout.key(user) {
                    Some(key) => link.set_attribute("href", &Route::user(connection, &key).href()),
                    None => link.remove_attribute("href"),
                };
            }
            _ => cell.set_text_content(Some(&text)),
        }
    }
}

/// Whether `column` is the user's login, which links to the user.
fn is_login(layout: &list::Layout, column: Column) -> bool {
    column.field() == shared::vendor::description(layout.kind).login
}

/// The users as an ARIA grid: only the rows in view are rendered (see [`list::window`]), so
/// tens of thousands of users scroll smoothly. Arrow keys, Page Up/Down, Home/End (with
/// Ctrl: first/last row) move between cells; Space selects the row (Shift: a range); Enter on
/// a login name opens the user.
#[component]
fn UserGrid(
    loaded: Arc<Loaded>,
    view: RwSignal<ListView>,
    /// Names for the ids users refer to; they may come after the list, and redraw it.
    names: ReadSignal<Arc<Names>>,
    /// Where the names are read from, once the grid has drawn.
    read_names: StoredValue<(ConnectionInfo, WriteSignal<Arc<Names>>)>,
    selection: RwSignal<HashSet<String>>,
    connection_id: String,
) -> impl IntoView {
    let nav = use_nav();
    let total = loaded.users.len();
    let data = StoredValue::new(loaded);
    let connection_id = StoredValue::new(connection_id);
    let sort = Memo::new(move |_| view.with(|v| v.sort));
    let narrowing = Memo::new(move |_| view.with(|v| (v.query.clone(), v.filters.clone())));
    let columns = Memo::new(move |_| view.with(|v| v.columns.clone()));
    // Sorting happens when the order changes; searching and filtering on every keystroke,
    // in one pass over the sorted order.
    let sorted = Memo::new(move |_| {
        let sort = sort.get();
        // Names that arrive re-sort only a column that shows them.
        let run = |n: &Arc<Names>| {
            data.with_value(|d| list::sorted(&d.layout, &d.users, &d.searchables, sort, n))
        };
        if sort.column.is_named() {
            names.with(run)
        } else {
            names.with_untracked(run)
        }
    });
    let shown = Memo::new(move |_| {
        let (query, filters) = narrowing.get();
        sorted.with(|order| {
            data.with_value(|d| {
                list::filter(&d.layout, order, &d.users, &d.searchables, &query, &filters)
            })
        })
    });
    let scroll_top = RwSignal::new(0_i32);
    let viewport = RwSignal::new(600_i32);
    // The cell that takes Tab focus, as (position in the shown rows, column); column 0 is the
    // selection box.
    let focus = RwSignal::new((0_usize, 1_usize));
    // Where the last selection click was, for Shift ranges.
    let anchor = StoredValue::new(None::<usize>);
    let scroller = NodeRef::<leptos::html::Div>::new();
    let grid = NodeRef::<leptos::html::Table>::new();
    let head = NodeRef::<leptos::html::Thead>::new();
    let body_rows = NodeRef::<leptos::html::Tbody>::new();
    let column_count = move || columns.with(Vec::len) + 1;

    let count = move || {
        let n = shown.with(Vec::len);
        let narrowed = view.with(|v| !v.query.trim().is_empty() || v.filters.narrows());
        if narrowed {
            format!("{} of {}", thousands(n), user_count(total))
        } else {
            user_count(total)
        }
    };
    let user_id = move |position: usize| {
        shown
            .with_untracked(|s| s.get(position).copied())
            .and_then(|index| data.with_value(|d| d.layout.key(&d.users[index])))
    };
    // Selects or deselects one row; with `range`, every row from the last clicked one.
    let toggle = move |position: usize, range: bool| {
        let Some(id) = user_id(position) else { return };
        let select = !selection.with_untracked(|s| s.contains(&id));
        let from = if range { anchor.get_value() } else { None }.unwrap_or(position);
        let (low, high) = (from.min(position), from.max(position));
        let ids: Vec<String> = (low..=high).filter_map(user_id).collect();
        selection.update(|s| {
            for id in ids {
                if select {
                    s.insert(id);
                } else {
                    s.remove(&id);
                }
            }
        });
        anchor.set_value(Some(position));
    };
    let all_selected = move || {
        let count = shown.with(Vec::len);
        count > 0
            && selection.with(|s| {
                shown.with(|shown| {
                    data.with_value(|d| {
                        shown.iter().all(|&i| {
                            d.layout
                                .key(&d.users[i])
                                .is_some_and(|key| s.contains(&key))
                        })
                    })
                })
            })
    };
    let select_all = move |on: bool| {
        let ids: Vec<String> = shown.with_untracked(|shown| {
            data.with_value(|d| {
                shown
                    .iter()
                    .filter_map(|&i| d.layout.key(&d.users[i]))
                    .collect()
            })
        });
        selection.update(|s| {
            for id in ids {
                if on {
                    s.insert(id);
                } else {
                    s.remove(&id);
                }
            }
        });
    };
    let measure = move || {
        if let Some(el) = scroller.get_untracked() {
            scroll_top.set(el.scroll_top());
            viewport.set(el.client_height());
        }
    };
    // Back from a user's page, that user's row has the focus again.
    let login_column = move || {
        columns.with_untracked(|c| {
            data.with_value(|d| {
                c.iter()
                    .position(|c| is_login(&d.layout, *c))
                    .map_or(1, |k| k + 1)
            })
        })
    };
    let return_focus = move || {
        let opened = connection_id.with_value(|c| remembered(c, |m| m.opened.take()));
        opened.and_then(|opened| {
            shown.with_untracked(|shown| {
                data.with_value(|d| {
                    shown
                        .iter()
                        .position(|&i| d.layout.key(&d.users[i]).as_ref() == Some(&opened))
                })
            })
        })
    };
    Effect::new(move |_| {
        if scroller.get().is_some() {
            measure();
            mark(LIST_BUILT_MARK);
            request_animation_frame(move || {
                mark(LIST_RENDERED_MARK);
                let (connection, set) = read_names.get_value();
                crate::catalog::read_names(connection, set);
            });
        }
    });
    let open_user = move |key: String| {
        nav.go(Route::user(&connection_id.get_value(), &key));
        connection_id.with_value(|c| remembered(c, |m| m.opened = Some(key)));
    };
    // Moves the focus cell, scrolls it into view, and focuses it once it is rendered.
    let move_to = move |row: usize, column: usize| {
        let rows = shown.with_untracked(Vec::len);
        if rows == 0 {
            return;
        }
        let (row, column) = (row.min(rows - 1), column.min(column_count() - 1));
        focus.set((row, column));
        if let (Some(el), Some(head), Some(rows)) = (
            scroller.get_untracked(),
            head.get_untracked(),
            body_rows.get_untracked(),
        ) {
            // Scrolled just enough that the whole row shows below the sticky header (which
            // covers the top of the viewport) and above the bottom edge. Pixels as the DOM
            // counts them (i32): 50,000 rows are 1.65 million.
            let scrolled = el.scroll_top();
            let rows_top = (rows.get_bounding_client_rect().top()
                - el.get_bounding_client_rect().top())
            .round() as i32
                - el.client_top()
                + scrolled;
            let covered = head.get_bounding_client_rect().height().ceil() as i32;
            let row_height = list::ROW_HEIGHT as i32;
            let top = rows_top + row as i32 * row_height;
            let bottom = top + row_height;
            if top < scrolled + covered {
                el.set_scroll_top(top - covered);
            } else if bottom > scrolled + el.client_height() {
                el.set_scroll_top(bottom - el.client_height());
            }
            measure();
        }
        let id = cell_id(row, column);
        request_animation_frame(move || {
            if let Some(cell) = html_element_by_id(&id) {
                focus_in_place(&cell);
            }
        });
    };
    Effect::new(move |_| {
        if scroller.get().is_some()
            && let Some(position) = return_focus()
        {
            move_to(position, login_column());
        }
    });
    // The one cell in the tab order follows the focus cell.
    Effect::new(move |previous: Option<(usize, usize)>| {
        let now = focus.get();
        let set = |(row, column): (usize, usize), value: &str| {
            if let Some(cell) = document().get_element_by_id(&cell_id(row, column)) {
                let _ = cell.set_attribute("tabindex", value);
            }
        };
        if let Some(previous) = previous.filter(|p| *p != now) {
            set(previous, "-1");
        }
        set(now, "0");
        now
    });
    // One listener for every cell: a cell that gets focus (a click, a screen reader) becomes
    // the focus cell.
    let on_focus_in = move |event: leptos::ev::FocusEvent| {
        let Some(target) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let cell = target.closest("td[role=gridcell]").ok().flatten();
        if let Some(place) = cell.and_then(|c| parse_cell_id(&c.id()))
            && focus.get_untracked() != place
        {
            focus.set(place);
        }
    };
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        let (row, column) = focus.get_untracked();
        let page =
            (usize::try_from(viewport.get_untracked()).unwrap_or(0) / list::ROW_HEIGHT).max(1);
        let last_row = shown.with_untracked(Vec::len).saturating_sub(1);
        let last_column = column_count() - 1;
        let target = match (event.key().as_str(), event.ctrl_key()) {
            ("ArrowDown", _) => (row + 1, column),
            ("ArrowUp", _) => (row.saturating_sub(1), column),
            ("ArrowRight", _) => (row, column + 1),
            ("ArrowLeft", _) => (row, column.saturating_sub(1)),
            ("PageDown", _) => (row + page, column),
            ("PageUp", _) => (row.saturating_sub(page), column),
            ("Home", true) => (0, 0),
            ("End", true) => (last_row, last_column),
            ("Home", false) => (row, 0),
            ("End", false) => (row, last_column),
            (" ", _) => {
                event.prevent_default();
                toggle(row, event.shift_key());
                return;
            }
            ("Enter", _) => {
                if let Some(id) = user_id(row) {
                    event.prevent_default();
                    open_user(id);
                }
                return;
            }
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
    Effect::new(move |previous: Option<()>| {
        narrowing.track();
        if previous.is_some() {
            to_top();
        }
    });
    // The positions in view: they change only when a whole row scrolls past.
    let range =
        Memo::new(move |_| list::window(scroll_top.get(), viewport.get(), shown.with(Vec::len)));
    // A scroll or a new search gives the row slots other users. When the page's focus is in
    // the grid, it follows the focus cell to the slot that now draws it (once every slot is
    // redrawn, next frame), or rests on the grid itself, whose keys still work, when that
    // cell left the window: a focused cell never shows another user.
    Effect::new(move |_| {
        range.track();
        shown.track();
        request_animation_frame(move || {
            let (Some(grid), Some(active)) = (grid.get_untracked(), document().active_element())
            else {
                return;
            };
            if !grid.contains(Some(&active)) {
                return;
            }
            let (row, column) = focus.get_untracked();
            match html_element_by_id(&cell_id(row, column)) {
                Some(cell) if *cell != active => focus_in_place(&cell),
                Some(_) => {}
                None => focus_in_place(&grid),
            }
        });
    });
    // While the focus cell is scrolled out of the window, the grid itself is the tab stop, so
    // the keyboard can always get in (and its keys lead back to that cell).
    let grid_tab_stop = move || {
        if range.with(|r| r.contains(&focus.get().0)) {
            "-1"
        } else {
            "0"
        }
    };
    // Rows are slots: the n-th row of the window is always drawn by the n-th slot, so a scroll
    // rewrites the text and attributes of rows already in the page (one effect per row) instead
    // of building new ones. A jump of hundreds of rows then costs a few hundred DOM writes, not
    // hundreds of new elements, listeners and reactive nodes.
    let slot_count = Memo::new(move |_| range.with(std::ops::Range::len));
    let slots = move || (0..slot_count.get()).collect::<Vec<_>>();
    let row = move |slot: usize| {
        let row_ref = NodeRef::<leptos::html::Tr>::new();
        let position = Memo::new(move |_| range.with(|r| r.start + slot));
        let index = Memo::new(move |_| shown.with(|s| s.get(position.get()).copied()));
        let key = move || {
            index
                .get()
                .and_then(|index| data.with_value(|d| d.layout.key(&d.users[index])))
        };
        let checked = move || key().is_some_and(|key| selection.with(|s| s.contains(&key)));
        Effect::new(move |_| {
            let (position, index) = (position.get(), index.get());
            if let Some(tr) = row_ref.get() {
                data.with_value(|d| {
                    names.with(|names| {
                        columns.with_untracked(|columns| {
                            let place = Place {
                                position,
                                user: index.map(|index| &d.users[index]),
                                focus: focus.get_untracked(),
                            };
                            connection_id.with_value(|connection| {
                                draw_row(&tr, place, &d.layout, columns, names, connection);
                            });
                        })
                    })
                });
            }
        });
        let follow = move |ev: leptos::ev::MouseEvent| {
            if is_plain_click(&ev)
                && let Some(id) = index
                    .get_untracked()
                    .and_then(|index| data.with_value(|d| d.layout.key(&d.users[index])))
            {
                ev.prevent_default();
                open_user(id);
            }
        };
        let cells = columns.with_untracked(|columns| {
            columns
                .iter()
                .map(
                    |column| match data.with_value(|d| is_login(&d.layout, *column)) {
                        true => view! {
                            <td role="gridcell"><a tabindex="-1" on:click=follow></a></td>
                        }
                        .into_any(),
                        false => view! { <td role="gridcell"></td> }.into_any(),
                    },
                )
                .collect_view()
        });
        view! {
            <tr role="row" node_ref=row_ref aria-rowindex=move || position.get() + 2
                aria-selected=move || if checked() { "true" } else { "false" }>
                <td role="gridcell">
                    <input type="checkbox" tabindex="-1" prop:checked=checked
                        on:click=move |ev: leptos::ev::MouseEvent| {
                            ev.prevent_default();
                            toggle(position.get_untracked(), ev.shift_key());
                        } />
                </td>
                {cells}
            </tr>
        }
    };
    let before = move || format!("{}px", range.get().start * list::ROW_HEIGHT);
    let after = move || {
        let hidden = shown.with(Vec::len) - range.get().end;
        format!("{}px", hidden * list::ROW_HEIGHT)
    };
    let headers = move || {
        columns
            .get()
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
                    <th role="columnheader" scope="col" aria-sort=aria_sort
                        style:width=format!("{}rem", column.width_rem())>
                        <button type="button" class="sort" on:click=move |_| {
                            view.update(|v| v.sort = v.sort.clicked(column));
                            to_top();
                        }>
                            {column.label()}
                        </button>
                    </th>
                }
            })
            .collect_view()
    };
    // The body is built anew when the columns change (rows are keyed by place and user,
    // which a new set of columns does not change).
    let body = move || {
        columns.track();
        view! {
            <tr class="spacer" aria-hidden="true">
                <td colspan=column_count style:height=before></td>
            </tr>
            <For each=slots key=|slot| *slot children=row />
            <tr class="spacer" aria-hidden="true">
                <td colspan=column_count style:height=after></td>
            </tr>
        }
    };
    let selected_count = move || selection.with(HashSet::len);
    let export_outcome = RwSignal::new(None::<Result<String, String>>);
    // With users selected the export is of those (in the list's order, shown or not);
    // otherwise of the users shown. The button says which.
    let export_label = move || match selected_count() {
        0 => format!("Export {} shown", user_count(shown.with(Vec::len))),
        n => format!("Export {} selected", user_count(n)),
    };
    let export = move |_| {
        let rows: Vec<usize> = selection.with_untracked(|selected| {
            if selected.is_empty() {
                shown.get_untracked()
            } else {
                sorted.with_untracked(|order| {
                    data.with_value(|d| list::selected_rows(&d.layout, order, &d.users, selected))
                })
            }
        });
        let (loaded, names, columns) = (
            data.get_value(),
            names.get_untracked(),
            columns.get_untracked(),
        );
        // The CSV writer is fetched with the export, not carried by the first load.
        spawn_local(async move {
            let count = rows.len();
            let result = crate::on_demand::users_csv(loaded, rows, columns, names)
                .await
                .and_then(|csv| download("users.csv", &csv, "text/csv;charset=utf-8"));
            export_outcome.set(Some(
                result.map(|()| format!("Exported {} to users.csv.", user_count(count))),
            ));
        });
    };

    view! {
        <div class="list-tools">
            <label for="user-search">"Search"</label>
            <input id="user-search" type="search" autocomplete="off"
                placeholder="Login, name or email"
                prop:value=move || view.with(|v| v.query.clone())
                on:input=move |ev| {
                    let query = event_target_value(&ev);
                    view.update(|v| v.query = query);
                } />
            <p role="status">{count}</p>
        </div>
        <div class="list-tools">
            <div class="field checkbox">
                <input type="checkbox" id="select-all" prop:checked=all_selected
                    disabled=move || shown.with(Vec::is_empty)
                    on:change=move |ev| select_all(event_target_checked(&ev)) />
                <label for="select-all">"Select all shown users"</label>
            </div>
            <p role="status">{move || match selected_count() {
                0 => "No user selected".to_owned(),
                n => format!("{} selected", user_count(n)),
            }}</p>
            <button type="button" class="secondary" disabled=move || selected_count() == 0
                on:click=move |_| selection.set(HashSet::new())>"Clear selection"</button>
            <button type="button" class="secondary" disabled=move || shown.with(Vec::is_empty)
                on:click=export>{export_label}</button>
            {move || export_outcome.get().map(|outcome| match outcome {
                Ok(message) => view! { <p role="status" class="status">{message}</p> }.into_any(),
                Err(error) => view! {
                    <p role="alert" class="alert">{format!("The export failed: {error}")}</p>
                }.into_any(),
            })}
        </div>
        {move || shown.with(Vec::is_empty).then(|| view! {
            <p class="muted">"No user matches this search and these filters."</p>
        })}
        <div class="table-scroll" role="region" aria-label="User list" node_ref=scroller
            on:scroll=move |_| measure()>
            <table role="grid" node_ref=grid
                style:min-width=move || format!("calc(2.5rem + {}rem)", columns.with(|c| c.iter().map(|c| c.width_rem()).sum::<u32>())) tabindex=grid_tab_stop aria-rowcount=move || shown.with(Vec::len) + 1
                aria-colcount=column_count aria-multiselectable="true"
                on:keydown=on_key on:focusin=on_focus_in>
                <caption>"Users of this account"</caption>
                <thead node_ref=head>
                    <tr role="row" aria-rowindex="1">
                        <th role="columnheader" scope="col"><span class="visually-hidden">"Selected"</span></th>
                        {headers}
                    </tr>
                </thead>
                <tbody node_ref=body_rows>{body}</tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_ids_round_trip() {
        assert_eq!(parse_cell_id(&cell_id(49_999, 7)), Some((49_999, 7)));
        for other in ["user-cell-1", "user-cell-a-1", "cell-1-1", ""] {
            assert_eq!(parse_cell_id(other), None, "{other}");
        }
    }
}
