//! Sending a bulk edit (or its undo) the way the connection's vendor takes updates, chosen
//! from its description and declared operations, never from its name:
//! * [`Route::Revision`] (LivePerson): chunks of a batch update, each with `If-Match` at the
//!   revision the last answer gave; a chunk that meets a newer revision is sent once more
//!   with only its users nobody changed meanwhile.
//! * [`Route::Batch`] (Trintech): chunks of a batch update that answers record by record.
//! * [`Route::OneByOne`] (CommPeak): one update per user, with only the fields it changes.
//!
//! Without a revision nothing stops a write over another admin's change, so the users are
//! read again just before sending: one whose touched fields moved since the preview (or who
//! was deleted meanwhile) is left as the other admin made it, and the rest are rebuilt on
//! what was read. The window left is the send itself (ARCHITECTURE.md).

use std::collections::HashMap;

use leptos::prelude::*;
use serde_json::Value;
use shared::ConnectionInfo;
use shared::description::FieldValue;
use shared::operation::{Reply, names};

use crate::api;
use crate::record;

/// How a connection's users are updated in bulk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Revision,
    Batch,
    OneByOne,
}

/// The way this connection takes a bulk update, if it has one.
pub fn route(connection: &ConnectionInfo) -> Option<Route> {
    let description = shared::vendor::description(connection.kind);
    let batch = shared::vendor::operations(connection.kind)
        .iter()
        .find(|o| o.name == names::UPDATE_USERS)
        .filter(|_| connection.declares(names::UPDATE_USERS));
    match batch {
        Some(_) if description.revision.is_some() => Some(Route::Revision),
        Some(op) if op.reply == Reply::BatchResult => Some(Route::Batch),
        _ if connection.declares(names::UPDATE_USER) => Some(Route::OneByOne),
        _ => None,
    }
}

/// One user's part in a batch: the record it was read as, and what is sent for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub key: String,
    pub login: String,
    pub base: Value,
    pub send: Value,
}

/// What became of one user of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Done {
    /// Changed: from `before` to `after` (what an undo puts back, and checks against).
    Applied {
        before: Value,
        after: Value,
    },
    /// Left alone, and why.
    Skipped(String),
    Failed(String),
    NotSent,
}

impl Done {
    /// Why a user was not changed, as the result table says it.
    pub fn explained(&self) -> String {
        match self {
            Done::Applied { .. } => "Changed".to_owned(),
            Done::Skipped(why) => format!("Not changed: {why}"),
            Done::Failed(why) => format!("Failed: {why}"),
            Done::NotSent => "Not sent: cancelled".to_owned(),
        }
    }
}

/// When the records a batch is built on were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    BeforeThePreview,
    JustNow,
}

/// A batch on its way: where it goes, which fields it touches, how far it got, and whether
/// the admin cancelled.
#[derive(Clone, Copy)]
pub struct Sending {
    pub connection: StoredValue<ConnectionInfo>,
    pub touched: StoredValue<Vec<&'static str>>,
    pub progress: RwSignal<(usize, usize)>,
    pub cancel: StoredValue<bool>,
}

const MOVED: &str =
    "Someone else changed or deleted this user meanwhile; it was left as they made it.";

impl Sending {
    /// Sends `items` (read at `revision`), rebuilding one on its current record with
    /// `rebuild` where it must be read again; each user's outcome by key.
    /// `read` says when the items' records were read: long enough ago (a preview the admin
    /// looked at) that, without a revision, they must be read again before sending, or just
    /// now (an undo, a delete), which is as fresh as a second read would be.
    pub async fn send(
        self,
        revision: Option<String>,
        items: Vec<Item>,
        read: Read,
        rebuild: impl Fn(&Item, &Value) -> Option<Value>,
    ) -> HashMap<String, Done> {
        let connection = self.connection.get_value();
        let mut done = HashMap::new();
        self.progress.set((0, items.len()));
        let route = route(&connection);
        let items = match (route, read) {
            (Some(Route::Revision), _) | (_, Read::JustNow) => items,
            // Read again just before sending: nothing else guards these writes.
            (_, Read::BeforeThePreview) => self.fresh(items, &rebuild, &mut done).await,
        };
        let chunk_size = match route {
            Some(Route::OneByOne) => 1,
            _ => connection.chunk_size.max(1),
        };
        let mut revision = revision;
        for chunk in items.chunks(chunk_size) {
            if self.cancel.get_value() {
                done.extend(chunk.iter().map(|i| (i.key.clone(), Done::NotSent)));
                continue;
            }
            match route {
                Some(Route::Revision) => {
                    revision = self
                        .with_revision(revision, chunk.to_vec(), &rebuild, &mut done)
                        .await;
                }
                _ => self.without_revision(chunk, &mut done).await,
            }
            self.progress.update(|(sent, _)| *sent += chunk.len());
        }
        self.progress
            .update(|(sent, total)| *sent = (*sent).min(*total));
        done
    }

    fn body(&self, item: &Item) -> Value {
        let kind = self.connection.with_value(|c| c.kind);
        record::update_body(
            shared::vendor::description(kind),
            shared::vendor::fields(kind),
            &item.base,
            &item.send,
        )
    }

    /// `items` on their current records: those whose touched fields nobody changed since
    /// they were read, rebuilt; the others are reported in `done`.
    async fn fresh(
        &self,
        items: Vec<Item>,
        rebuild: &impl Fn(&Item, &Value) -> Option<Value>,
        done: &mut HashMap<String, Done>,
    ) -> Vec<Item> {
        let connection = self.connection.get_value();
        let description = shared::vendor::description(connection.kind);
        let fields = shared::vendor::fields(connection.kind);
        let now = match api::list_records(&connection).await {
            Ok((records, _)) => by_key(records, description.key),
            Err(failure) => {
                done.extend(
                    items
                        .iter()
                        .map(|i| (i.key.clone(), Done::Failed(failure.to_string()))),
                );
                return Vec::new();
            }
        };
        let touched = self.touched.get_value();
        let deleted = |r: &Value| {
            description
                .deleted
                .is_some_and(|field| record::holds(r, field, FieldValue::Bool(true)))
        };
        let mut fresh = Vec::new();
        for item in items {
            let Some(current) = now.get(&item.key) else {
                done.insert(item.key, Done::Skipped("the user no longer exists.".into()));
                continue;
            };
            let moved = super::changes(fields, &touched, &item.base, current);
            let rebuilt = (moved.is_empty() && deleted(current) == deleted(&item.base))
                .then(|| rebuild(&item, current))
                .flatten();
            match rebuilt {
                Some(send) => fresh.push(Item {
                    base: current.clone(),
                    send,
                    ..item
                }),
                None => {
                    done.insert(item.key, Done::Skipped(MOVED.into()));
                }
            }
        }
        fresh
    }

    /// One chunk without a revision: a batch answered record by record, or one user.
    async fn without_revision(&self, chunk: &[Item], done: &mut HashMap<String, Done>) {
        let connection = self.connection.get_value();
        let applied = |item: &Item| Done::Applied {
            before: item.base.clone(),
            after: item.send.clone(),
        };
        let outcome = match chunk {
            [item] if route(&connection) == Some(Route::OneByOne) => {
                api::save_user(&connection, &item.key, &self.body(item), None)
                    .await
                    .map(|()| vec![None])
            }
            _ => {
                let bodies: Vec<Value> = chunk.iter().map(|i| self.body(i)).collect();
                api::write_users(&connection, names::UPDATE_USERS, &bodies).await
            }
        };
        match outcome {
            Ok(refusals) => {
                for (item, refusal) in chunk.iter().zip(refusals) {
                    let result = refusal.map_or_else(|| applied(item), Done::Failed);
                    done.insert(item.key.clone(), result);
                }
            }
            Err(failure) => {
                let why = failure.to_string();
                done.extend(
                    chunk
                        .iter()
                        .map(|i| (i.key.clone(), Done::Failed(why.clone()))),
                );
            }
        }
    }

    /// One chunk with `If-Match`; the revision to send the next chunk at.
    async fn with_revision(
        &self,
        mut revision: Option<String>,
        mut chunk: Vec<Item>,
        rebuild: &impl Fn(&Item, &Value) -> Option<Value>,
        done: &mut HashMap<String, Done>,
    ) -> Option<String> {
        let connection = self.connection.get_value();
        let description = shared::vendor::description(connection.kind);
        let fields = shared::vendor::fields(connection.kind);
        for attempt in 0..2 {
            let bodies: Vec<Value> = chunk.iter().map(|i| self.body(i)).collect();
            match api::update_users(&connection, &bodies, revision.as_deref()).await {
                Ok(new_revision) => {
                    for item in &chunk {
                        done.insert(
                            item.key.clone(),
                            Done::Applied {
                                before: item.base.clone(),
                                after: item.send.clone(),
                            },
                        );
                    }
                    return new_revision;
                }
                Err(failure) if failure.is_conflict() && attempt == 0 => {
                    let now = match api::list_records(&connection).await {
                        Ok((records, now_revision)) => {
                            revision = now_revision;
                            by_key(records, description.key)
                        }
                        Err(reload) => {
                            for item in &chunk {
                                done.insert(item.key.clone(), Done::Failed(reload.to_string()));
                            }
                            return revision;
                        }
                    };
                    let mut again = Vec::new();
                    for item in chunk {
                        let untouched = now.get(&item.key).filter(|current| {
                            record::differences(&item.base, current, current, fields).is_empty()
                        });
                        match untouched.and_then(|current| {
                            rebuild(&item, current).map(|send| (current.clone(), send))
                        }) {
                            Some((base, send)) => again.push(Item { base, send, ..item }),
                            None => {
                                done.insert(item.key, Done::Skipped(MOVED.into()));
                            }
                        }
                    }
                    if again.is_empty() {
                        return revision;
                    }
                    chunk = again;
                }
                Err(failure) => {
                    for (k, item) in chunk.iter().enumerate() {
                        let own: Vec<&str> = failure
                            .field_errors
                            .0
                            .iter()
                            .filter(|e| {
                                e.path.strip_prefix('/').and_then(|p| p.split('/').next())
                                    == Some(k.to_string().as_str())
                            })
                            .map(|e| e.message.as_str())
                            .collect();
                        let why = if own.is_empty() {
                            failure.to_string()
                        } else {
                            own.join(" ")
                        };
                        done.insert(item.key.clone(), Done::Failed(why));
                    }
                    return revision;
                }
            }
        }
        revision
    }
}

/// Records by their key.
pub fn by_key(records: Vec<Value>, key: &str) -> HashMap<String, Value> {
    records
        .into_iter()
        .filter_map(|r| Some((record::key_of(&r, key)?, r)))
        .collect()
}
