//! The names an account gives the ids its users refer to (skills, agent groups, profiles), so
//! the console shows and takes names: read from the connection's configuration (profiles)
//! and from the vendor's account-configuration reads, once per connection and page, and
//! never before the list (a list does not wait for its names: ids show until they come).
//! The lookups are pure and tested natively; only [`use_names`] fetches.

use std::sync::Arc;

use leptos::prelude::{ReadSignal, Set, WriteSignal, signal};

/// One kind of named thing: id → name, and whether the account's list of them is known (an
/// unknown id is refused only when it is).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// What one of them is called in messages: "skill", "agent group", "profile".
    pub noun: &'static str,
    /// In the order they are offered (by name once read from the account). Looked up by a
    /// scan: catalogs are small, and a map or a sort here would grow the first-load module.
    by_id: Vec<(i64, String)>,
    /// Ids the account has but no longer offers (deleted skills or groups): a user may still
    /// hold one, which is not a mistake, but none is offered for choosing.
    retired: Vec<i64>,
    known: bool,
}

impl Catalog {
    pub fn new(noun: &'static str) -> Self {
        Self {
            noun,
            ..Self::default()
        }
    }

    /// A catalog of these entries, known to be the account's whole list.
    pub fn of(noun: &'static str, entries: impl IntoIterator<Item = (i64, String)>) -> Self {
        Self {
            noun,
            by_id: entries.into_iter().collect(),
            retired: Vec::new(),
            known: true,
        }
    }

    /// Names known to be only some of the account's (a connection's configured profiles):
    /// shown, but an id outside them is not refused.
    pub fn partial(noun: &'static str, entries: impl IntoIterator<Item = (i64, String)>) -> Self {
        Self {
            known: false,
            ..Self::of(noun, entries)
        }
    }

    /// The same catalog with the names `preferred` gives (the configured ones) where it has one.
    pub fn renamed_by(mut self, preferred: &Catalog) -> Self {
        for (id, name) in &mut self.by_id {
            if let Some(better) = preferred.name(*id) {
                *name = better.to_owned();
            }
        }
        self
    }

    /// The same catalog, knowing these ids as retired (held, not offered).
    pub fn retiring(mut self, retired: Vec<i64>) -> Self {
        self.retired = retired;
        self
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The same catalog in the order of its names, as pickers and filters offer them.
    pub fn by_name(mut self) -> Self {
        self.by_id
            .sort_by_cached_key(|(_, name)| name.to_lowercase());
        self
    }

    pub fn name(&self, id: i64) -> Option<&str> {
        self.by_id
            .iter()
            .find(|(known, _)| *known == id)
            .map(|(_, name)| name.as_str())
    }

    /// Every entry, in the catalog's order.
    pub fn entries(&self) -> impl Iterator<Item = (i64, &str)> {
        self.by_id.iter().map(|(id, n)| (*id, n.as_str()))
    }

    /// The ids as people read them: names where known, the id otherwise.
    pub fn display<'a>(&self, ids: impl IntoIterator<Item = &'a i64>) -> String {
        ids.into_iter()
            .map(|id| self.name(*id).map_or_else(|| id.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Why `id` cannot be used, when the account's list is known and lacks it.
    pub fn unknown(&self, id: i64) -> Option<String> {
        (self.known && self.name(id).is_none() && !self.retired.contains(&id)).then(|| {
            format!(
                "There is no {} {id} on this account; choose one by name.",
                self.noun
            )
        })
    }

    /// What the admin typed (names or ids, separated by commas or semicolons) as ids; every
    /// part that names nothing is said.
    pub fn resolve(&self, text: &str) -> Result<Vec<i64>, Vec<String>> {
        let mut ids = Vec::new();
        let mut problems = Vec::new();
        for part in text
            .split([',', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match self.resolve_one(part) {
                Ok(id) => ids.push(id),
                Err(problem) => problems.push(problem),
            }
        }
        if problems.is_empty() {
            Ok(ids)
        } else {
            Err(problems)
        }
    }

    /// One name or id as an id.
    pub fn resolve_one(&self, part: &str) -> Result<i64, String> {
        let part = part.trim();
        if let Ok(id) = part.parse::<i64>() {
            return match self.unknown(id) {
                Some(problem) => Err(problem),
                None => Ok(id),
            };
        }
        // "Billing (5001)", a name with its id, reads too.
        if let Some(id) = part
            .rsplit_once('(')
            .and_then(|(_, id)| id.strip_suffix(')'))
            .and_then(|id| id.trim().parse::<i64>().ok())
            .filter(|id| self.name(*id).is_some())
        {
            return Ok(id);
        }
        self.by_id
            .iter()
            .find(|(_, name)| name.to_lowercase() == part.to_lowercase())
            .map(|(id, _)| *id)
            .ok_or_else(|| match self.known {
                true => format!("No {} is named \"{part}\".", self.noun),
                false => format!(
                    "\"{part}\" is not a {} id (the account's {}s could not be read, so only ids are taken).",
                    self.noun, self.noun
                ),
            })
    }
}

/// The names of everything a user refers to by id, for one connection.
#[derive(Debug, Clone, PartialEq)]
pub struct Names {
    pub profiles: Catalog,
    pub skills: Catalog,
    pub groups: Catalog,
}

impl Default for Names {
    fn default() -> Self {
        Self {
            profiles: Catalog::new("profile"),
            skills: Catalog::new("skill"),
            groups: Catalog::new("agent group"),
        }
    }
}

impl Names {
    /// Only these profiles (the tests' accounts).
    #[cfg(test)]
    pub fn from_profiles(profiles: &[(i64, &str)]) -> Self {
        Self {
            profiles: Catalog::of(
                "profile",
                profiles.iter().map(|(id, name)| (*id, (*name).to_owned())),
            ),
            ..Self::default()
        }
    }

    /// Whether the user field at `path` holds ids the account names.
    pub fn names_field(path: &str) -> bool {
        Names::default().for_field(path).is_some()
    }

    /// The catalog of the user field at `path` (`skillIds`, `memberOf/agentGroupId`, …).
    pub fn for_field(&self, path: &str) -> Option<&Catalog> {
        match path {
            "profileIds" => Some(&self.profiles),
            "skillIds" => Some(&self.skills),
            "memberOf/agentGroupId" | "memberOf" | "managerOf" => Some(&self.groups),
            _ => None,
        }
    }

    /// Every id `after` holds that the account does not have and `before` did not hold
    /// already, as (field, problem): what a form, an import row or a bulk edit must refuse
    /// before sending. An id the user already had is left alone (the account may have
    /// retired it since; that is not this edit's doing).
    pub fn added_unknown_ids(
        &self,
        before: Option<&serde_json::Value>,
        after: &serde_json::Value,
    ) -> Vec<(&'static str, String)> {
        let held = |record: Option<&serde_json::Value>, field: &str| -> Vec<i64> {
            let Some(record) = record else {
                return Vec::new();
            };
            match field {
                "memberOf" => ids_in(record.get("memberOf").and_then(|m| m.get("agentGroupId"))),
                "managerOf" => record
                    .get("managerOf")
                    .and_then(serde_json::Value::as_array)
                    .map(|items| {
                        items
                            .iter()
                            .filter_map(|m| m.get("agentGroupId").and_then(as_id))
                            .collect()
                    })
                    .unwrap_or_default(),
                other => ids_in(record.get(other)),
            }
        };
        let mut found = Vec::new();
        for (field, catalog) in [
            ("profileIds", &self.profiles),
            ("skillIds", &self.skills),
            ("memberOf", &self.groups),
            ("managerOf", &self.groups),
        ] {
            let had = held(before, field);
            for id in held(Some(after), field) {
                // -1 is LivePerson's "Main Group", which no account lists.
                if (field == "memberOf" && id == -1) || had.contains(&id) {
                    continue;
                }
                if let Some(problem) = catalog.unknown(id) {
                    found.push((field, problem));
                }
            }
        }
        found
    }
}

fn ids_in(value: Option<&serde_json::Value>) -> Vec<i64> {
    match value {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(as_id).collect(),
        Some(other) => as_id(other).into_iter().collect(),
        None => Vec::new(),
    }
}

fn as_id(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

thread_local! {
    /// What was read, by connection (few: a list, lighter in the first-load module than a
    /// map).
    static READ: std::cell::RefCell<Vec<(String, Arc<Names>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The names of `connection`'s skills, agent groups and profiles: what was read already, or
/// what its configuration says (profiles) until [`read_names`] has read the account's own
/// lists. With `read_now`, that read starts at once; the list starts it once it has drawn,
/// so nothing it shows waits for names.
pub fn use_names(
    connection: &shared::ConnectionInfo,
    read_now: bool,
) -> (ReadSignal<Arc<Names>>, WriteSignal<Arc<Names>>) {
    let known = READ.with(|r| {
        r.borrow()
            .iter()
            .find(|(id, _)| *id == connection.id)
            .map(|(_, names)| names.clone())
    });
    let (names, set_names) = signal(known.unwrap_or_else(|| Arc::new(configured(connection))));
    if read_now {
        read_names(connection.clone(), set_names);
    }
    (names, set_names)
}

fn configured(connection: &shared::ConnectionInfo) -> Names {
    Names {
        profiles: if connection.profiles.is_empty() {
            Catalog::new("profile")
        } else {
            Catalog::partial(
                "profile",
                connection.profiles.iter().map(|p| (p.id, p.name.clone())),
            )
        },
        ..Names::default()
    }
}

/// Reads `connection`'s names once per page (a read that fails leaves that kind to ids)
/// and hands them to `set`.
pub fn read_names(connection: shared::ConnectionInfo, set: WriteSignal<Arc<Names>>) {
    let cached = READ.with(|r| {
        r.borrow()
            .iter()
            .find(|(id, _)| *id == connection.id)
            .map(|(_, names)| names.clone())
    });
    if let Some(cached) = cached {
        set.set(cached);
        return;
    }
    leptos::task::spawn_local(async move {
        let start = configured(&connection);
        let read = crate::on_demand::read_catalogs(connection.clone(), start.clone()).await;
        let read = Arc::new(read);
        // A read that found nothing is tried again by the next screen, not kept.
        if *read != start {
            READ.with(|r| r.borrow_mut().push((connection.id.clone(), read.clone())));
        }
        set.set(read);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn skills() -> Catalog {
        Catalog::of(
            "skill",
            [
                (5001, "Billing".to_owned()),
                (5002, "Sales EMEA".to_owned()),
            ],
        )
    }

    #[test]
    fn typed_names_and_ids_resolve_and_unknown_ones_are_named() {
        let skills = skills();
        for (typed, expected) in [
            ("Billing, sales emea", Ok(vec![5001, 5002])),
            ("5002; Billing (5001)", Ok(vec![5002, 5001])),
            ("", Ok(vec![])),
            (
                "9999, Bilin",
                Err(vec![
                    "There is no skill 9999 on this account; choose one by name.".to_owned(),
                    "No skill is named \"Bilin\".".to_owned(),
                ]),
            ),
        ] {
            assert_eq!(skills.resolve(typed), expected, "{typed:?}");
        }
        // Not knowing the account's list, ids pass and names cannot be read.
        let unknown = Catalog::new("skill");
        assert_eq!(unknown.resolve("9999"), Ok(vec![9999]));
        assert!(unknown.resolve("Billing").unwrap_err()[0].contains("only ids"));
        assert_eq!(skills.display(&[5002, 7]), "Sales EMEA, 7");
    }

    #[test]
    fn unknown_ids_in_a_record() {
        let names = Names {
            skills: skills(),
            groups: Catalog::of("agent group", [(101, "Tier 1".to_owned())]),
            ..Names::from_profiles(&[(3001, "Agent")])
        };
        let record = json!({
            "profileIds": [3001, "9999"], "skillIds": [5001, 42],
            "memberOf": {"agentGroupId": -1}, "managerOf": [{"agentGroupId": 101}, {"agentGroupId": 7}]
        });
        let fields = |before: Option<&serde_json::Value>, names: &Names| -> Vec<&'static str> {
            names
                .added_unknown_ids(before, &record)
                .iter()
                .map(|(f, _)| *f)
                .collect()
        };
        assert_eq!(
            fields(None, &names),
            ["profileIds", "skillIds", "managerOf"]
        );
        // What the user already held is not this edit's doing.
        let held =
            json!({"profileIds": ["9999"], "skillIds": [42], "managerOf": [{"agentGroupId": 7}]});
        assert!(fields(Some(&held), &names).is_empty());
        assert!(fields(None, &Names::default()).is_empty());
        // A retired skill is held without complaint; configured profiles are not all.
        let retired = Names {
            skills: skills().retiring(vec![42]),
            profiles: Catalog::partial("profile", [(3001, "Agent".to_owned())]),
            ..Names::default()
        };
        assert!(fields(None, &retired).is_empty());
    }
}
