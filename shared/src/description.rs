//! What a console needs to know of a vendor's users beyond their fields and operations: which
//! field is a user's key and which its login, what a search looks in, the list's first
//! columns, whether writes carry a revision, whether an update replaces the user or changes
//! only what is sent, and how a user is disabled and deleted. Data, so screens, import and
//! bulk work read it instead of naming a vendor; each vendor module states its own
//! (`DESCRIPTION`), and [`crate::vendor::description`] finds it by kind.

/// How an update treats the fields it does not send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// The whole user is replaced: a field left out is cleared (LivePerson, Trintech), so a
    /// save sends the whole record.
    Replace,
    /// Only the fields sent change (CommPeak), so a save sends only what the admin changed.
    Partial,
}

/// A value a flag field holds, as the vendor writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue {
    Bool(bool),
    /// A 0/1 flag (CommPeak writes numbers, reads strings).
    Number(i64),
}

/// A user-level switch: the field, and the value that means "on".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switch {
    pub field: &'static str,
    pub on: FieldValue,
    pub off: FieldValue,
}

/// How a user is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    /// A delete operation (LivePerson: soft delete, listed again with `include_deleted`).
    Operation,
    /// A flag set by an update (CommPeak's `is_deleted`), which an update can clear again.
    Flag(Switch),
    /// The vendor publishes no way to delete (Trintech): a user is locked instead.
    None,
}

/// What a list filter offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    /// Two choices, with what each is called (`yes` for a true flag).
    YesNo { yes: &'static str, no: &'static str },
    /// One id among those the field holds, chosen by name once the account's names are read.
    Named,
}

/// A filter the list offers over one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListFilter {
    pub field: &'static str,
    /// Its name in the list's URL (`enabled=no`).
    pub param: &'static str,
    pub label: &'static str,
    pub kind: FilterKind,
}

/// The list operation's query parameters the console uses, where the vendor has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListQuery {
    /// Names the fields to return (the `select` grammar, `crate::select`): the list asks for
    /// only what the view shows, so only that crosses the network.
    pub select: Option<Select>,
    /// Asks for deleted users too (LivePerson's `include_deleted=true`); without it, a vendor
    /// that lists deleted users lists them always and the console hides them until asked.
    pub include_deleted: Option<&'static str>,
}

/// A list parameter that names the fields to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Select {
    /// The parameter's name (`select`).
    pub param: &'static str,
    /// Its value for every field (`$all`): what a bulk edit reads users with.
    pub all: &'static str,
    pub by: SelectBy,
}

/// Who applies a list's selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectBy {
    /// The vendor's list takes it (LivePerson).
    Vendor,
    /// The vendor has none (CommPeak, Trintech): the proxy takes the parameter off the
    /// vendor's request and keeps only the selected members of each user it answers.
    Proxy,
}

impl Select {
    /// The console's own `select` parameter, applied by the proxy.
    pub const BY_PROXY: Select = Select {
        param: "select",
        all: crate::select::ALL,
        by: SelectBy::Proxy,
    };
}

/// How a bulk edit changes one field on every selected user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkChange {
    /// One value for all of them; with `clear`, the word `none` empties the field.
    Set { clear: bool },
    /// Ids added to and removed from the list each user holds (skills).
    AddRemove,
}

/// A field a bulk edit offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkField {
    pub field: &'static str,
    pub change: BulkChange,
}

impl BulkField {
    /// One value for every user.
    pub const fn set(field: &'static str) -> Self {
        Self {
            field,
            change: BulkChange::Set { clear: false },
        }
    }
    /// One value for every user, or emptied with `none`.
    pub const fn set_or_clear(field: &'static str) -> Self {
        Self {
            field,
            change: BulkChange::Set { clear: true },
        }
    }
    /// Ids added and removed.
    pub const fn add_remove(field: &'static str) -> Self {
        Self {
            field,
            change: BulkChange::AddRemove,
        }
    }
}

/// What the console calls the disabled switch's two sides, in the vendor's own words
/// (LivePerson enables, CommPeak activates, Trintech locks out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwitchWords {
    /// The bulk control that sets it (`Set enabled`).
    pub set: &'static str,
    /// Turning the user on (`Enable`), and off (`Disable`).
    pub enable: &'static str,
    pub disable: &'static str,
}

/// The request readiness sends to tell that a vendor is reachable and takes the connection's
/// credentials: authenticated, and changing nothing (a user no vendor has, or an update of no
/// users). Any answer but 401/403 means ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// The operation sent (one every connection of the vendor serves).
    pub operation: &'static str,
    /// The id in its path, where it has one: an id the vendor never gives a user.
    pub id: Option<&'static str>,
    /// Its JSON body, where it takes one.
    pub body: Option<&'static str>,
}

/// How many users one write may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxUsers {
    /// The vendor publishes its cap (Trintech's 1000): the default, and the most a connection
    /// may be configured to send.
    Documented(usize),
    /// The vendor publishes none: a default a connection may raise or lower.
    Chosen(usize),
}

impl MaxUsers {
    /// The limit of a connection that states none.
    pub const fn default_limit(self) -> usize {
        match self {
            MaxUsers::Documented(n) | MaxUsers::Chosen(n) => n,
        }
    }

    /// The most a connection may be configured to accept, when the vendor has a cap.
    pub const fn ceiling(self) -> Option<usize> {
        match self {
            MaxUsers::Documented(n) => Some(n),
            MaxUsers::Chosen(_) => None,
        }
    }
}

/// One vendor's users, as the console handles them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Description {
    /// The field that names a user in URLs and requests (`id`, or Trintech's `userName`).
    pub key: &'static str,
    /// The field shown as the user's login name.
    pub login: &'static str,
    /// The fields a search looks in.
    pub searched: &'static [&'static str],
    /// The list's columns until the admin chooses others.
    pub columns: &'static [&'static str],
    /// The response header that carries the revision a write must name (`If-Match`), when
    /// the vendor has one; without one, a save reads the user again first to see changes.
    pub revision: Option<&'static str>,
    /// Whether the revision counts the account's writes, one each (LivePerson's
    /// `ac-revision`, `users-apis.md` §1.7): a revision one above another means exactly one
    /// write happened between them.
    pub revision_counts_writes: bool,
    pub update: Update,
    /// What "disabled" is (LivePerson `isEnabled` false, CommPeak `is_active` 0, Trintech
    /// `lockedOut` true): `on` is a disabled user.
    pub disabled: Switch,
    pub disabled_words: SwitchWords,
    pub deletion: Deletion,
    /// The field that reads true (or 1) for a deleted user, where deleted users are listed.
    pub deleted: Option<&'static str>,
    pub list: ListQuery,
    /// The list's filters besides search.
    pub filters: &'static [ListFilter],
    /// What a new user starts with in a create form, where the vendor's own default is not
    /// what an admin expects to see (an agent group, an enabled user).
    pub new_user: &'static [(&'static str, FieldValue)],
    /// The fields a bulk edit offers besides the disabled switch, which it always offers.
    pub bulk: &'static [BulkField],
    /// How readiness checks the vendor.
    pub probe: Probe,
    /// The most users one write request may carry (a list of users or of ids), refused whole
    /// before any record is checked: a hostile request never costs a check per record.
    pub max_users: MaxUsers,
}

impl Description {
    /// Whether `after` is the revision of exactly one write after `before` (both as the
    /// vendor sent them): false where the revision does not count writes, or either is not
    /// a count.
    pub fn one_write_between(&self, before: &str, after: &str) -> bool {
        let count = |revision: &str| revision.trim().trim_matches('"').parse::<u64>().ok();
        self.revision_counts_writes
            && matches!((count(before), count(after)), (Some(b), Some(a)) if b.checked_add(1) == Some(a))
    }
}

#[cfg(test)]
mod tests {
    use crate::connection::VendorKind;
    use crate::field::lookup;
    use crate::vendor::{description, fields};

    use super::*;

    #[test]
    fn every_description_names_fields_the_vendor_has() {
        for kind in [
            VendorKind::Liveperson,
            VendorKind::Trintech,
            VendorKind::Commpeak,
        ] {
            let d = description(kind);
            let mut named = vec![d.key, d.login, d.disabled.field];
            named.extend(d.deleted);
            named.extend(d.new_user.iter().map(|(field, _)| *field));
            named.extend(d.filters.iter().map(|f| f.field));
            named.extend(d.searched);
            named.extend(d.columns);
            named.extend(d.bulk.iter().map(|b| b.field));
            if let Deletion::Flag(flag) = d.deletion {
                named.push(flag.field);
            }
            for field in named {
                assert!(
                    lookup(fields(kind), field).is_some(),
                    "{kind:?}: {field} is not one of its fields"
                );
            }
            assert!(!d.searched.is_empty() && !d.columns.is_empty(), "{kind:?}");
            assert_ne!(d.disabled.on, d.disabled.off, "{kind:?}");
        }
    }

    /// Readiness sends each vendor's probe through the forwarding path's builder: the
    /// operation must be one every connection serves, its id one a path takes, its body the
    /// shape the operation reads, and the request one that changes nothing (a read, or an
    /// update of no users).
    #[test]
    fn every_probe_is_a_request_the_vendor_serves_and_that_changes_nothing() {
        use crate::operation::{Body, HttpMethod, is_valid_path_id};
        for kind in [
            VendorKind::Liveperson,
            VendorKind::Trintech,
            VendorKind::Commpeak,
        ] {
            let probe = description(kind).probe;
            let operation = crate::vendor::operations(kind)
                .iter()
                .find(|op| op.name == probe.operation)
                .unwrap_or_else(|| panic!("{kind:?}: no operation {}", probe.operation));
            assert!(!operation.optional, "{kind:?}: every connection serves it");
            assert_eq!(
                operation.path.contains("{id}"),
                probe.id.is_some(),
                "{kind:?}: an id exactly where the path takes one"
            );
            assert!(probe.id.is_none_or(is_valid_path_id), "{kind:?}");
            match (operation.method, operation.body, probe.body) {
                (HttpMethod::Get, Body::None, None) => {}
                (_, Body::Users(_), Some(body)) => {
                    let users: Vec<serde_json::Value> = serde_json::from_str(body).unwrap();
                    assert!(users.is_empty(), "{kind:?}: an update of no users");
                }
                other => panic!("{kind:?}: a probe that could change something: {other:?}"),
            }
        }
    }

    #[test]
    fn the_vendors_differ_where_their_apis_do() {
        let [lp, tt, cp] = [
            VendorKind::Liveperson,
            VendorKind::Trintech,
            VendorKind::Commpeak,
        ]
        .map(description);
        assert_eq!(
            [lp.key, tt.key, cp.key],
            ["id", "userName", "id"],
            "the user's key"
        );
        assert_eq!(
            [lp.revision, tt.revision, cp.revision],
            [Some("ac-revision"), None, None]
        );
        assert_eq!(
            [lp.update, tt.update, cp.update],
            [Update::Replace, Update::Replace, Update::Partial]
        );
        assert_eq!(lp.deletion, Deletion::Operation);
        assert_eq!(tt.deletion, Deletion::None);
        assert!(matches!(cp.deletion, Deletion::Flag(f) if f.field == "is_deleted"));
        assert_eq!(
            [lp.disabled.field, tt.disabled.field, cp.disabled.field],
            ["isEnabled", "lockedOut", "is_active"]
        );
        assert_eq!(
            [lp.max_users, tt.max_users, cp.max_users],
            [
                MaxUsers::Chosen(1000),
                MaxUsers::Documented(crate::trintech::MAX_BATCH),
                MaxUsers::Chosen(1000)
            ],
            "Trintech documents its cap; the others publish none"
        );
    }

    #[test]
    fn one_write_between_counts_only_where_the_revision_counts_writes() {
        let lp = description(VendorKind::Liveperson);
        let cp = description(VendorKind::Commpeak);
        for (before, after, expected) in [
            ("41", "42", true),
            ("41", "43", false),
            ("42", "42", false),
            ("\"41\"", "42", true),
            ("x", "42", false),
            ("18446744073709551615", "0", false),
        ] {
            assert_eq!(
                lp.one_write_between(before, after),
                expected,
                "{before} {after}"
            );
        }
        assert!(!cp.one_write_between("41", "42"));
    }
}
