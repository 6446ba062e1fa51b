//! Deleting one user, as the vendor's description says a user is deleted: by its delete
//! operation, or by a flag that an update sets and clears.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use shared::ConnectionInfo;
use shared::description::Switch;

use crate::api::{self, Failure, Record};
use crate::dialog::Dialog;
use crate::record;
use crate::route::{Route, use_nav};

/// Deleting by the vendor's delete operation (LivePerson: a soft delete, checked against
/// the revision the user was read at).
#[component]
pub fn DeleteUser(
    connection: ConnectionInfo,
    id: String,
    login: Signal<String>,
    revision: RwSignal<Option<String>>,
    /// The record as the admin sees it: what the delete is confirmed against.
    original: RwSignal<Value>,
    /// Called with the current record when it changed under the admin.
    on_changed: Callback<Record>,
) -> impl IntoView {
    let nav = use_nav();
    let notice = crate::app::notifier();
    let vendor = connection.kind.label();
    let open = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let deleting = RwSignal::new(false);
    let fields = shared::vendor::fields(connection.kind);
    let target = StoredValue::new((connection, id));
    let confirm = move |_| {
        deleting.set(true);
        spawn_local(async move {
            let (connection, id) = target.get_value();
            let mut result =
                api::delete_user(&connection, &id, revision.get_untracked().as_deref()).await;
            // The revision is the account's: any change anywhere moves it. If this user is as
            // the admin saw it, the delete is what they confirmed, at the new revision; if the
            // user changed, the admin sees the change first.
            if matches!(&result, Err(f) if f.is_conflict()) {
                result = match api::read_user(&connection, &id).await {
                    Ok(now) => {
                        let unchanged = original.with_untracked(|o| {
                            record::differences(o, &now.value, &now.value, fields).is_empty()
                        });
                        if unchanged {
                            revision.set(now.revision.clone());
                            api::delete_user(&connection, &id, now.revision.as_deref()).await
                        } else {
                            let failure = result.err().map(|f| Failure {
                                message: "Someone else changed this user since you opened it, so it was not deleted. The form now shows the current record: check it, then delete again if you still mean to.".into(),
                                ..f
                            });
                            on_changed.run(now);
                            failure.map_or(Ok(()), Err)
                        }
                    }
                    Err(f) => Err(f),
                };
            }
            match result {
                Ok(()) => {
                    notice(format!("Deleted user {}.", login.get_untracked()));
                    nav.go_anyway(Route::list(
                        &connection.id,
                        crate::app::last_list_query(&connection.id),
                    ));
                }
                Err(f) => {
                    failure.set(Some(f));
                    open.set(false);
                }
            }
            deleting.set(false);
        });
    };
    view! {
        <section aria-labelledby="delete-heading">
            <h3 id="delete-heading">"Delete"</h3>
            <button type="button" class="danger" on:click=move |_| open.set(true)>"Delete user"</button>
            {move || failure.get().map(|f| view! { <p role="alert" class="alert">{f.to_string()}</p> })}
            <Dialog open=open title=Signal::derive(move || format!("Delete {}?", login.get()))
                on_dismiss=Callback::new(move |()| open.set(false))>
                <p>{move || format!("{vendor} marks {} as deleted: the user can no longer log in, and the console lists it only with \"Include deleted users\".", login.get())}</p>
                <div class="actions">
                    <button type="button" class="danger" disabled=move || deleting.get() on:click=confirm>
                        {move || format!("Delete {}", login.get())}
                    </button>
                    <button type="button" class="secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                </div>
            </Dialog>
        </section>
    }
}

/// Deleting and restoring by the vendor's deleted flag (CommPeak's `is_deleted`): an update
/// of that one field, after the admin confirms. A flagged user stays listed with "Include
/// deleted users" and can be restored the same way.
#[component]
pub fn FlagDelete(
    connection: ConnectionInfo,
    id: String,
    login: Signal<String>,
    flag: Switch,
    /// Whether the user is flagged deleted now.
    deleted: Signal<bool>,
    /// Called once the flag is written, to read the user again.
    on_changed: Callback<()>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let sending = RwSignal::new(false);
    let target = StoredValue::new((connection, id));
    let confirm = move |_| {
        sending.set(true);
        let value = if deleted.get_untracked() {
            flag.off
        } else {
            flag.on
        };
        spawn_local(async move {
            let (connection, id) = target.get_value();
            let body = serde_json::json!({ flag.field: record::json_of(value) });
            match api::save_user(&connection, &id, &body, None).await {
                Ok(()) => {
                    failure.set(None);
                    on_changed.run(());
                }
                Err(f) => failure.set(Some(f)),
            }
            open.set(false);
            sending.set(false);
        });
    };
    let action = move || if deleted.get() { "Restore" } else { "Delete" };
    view! {
        <section aria-labelledby="delete-heading">
            <h3 id="delete-heading">"Delete"</h3>
            <button type="button" class=move || if deleted.get() { "secondary" } else { "danger" }
                on:click=move |_| open.set(true)>{move || format!("{} user", action())}</button>
            {move || failure.get().map(|f| view! { <p role="alert" class="alert">{f.to_string()}</p> })}
            <Dialog open=open title=Signal::derive(move || format!("{} {}?", action(), login.get()))
                on_dismiss=Callback::new(move |()| open.set(false))>
                <p>{move || if deleted.get() {
                    format!("{} will be an ordinary user again, listed without \"Include deleted users\".", login.get())
                } else {
                    format!("{} is marked deleted: listed only with \"Include deleted users\", and it can be restored.", login.get())
                }}</p>
                <div class="actions">
                    <button type="button" class=move || if deleted.get() { "" } else { "danger" }
                        disabled=move || sending.get() on:click=confirm>
                        {move || format!("{} {}", action(), login.get())}
                    </button>
                    <button type="button" class="secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                </div>
            </Dialog>
        </section>
    }
}
