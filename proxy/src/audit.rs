//! One structured event per change sent to a vendor: who (and as what role), on which
//! connection, which operation, which users, what the vendor answered, and the request id.
//! Logged under the `audit` target, and appended as a JSON line to a file when configured.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

use crate::access::{Identity, Role};

/// A change, as recorded.
#[derive(Debug, Serialize)]
pub struct Event<'a> {
    pub time: String,
    pub who: &'a str,
    pub role: Role,
    pub connection: &'a str,
    pub operation: &'a str,
    /// The users concerned: the id in the path, or the ids, login names or user names the body
    /// names.
    pub users: Vec<String>,
    /// The vendor's status, or the proxy's 502/504 when no answer came (the change may then
    /// have been applied or not).
    pub status: u16,
    pub request_id: Option<&'a str>,
}

/// The users a write names: the path's id, else each body record's id or name.
pub fn subjects(path_id: Option<&str>, body: Option<&[u8]>) -> Vec<String> {
    if let Some(id) = path_id {
        return vec![id.to_owned()];
    }
    let Some(value) = body.and_then(|b| serde_json::from_slice::<Value>(b).ok()) else {
        return Vec::new();
    };
    let records = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    records
        .iter()
        .filter_map(|record| match record {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Object(fields) => {
                ["id", "loginName", "userName", "username"]
                    .iter()
                    .find_map(|k| match fields.get(*k)? {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
            }
            _ => None,
        })
        .collect()
}

/// Where events go besides the log.
pub struct Trail {
    file: Option<Mutex<std::fs::File>>,
}

impl Trail {
    /// Opens (creating, never truncating) the JSON-lines file, if any.
    pub fn open(path: Option<&Path>) -> std::io::Result<Self> {
        let file = path
            .map(|path| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
            })
            .transpose()?;
        Ok(Self {
            file: file.map(Mutex::new),
        })
    }

    pub fn record(&self, event: &Event<'_>) {
        tracing::info!(
            target: "audit",
            who = event.who,
            role = ?event.role,
            connection = event.connection,
            operation = event.operation,
            users = ?event.users,
            status = event.status,
            request_id = event.request_id,
            "change"
        );
        if let Some(file) = &self.file {
            let mut line = serde_json::to_vec(event).unwrap_or_default();
            line.push(b'\n');
            let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
            if let Err(e) = file.write_all(&line).and_then(|()| file.flush()) {
                tracing::error!(error = %e, "the audit file could not be written");
            }
        }
    }
}

/// An event for `identity`'s change.
pub fn event<'a>(
    identity: &'a Identity,
    connection: &'a str,
    operation: &'a str,
    users: Vec<String>,
    status: u16,
    request_id: Option<&'a str>,
) -> Event<'a> {
    Event {
        time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        who: &identity.name,
        role: identity.role,
        connection,
        operation,
        users,
        status,
        request_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_a_write_names() {
        for (path, body, expected) in [
            (Some("42"), Some(&br#"[{"id": 7}]"#[..]), vec!["42"]),
            (
                None,
                Some(br#"[{"id": 7}, {"loginName": "ada"}, {"userName": "tt"}]"#),
                vec!["7", "ada", "tt"],
            ),
            (None, Some(br#"["1", 2]"#), vec!["1", "2"]),
            (None, Some(br#"{"username": "cp"}"#), vec!["cp"]),
            (None, Some(b"not json"), vec![]),
            (None, None, vec![]),
        ] {
            assert_eq!(subjects(path, body), expected);
        }
    }
}
