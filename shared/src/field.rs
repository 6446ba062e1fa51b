//! What a form needs to know about each field of a vendor's user: its label, its kind, and
//! whether it is required, read-only, create-only or secret. One table per vendor.

use serde::Serialize;

/// How a field is entered and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "values", rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Email,
    /// Never shown back; entered twice or generated.
    Password,
    Integer,
    /// `true`/`false`.
    Boolean,
    /// CommPeak's `0`/`1` flags.
    Flag,
    /// One of a fixed list of values.
    Choice(&'static [Choice]),
    /// A list of numeric ids.
    IdList,
    /// `yyyy-MM-dd HH:mm:ss` (LivePerson).
    Date,
    /// A nested object or list the console edits as a whole.
    Structured,
}

/// One allowed value of a [`FieldKind::Choice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

/// One field of a vendor's user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldSpec {
    /// JSON Pointer of the field inside one user, without the leading `/` (`name/firstName`).
    pub path: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    /// Must be given when creating a user.
    pub required: bool,
    /// Set by the vendor; never sent.
    pub read_only: bool,
    /// Can be given on create only; an update must not carry it.
    pub create_only: bool,
    /// Taken by an update only: the vendor's create has no such field (CommPeak documents
    /// different field sets for the two), so a create form does not offer it.
    pub update_only: bool,
    /// Masked on screen and never logged.
    pub secret: bool,
    /// Sent to the vendor, never sent back by it (LivePerson's `passwordSh`): no answer
    /// carries it, so none is read to take it out (see [`FieldSpec::returned_secret`]).
    pub write_only: bool,
    /// The heading a form shows the field under; fields of one group are shown together.
    pub group: &'static str,
}

/// The group of a field whose table names none.
pub const DEFAULT_GROUP: &str = "Details";

impl FieldSpec {
    /// A plain optional, editable, non-secret field; the `const fn` setters adjust it.
    pub const fn new(path: &'static str, label: &'static str, kind: FieldKind) -> Self {
        Self {
            path,
            label,
            kind,
            required: false,
            read_only: false,
            create_only: false,
            update_only: false,
            secret: false,
            write_only: false,
            group: DEFAULT_GROUP,
        }
    }
    pub const fn in_group(mut self, group: &'static str) -> Self {
        self.group = group;
        self
    }
    pub const fn update_only(mut self) -> Self {
        self.update_only = true;
        self
    }
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub const fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }
    pub const fn create_only(mut self) -> Self {
        self.create_only = true;
        self
    }
    pub const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
    pub const fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    /// A secret the vendor sends back in its answers: secret, and neither given on create
    /// only (a password chosen once) nor write-only. CommPeak's `registration_password` is
    /// one: the proxy takes it out of the answers that must not carry it
    /// ([`crate::vendor::withheld_secrets`]).
    pub const fn returned_secret(&self) -> bool {
        self.secret && !self.create_only && !self.write_only
    }
}

/// The groups of `fields`, each once, in the order the table first names them.
pub fn groups(fields: &[FieldSpec]) -> Vec<&'static str> {
    let mut groups: Vec<&'static str> = Vec::new();
    for field in fields {
        if !groups.contains(&field.group) {
            groups.push(field.group);
        }
    }
    groups
}

/// The field at `path` in `fields`.
pub fn lookup<'a>(fields: &'a [FieldSpec], path: &str) -> Option<&'a FieldSpec> {
    fields.iter().find(|f| f.path == path)
}
