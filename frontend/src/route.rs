//! Where the console is: the screen a URL names, and moving between screens without a page
//! load. URLs are relative to the page's `<base href>` (the proxy's path prefix), so the same
//! build works under any prefix.
//!
//! Hand-written rather than `leptos_router`: the console needs a guard that holds back every
//! way of leaving a screen with unsaved edits (links, the back button, a reload), which that
//! router does not offer, and the screens are few.

use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::wasm_bindgen::prelude::Closure;

/// A screen of the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// The first connection's list.
    Home,
    /// A connection's list.
    List {
        connection: String,
    },
    /// One user of a connection.
    User {
        connection: String,
        id: String,
    },
    /// The form that creates a user on a connection.
    New {
        connection: String,
    },
    /// Importing users from a file into a connection.
    Import {
        connection: String,
    },
    NotFound,
}

/// A screen and its query (the list's view: search, filters, sort, columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub screen: Screen,
    pub query: String,
}

impl Route {
    pub fn list(connection: &str, query: String) -> Self {
        Self {
            screen: Screen::List {
                connection: connection.to_owned(),
            },
            query,
        }
    }

    pub fn new_user(connection: &str) -> Self {
        Self {
            screen: Screen::New {
                connection: connection.to_owned(),
            },
            query: String::new(),
        }
    }

    pub fn import(connection: &str) -> Self {
        Self {
            screen: Screen::Import {
                connection: connection.to_owned(),
            },
            query: String::new(),
        }
    }

    pub fn user(connection: &str, id: &str) -> Self {
        Self {
            screen: Screen::User {
                connection: connection.to_owned(),
                id: id.to_owned(),
            },
            query: String::new(),
        }
    }

    /// The route of `path` (relative to the base, no leading slash) and `query` (no `?`).
    pub fn parse(path: &str, query: &str) -> Self {
        let segments: Vec<&str> = path.split('/').collect();
        let plain = |s: &str| shared::connection::is_valid_connection_id(s);
        let screen = match segments.as_slice() {
            [""] | ["index.html"] => Screen::Home,
            ["c", connection] | ["c", connection, ""] if plain(connection) => Screen::List {
                connection: (*connection).to_owned(),
            },
            ["c", connection, "new"] if plain(connection) => Screen::New {
                connection: (*connection).to_owned(),
            },
            ["c", connection, "import"] if plain(connection) => Screen::Import {
                connection: (*connection).to_owned(),
            },
            // A user's key as the vendor has it (`4100000001`, Trintech's `jane.doe`),
            // percent-encoded in the URL.
            ["c", connection, "users", key] | ["c", connection, "users", key, ""]
                if plain(connection) && shared::operation::decode_key(key).is_some() =>
            {
                Screen::User {
                    connection: (*connection).to_owned(),
                    id: shared::operation::decode_key(key).unwrap_or_default(),
                }
            }
            _ => Screen::NotFound,
        };
        Self {
            screen,
            query: query.to_owned(),
        }
    }

    /// The route as a URL relative to the page's base.
    pub fn href(&self) -> String {
        let path = match &self.screen {
            Screen::Home | Screen::NotFound => "./".to_owned(),
            Screen::List { connection } => format!("c/{connection}/"),
            Screen::User { connection, id } => {
                format!("c/{connection}/users/{}", shared::operation::encode_key(id))
            }
            Screen::New { connection } => format!("c/{connection}/new"),
            Screen::Import { connection } => format!("c/{connection}/import"),
        };
        if self.query.is_empty() {
            path
        } else {
            format!("{path}?{}", self.query)
        }
    }
}

/// The path the console is served under, from the page's `<base href>` (`/` or a prefix such
/// as `/admin/users/`).
fn base_path() -> String {
    document()
        .base_uri()
        .ok()
        .flatten()
        .and_then(|uri| web_sys::Url::new(&uri).ok())
        .map(|url| url.pathname())
        .unwrap_or_else(|| "/".into())
}

/// The route of the browser's current URL.
fn current() -> Route {
    let location = window().location();
    let path = location.pathname().unwrap_or_default();
    let query = location.search().unwrap_or_default();
    let base = base_path();
    let relative = path.strip_prefix(&base).unwrap_or("");
    Route::parse(relative, query.trim_start_matches('?'))
}

fn history(route: &Route, replace: bool) {
    let Ok(history) = window().history() else {
        return;
    };
    let href = route.href();
    let _ = if replace {
        history.replace_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some(&href))
    } else {
        history.push_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some(&href))
    };
}

/// The console's navigation, shared by every screen through the context.
#[derive(Clone, Copy)]
pub struct Nav {
    pub route: RwSignal<Route>,
    /// Set while a screen holds edits that leaving would lose: what they are, in words.
    pub unsaved: RwSignal<Option<String>>,
    /// Where the admin asked to go while edits were unsaved; the guard asks first.
    pub pending: RwSignal<Option<Route>>,
}

impl Nav {
    /// Starts following the browser's URL: the back and forward buttons, and a reload or
    /// close while edits are unsaved (the browser's own prompt).
    pub fn start() -> Self {
        let nav = Nav {
            route: RwSignal::new(current()),
            unsaved: RwSignal::new(None),
            pending: RwSignal::new(None),
        };
        let on_pop = Closure::<dyn Fn()>::new(move || {
            let to = current();
            if nav.unsaved.get_untracked().is_some() {
                // The URL already changed; put it back until the admin decides.
                history(&nav.route.get_untracked(), false);
                nav.pending.set(Some(to));
            } else {
                nav.route.set(to);
            }
        });
        let _ =
            window().add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
        on_pop.forget();
        let on_unload = Closure::<dyn Fn(web_sys::BeforeUnloadEvent)>::new(
            move |event: web_sys::BeforeUnloadEvent| {
                if nav.unsaved.get_untracked().is_some() {
                    event.prevent_default();
                    event.set_return_value("unsaved");
                }
            },
        );
        let _ = window()
            .add_event_listener_with_callback("beforeunload", on_unload.as_ref().unchecked_ref());
        on_unload.forget();
        nav
    }

    /// Goes to `route`, unless edits are unsaved: then the guard asks first.
    pub fn go(self, route: Route) {
        if self.unsaved.get_untracked().is_some() {
            self.pending.set(Some(route));
        } else {
            self.go_anyway(route);
        }
    }

    /// Goes to `route`, dropping unsaved edits.
    pub fn go_anyway(self, route: Route) {
        self.unsaved.set(None);
        self.pending.set(None);
        history(&route, false);
        self.route.set(route);
        // A new screen starts at its top.
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }

    /// Shows `route` in place of the current URL, with no history entry of its own (the home
    /// page becomes the first connection's list, and Back does not return to a bare `/`).
    pub fn redirect(self, route: Route) {
        history(&route, true);
        self.route.set(route);
    }

    /// Records a new query for the current screen (the list's view) without a history entry
    /// per keystroke.
    pub fn replace_query(self, query: String) {
        let mut route = self.route.get_untracked();
        if route.query != query {
            route.query = query;
            history(&route, true);
            self.route.update_untracked(|r| r.query = route.query);
        }
    }
}

pub fn use_nav() -> Nav {
    expect_context::<Nav>()
}

/// A click that follows a link in this tab; a modified or middle click (new tab, new window)
/// is the browser's to handle.
pub fn is_plain_click(ev: &leptos::ev::MouseEvent) -> bool {
    ev.button() == 0 && !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key())
}

/// A link within the console: followed without a page load (and through the unsaved-edits
/// guard); a modified click (new tab) is left to the browser.
#[component]
pub fn Link(
    route: Route,
    children: Children,
    #[prop(optional)] tabindex: Option<i32>,
) -> impl IntoView {
    let nav = use_nav();
    let href = route.href();
    let route = StoredValue::new(route);
    view! {
        <a href=href tabindex=tabindex on:click=move |ev: leptos::ev::MouseEvent| {
            if is_plain_click(&ev) {
                ev.prevent_default();
                nav.go(route.get_value());
            }
        }>{children()}</a>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let list = |c: &str| Screen::List {
            connection: c.into(),
        };
        let user = |c: &str, id: &str| Screen::User {
            connection: c.into(),
            id: id.into(),
        };
        for (path, screen, href) in [
            ("", Screen::Home, "./"),
            ("index.html", Screen::Home, "./"),
            ("c/lp", list("lp"), "c/lp/"),
            ("c/lp/", list("lp"), "c/lp/"),
            (
                "c/lp/users/4100000001",
                user("lp", "4100000001"),
                "c/lp/users/4100000001",
            ),
            ("c/lp/users/", Screen::NotFound, "./"),
            (
                "c/lp/new",
                Screen::New {
                    connection: "lp".into(),
                },
                "c/lp/new",
            ),
            ("c/LP/", Screen::NotFound, "./"),
            // A key is any text, one segment in the URL.
            ("c/lp/users/..", user("lp", ".."), "c/lp/users/%2E%2E"),
            (
                "c/tt/users/jane.doe",
                user("tt", "jane.doe"),
                "c/tt/users/jane%2Edoe",
            ),
            ("c/tt/users/a%2Fb", user("tt", "a/b"), "c/tt/users/a%2Fb"),
            ("c/tt/users/%0A", Screen::NotFound, "./"),
            ("elsewhere", Screen::NotFound, "./"),
        ] {
            let route = Route::parse(path, "");
            assert_eq!(route.screen, screen, "{path}");
            assert_eq!(route.href(), href, "{path}");
        }
        assert_eq!(
            Route::parse("c/lp/", "q=ada&sort=email").href(),
            "c/lp/?q=ada&sort=email"
        );
    }
}
