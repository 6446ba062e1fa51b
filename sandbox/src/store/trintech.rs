//! The emulated Trintech users: each record of a batch succeeds or fails on its own, as the
//! vendor's per-record results say (`users-apis.md` §2.4).

use rusqlite::{OptionalExtension, params};
use serde_json::Value;
use shared::trintech::User;

use super::{Store, StoreError};
use crate::seed::Seed;

/// Which batch write is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrintechWrite {
    Create,
    Update,
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The record as stored now (never with a password).
    Done(Value),
    /// Why the vendor refused it, in words.
    Failed(String),
}

impl Store {
    /// Seeds the users, when there are none yet.
    pub fn trintech_seed_if_empty(&self, seed: &Seed) -> Result<(), StoreError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let existing: i64 = tx.query_row("SELECT COUNT(*) FROM tt_users", [], |r| r.get(0))?;
        if existing == 0 {
            let mut insert = tx.prepare(
                "INSERT INTO tt_users (user_name, email, password_hash, record) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for user in crate::seed::trintech_records(seed)? {
                let user_name = user["userName"].as_str().unwrap_or_default();
                let email = user["email"].as_str().unwrap_or_default();
                // Seeded people have a password nobody knows, as on a real tenant.
                let hash = super::password_hash(user_name, &format!("seed:{user_name}"));
                insert.execute(params![user_name, email, hash, user.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every user, ordered by user name.
    pub fn trintech_list(&self) -> Result<Vec<Value>, StoreError> {
        let connection = self.lock();
        let mut query =
            connection.prepare_cached("SELECT record FROM tt_users ORDER BY user_name")?;
        let records = query
            .query_map([], |row| row.get::<_, String>(0))?
            .map(|record| Ok(serde_json::from_str(&record?)?))
            .collect::<Result<Vec<Value>, StoreError>>()?;
        Ok(records)
    }

    /// Applies each (already validated) user in order; one record failing never undoes the
    /// others. Each outcome keeps the record's index in the request.
    pub fn trintech_write(
        &self,
        write: TrintechWrite,
        users: &[(usize, User)],
    ) -> Result<Vec<(usize, Outcome)>, StoreError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let mut outcomes = Vec::with_capacity(users.len());
        for (index, user) in users {
            let user_name = user.user_name.clone().unwrap_or_default();
            let email = user.email.clone().unwrap_or_default();
            let existing: Option<(String, String)> = tx
                .query_row(
                    "SELECT user_name, record FROM tt_users WHERE user_name = ?1",
                    [&user_name],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let email_owner: Option<String> = tx
                .query_row(
                    "SELECT user_name FROM tt_users WHERE email = ?1",
                    [&email],
                    |row| row.get(0),
                )
                .optional()?;
            let email_taken = email_owner
                .as_deref()
                .is_some_and(|owner| !owner.eq_ignore_ascii_case(&user_name));
            let outcome = match (write, existing) {
                (TrintechWrite::Create, Some(_)) => Outcome::Failed(format!(
                    "User name \"{user_name}\" already belongs to another user."
                )),
                (TrintechWrite::Update, None) => Outcome::Failed(format!(
                    "No user named \"{user_name}\" exists (the user name identifies the user \
                     to update and cannot itself be changed)."
                )),
                _ if email_taken => Outcome::Failed(format!(
                    "Email \"{email}\" already belongs to another user."
                )),
                (TrintechWrite::Create, None) => {
                    let mut record = user.clone();
                    let password = record.password.take().unwrap_or_default();
                    let record = serde_json::to_value(&record)?;
                    tx.execute(
                        "INSERT INTO tt_users (user_name, email, password_hash, record) VALUES (?1, ?2, ?3, ?4)",
                        params![user_name, email, super::password_hash(&user_name, &password), record.to_string()],
                    )?;
                    Outcome::Done(record)
                }
                (TrintechWrite::Update, Some((stored_name, stored))) => {
                    // "Updates all fields of existing users": what the body leaves out is gone,
                    // except what an update cannot change (§2.2).
                    let stored: User = serde_json::from_str(&stored)?;
                    let record = User {
                        user_name: Some(stored_name.clone()),
                        password: None,
                        user_access: stored.user_access,
                        ..user.clone()
                    };
                    let record = serde_json::to_value(&record)?;
                    tx.execute(
                        "UPDATE tt_users SET email = ?2, record = ?3 WHERE user_name = ?1",
                        params![stored_name, email, record.to_string()],
                    )?;
                    Outcome::Done(record)
                }
            };
            outcomes.push((*index, outcome));
        }
        tx.commit()?;
        Ok(outcomes)
    }
}
