//! The users console in the browser: a Leptos single-page app, client-side rendered to
//! WebAssembly. It talks only to the proxy (`/api/...`), never to a vendor.

mod api;
mod app;
mod bulk;
mod catalog;
mod create;
mod dialog;
mod form;
mod grid;
mod import;
mod import_view;
mod list;
mod on_demand;
mod picker;
mod record;
mod route;
mod user;
mod vendors;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
