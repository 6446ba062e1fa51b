//! A modal dialog: the browser's own `<dialog>` opened with `showModal()`, which makes the rest
//! of the page inert (so focus cannot leave it) and closes on Escape; focus goes back to what
//! had it before the dialog opened.

use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;

#[component]
pub fn Dialog(
    /// Whether the dialog is open.
    #[prop(into)]
    open: Signal<bool>,
    /// Its heading, which also names it for assistive technology.
    #[prop(into)]
    title: Signal<String>,
    /// Called when the admin dismisses it (Escape).
    on_dismiss: Callback<()>,
    children: ChildrenFn,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    let heading_id = format!("dialog-{}", next_id());
    let labelled_by = heading_id.clone();
    Effect::new(move |_| {
        let Some(element) = dialog.get() else { return };
        if open.get() {
            if !element.open() {
                let active = document()
                    .active_element()
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
                opener.set_value(active);
                let _ = element.show_modal();
            }
        } else if element.open() {
            element.close();
            if let Some(opener) = opener.get_value() {
                let _ = opener.focus();
            }
        }
    });
    let children = StoredValue::new(children);
    view! {
        <dialog node_ref=dialog aria-labelledby=labelled_by
            on:cancel=move |ev: leptos::ev::Event| {
                ev.prevent_default();
                on_dismiss.run(());
            }>
            <h2 id=heading_id>{move || title.get()}</h2>
            {move || open.get().then(|| children.with_value(|children| children()))}
        </dialog>
    }
}

/// A number unique within the page, for element ids.
fn next_id() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
