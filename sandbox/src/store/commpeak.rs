//! The emulated CommPeak users: created with the vendor's defaults, changed field by field.

use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};
use shared::commpeak::{NewUser, UserUpdate};

use super::{Store, StoreError};
use crate::seed::{COMMPEAK_FIRST_ID, COMMPEAK_ROLES, Seed, registration_password};

/// A list as last read, and the revision of the table it was read at.
pub(crate) struct KeptList {
    revision: i64,
    users: Arc<Vec<Value>>,
}

impl Store {
    /// Seeds the users, when there are none yet.
    pub fn commpeak_seed_if_empty(&self, seed: &Seed) -> Result<(), StoreError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let existing: i64 = tx.query_row("SELECT COUNT(*) FROM cp_users", [], |r| r.get(0))?;
        if existing == 0 {
            let mut insert =
                tx.prepare("INSERT INTO cp_users (id, username, record) VALUES (?1, ?2, ?3)")?;
            for user in crate::seed::commpeak_records(seed)? {
                insert.execute(params![
                    user["id"].as_i64().unwrap_or_default(),
                    user["username"].as_str().unwrap_or_default(),
                    user.to_string()
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every user, ordered by id, as stored (native JSON types). The list last read is kept
    /// while the table's revision stands: reading and parsing 50,000 stored records is most of
    /// a list's cost, and any write to the table moves the revision (its triggers do).
    pub fn commpeak_list(&self) -> Result<Arc<Vec<Value>>, StoreError> {
        let connection = self.lock();
        let revision = table_revision(&connection)?;
        let mut kept = self
            .cp_list
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(list) = kept.as_ref().filter(|k| k.revision == revision) {
            return Ok(list.users.clone());
        }
        let mut query = connection.prepare_cached("SELECT record FROM cp_users ORDER BY id")?;
        let records = query
            .query_map([], |row| row.get::<_, String>(0))?
            .map(|record| Ok(serde_json::from_str(&record?)?))
            .collect::<Result<Vec<Value>, StoreError>>()?;
        let users = Arc::new(records);
        *kept = Some(KeptList {
            revision,
            users: users.clone(),
        });
        Ok(users)
    }

    pub fn commpeak_get(&self, id: i64) -> Result<Value, StoreError> {
        let record: Option<String> = self
            .lock()
            .query_row("SELECT record FROM cp_users WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .optional()?;
        Ok(serde_json::from_str(
            &record.ok_or(StoreError::NoSuchUser(id))?,
        )?)
    }

    /// Creates (already validated) users with the vendor's defaults; all or nothing.
    pub fn commpeak_create(&self, users: &[NewUser]) -> Result<Vec<Value>, StoreError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let first_id: i64 = tx.query_row(
            "SELECT COALESCE(MAX(id) + 1, ?1) FROM cp_users",
            [COMMPEAK_FIRST_ID],
            |row| row.get(0),
        )?;
        let mut rng = fastrand::Rng::new();
        let mut created = Vec::with_capacity(users.len());
        for (user, id) in users.iter().zip(first_id..) {
            let username = user.username.clone().unwrap_or_default();
            if username_taken(&tx, &username, None)? {
                return Err(StoreError::UserNameTaken(username));
            }
            let roles: Map<String, Value> = user
                .roles
                .iter()
                .flatten()
                .map(|role| {
                    let key = role
                        .as_str()
                        .map_or_else(|| role.to_string(), str::to_owned);
                    let name = COMMPEAK_ROLES
                        .iter()
                        .find(|(id, _)| *id == key)
                        .map_or_else(|| format!("Role {key}"), |(_, name)| (*name).to_owned());
                    (key, Value::String(name))
                })
                .collect();
            let record = json!({
                "id": id,
                "username": username,
                "email": user.email,
                "registration_password": registration_password(&mut rng),
                "is_active": user.is_active.unwrap_or(true),
                "is_clockedin": false,
                "sip_uri": user.sip_uri.clone().unwrap_or_else(|| format!("sip:{username}@example.td.commpeak.com")),
                "auto_dial": false,
                "is_deleted": false,
                "use_extended_ip_acl": user.use_extended_ip_acl.unwrap_or(false),
                "user_route_caller_id": user.user_route_caller_id.unwrap_or(0),
                "timezone_id": 1,
                "use_webrtc": true,
                "first_name": "",
                "last_name": "",
                "virtual_extension": (id + 1000).to_string(),
                "default_language": "en_US",
                "max_session_time": "0",
                "max_concurrent_sessions": "1",
                "twofa_type": "default",
                "member_all_desks": user.member_all_desks.unwrap_or(false),
                "desks": user.desks.clone().unwrap_or_default(),
                "roles": roles,
                "groups": user.skill_groups.clone().unwrap_or_default(),
            });
            let hash = user
                .password
                .as_deref()
                .map(|p| super::password_hash(&id.to_string(), p));
            tx.execute(
                "INSERT INTO cp_users (id, username, password_hash, record) VALUES (?1, ?2, ?3, ?4)",
                params![id, username, hash, record.to_string()],
            )?;
            created.push(record);
        }
        tx.commit()?;
        Ok(created)
    }

    /// Changes only the fields `update` carries (already validated).
    pub fn commpeak_update(&self, id: i64, update: &UserUpdate) -> Result<Value, StoreError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let stored: Option<String> = tx
            .query_row("SELECT record FROM cp_users WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .optional()?;
        let mut record: Value = serde_json::from_str(&stored.ok_or(StoreError::NoSuchUser(id))?)?;
        let Value::Object(changes) = serde_json::to_value(update)? else {
            unreachable!("an update always serializes to a JSON object");
        };
        for (field, value) in changes {
            if field == "id" {
                continue;
            }
            // The stored record holds flags as booleans; an update carries them as 0/1.
            let value = match (&record[&field], value) {
                (Value::Bool(_), Value::Number(n)) => Value::Bool(n.as_u64() == Some(1)),
                (_, value) => value,
            };
            record[field] = value;
        }
        let username = record["username"].as_str().unwrap_or_default().to_owned();
        if username_taken(&tx, &username, Some(id))? {
            return Err(StoreError::UserNameTaken(username));
        }
        tx.execute(
            "UPDATE cp_users SET username = ?2, record = ?3 WHERE id = ?1",
            params![id, username, record.to_string()],
        )?;
        tx.commit()?;
        Ok(record)
    }
}

/// Moved by `cp_users`' triggers on every insert, update and delete.
fn table_revision(connection: &Connection) -> Result<i64, StoreError> {
    Ok(connection
        .prepare_cached("SELECT revision FROM cp_revision WHERE id = 1")?
        .query_row([], |row| row.get(0))?)
}

fn username_taken(
    connection: &Connection,
    username: &str,
    except_id: Option<i64>,
) -> Result<bool, StoreError> {
    Ok(connection
        .query_row(
            "SELECT 1 FROM cp_users WHERE username = ?1 AND id IS NOT ?2",
            params![username, except_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Database;

    fn usernames(store: &Store) -> Vec<String> {
        store
            .commpeak_list()
            .unwrap()
            .iter()
            .map(|user| user["username"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The kept list is answered until the table changes, whoever changes it: the store's
    /// create and update, or any other write to `cp_users` (the triggers move the revision).
    #[test]
    fn the_next_list_sees_every_write() {
        let store = Store::open(&Database::InMemory).unwrap();
        store.commpeak_seed_if_empty(&Seed::Generated(3)).unwrap();
        let first = store.commpeak_list().unwrap();
        assert_eq!(first.len(), 3);
        assert!(
            Arc::ptr_eq(&first, &store.commpeak_list().unwrap()),
            "an unchanged table is not read again"
        );

        let new: NewUser = serde_json::from_value(
            json!({"username": "kept.new", "password": "pw", "email": "kept.new@example.com"}),
        )
        .unwrap();
        let created = store.commpeak_create(&[new]).unwrap();
        let id = created[0]["id"].as_i64().unwrap();
        assert_eq!(usernames(&store).last().unwrap(), "kept.new", "a create");

        let update: UserUpdate =
            serde_json::from_value(json!({"username": "kept.renamed", "is_active": 0})).unwrap();
        store.commpeak_update(id, &update).unwrap();
        let listed = store.commpeak_list().unwrap();
        let last = listed.last().unwrap();
        assert_eq!(
            (&last["username"], &last["is_active"]),
            (&json!("kept.renamed"), &json!(false)),
            "an update"
        );

        // A refused write changes nothing, and the kept list is still answered.
        let taken: UserUpdate =
            serde_json::from_value(json!({"username": first[0]["username"]})).unwrap();
        assert!(store.commpeak_update(id, &taken).is_err());
        assert!(Arc::ptr_eq(&listed, &store.commpeak_list().unwrap()));

        // Writes the store did not make are seen too.
        store
            .lock()
            .execute("DELETE FROM cp_users WHERE id = ?1", [id])
            .unwrap();
        assert_eq!(store.commpeak_list().unwrap().len(), 3, "a delete");
        store
            .lock()
            .execute(
                "UPDATE cp_users SET record = json_set(record, '$.email', 'x@example.com') \
                 WHERE id = ?1",
                [first[0]["id"].as_i64().unwrap()],
            )
            .unwrap();
        assert_eq!(
            store.commpeak_list().unwrap()[0]["email"],
            "x@example.com",
            "an update in SQL"
        );
    }
}
