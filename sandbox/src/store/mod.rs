//! SQLite persistence of the emulated vendors' users: one database, one table per vendor,
//! one module per vendor.

mod commpeak;
mod liveperson;
mod trintech;

pub(crate) use liveperson::pid_for;

pub use trintech::{Outcome, TrintechWrite};

use std::sync::Mutex;

use rusqlite::Connection;

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
    #[error("no user with id {0} exists")]
    NoSuchUser(i64),
    #[error("user {0} is an API user, which has no password")]
    ApiUserPassword(i64),
    #[error("user name \"{0}\" already belongs to another user")]
    UserNameTaken(String),
    #[error(transparent)]
    Seed(#[from] crate::seed::SeedError),
    #[error("the sandbox's worker failed: {0}")]
    TaskFailed(String),
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
    /// The last LivePerson list read, kept while the account stays at its revision: reading
    /// and parsing 50,000 stored records is most of a list's cost, and any write moves the
    /// revision, so a kept list is never stale.
    pub(crate) lp_list: Mutex<Option<liveperson::KeptList>>,
    /// The last CommPeak list read, kept while the table's revision stands (triggers move it
    /// on every insert, update and delete of `cp_users`, so a kept list is never stale).
    pub(crate) cp_list: Mutex<Option<commpeak::KeptList>>,
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
    CREATE TABLE IF NOT EXISTS tt_users (
        user_name     TEXT PRIMARY KEY COLLATE NOCASE,
        email         TEXT NOT NULL COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        record        TEXT NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS tt_users_email ON tt_users (email);
    CREATE TABLE IF NOT EXISTS cp_users (
        id            INTEGER PRIMARY KEY,
        username      TEXT NOT NULL COLLATE NOCASE,
        password_hash TEXT,
        record        TEXT NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS cp_users_username ON cp_users (username);
    CREATE TABLE IF NOT EXISTS cp_revision (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        revision INTEGER NOT NULL
    );
    INSERT OR IGNORE INTO cp_revision (id, revision) VALUES (1, 1);
    CREATE TRIGGER IF NOT EXISTS cp_users_inserted AFTER INSERT ON cp_users
        BEGIN UPDATE cp_revision SET revision = revision + 1; END;
    CREATE TRIGGER IF NOT EXISTS cp_users_updated AFTER UPDATE ON cp_users
        BEGIN UPDATE cp_revision SET revision = revision + 1; END;
    CREATE TRIGGER IF NOT EXISTS cp_users_deleted AFTER DELETE ON cp_users
        BEGIN UPDATE cp_revision SET revision = revision + 1; END;
";

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
            lp_list: Mutex::default(),
            cp_list: Mutex::default(),
            connection: Mutex::new(connection),
        })
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back on drop), so a poisoned lock is still safe to use.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The sandbox never keeps a password: only a salted digest, so a leaked database file
/// reveals nothing an admin typed.
fn password_hash(salt: &str, password: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(salt)
        .chain_update(":")
        .chain_update(password)
        .finalize();
    format!("sha256:{}", hex::encode(digest))
}
