//! Concurrent editors, measured (issue #17): E editors each do R read-modify-write cycles on
//! a few users of one connection, through the proxy, each saving as the console's user page
//! saves, with the very rule it uses (`shared::conflict`): LivePerson's writes at the
//! revision read, a refused one (409/412) read again and decided; CommPeak's user read again
//! just before the save and decided, then only the changed fields sent. Every cycle adds 1
//! to a counter kept as text in one of two fields of one of the users, each change made on
//! the value it read, so every acknowledged change must show in the final state: a counter
//! that ends below the number of acknowledged increments to it has lost updates (a save
//! that overwrote another's, unseen). Run by `tests/tests/editors.rs`, small as
//! a test and large as `cargo xtask bench editors`: one code path. Each change also writes
//! a mark of its own beside the count (see [`increment`]).
//!
//! The editor plays an admin at the console's conflict panel: where the panel has nothing
//! to decide (every field preset, only theirs or only mine changed), it saves with the
//! presets, as "Save with these choices" does; where a field was changed on both sides (both
//! added to the same counter), it drops its edits and makes them again on the record as it
//! is now ("Drop my edits and use theirs", then the same edit), so no cycle is given up and
//! no other editor's increment is overwritten by choice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;
use shared::conflict::{self, Choice, Decision};
use shared::description::Description;
use shared::field::FieldSpec;
use shared::operation::{OperationSpec, names};
use shared::{ConnectionInfo, VendorKind};

/// How many times one cycle may meet a conflict or a stale revision before the run stops:
/// far beyond anything a working rule meets, it turns a livelock into a failure.
const ATTEMPTS_PER_CYCLE: u32 = 1_000;

/// What a run does.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub vendor: VendorKind,
    pub editors: usize,
    pub cycles: usize,
    /// The users edited, shared by every editor.
    pub users: usize,
}

/// What a run counted.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Saves the vendor answered with success: each is one increment that must show.
    pub acknowledged: u64,
    /// Saves sent again at a newer revision on their own (the account moved, not the user).
    pub rebases: u64,
    /// Saves that took another editor's change of a field it did not edit (no revision).
    pub taken: u64,
    /// Conflict panels the console would have shown with nothing to decide, saved with their
    /// presets (LivePerson: the user changed in the other field, or the account kept moving
    /// past the automatic rebases).
    pub settled: u64,
    /// Conflict panels with a field changed on both sides: the edit made again on the
    /// current record.
    pub redone: u64,
    /// Writes sent, acknowledged or not.
    pub writes: u64,
    /// Acknowledged increments missing from the final state.
    pub lost: u64,
    pub elapsed: Duration,
    /// Every counter the editors added to, with how many increments were acknowledged.
    pub counters: Vec<Counter>,
}

/// One counter: a field of a user, and the increments the vendor acknowledged to it.
#[derive(Debug, Clone)]
pub struct Counter {
    /// The user's key.
    pub user: String,
    pub field: &'static str,
    pub acknowledged: u64,
}

impl Figures {
    /// Conflict panels the console would have shown.
    pub fn conflicts(&self) -> u64 {
        self.settled + self.redone
    }

    /// Acknowledged writes per second of the editing (setup and the final check excluded).
    pub fn writes_per_second(&self) -> f64 {
        self.acknowledged as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    fn add(&mut self, other: &Figures) {
        self.acknowledged += other.acknowledged;
        self.rebases += other.rebases;
        self.taken += other.taken;
        self.settled += other.settled;
        self.redone += other.redone;
        self.writes += other.writes;
    }
}

/// The two text fields each vendor's counters are kept in: editable, optional, and free
/// text for every user (no rule of the vendor's reads them), so a number written there is
/// saved as it is. The benchmark's choice, not a vendor rule.
fn counter_fields(kind: VendorKind) -> anyhow::Result<[&'static str; 2]> {
    Ok(match kind {
        VendorKind::Liveperson => ["description", "employeeId"],
        VendorKind::Commpeak => ["first_name", "last_name"],
        // No read of one user to decide with, and a save that replaces the whole user.
        VendorKind::Trintech => bail!("Trintech publishes no read of one user to edit"),
    })
}

/// One connection through the proxy, as the console's page calls it.
struct Connection {
    client: reqwest::Client,
    base: String,
    info: ConnectionInfo,
    description: &'static Description,
    fields: &'static [FieldSpec],
}

/// A user as read: the vendor's record and the revision it was read at, if any.
struct Read {
    value: Value,
    revision: Option<String>,
}

/// What the vendor said to a save.
enum Saved {
    Yes,
    /// 409 or 412: the revision named is not the current one.
    Stale,
}

impl Connection {
    async fn open(proxy_url: &str, kind: VendorKind) -> anyhow::Result<Self> {
        let client = crate::console_client();
        let connections: Vec<ConnectionInfo> = client
            .get(format!("{proxy_url}/api/connections"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let info = connections
            .into_iter()
            .find(|c| c.kind == kind)
            .with_context(|| format!("the proxy has no {} connection", kind.label()))?;
        for needed in [names::LIST_USERS, names::GET_USER, names::UPDATE_USER] {
            if !info.declares(needed) {
                bail!("the {} connection does not declare {needed}", info.id);
            }
        }
        Ok(Self {
            client,
            base: format!("{proxy_url}/api/{}", info.id),
            description: shared::vendor::description(kind),
            fields: shared::vendor::fields(kind),
            info,
        })
    }

    fn operation(&self, name: &str) -> &'static OperationSpec {
        shared::vendor::operations(self.info.kind)
            .iter()
            .find(|o| o.name == name)
            .expect("declared operations are in the vendor's table")
    }

    fn url(&self, name: &str, key: Option<&str>) -> String {
        format!("{}{}", self.base, self.operation(name).console_path(key))
    }

    /// The keys of the first `count` users that are not deleted.
    async fn first_users(&self, count: usize) -> anyhow::Result<Vec<String>> {
        let mut request = self.client.get(self.url(names::LIST_USERS, None));
        if let Some(select) = self.description.list.select {
            request = request.query(&[(select.param, select.all)]);
        }
        let users: Vec<Value> = request.send().await?.error_for_status()?.json().await?;
        // Read leniently, as the vendors send it: `true`, `1` or `"1"`.
        let deleted = |user: &Value| {
            self.description
                .deleted
                .is_some_and(|field| match conflict::get(user, field) {
                    Some(Value::Bool(b)) => *b,
                    Some(Value::Number(n)) => n.as_i64() != Some(0),
                    Some(Value::String(s)) => matches!(s.trim(), "true" | "1"),
                    _ => false,
                })
        };
        let keys: Vec<String> = users
            .iter()
            .filter(|u| !deleted(u))
            .filter_map(|u| key_text(u, self.description.key))
            .take(count)
            .collect();
        if keys.len() < count {
            bail!("{count} users wanted, {} listed", keys.len());
        }
        Ok(keys)
    }

    /// One user as the console reads it (CommPeak answers a list of one).
    async fn read(&self, key: &str) -> anyhow::Result<Read> {
        let response = self
            .client
            .get(self.url(names::GET_USER, Some(key)))
            .send()
            .await?
            .error_for_status()?;
        let revision = self
            .description
            .revision
            .and_then(|header| response.headers().get(header))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let value = match response.json::<Value>().await? {
            Value::Array(users) => users.into_iter().next().context("an empty list of one")?,
            one => one,
        };
        Ok(Read { value, revision })
    }

    /// Sends one update body, at `revision` where the vendor has one.
    async fn save(&self, key: &str, body: &Value, revision: Option<&str>) -> anyhow::Result<Saved> {
        let operation = self.operation(names::UPDATE_USER);
        let method = reqwest::Method::from_bytes(operation.method.as_str().as_bytes())?;
        let mut request = self
            .client
            .request(method, self.url(names::UPDATE_USER, Some(key)))
            .json(body);
        if let Some(revision) = revision {
            request = request.header("If-Match", revision);
        }
        let response = request.send().await?;
        match response.status().as_u16() {
            409 | 412 => Ok(Saved::Stale),
            status if (200..300).contains(&status) => Ok(Saved::Yes),
            status => bail!(
                "a save of user {key} was refused ({status}): {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }

    /// One read-modify-write of user `key` by `edit`, saved as the console saves, until the
    /// vendor acknowledges it.
    async fn cycle(
        &self,
        key: &str,
        edit: &(dyn Fn(&mut Value) + Sync),
        figures: &mut Figures,
    ) -> anyhow::Result<()> {
        let edited = |read: Read| {
            let mut mine = read.value.clone();
            edit(&mut mine);
            Pending {
                base: read.value,
                mine,
                at: read.revision,
                rebases: 0,
            }
        };
        let mut pending = edited(self.read(key).await?);
        for _ in 0..ATTEMPTS_PER_CYCLE {
            if self.description.revision.is_none() {
                // No revision: read again just before the save, and decide.
                let now = self.read(key).await?;
                match conflict::decide(
                    self.description,
                    self.fields,
                    &pending.base,
                    &now.value,
                    &pending.mine,
                ) {
                    Decision::Unchanged { merged } => pending.mine = merged,
                    Decision::Rebase { merged, .. } => {
                        figures.taken += 1;
                        pending.mine = merged;
                    }
                    Decision::Conflict(found) => {
                        pending = self.panel(&found, now, &pending, &edited, figures);
                        continue;
                    }
                }
                pending.base = now.value;
            }
            let body =
                conflict::update_body(self.description, self.fields, &pending.base, &pending.mine);
            figures.writes += 1;
            match self.save(key, &body, pending.at.as_deref()).await? {
                Saved::Yes => {
                    figures.acknowledged += 1;
                    return Ok(());
                }
                Saved::Stale => {
                    let now = self.read(key).await?;
                    match conflict::decide(
                        self.description,
                        self.fields,
                        &pending.base,
                        &now.value,
                        &pending.mine,
                    ) {
                        Decision::Unchanged { merged }
                            if pending.rebases < conflict::REBASES_PER_SAVE =>
                        {
                            figures.rebases += 1;
                            pending = Pending {
                                base: now.value,
                                mine: merged,
                                at: now.revision,
                                rebases: pending.rebases + 1,
                            };
                        }
                        _ => {
                            let found = conflict::differences(
                                &pending.base,
                                &now.value,
                                &pending.mine,
                                self.fields,
                            );
                            pending = self.panel(&found, now, &pending, &edited, figures);
                        }
                    }
                }
            }
        }
        bail!("user {key}: no save acknowledged in {ATTEMPTS_PER_CYCLE} attempts")
    }

    /// What the admin does at the conflict panel over `now` (see the module's comment).
    fn panel(
        &self,
        found: &[conflict::Difference],
        now: Read,
        pending: &Pending,
        edited: &dyn Fn(Read) -> Pending,
        figures: &mut Figures,
    ) -> Pending {
        let presets: Option<Vec<(&'static str, Choice)>> = found
            .iter()
            .map(|d| d.default.map(|c| (d.field.path, c)))
            .collect();
        match presets {
            Some(choices) => {
                figures.settled += 1;
                Pending {
                    mine: conflict::merge(&now.value, &pending.mine, &choices),
                    base: now.value,
                    at: now.revision,
                    rebases: 0,
                }
            }
            None => {
                figures.redone += 1;
                edited(now)
            }
        }
    }
}

/// A save on its way: the record it is based on, what is to be saved, at which revision.
struct Pending {
    base: Value,
    mine: Value,
    at: Option<String>,
    rebases: u32,
}

/// Which user and field an editor's cycle changes: spread evenly, the same for every run,
/// and unrelated between editors, so that two editors meet on one user sometimes in the
/// same field (a conflict) and sometimes in the other (a rebase), as admins would.
fn pick(editor: usize, cycle: usize, users: usize, fields: usize) -> (usize, usize) {
    // splitmix64 of the pair: a fixed scramble, no generator to carry.
    let mut x = ((editor as u64) << 32 | cycle as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    let user = (x % users as u64) as usize;
    let field = ((x / users as u64) % fields as u64) as usize;
    (user, field)
}

fn key_text(record: &Value, key: &str) -> Option<String> {
    match conflict::get(record, key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The counter kept in `field` of `record`: the number its text starts with, nothing as 0.
fn counter(record: &Value, field: &str) -> anyhow::Result<u64> {
    match conflict::get(record, field) {
        None => Ok(0),
        Some(Value::String(s)) => match s.split_whitespace().next() {
            None => Ok(0),
            Some(count) => count
                .parse()
                .with_context(|| format!("{field} holds {s:?}, not a counter")),
        },
        Some(other) => bail!("{field} holds {other}, not a counter"),
    }
}

/// Adds 1 to the counter in `field`, writing beside it who did (`e3c17`: editor 3's cycle
/// 17). The console's rule compares values, not intentions: two editors writing the same
/// "17" would be one change made twice, which it rightly lets through. The mark makes every
/// change a value no other editor writes, so that two changes of one field always meet as
/// a conflict, and an overwritten one is missing from the count.
fn increment(record: &mut Value, field: &str, mark: &str) {
    // A field that is not a counter yet (the run sets them all to 0 first) counts from 0.
    let next = counter(record, field).unwrap_or(0) + 1;
    conflict::set(record, field, Some(Value::String(format!("{next} {mark}"))));
}

/// Runs the editors against the proxy at `proxy_url` and checks the final state.
pub async fn run(proxy_url: &str, options: Options) -> anyhow::Result<Figures> {
    let fields = counter_fields(options.vendor)?;
    let connection = Arc::new(Connection::open(proxy_url, options.vendor).await?);
    let users = connection.first_users(options.users).await?;
    // Every counter starts at 0, saved the way the editors save.
    let mut setup = Figures::default();
    for key in &users {
        let zero = |record: &mut Value| {
            for field in fields {
                conflict::set(record, field, Some(Value::String("0".into())));
            }
        };
        connection.cycle(key, &zero, &mut setup).await?;
    }

    let users = Arc::new(users);
    let started = Instant::now();
    let mut editors = tokio::task::JoinSet::new();
    for editor in 0..options.editors {
        let (connection, users) = (connection.clone(), users.clone());
        editors.spawn(async move {
            let mut figures = Figures::default();
            // (user, field) -> acknowledged increments.
            let mut acknowledged = BTreeMap::<(usize, usize), u64>::new();
            for cycle in 0..options.cycles {
                let (user, field) = pick(editor, cycle, users.len(), fields.len());
                let mark = format!("e{editor}c{cycle}");
                let add = |record: &mut Value| increment(record, fields[field], &mark);
                let before = figures.acknowledged;
                connection.cycle(&users[user], &add, &mut figures).await?;
                *acknowledged.entry((user, field)).or_default() += figures.acknowledged - before;
            }
            anyhow::Ok((figures, acknowledged))
        });
    }
    let mut figures = Figures::default();
    let mut expected = BTreeMap::<(usize, usize), u64>::new();
    while let Some(done) = editors.join_next().await {
        let (editor, acknowledged) = done.context("an editor panicked")??;
        figures.add(&editor);
        for (at, count) in acknowledged {
            *expected.entry(at).or_default() += count;
        }
    }
    figures.elapsed = started.elapsed();
    figures.counters = users
        .iter()
        .enumerate()
        .flat_map(|(user, key)| {
            let expected = &expected;
            fields
                .iter()
                .enumerate()
                .map(move |(index, field)| Counter {
                    user: key.clone(),
                    field,
                    acknowledged: expected.get(&(user, index)).copied().unwrap_or(0),
                })
        })
        .collect();
    figures.lost = lost(&connection, &figures.counters).await?;
    Ok(figures)
}

/// The acknowledged increments missing from `counters` as the connection has them now.
pub async fn lost_now(
    proxy_url: &str,
    vendor: VendorKind,
    counters: &[Counter],
) -> anyhow::Result<u64> {
    lost(&Connection::open(proxy_url, vendor).await?, counters).await
}

async fn lost(connection: &Connection, counters: &[Counter]) -> anyhow::Result<u64> {
    let mut lost = 0;
    for Counter {
        user,
        field,
        acknowledged,
    } in counters
    {
        let found = counter(&connection.read(user).await?.value, field)?;
        // More than was acknowledged is no loss but a broken count: stop, never net it off.
        if found > *acknowledged {
            bail!(
                "user {user}'s {field} is {found}, above the {acknowledged} increments acknowledged"
            );
        }
        lost += acknowledged - found;
    }
    Ok(lost)
}

/// The figures as the benchmark prints them (and BENCHMARKS.md records them).
pub fn report(options: &Options, figures: &Figures) -> String {
    format!(
        "{vendor}, {editors} editors × {cycles} cycles on {users} users: \
         {acknowledged} acknowledged writes in {elapsed:.2} s ({rate:.0}/s), {writes} writes sent, \
         {rebases} rebases at a new revision, {taken} saves taking another's field, \
         {conflicts} conflicts ({settled} settled by the panel's presets, {redone} redone), \
         lost updates: {lost}",
        vendor = options.vendor.label(),
        editors = options.editors,
        cycles = options.cycles,
        users = options.users,
        acknowledged = figures.acknowledged,
        elapsed = figures.elapsed.as_secs_f64(),
        rate = figures.writes_per_second(),
        writes = figures.writes,
        rebases = figures.rebases,
        taken = figures.taken,
        conflicts = figures.conflicts(),
        settled = figures.settled,
        redone = figures.redone,
        lost = figures.lost,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn editors_meet_on_every_user_and_field() {
        for (editors, cycles, users) in [(2, 20, 2), (8, 200, 4)] {
            let mut met = BTreeMap::<(usize, usize), usize>::new();
            for editor in 0..editors {
                for cycle in 0..cycles {
                    *met.entry(pick(editor, cycle, users, 2)).or_default() += 1;
                }
            }
            assert_eq!(met.len(), users * 2, "{editors}×{cycles}: {met:?}");
            let fair = editors * cycles / (users * 2);
            assert!(
                met.values().all(|&n| n * 2 > fair && n < fair * 2),
                "{editors}×{cycles} on {users}: {met:?}"
            );
        }
    }

    #[test]
    fn counters_read_as_text_and_count_up() {
        let cases: &[(Value, Option<u64>, &str)] = &[
            (json!({}), Some(0), "1 e0c1"),
            (json!({"description": ""}), Some(0), "1 e0c1"),
            (json!({"description": "0"}), Some(0), "1 e0c1"),
            (json!({"description": "41 e1c7"}), Some(41), "42 e0c1"),
            (json!({"description": "Night shift"}), None, "1 e0c1"),
        ];
        for (record, read, after) in cases {
            assert_eq!(counter(record, "description").ok(), *read, "{record}");
            let mut record = record.clone();
            increment(&mut record, "description", "e0c1");
            assert_eq!(record["description"], *after);
        }
    }
}
