//! SQLite persistence of the emulated LivePerson users and of each account's revision.

use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use sha2::{Digest, Sha256};
use shared::liveperson::User;

use crate::Database;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the revision {given} is stale; the current revision is {current}")]
    StaleRevision { given: i64, current: i64 },
    #[error("user {index} of the request: no user with id {id} exists in this account")]
    NotFound { index: usize, id: i64 },
    #[error(
        "user {index} of the request: login name \"{login_name}\" already belongs to another user"
    )]
    LoginNameTaken { index: usize, login_name: String },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored record is corrupt: {0}")]
    Corrupt(#[from] serde_json::Error),
}

/// The `If-Match` a write was sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// No header, or `-1`: write whatever the current revision.
    None,
    /// Write only if the account is still at this revision.
    Revision(i64),
}

/// Users of every account, behind one connection: SQLite serialises writers anyway, and the
/// revision check and the write must be one transaction.
pub struct Store {
    connection: Mutex<Connection>,
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS lp_users (
        account_id    TEXT    NOT NULL,
        id            INTEGER NOT NULL,
        login_name    TEXT    NOT NULL COLLATE NOCASE,
        deleted       INTEGER NOT NULL DEFAULT 0,
        password_hash TEXT,
        record        TEXT    NOT NULL,
        PRIMARY KEY (account_id, id)
    );
    CREATE UNIQUE INDEX IF NOT EXISTS lp_users_login ON lp_users (account_id, login_name);
    CREATE TABLE IF NOT EXISTS lp_revisions (
        account_id TEXT PRIMARY KEY,
        revision   INTEGER NOT NULL
    );
";

/// Fields the vendor owns: never taken from a request body.
const SERVER_FIELDS: [&str; 4] = ["id", "pid", "deleted", "dateUpdated"];
/// Fields that are write-only: never stored in the record nor returned.
const WRITE_ONLY_FIELDS: [&str; 3] = ["passwordSh", "oldPassword", "confirmPassword"];

impl Store {
    pub fn open(database: &Database) -> Result<Self, StoreError> {
        let connection = match database {
            Database::InMemory => Connection::open_in_memory()?,
            Database::File(path) => Connection::open(path)?,
        };
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.execute_batch(SCHEMA)?;
        Ok(Self {
            connection: Mutex::new(connection),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back on drop), so a poisoned lock is still safe to use.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Seeds `count` generated users into an account that has none yet.
    pub fn seed_if_empty(&self, account_id: &str, count: usize) -> Result<(), StoreError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let existing: i64 = tx.query_row(
            "SELECT COUNT(*) FROM lp_users WHERE account_id = ?1",
            [account_id],
            |row| row.get(0),
        )?;
        if existing == 0 {
            let mut insert = tx.prepare(
                "INSERT INTO lp_users (account_id, id, login_name, deleted, record) VALUES (?1, ?2, ?3, 0, ?4)",
            )?;
            for user in crate::seed::users(account_id, count) {
                let id = user["id"].as_i64().unwrap_or_default();
                let login = user["loginName"].as_str().unwrap_or_default().to_owned();
                insert.execute(params![account_id, id, login, user.to_string()])?;
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

    pub fn revision(&self, account_id: &str) -> Result<i64, StoreError> {
        current_revision(&self.lock(), account_id)
    }

    /// Every user of the account (soft-deleted ones only when asked), ordered by id.
    pub fn list(
        &self,
        account_id: &str,
        include_deleted: bool,
    ) -> Result<(i64, Vec<Value>), StoreError> {
        let connection = self.lock();
        let revision = current_revision(&connection, account_id)?;
        let mut query = connection.prepare_cached(
            "SELECT record FROM lp_users WHERE account_id = ?1 AND (deleted = 0 OR ?2) ORDER BY id",
        )?;
        let users = query
            .query_map(params![account_id, include_deleted], |row| {
                row.get::<_, String>(0)
            })?
            .map(|record| Ok(serde_json::from_str(&record?)?))
            .collect::<Result<Vec<Value>, StoreError>>()?;
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
        precondition: Precondition,
        now: &str,
    ) -> Result<(i64, Vec<Value>), StoreError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        check_precondition(&tx, account_id, precondition)?;
        let mut updated = Vec::with_capacity(users.len());
        for (index, user) in users.iter().enumerate() {
            let id = user.id.unwrap_or_default();
            let existing: Option<String> = tx
                .query_row(
                    "SELECT record FROM lp_users WHERE account_id = ?1 AND id = ?2",
                    params![account_id, id],
                    |row| row.get(0),
                )
                .optional()?;
            let Some(existing) = existing else {
                return Err(StoreError::NotFound { index, id });
            };
            let existing: Value = serde_json::from_str(&existing)?;
            let login_name = user.login_name.clone().unwrap_or_default();
            if login_taken(&tx, account_id, &login_name, Some(id))? {
                return Err(StoreError::LoginNameTaken { index, login_name });
            }
            let mut record = stored_record(user)?;
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

/// The record as stored and returned: the body's fields minus server-owned and write-only ones.
fn stored_record(user: &User) -> Result<serde_json::Map<String, Value>, StoreError> {
    let Value::Object(mut record) = serde_json::to_value(user)? else {
        unreachable!("a User always serializes to a JSON object");
    };
    for field in SERVER_FIELDS.iter().chain(&WRITE_ONLY_FIELDS) {
        record.remove(*field);
    }
    Ok(record)
}

/// The sandbox never keeps a password: only a salted digest, so a leaked database file
/// reveals nothing an admin typed.
fn password_hash(account_id: &str, id: i64, user: &User) -> Option<String> {
    let password = user.password_sh.as_deref()?;
    let digest = Sha256::new()
        .chain_update(format!("{account_id}:{id}:"))
        .chain_update(password)
        .finalize();
    Some(format!("sha256:{}", hex::encode(digest)))
}

/// A stable, unique-looking process id, as the vendor assigns one per user.
pub(crate) fn pid_for(account_id: &str, id: i64) -> String {
    let digest = Sha256::new()
        .chain_update(format!("pid:{account_id}:{id}"))
        .finalize();
    hex::encode(&digest[..16])
}
