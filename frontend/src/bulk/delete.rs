//! Deleting the selected users behind a typed confirmation, the way the vendor deletes: its
//! delete operation (LivePerson, in chunks checked against the revision read when the admin
//! confirmed), or its deleted flag set by an update like any bulk edit (CommPeak). A vendor
//! without a deletion (Trintech) offers no delete: its users are locked out instead.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use shared::ConnectionInfo;
use shared::description::{Deletion, Switch};
use shared::format::{on_selected, user_count};

use super::send::{Done, Item, Read, Sending};
use super::{BulkEdit, Op};
use crate::api;
use crate::dialog::Dialog;
use crate::record;

/// What became of a delete: deleted keys, and (count, why) for those that were not.
type Outcome = (Vec<String>, Vec<(usize, String)>);

/// Deletes with the vendor's delete operation, in chunks, each checked against the revision
/// the last answer gave (read first, when the vendor has one).
async fn by_operation(connection: &ConnectionInfo, keys: Vec<String>) -> Result<Outcome, String> {
    let description = shared::vendor::description(connection.kind);
    let mut revision = match description.revision {
        Some(_) => {
            let layout = crate::list::Layout::minimal(connection.kind);
            api::list_users(&connection.id, &layout, false)
                .await
                .map_err(|f| f.to_string())?
                .revision
        }
        None => None,
    };
    let (mut deleted, mut failed) = (Vec::new(), Vec::new());
    for chunk in keys.chunks(connection.chunk_size.max(1)) {
        match api::delete_users(connection, chunk, revision.as_deref()).await {
            Ok(new_revision) => {
                revision = new_revision;
                deleted.extend_from_slice(chunk);
            }
            Err(f) => failed.push((chunk.len(), f.to_string())),
        }
    }
    Ok((deleted, failed))
}

/// Deletes by setting the vendor's deleted flag on each user, as a bulk edit does.
async fn by_flag(
    connection: &ConnectionInfo,
    flag: Switch,
    keys: &HashSet<String>,
) -> Result<Outcome, String> {
    let description = shared::vendor::description(connection.kind);
    let edit = BulkEdit(vec![(flag.field, Op::Set(record::json_of(flag.on)))]);
    let (records, _) = api::list_records(connection)
        .await
        .map_err(|f| f.to_string())?;
    let items: Vec<Item> = records
        .into_iter()
        .filter_map(|base| {
            let key = record::key_of(&base, description.key).filter(|k| keys.contains(k))?;
            let login = record::key_of(&base, description.login).unwrap_or_else(|| key.clone());
            let send = super::apply(&edit, &base);
            Some(Item {
                key,
                login,
                base,
                send,
            })
        })
        .collect();
    let sending = Sending {
        connection: StoredValue::new(connection.clone()),
        touched: StoredValue::new(edit.paths()),
        progress: RwSignal::new((0, 0)),
        cancel: StoredValue::new(false),
    };
    let done = sending
        .send(None, items, Read::JustNow, move |_, now: &Value| {
            Some(super::apply(&edit, now))
        })
        .await;
    let mut deleted = Vec::new();
    // Counted by reason, so a thousand users left for one reason say it once.
    let mut failed: Vec<(usize, String)> = Vec::new();
    for (key, result) in done {
        match result {
            Done::Applied { .. } => deleted.push(key),
            other => {
                let why = other.explained();
                match failed.iter_mut().find(|(_, said)| *said == why) {
                    Some((count, _)) => *count += 1,
                    None => failed.push((1, why)),
                }
            }
        }
    }
    Ok((deleted, failed))
}

#[component]
pub fn BulkDelete(
    connection: ConnectionInfo,
    selection: RwSignal<HashSet<String>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let deletion = shared::vendor::description(connection.kind).deletion;
    if deletion == Deletion::None {
        return ().into_any();
    }
    let open = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let deleting = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let connection = StoredValue::new(connection);
    let count = move || selection.with(HashSet::len);
    let phrase = move || format!("delete {}", user_count(count()));
    let confirm = move |()| {
        let keys = selection.get_untracked();
        deleting.set(true);
        spawn_local(async move {
            let connection = connection.get_value();
            let result = match deletion {
                Deletion::Flag(flag) => by_flag(&connection, flag, &keys).await,
                _ => by_operation(&connection, keys.into_iter().collect()).await,
            };
            let message = match result {
                Err(why) => Err(why),
                Ok((deleted, failed)) => {
                    selection.update(|s| {
                        for key in &deleted {
                            s.remove(key);
                        }
                    });
                    if failed.is_empty() {
                        Ok(format!("Deleted {}.", user_count(deleted.len())))
                    } else {
                        Err(format!(
                            "Deleted {}; {} were not: {}",
                            user_count(deleted.len()),
                            user_count(failed.iter().map(|(n, _)| n).sum()),
                            failed
                                .into_iter()
                                .map(|(_, why)| why)
                                .collect::<Vec<_>>()
                                .join(" ")
                        ))
                    }
                }
            };
            outcome.set(Some(message));
            deleting.set(false);
            open.set(false);
            typed.set(String::new());
            on_changed.run(());
        });
    };
    let explained = match deletion {
        Deletion::Flag(_) => {
            "Each is marked as deleted and can no longer log in; it can be restored from its own page. To confirm, type the phrase below."
        }
        _ => {
            "Each is marked as deleted and can no longer log in. To confirm, type the phrase below."
        }
    };
    view! {
        <button type="button" class="danger" disabled=move || count() == 0
            on:click=move |_| { typed.set(String::new()); outcome.set(None); open.set(true) }>
            {move || on_selected("Delete", count())}
        </button>
        {move || outcome.get().map(|o| match o {
            Ok(text) => view! { <p role="status" class="status">{text}</p> }.into_any(),
            Err(text) => view! { <p role="alert" class="alert">{text}</p> }.into_any(),
        })}
        <Dialog open=open title=Signal::derive(move || format!("Delete {}?", user_count(count())))
            on_dismiss=Callback::new(move |()| open.set(false))>
            <p>{explained}</p>
            // A form, so Enter in the phrase confirms once the phrase is right.
            <form novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                if !deleting.get_untracked() && typed.with_untracked(|t| t.trim() == phrase()) {
                    confirm(());
                }
            }>
                <div class="field">
                    <label for="bulk-delete-confirm">{move || format!("Type \"{}\"", phrase())}</label>
                    <input type="text" id="bulk-delete-confirm" autocomplete="off"
                        prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev)) />
                </div>
                <div class="actions">
                    <button type="submit" class="danger"
                        disabled=move || deleting.get() || typed.with(|t| t.trim() != phrase())>
                        {move || format!("Delete {}", user_count(count()))}
                    </button>
                    <button type="button" class="secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                </div>
            </form>
        </Dialog>
    }
    .into_any()
}
