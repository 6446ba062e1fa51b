//! The emulated LivePerson users and each account's revision.

use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use sha2::{Digest, Sha256};
use shared::liveperson::{MemberOf, ProfileRoles, User, apply_role_change};

use super::{Precondition, Store, StoreError};
use crate::seed::Seed;

/// What a stored user refers to by id (records are stored with native JSON types).
#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Refers {
    skill_ids: Option<Vec<i64>>,
    member_of: Option<MemberOf>,
    manager_of: Option<Vec<MemberOf>>,
    profile_ids: Option<Vec<i64>>,
}

/// A list as last read, and the revision it was read at.
pub(crate) struct KeptList {
    account_id: String,
    revision: i64,
    include_deleted: bool,
    users: Arc<Vec<Value>>,
}

/// Fields that are write-only: never stored in the record nor returned.
const WRITE_ONLY_FIELDS: [&str; 3] = ["passwordSh", "oldPassword", "confirmPassword"];

impl Store {
    /// Seeds the account's users, when it has none yet.
    pub fn seed_if_empty(&self, account_id: &str, seed: &Seed) -> Result<(), StoreError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let existing: i64 = tx.query_row(
            "SELECT COUNT(*) FROM lp_users WHERE account_id = ?1",
            [account_id],
            |row| row.get(0),
        )?;
        if existing == 0 {
            let mut insert = tx.prepare(
                "INSERT INTO lp_users (account_id, id, login_name, deleted, record) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for user in crate::seed::liveperson_records(seed, account_id)? {
                let id = user["id"].as_i64().unwrap_or_default();
                let login = user["loginName"].as_str().unwrap_or_default().to_owned();
                let deleted = user["deleted"] == true;
                insert.execute(params![account_id, id, login, deleted, user.to_string()])?;
            }
            drop(insert);
            tx.execute(
                "INSERT OR IGNORE INTO lp_revisions (account_id, revision) VALUES (?1, 1)",
                [account_id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The skill, agent group and profile ids the account's users (deleted ones included)
    /// refer to, so the account's configuration can name every one.
    pub fn references(&self, account_id: &str) -> Result<crate::seed::References, StoreError> {
        let connection = self.lock();
        let mut query =
            connection.prepare_cached("SELECT record FROM lp_users WHERE account_id = ?1")?;
        let mut references = crate::seed::References::default();
        for record in query.query_map([account_id], |row| row.get::<_, String>(0))? {
            // Only the four fields are read; the rest of each record is skipped unparsed.
            let Refers {
                skill_ids,
                member_of,
                manager_of,
                profile_ids,
            } = serde_json::from_str(&record?)?;
            references.add(&User {
                skill_ids,
                member_of,
                manager_of,
                profile_ids,
                ..User::default()
            });
        }
        Ok(references)
    }

    pub fn revision(&self, account_id: &str) -> Result<i64, StoreError> {
        current_revision(&self.lock(), account_id)
    }

    /// Every user of the account (soft-deleted ones only when asked), ordered by id.
    pub fn list(
        &self,
        account_id: &str,
        include_deleted: bool,
    ) -> Result<(i64, Arc<Vec<Value>>), StoreError> {
        let connection = self.lock();
        let revision = current_revision(&connection, account_id)?;
        let mut kept = self
            .lp_list
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(list) = kept.as_ref().filter(|k| {
            k.account_id == account_id
                && k.revision == revision
                && k.include_deleted == include_deleted
        }) {
            return Ok((revision, list.users.clone()));
        }
        let mut query = connection.prepare_cached(
            "SELECT record FROM lp_users WHERE account_id = ?1 AND (deleted = 0 OR ?2) ORDER BY id",
        )?;
        let users = query
            .query_map(params![account_id, include_deleted], |row| {
                row.get::<_, String>(0)
            })?
            .map(|record| Ok(serde_json::from_str(&record?)?))
            .collect::<Result<Vec<Value>, StoreError>>()?;
        let users = Arc::new(users);
        *kept = Some(KeptList {
            account_id: account_id.to_owned(),
            revision,
            include_deleted,
            users: users.clone(),
        });
        Ok((revision, users))
    }

    /// Creates users (already validated), assigning ids; all or nothing.
    pub fn create(
        &self,
        account_id: &str,
        users: &[User],
        now: &str,
    ) -> Result<(i64, Vec<Value>), StoreError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let first_id: i64 = tx.query_row(
            "SELECT COALESCE(MAX(id), 0) + 1 FROM lp_users WHERE account_id = ?1",
            [account_id],
            |row| row.get(0),
        )?;
        let mut created = Vec::with_capacity(users.len());
        for ((index, user), next_id) in users.iter().enumerate().zip(first_id..) {
            let login_name = user.login_name.clone().unwrap_or_default();
            if login_taken(&tx, account_id, &login_name, None)? {
                return Err(StoreError::LoginNameTaken { index, login_name });
            }
            let mut record = stored_record(user)?;
            date_assignments(&mut record, None, now);
            record.insert("id".into(), next_id.into());
            record.insert("pid".into(), pid_for(account_id, next_id).into());
            record.insert("deleted".into(), false.into());
            record.insert("dateUpdated".into(), now.into());
            if user.password_sh.is_some() {
                record.insert("lastPwdChangeDate".into(), now.into());
            }
            let record = Value::Object(record);
            tx.execute(
                "INSERT INTO lp_users (account_id, id, login_name, deleted, password_hash, record) VALUES (?1, ?2, ?3, 0, ?4, ?5)",
                params![account_id, next_id, login_name, password_hash(account_id, next_id, user), record.to_string()],
            )?;
            created.push(record);
        }
        let revision = bump_revision(&tx, account_id)?;
        tx.commit()?;
        Ok((revision, created))
    }

    /// Replaces whole users (already validated): fields left out of a body are gone afterwards,
    /// as with the vendor. Checks the precondition inside the same transaction.
    pub fn replace(
        &self,
        account_id: &str,
        users: &[User],
        roles: &ProfileRoles,
        precondition: Precondition,
        now: &str,
    ) -> Result<(i64, Vec<Value>), StoreError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        check_precondition(&tx, account_id, precondition)?;
        let mut updated = Vec::with_capacity(users.len());
        for (index, user) in users.iter().enumerate() {
            let id = user.id.unwrap_or_default();
            let existing =
                live_record(&tx, account_id, id)?.ok_or(StoreError::NotFound { index, id })?;
            // Leaving Agent or Agent Manager clears what only those roles have (§1.6).
            let mut user = user.clone();
            apply_role_change(&serde_json::from_value(existing.clone())?, &mut user, roles);
            let user = &user;
            let login_name = user.login_name.clone().unwrap_or_default();
            if login_taken(&tx, account_id, &login_name, Some(id))? {
                return Err(StoreError::LoginNameTaken { index, login_name });
            }
            let mut record = stored_record(user)?;
            date_assignments(&mut record, Some(&existing), now);
            for field in ["id", "pid", "deleted", "lastPwdChangeDate"] {
                if let Some(value) = existing.get(field) {
                    record.insert(field.into(), value.clone());
                }
            }
            record.insert("dateUpdated".into(), now.into());
            if user.password_sh.is_some() {
                record.insert("lastPwdChangeDate".into(), now.into());
                tx.execute(
                    "UPDATE lp_users SET password_hash = ?3 WHERE account_id = ?1 AND id = ?2",
                    params![account_id, id, password_hash(account_id, id, user)],
                )?;
            }
            let record = Value::Object(record);
            tx.execute(
                "UPDATE lp_users SET login_name = ?3, record = ?4 WHERE account_id = ?1 AND id = ?2",
                params![account_id, id, login_name, record.to_string()],
            )?;
            updated.push(record);
        }
        let revision = bump_revision(&tx, account_id)?;
        tx.commit()?;
        Ok((revision, updated))
    }

    /// One user that is not deleted.
    pub fn get(&self, account_id: &str, id: i64) -> Result<(i64, Value), StoreError> {
        let connection = self.lock();
        let revision = current_revision(&connection, account_id)?;
        let record = live_record(&connection, account_id, id)?.ok_or(StoreError::NoSuchUser(id))?;
        Ok((revision, record))
    }

    /// Soft-deletes users (they stay listed with `include_deleted`); all or nothing.
    pub fn delete(
        &self,
        account_id: &str,
        ids: &[i64],
        precondition: Precondition,
        now: &str,
    ) -> Result<(i64, Vec<Value>), StoreError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        check_precondition(&tx, account_id, precondition)?;
        let mut deleted = Vec::with_capacity(ids.len());
        for (index, id) in ids.iter().copied().enumerate() {
            let mut record =
                live_record(&tx, account_id, id)?.ok_or(StoreError::NotFound { index, id })?;
            record["deleted"] = true.into();
            record["dateUpdated"] = now.into();
            tx.execute(
                "UPDATE lp_users SET deleted = 1, record = ?3 WHERE account_id = ?1 AND id = ?2",
                params![account_id, id, record.to_string()],
            )?;
            deleted.push(record);
        }
        let revision = bump_revision(&tx, account_id)?;
        tx.commit()?;
        Ok((revision, deleted))
    }

    /// Sets a new password (kept only as a digest).
    pub fn reset_password(
        &self,
        account_id: &str,
        id: i64,
        new_password: &str,
        now: &str,
    ) -> Result<(i64, Value), StoreError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let mut record = live_record(&tx, account_id, id)?.ok_or(StoreError::NoSuchUser(id))?;
        if record["isApiUser"] == true {
            return Err(StoreError::ApiUserPassword(id));
        }
        record["lastPwdChangeDate"] = now.into();
        record["dateUpdated"] = now.into();
        tx.execute(
            "UPDATE lp_users SET password_hash = ?3, record = ?4 WHERE account_id = ?1 AND id = ?2",
            params![
                account_id,
                id,
                super::password_hash(&format!("{account_id}:{id}"), new_password),
                record.to_string()
            ],
        )?;
        let revision = bump_revision(&tx, account_id)?;
        tx.commit()?;
        Ok((revision, record))
    }
}

/// The stored record of a user that is not deleted.
fn live_record(
    connection: &Connection,
    account_id: &str,
    id: i64,
) -> Result<Option<Value>, StoreError> {
    let record: Option<String> = connection
        .query_row(
            "SELECT record FROM lp_users WHERE account_id = ?1 AND id = ?2 AND deleted = 0",
            params![account_id, id],
            |row| row.get(0),
        )
        .optional()?;
    Ok(record.map(|r| serde_json::from_str(&r)).transpose()?)
}

fn current_revision(connection: &Connection, account_id: &str) -> Result<i64, StoreError> {
    Ok(connection
        .query_row(
            "SELECT revision FROM lp_revisions WHERE account_id = ?1",
            [account_id],
            |row| row.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

fn check_precondition(
    connection: &Connection,
    account_id: &str,
    precondition: Precondition,
) -> Result<(), StoreError> {
    if let Precondition::Revision(given) = precondition {
        let current = current_revision(connection, account_id)?;
        if given != current {
            return Err(StoreError::StaleRevision { given, current });
        }
    }
    Ok(())
}

fn bump_revision(connection: &Connection, account_id: &str) -> Result<i64, StoreError> {
    Ok(connection.query_row(
        "INSERT INTO lp_revisions (account_id, revision) VALUES (?1, 1)
         ON CONFLICT (account_id) DO UPDATE SET revision = revision + 1
         RETURNING revision",
        [account_id],
        |row| row.get(0),
    )?)
}

fn login_taken(
    connection: &Connection,
    account_id: &str,
    login_name: &str,
    except_id: Option<i64>,
) -> Result<bool, StoreError> {
    Ok(connection
        .query_row(
            "SELECT 1 FROM lp_users WHERE account_id = ?1 AND login_name = ?2 AND id IS NOT ?3",
            params![account_id, login_name, except_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The record as stored and returned: the body's fields minus the ones the vendor owns (its
/// id and `shared`'s server-set fields, which it sets itself whatever a body says) and the
/// write-only ones.
fn stored_record(user: &User) -> Result<serde_json::Map<String, Value>, StoreError> {
    let mut record = serde_json::to_value(user)?;
    shared::liveperson::strip_server_set(&mut record);
    let Value::Object(mut record) = record else {
        unreachable!("a User always serializes to a JSON object");
    };
    for field in std::iter::once(&"id").chain(&WRITE_ONLY_FIELDS) {
        record.remove(*field);
    }
    Ok(record)
}

/// Dates the record's agent group assignments, which the vendor sets (a body's dates were
/// dropped with the other server-set fields): a group the user was already in keeps the date
/// it was assigned on, a new one is dated `now`. A record read and written back unchanged
/// thus stays as it was.
fn date_assignments(
    record: &mut serde_json::Map<String, Value>,
    existing: Option<&Value>,
    now: &str,
) {
    let dated = |old: Option<&Value>, group: Option<&Value>| {
        old.filter(|old| group.is_some() && old.get("agentGroupId") == group)
            .and_then(|old| old.get("assignmentDate"))
            .cloned()
            .unwrap_or_else(|| now.into())
    };
    if let Some(Value::Object(member_of)) = record.get_mut("memberOf")
        && member_of.contains_key("agentGroupId")
    {
        let old = existing.and_then(|e| e.get("memberOf"));
        let date = dated(old, member_of.get("agentGroupId"));
        member_of.insert("assignmentDate".into(), date);
    }
    if let Some(Value::Array(groups)) = record.get_mut("managerOf") {
        let old_groups = existing
            .and_then(|e| e.get("managerOf"))
            .and_then(Value::as_array);
        for group in groups.iter_mut().filter_map(Value::as_object_mut) {
            let id = group.get("agentGroupId");
            let old = old_groups.and_then(|old| old.iter().find(|o| o.get("agentGroupId") == id));
            let date = dated(old, id);
            group.insert("assignmentDate".into(), date);
        }
    }
}

fn password_hash(account_id: &str, id: i64, user: &User) -> Option<String> {
    let password = user.password_sh.as_deref()?;
    Some(super::password_hash(
        &format!("{account_id}:{id}"),
        password,
    ))
}

/// A stable, unique-looking process id, as the vendor assigns one per user.
pub(crate) fn pid_for(account_id: &str, id: i64) -> String {
    let digest = Sha256::new()
        .chain_update(format!("pid:{account_id}:{id}"))
        .finalize();
    hex::encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn group_assignments_keep_their_date_until_the_group_changes() {
        let existing = json!({
            "memberOf": {"agentGroupId": 5, "assignmentDate": "2024-01-01 00:00:00"},
            "managerOf": [{"agentGroupId": 6, "assignmentDate": "2024-02-02 00:00:00"}]
        });
        let now = "2025-03-03 03:03:03";
        for (case, record, existing, expected) in [
            (
                "unchanged groups",
                json!({"memberOf": {"agentGroupId": 5}, "managerOf": [{"agentGroupId": 6}]}),
                Some(&existing),
                json!({
                    "memberOf": {"agentGroupId": 5, "assignmentDate": "2024-01-01 00:00:00"},
                    "managerOf": [{"agentGroupId": 6, "assignmentDate": "2024-02-02 00:00:00"}]
                }),
            ),
            (
                "changed groups",
                json!({"memberOf": {"agentGroupId": 7}, "managerOf": [{"agentGroupId": 6}, {"agentGroupId": 8}]}),
                Some(&existing),
                json!({
                    "memberOf": {"agentGroupId": 7, "assignmentDate": now},
                    "managerOf": [
                        {"agentGroupId": 6, "assignmentDate": "2024-02-02 00:00:00"},
                        {"agentGroupId": 8, "assignmentDate": now}
                    ]
                }),
            ),
            (
                "a new user",
                json!({"memberOf": {"agentGroupId": 5}}),
                None,
                json!({"memberOf": {"agentGroupId": 5, "assignmentDate": now}}),
            ),
            (
                "no group",
                json!({"loginName": "a"}),
                Some(&existing),
                json!({"loginName": "a"}),
            ),
        ] {
            let Value::Object(mut record) = record else {
                unreachable!()
            };
            date_assignments(&mut record, existing, now);
            assert_eq!(Value::Object(record), expected, "{case}");
        }
    }

    #[test]
    fn a_body_never_sets_what_the_vendor_owns() {
        let user: User = serde_json::from_value(json!({
            "id": 9, "pid": "forged", "deleted": false, "dateUpdated": "2000-01-01 00:00:00",
            "lastPwdChangeDate": "2000-01-01 00:00:00", "loginName": "a", "passwordSh": "x",
            "memberOf": {"agentGroupId": 5, "assignmentDate": "2000-01-01 00:00:00"}
        }))
        .unwrap();
        assert_eq!(
            Value::Object(stored_record(&user).unwrap()),
            json!({"loginName": "a", "memberOf": {"agentGroupId": 5}})
        );
    }
}
