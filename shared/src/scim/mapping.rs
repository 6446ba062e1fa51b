//! The mapping between a SCIM core User and one vendor's user, written once: each vendor's
//! `scim` module states its [`Mapping`] as data (which SCIM attribute each vendor field holds
//! and how the value is encoded) and this module reads, creates and replaces users from it,
//! so no code here names a vendor.
//!
//! What is mapped is the core User's `userName`, `name` (`givenName`, `familyName`,
//! `formatted`), `displayName`, the primary email and phone, `active`, `externalId` and the
//! write-only `password`. Every other attribute (locale, groups, the enterprise extension, …)
//! is accepted and ignored on write, and nothing is published that no vendor field stores.

use serde_json::{Map, Value, json};

use super::{Resource, ScimError, ScimType, USER_SCHEMA};
use crate::conflict::{get, set, top_field};
use crate::connection::VendorKind;
use crate::description::Description;
use crate::field::{FieldSpec, lookup};
use crate::operation::{PathParams, names};

/// The SCIM attribute a vendor field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    UserName,
    /// `name.givenName`.
    GivenName,
    /// `name.familyName`.
    FamilyName,
    /// `name.formatted`. On write, when absent: givenName and familyName joined, else
    /// `displayName` (Okta sends givenName and familyName only).
    Formatted,
    /// `displayName`. On write, when absent: the formatted name as above.
    DisplayName,
    /// The value of the chosen element of `emails` (see [`chosen_value`]).
    Email,
    /// The value of the chosen element of `phoneNumbers`.
    Phone,
    Active,
    ExternalId,
    /// Write-only, on create only: never published, and a replace leaves it alone (the
    /// vendors change passwords by other means or not at all).
    Password,
}

impl Source {
    /// The top-level SCIM attribute.
    pub const fn attribute(self) -> &'static str {
        match self {
            Source::UserName => "userName",
            Source::GivenName | Source::FamilyName | Source::Formatted => "name",
            Source::DisplayName => "displayName",
            Source::Email => "emails",
            Source::Phone => "phoneNumbers",
            Source::Active => "active",
            Source::ExternalId => "externalId",
            Source::Password => "password",
        }
    }

    /// The sub-attribute of [`Source::attribute`] the value is, for `name`'s parts and the
    /// multi-valued attributes' `value`.
    pub const fn sub_attribute(self) -> Option<&'static str> {
        match self {
            Source::GivenName => Some("givenName"),
            Source::FamilyName => Some("familyName"),
            Source::Formatted => Some("formatted"),
            Source::Email | Source::Phone => Some("value"),
            _ => None,
        }
    }

    /// Whether a create or replace without it still has a value for it (composed, defaulted
    /// or generated): such an attribute is never published as required.
    const fn has_fallback(self) -> bool {
        matches!(
            self,
            Source::Formatted | Source::DisplayName | Source::Active | Source::Password
        )
    }
}

/// How the vendor holds a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A string (a number read as its digits).
    Text,
    /// A boolean, read from `true`/`"true"`/`1`/`"1"` and their opposites, written natively.
    Bool,
    /// A boolean the vendor holds negated (`active` as a "locked out" flag).
    Negated,
    /// A 0/1 flag: read as a boolean is, written as the number 0 or 1.
    Flag,
}

/// One vendor field and the SCIM attribute it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute {
    pub source: Source,
    /// The vendor field, as a path in its `FIELDS` (`name/firstName`).
    pub field: &'static str,
    pub encoding: Encoding,
}

impl Attribute {
    pub const fn text(source: Source, field: &'static str) -> Self {
        Self {
            source,
            field,
            encoding: Encoding::Text,
        }
    }
    pub const fn with(source: Source, field: &'static str, encoding: Encoding) -> Self {
        Self {
            source,
            field,
            encoding,
        }
    }
}

/// How one vendor's users are SCIM Users. What the vendor's own tables already say is read
/// from them by `kind` (the key, the deleted flag and the fields' required, create-only and
/// update-only marks, which decide what a create sends and what a replace clears).
#[derive(Debug, Clone, Copy)]
pub struct Mapping {
    pub kind: VendorKind,
    /// Every mapped vendor field, at most one per SCIM source.
    pub attributes: &'static [Attribute],
    /// The vendor fields [`Mapping::resource`] reads, in the `select` grammar.
    pub list_select: &'static str,
    /// The vendor's own password rule for a new user (its login name unknown here).
    pub password_accepted: fn(&str) -> bool,
    /// The special characters the vendor's password rule takes (and, for one vendor, needs);
    /// empty where letters and digits suffice.
    pub password_specials: &'static str,
    /// [`Mapping::sandbox_defaults`], as a JSON object.
    pub sandbox_defaults: &'static str,
    /// Whether the vendor's create needs a name (LivePerson's `fullName`, Trintech's `name`):
    /// `/Schemas` then publishes `name` and `name.formatted` as required.
    pub name_required: bool,
    /// Where the vendor has no delete (its description's `Deletion::None`), what a SCIM
    /// delete empties besides locking the user out: a user locked out with all of these
    /// empty can do nothing in the vendor, and is no SCIM resource (a later read is 404).
    /// Empty where the vendor deletes.
    pub retired_empties: &'static [&'static str],
}

/// Where a generated password's letters come from.
const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";
/// A generated password's length: 24 characters of at least 62 are over 140 bits.
const PASSWORD_LENGTH: usize = 24;

/// The type `emails` and `phoneNumbers` elements are published with: the vendors keep one
/// address or number with no type, and a work account's is the work one.
const PUBLISHED_TYPE: &str = "work";

impl Mapping {
    fn description(&self) -> &'static Description {
        crate::vendor::description(self.kind)
    }

    fn fields(&self) -> &'static [FieldSpec] {
        crate::vendor::fields(self.kind)
    }

    fn spec(&self, attribute: &Attribute) -> Option<&'static FieldSpec> {
        lookup(self.fields(), attribute.field)
    }

    /// The SCIM User of one vendor user as the vendor answers it: `schemas`, `id` and every
    /// mapped attribute the vendor has a value for; never `password`, no `meta`. `None` for a
    /// user the vendor marks deleted, or one without an id.
    pub fn resource(&self, user: &Value) -> Option<Resource> {
        if self.is_deleted(user) {
            return None;
        }
        let id = self.id(user)?;
        let mut resource = Resource::new();
        resource.insert("schemas".into(), json!([USER_SCHEMA]));
        resource.insert("id".into(), Value::String(id));
        for attribute in self.attributes {
            if attribute.source == Source::Password {
                continue;
            }
            let Some(value) = read_vendor(user, attribute) else {
                continue;
            };
            let top = attribute.source.attribute();
            match attribute.source {
                Source::GivenName | Source::FamilyName | Source::Formatted => {
                    let name = resource
                        .entry(top)
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let (Value::Object(name), Some(sub)) =
                        (name, attribute.source.sub_attribute())
                    {
                        name.insert(sub.into(), value);
                    }
                }
                Source::Email | Source::Phone => {
                    resource.insert(
                        top.into(),
                        json!([{"value": value, "type": PUBLISHED_TYPE, "primary": true}]),
                    );
                }
                _ => {
                    resource.insert(top.into(), value);
                }
            }
        }
        Some(resource)
    }

    /// The SCIM id of a vendor user: its key (a numeric id as a string, or the user name where
    /// that is the key), `None` when it has none.
    pub fn id(&self, user: &Value) -> Option<String> {
        match get(user, self.description().key)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    fn is_deleted(&self, user: &Value) -> bool {
        let description = self.description();
        let flagged = description
            .deleted
            .and_then(|flag| get(user, flag))
            .and_then(lenient_bool)
            == Some(true);
        flagged || (!self.retired_empties.is_empty() && self.is_retired(user))
    }

    /// Locked out, and every field of [`Mapping::retired_empties`] empty.
    fn is_retired(&self, user: &Value) -> bool {
        let disabled = self.description().disabled;
        let locked = get(user, disabled.field)
            .is_some_and(|value| lenient_bool(value) == Some(switch_value_is_on(disabled)));
        locked
            && self
                .retired_empties
                .iter()
                .all(|field| match get(user, field) {
                    None | Some(Value::Null) => true,
                    Some(Value::Array(items)) => items.is_empty(),
                    Some(Value::String(text)) => text.trim().is_empty(),
                    Some(_) => false,
                })
    }

    /// The vendor user after a SCIM delete where the vendor has none: `current` locked out
    /// (the description's disabled switch on) with every field of
    /// [`Mapping::retired_empties`] emptied, so [`Mapping::resource`] then finds no user.
    pub fn retired_user(&self, current: &Value) -> Value {
        let disabled = self.description().disabled;
        let mut user = current.clone();
        set(&mut user, disabled.field, Some(field_value(disabled.on)));
        for field in self.retired_empties {
            let emptied = match get(current, field) {
                Some(Value::Array(_)) => Value::Array(Vec::new()),
                _ => Value::Null,
            };
            set(&mut user, field, Some(emptied));
        }
        user
    }

    /// After a PATCH that changed the given or family name and not the formatted one: a
    /// formatted name that was the two parts joined is joined again from the new parts, so
    /// a vendor field that holds it (Trintech's display name) does not keep the old name.
    /// One that said something else (a name an admin wrote) is left as it is.
    pub fn refresh_formatted(before: &Resource, after: &mut Resource) -> Result<(), ScimError> {
        let part = |resource: &Resource, name: &str| name_part(resource, name);
        let (old_given, old_family) = (part(before, "givenName")?, part(before, "familyName")?);
        let (new_given, new_family) = (part(after, "givenName")?, part(after, "familyName")?);
        let old_formatted = part(before, "formatted")?;
        let parts_changed = (&old_given, &old_family) != (&new_given, &new_family);
        let joined = |given: &Option<String>, family: &Option<String>| {
            let parts: Vec<&str> = [given, family]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        };
        if !parts_changed
            || part(after, "formatted")? != old_formatted
            || old_formatted.is_none()
            || old_formatted != joined(&old_given, &old_family)
        {
            return Ok(());
        }
        if let (Some(Value::Object(name)), Some(formatted)) =
            (after.get_mut("name"), joined(&new_given, &new_family))
        {
            name.insert("formatted".into(), Value::String(formatted));
        }
        Ok(())
    }

    /// A PATCH that leaves a mapped attribute without a value the vendor cannot be without
    /// (a required field, a flag): 400 `mutability` (RFC 7644 §3.5.2.2), naming it. A
    /// replace (PUT) that leaves one out keeps the vendor's value instead
    /// ([`Mapping::replaced_user`]).
    pub fn removal_refused(&self, before: &Resource, after: &Resource) -> Result<(), ScimError> {
        for attribute in self.attributes {
            if matches!(attribute.source, Source::Password | Source::ExternalId)
                || clears(attribute, self.spec(attribute))
            {
                continue;
            }
            if read_scim(before, attribute.source)?.is_some()
                && read_scim(after, attribute.source)?.is_none()
            {
                let name = attribute.source.attribute();
                let how = if attribute.source == Source::Active {
                    "replace it with false to deactivate the user"
                } else {
                    "the vendor requires it; replace it instead"
                };
                return Err(ScimError::bad(
                    ScimType::Mutability,
                    format!("{name}: cannot be removed: {how}."),
                ));
            }
        }
        Ok(())
    }

    /// The vendor fields [`Mapping::resource`] reads (the key, the deleted flag and every
    /// mapped field), in the `select` grammar of [`crate::select`].
    pub fn list_select(&self) -> &'static str {
        self.list_select
    }

    /// One vendor user for a create: `defaults` first, then every mapped attribute of
    /// `resource` over them. The password is `resource`'s, else `generated_password`; a
    /// missing `active` is true unless `defaults` say otherwise. Fields the vendor's create
    /// does not take (update-only) are left out: [`Mapping::after_create`] sets them.
    pub fn create_user(
        &self,
        resource: &Resource,
        defaults: &Map<String, Value>,
        generated_password: &str,
    ) -> Result<Value, ScimError> {
        if read_scim(resource, Source::UserName)?.is_none() {
            return Err(ScimError::bad(
                ScimType::InvalidValue,
                "userName: required, a non-empty string",
            ));
        }
        let mut user = Value::Object(defaults.clone());
        for attribute in self.attributes {
            // Read even when the create cannot carry it, so bad input is refused before
            // anything is created.
            let given = read_scim(resource, attribute.source)?;
            if self.spec(attribute).is_some_and(|spec| spec.update_only) {
                continue;
            }
            let value = match (given, attribute.source) {
                (Some(value), _) => Some(value),
                (None, Source::Password) => Some(Value::String(generated_password.to_owned())),
                (None, Source::Active) if get(&user, attribute.field).is_none() => {
                    Some(Value::Bool(true))
                }
                (None, _) => None,
            };
            if let Some(value) = value {
                set(&mut user, attribute.field, Some(encode(attribute, value)));
            }
        }
        Ok(user)
    }

    /// What a create could not carry: `Some(user)` when `resource` has a value for a field
    /// the vendor's create does not take (update-only), `user` being `created` (the vendor's
    /// answer) with `resource` applied as by [`Mapping::replaced_user`]; the proxy then
    /// sends `conflict::update_body(description, fields, created, &user)`. `None` when the
    /// create carried everything.
    pub fn after_create(
        &self,
        created: &Value,
        resource: &Resource,
    ) -> Result<Option<Value>, ScimError> {
        for attribute in self.attributes {
            if self.spec(attribute).is_some_and(|spec| spec.update_only)
                && read_scim(resource, attribute.source)?.is_some()
            {
                return self.replaced_user(created, resource).map(Some);
            }
        }
        Ok(None)
    }

    /// The vendor user after a SCIM replace: `current` with every mapped attribute set from
    /// `resource`. A mapped attribute `resource` lacks is cleared where the vendor allows it
    /// empty (an optional text field: a name part, a phone, an employee id) and kept where
    /// it does not (a required field such as the login or the email, and every boolean,
    /// which has no empty value). Unmapped fields, and a value equal to the current one read
    /// leniently, are kept as they are, so a replace changes only what SCIM changed. A
    /// create-only field (a key) given a different value is a 400 `mutability`.
    pub fn replaced_user(&self, current: &Value, resource: &Resource) -> Result<Value, ScimError> {
        self.written_user(current, resource, false)
    }

    /// The vendor user after a PATCH: as [`Mapping::replaced_user`], but the result of a
    /// PATCH holds every attribute it did not remove, so an `externalId` missing from it
    /// was removed, and is cleared too. (A PATCH may not remove what the vendor requires:
    /// [`Mapping::removal_refused`].)
    pub fn patched_user(&self, current: &Value, resource: &Resource) -> Result<Value, ScimError> {
        self.written_user(current, resource, true)
    }

    fn written_user(
        &self,
        current: &Value,
        resource: &Resource,
        patched: bool,
    ) -> Result<Value, ScimError> {
        if !current.is_object() {
            return Err(ScimError::new(
                502,
                None,
                "The vendor's user is not a JSON object.",
            ));
        }
        let mut user = current.clone();
        for attribute in self.attributes {
            if attribute.source == Source::Password {
                continue;
            }
            let spec = self.spec(attribute);
            let now = read_scim(resource, attribute.source)?;
            let was = read_vendor(current, attribute);
            if spec.is_some_and(|spec| spec.create_only) {
                if let (Some(now), Some(was)) = (&now, &was)
                    && now != was
                {
                    return Err(ScimError::bad(
                        ScimType::Mutability,
                        format!(
                            "{}: the vendor keys its users by it, so it cannot be changed \
                             (from {was} to {now}).",
                            attribute.source.attribute()
                        ),
                    ));
                }
                continue;
            }
            match now {
                Some(now) if was.as_ref() == Some(&now) => {}
                Some(now) => set(&mut user, attribute.field, Some(encode(attribute, now))),
                None if clears(attribute, spec)
                    || (patched && attribute.source == Source::ExternalId) =>
                {
                    set(&mut user, attribute.field, None)
                }
                None => {}
            }
        }
        Ok(user)
    }

    /// The SCIM attribute a vendor field's validation error is about, from the error's JSON
    /// pointer (`/0/email`, `/email`, `/name/firstName`): `None` for an unmapped field.
    pub fn attribute_of(&self, vendor_pointer: &str) -> Option<&'static str> {
        let path = vendor_pointer.strip_prefix('/').unwrap_or(vendor_pointer);
        // A list's errors start with the user's index.
        let path = match path.split_once('/') {
            Some((index, rest))
                if !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()) =>
            {
                rest
            }
            _ => path,
        };
        if path.is_empty() {
            return None;
        }
        self.attributes
            .iter()
            .find(|a| {
                a.field == path
                    || path
                        .strip_prefix(a.field)
                        .is_some_and(|rest| rest.starts_with('/'))
                    || a.field
                        .strip_prefix(path)
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .map(|a| a.source.attribute())
    }

    /// A password the vendor's create accepts, made from 32 random bytes (the caller's CSPRNG):
    /// 24 characters of letters, digits and the vendor's special characters, with at least
    /// one lower-case letter, one upper-case letter, one digit and, where the vendor takes
    /// some, one special character. Deterministic for the same bytes. (Each character is a
    /// byte modulo the alphabet's size: the bias that leaves costs under 10 of 140 bits.)
    pub fn generated_password(&self, random: &[u8; 32]) -> String {
        let mut first = None;
        // Every candidate passes by construction; the vendor's rule is asked all the same,
        // and another rotation of the bytes tried, so a rule changed later cannot be missed
        // silently by all of them (the tests would fail first).
        for rotation in 0..random.len() {
            let mut bytes = *random;
            bytes.rotate_left(rotation);
            let candidate = self.password_from(&bytes);
            if (self.password_accepted)(&candidate) {
                return candidate;
            }
            first.get_or_insert(candidate);
        }
        first.unwrap_or_default()
    }

    fn password_from(&self, random: &[u8; 32]) -> String {
        let specials = self.password_specials.as_bytes();
        let mut classes: Vec<&[u8]> = vec![LOWER, UPPER, DIGITS];
        if !specials.is_empty() {
            classes.push(specials);
        }
        let alphabet: Vec<u8> = classes.concat();
        let pick = |set: &[u8], byte: u8| set[usize::from(byte) % set.len()];
        let mut password: Vec<u8> = random[..PASSWORD_LENGTH]
            .iter()
            .map(|&b| pick(&alphabet, b))
            .collect();
        // One character of each class, each in its own block of six, so they never overlap:
        // bytes 24..28 place them, 28..32 choose them.
        let block = PASSWORD_LENGTH / 4;
        for (k, class) in classes.iter().enumerate() {
            let at = k * block + usize::from(random[PASSWORD_LENGTH + k]) % block;
            password[at] = pick(class, random[PASSWORD_LENGTH + 4 + k]);
        }
        password.into_iter().map(char::from).collect()
    }

    /// A problem with a connection's configured SCIM defaults, for the configuration's error:
    /// a name that is no field of the vendor, one the vendor sets or its create does not take,
    /// one SCIM always supplies, a vendor field the create requires that SCIM cannot supply
    /// and the defaults lack, or a default the vendor's own create rules refuse. `None` when
    /// fine.
    pub fn defaults_problem(&self, defaults: &Map<String, Value>) -> Option<String> {
        let fields = self.fields();
        for name in defaults.keys() {
            let specs: Vec<&FieldSpec> = fields
                .iter()
                .filter(|f| top_field(f.path) == name)
                .collect();
            if specs.is_empty() {
                let known: Vec<&str> = fields
                    .iter()
                    .filter(|f| !f.read_only && !f.update_only)
                    .map(|f| top_field(f.path))
                    .fold(Vec::new(), |mut names, name| {
                        if !names.contains(&name) {
                            names.push(name);
                        }
                        names
                    });
                return Some(format!(
                    "SCIM default \"{}\" is not a field of this vendor's users; a create \
                     takes: {}",
                    name.chars().take(60).collect::<String>(),
                    known.join(", ")
                ));
            }
            if specs.iter().all(|f| f.read_only) {
                return Some(format!(
                    "SCIM default \"{name}\" is set by the vendor; leave it out"
                ));
            }
            if specs.iter().all(|f| f.update_only) {
                return Some(format!(
                    "SCIM default \"{name}\" is not taken by the vendor's create; leave it out"
                ));
            }
            if let Some(attribute) = self.attributes.iter().find(|a| {
                top_field(a.field) == name
                    && matches!(a.source, Source::UserName | Source::Password)
            }) {
                return Some(format!(
                    "SCIM default \"{name}\" is always set from SCIM's {} (or generated); leave \
                     it out",
                    attribute.source.attribute()
                ));
            }
        }
        for spec in fields
            .iter()
            .filter(|f| f.required && !f.read_only && !f.update_only)
        {
            let top = top_field(spec.path);
            let mapped = self.attributes.iter().any(|a| top_field(a.field) == top);
            if !mapped && !defaults.contains_key(top) {
                return Some(format!(
                    "the vendor's create requires \"{top}\" ({}), which SCIM cannot supply: \
                     give it a SCIM default",
                    spec.label
                ));
            }
        }
        self.defaults_refused(defaults)
    }

    /// The vendor's own create rules, applied to a typical SCIM User over `defaults`: what
    /// they say about a default (a profile id that is no number, …).
    fn defaults_refused(&self, defaults: &Map<String, Value>) -> Option<String> {
        let create = crate::vendor::operations(self.kind)
            .iter()
            .find(|op| op.name == names::CREATE_USERS)?;
        let mut sample = Resource::new();
        sample.insert("userName".into(), json!("scim.defaults.check"));
        sample.insert(
            "name".into(),
            json!({"givenName": "Scim", "familyName": "Check"}),
        );
        sample.insert(
            "emails".into(),
            json!([{"value": "scim.defaults.check@example.com", "primary": true}]),
        );
        let user = self
            .create_user(&sample, defaults, &self.generated_password(&[7; 32]))
            .ok()?;
        let body = serde_json::to_vec(&Value::Array(vec![user])).ok()?;
        let errors =
            crate::vendor::check_body(self.kind, create, &PathParams::default(), &body).err()?;
        errors.0.iter().find_map(|error| {
            let path = error.path.trim_start_matches('/');
            let path = path.split_once('/').map_or(path, |(_, rest)| rest);
            defaults
                .contains_key(top_field(path))
                .then(|| format!("SCIM default \"{}\": {}", top_field(path), error.message))
        })
    }

    /// Defaults for the sandbox's seeded accounts (each vendor module says why these).
    pub fn sandbox_defaults(&self) -> Map<String, Value> {
        serde_json::from_str(self.sandbox_defaults).unwrap_or_default()
    }

    /// The attributes `/Schemas` publishes for this mapping (RFC 7643 §7): exactly what it
    /// maps, in the core schema's order; `id` and `externalId` are common attributes
    /// (RFC 7643 §3.1) and so not listed.
    pub fn schema_attributes(&self) -> Vec<Value> {
        let mapped = |source: Source| self.attributes.iter().find(|a| a.source == source);
        let required = |attribute: &Attribute| {
            self.spec(attribute).is_some_and(|s| s.required) && !attribute.source.has_fallback()
        };
        let mut published: Vec<Value> = Vec::new();
        if let Some(user_name) = mapped(Source::UserName) {
            // A create-only key is set once: immutable (RFC 7643 §7).
            let immutable = self.spec(user_name).is_some_and(|s| s.create_only);
            published.push(schema_attribute(
                "userName",
                "string",
                "Unique identifier for the User, used to sign in.",
                required(user_name),
                if immutable { "immutable" } else { "readWrite" },
                "server",
            ));
        }
        let parts: Vec<Value> = [
            (Source::GivenName, "The given (first) name."),
            (Source::FamilyName, "The family (last) name."),
            (Source::Formatted, "The full name, formatted for display."),
        ]
        .into_iter()
        .filter_map(|(source, description)| {
            mapped(source)?;
            let name = source.sub_attribute()?;
            Some(schema_attribute(
                name,
                "string",
                description,
                self.name_required && source == Source::Formatted,
                "readWrite",
                "none",
            ))
        })
        .collect();
        if !parts.is_empty() {
            let mut name = schema_attribute(
                "name",
                "complex",
                "The components of the User's name (a formatted name is composed from the \
                 given and family names when it is left out).",
                self.name_required,
                "readWrite",
                "none",
            );
            name["subAttributes"] = Value::Array(parts);
            published.push(name);
        }
        if mapped(Source::DisplayName).is_some() {
            published.push(schema_attribute(
                "displayName",
                "string",
                "The name of the User, suitable for display.",
                false,
                "readWrite",
                "none",
            ));
        }
        for (source, description) in [
            (
                Source::Email,
                "Email addresses; one is kept: the primary, else the work one, else the first.",
            ),
            (
                Source::Phone,
                "Phone numbers; one is kept: the primary, else the work one, else the first.",
            ),
        ] {
            let Some(attribute) = mapped(source) else {
                continue;
            };
            let needed = required(attribute);
            let mut multi = schema_attribute(
                source.attribute(),
                "complex",
                description,
                needed,
                "readWrite",
                "none",
            );
            multi["multiValued"] = Value::Bool(true);
            multi["subAttributes"] = json!([
                schema_attribute("value", "string", "The value.", needed, "readWrite", "none"),
                schema_attribute(
                    "type",
                    "string",
                    "Its kind; published as work.",
                    false,
                    "readWrite",
                    "none"
                ),
                schema_attribute(
                    "primary",
                    "boolean",
                    "Whether it is the primary one.",
                    false,
                    "readWrite",
                    "none"
                ),
            ]);
            published.push(multi);
        }
        if mapped(Source::Active).is_some() {
            published.push(schema_attribute(
                "active",
                "boolean",
                "Whether the User may sign in; true when a create leaves it out.",
                false,
                "readWrite",
                "none",
            ));
        }
        if mapped(Source::Password).is_some() {
            let mut password = schema_attribute(
                "password",
                "string",
                "The password, taken on create only; generated when a create leaves it out.",
                false,
                "writeOnly",
                "none",
            );
            password["returned"] = json!("never");
            published.push(password);
        }
        published
    }
}

/// One attribute definition of a schema (RFC 7643 §7).
fn schema_attribute(
    name: &str,
    kind: &str,
    description: &str,
    required: bool,
    mutability: &str,
    uniqueness: &str,
) -> Value {
    json!({
        "name": name,
        "type": kind,
        "multiValued": false,
        "description": description,
        "required": required,
        "caseExact": false,
        "mutability": mutability,
        "returned": "default",
        "uniqueness": uniqueness,
    })
}

/// Whether a replace without the attribute clears the vendor field: an optional text field
/// only (see [`Mapping::replaced_user`]), and never `externalId`: the field that holds it
/// (LivePerson's `employeeId`) is an admin's too, and identity providers that do not manage
/// it (Okta's PUT) leave it out.
fn clears(attribute: &Attribute, spec: Option<&FieldSpec>) -> bool {
    attribute.encoding == Encoding::Text
        && attribute.source != Source::ExternalId
        && spec.is_some_and(|spec| !spec.required)
}

/// A description's switch value as JSON.
fn field_value(value: crate::description::FieldValue) -> Value {
    match value {
        crate::description::FieldValue::Bool(b) => Value::Bool(b),
        crate::description::FieldValue::Number(n) => Value::from(n),
    }
}

/// Whether a switch's `on` value reads as true (a flag of 1, or `true`).
fn switch_value_is_on(switch: crate::description::Switch) -> bool {
    match switch.on {
        crate::description::FieldValue::Bool(b) => b,
        crate::description::FieldValue::Number(n) => n != 0,
    }
}

/// A vendor's boolean in any of the forms vendors send it.
fn lenient_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.trim() {
            "0" => Some(false),
            "1" => Some(true),
            s if s.eq_ignore_ascii_case("true") => Some(true),
            s if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The SCIM value (a string or a boolean) of a vendor field; `None` when absent or empty.
fn read_vendor(user: &Value, attribute: &Attribute) -> Option<Value> {
    let value = get(user, attribute.field)?;
    match attribute.encoding {
        Encoding::Text => match value {
            Value::String(s) if !s.trim().is_empty() => Some(Value::String(s.clone())),
            Value::Number(n) => Some(Value::String(n.to_string())),
            _ => None,
        },
        Encoding::Bool | Encoding::Flag => lenient_bool(value).map(Value::Bool),
        Encoding::Negated => lenient_bool(value).map(|b| Value::Bool(!b)),
    }
}

/// A SCIM value as the vendor writes it.
fn encode(attribute: &Attribute, value: Value) -> Value {
    match (attribute.encoding, value) {
        (Encoding::Negated, Value::Bool(b)) => Value::Bool(!b),
        (Encoding::Flag, Value::Bool(b)) => Value::from(u8::from(b)),
        (_, value) => value,
    }
}

/// The member `name` of `object`: SCIM attribute names are case-insensitive (RFC 7643 §2.1).
fn member<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .get(name)
        .or_else(|| {
            object
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value)
        })
        .filter(|value| !value.is_null())
}

fn invalid(attribute: &str, problem: &str) -> ScimError {
    ScimError::bad(ScimType::InvalidValue, format!("{attribute}: {problem}"))
}

/// A string attribute: `None` when absent, null or blank.
fn text(value: Option<&Value>, attribute: &str) -> Result<Option<String>, ScimError> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(attribute, "must be a string")),
    }
}

/// A sub-attribute of `name`.
fn name_part(resource: &Resource, part: &str) -> Result<Option<String>, ScimError> {
    match member(resource, "name") {
        None => Ok(None),
        Some(Value::Object(name)) => text(member(name, part), &format!("name.{part}")),
        Some(_) => Err(invalid("name", "must be an object")),
    }
}

/// The value of the element of a multi-valued attribute a vendor's one field keeps: the one
/// marked `primary`, else the one of type `work`, else the first (elements without a value
/// are passed over).
fn chosen_value(resource: &Resource, attribute: &str) -> Result<Option<String>, ScimError> {
    let elements = match member(resource, attribute) {
        None => return Ok(None),
        Some(Value::Array(elements)) => elements,
        Some(_) => return Err(invalid(attribute, "must be an array")),
    };
    let mut valued: Vec<(&Map<String, Value>, String)> = Vec::new();
    for element in elements {
        let Value::Object(element) = element else {
            return Err(invalid(attribute, "each element must be an object"));
        };
        if let Some(value) = text(member(element, "value"), &format!("{attribute}.value"))? {
            valued.push((element, value));
        }
    }
    let is_primary =
        |e: &Map<String, Value>| member(e, "primary").and_then(lenient_bool) == Some(true);
    let is_work = |e: &Map<String, Value>| {
        member(e, "type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case(PUBLISHED_TYPE))
    };
    let chosen = valued
        .iter()
        .position(|(e, _)| is_primary(e))
        .or_else(|| valued.iter().position(|(e, _)| is_work(e)))
        .unwrap_or(0);
    Ok((chosen < valued.len()).then(|| valued.swap_remove(chosen).1))
}

/// The composed full name: `name.formatted`, else givenName and familyName joined.
fn formatted_name(resource: &Resource) -> Result<Option<String>, ScimError> {
    if let Some(formatted) = name_part(resource, "formatted")? {
        return Ok(Some(formatted));
    }
    let parts: Vec<String> = [
        name_part(resource, "givenName")?,
        name_part(resource, "familyName")?,
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok((!parts.is_empty()).then(|| parts.join(" ")))
}

/// The value `resource` gives a source on write (a string or a boolean), with the fallbacks
/// [`Source`] describes; `None` when it gives none. Malformed input is a 400 `invalidValue`
/// naming the attribute.
fn read_scim(resource: &Resource, source: Source) -> Result<Option<Value>, ScimError> {
    let string = |s: Option<String>| s.map(Value::String);
    Ok(match source {
        Source::UserName | Source::ExternalId | Source::Password => {
            let name = source.attribute();
            string(text(member(resource, name), name)?)
        }
        Source::GivenName | Source::FamilyName => string(name_part(
            resource,
            source.sub_attribute().unwrap_or_default(),
        )?),
        Source::Formatted => match formatted_name(resource)? {
            Some(formatted) => Some(Value::String(formatted)),
            None => string(text(member(resource, "displayName"), "displayName")?),
        },
        Source::DisplayName => match text(member(resource, "displayName"), "displayName")? {
            Some(display) => Some(Value::String(display)),
            None => string(formatted_name(resource)?),
        },
        Source::Email | Source::Phone => string(chosen_value(resource, source.attribute())?),
        Source::Active => match member(resource, "active") {
            None => None,
            Some(Value::Bool(b)) => Some(Value::Bool(*b)),
            // Entra sends `"True"`/`"False"` in PATCH operations (a known deviation).
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(Value::Bool(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(Value::Bool(false)),
            Some(_) => return Err(invalid("active", "must be true or false")),
        },
    })
}

/// What the vendor modules' tests share: the users identity providers send, and the vendor's
/// own check of a create.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A user as Okta provisions one: names as parts, no formatted name.
    pub fn okta_user() -> Resource {
        resource(json!({
            "schemas": [USER_SCHEMA],
            "userName": "ada.lovelace@example.com",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"primary": true, "value": "ada.lovelace@example.com", "type": "work"}],
            "displayName": "Ada Lovelace",
            "locale": "en-US",
            "externalId": "00u1ab2cd3EfGh4iJ5d7",
            "groups": [],
            "password": "Okta#set#Passw0rd",
            "active": true
        }))
    }

    /// A user as Microsoft Entra provisions one: the enterprise extension, a formatted name,
    /// several emails, no password.
    pub fn entra_user() -> Resource {
        resource(json!({
            "schemas": [USER_SCHEMA, super::super::ENTERPRISE_USER_SCHEMA],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "AdaL@contoso.com",
            "active": true,
            "displayName": "Ada Lovelace",
            "emails": [
                {"type": "other", "value": "ada@home.example"},
                {"primary": true, "type": "work", "value": "AdaL@contoso.com"}
            ],
            "phoneNumbers": [{"type": "mobile", "value": "+1 555 0100"},
                {"type": "work", "value": "+1 555 0199"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Ada King Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
            "roles": [],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}
        }))
    }

    pub fn resource(value: Value) -> Resource {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    /// Each case's create from `resource`: the connection's `defaults` under what the case
    /// expects, `Gen3rated…` (`password`) where the resource has none.
    /// Answers each case's user as created.
    pub fn assert_creates(
        mapping: &Mapping,
        password: &str,
        cases: &[(&str, Resource, Value)],
    ) -> Vec<Value> {
        let defaults = mapping.sandbox_defaults();
        cases
            .iter()
            .map(|(case, input, expected)| {
                let mut expected = expected.clone();
                for (k, v) in &defaults {
                    expected[k] = v.clone();
                }
                let created = mapping.create_user(input, &defaults, password).unwrap();
                assert_eq!(created, expected, "{case}");
                created
            })
            .collect()
    }

    /// Every case's create carries all the vendor takes: nothing follows it.
    pub fn assert_one_create_carries_all(
        mapping: &Mapping,
        password: &str,
        cases: &[(&str, Resource, Value)],
    ) {
        for ((case, input, _), created) in
            cases.iter().zip(assert_creates(mapping, password, cases))
        {
            assert_eq!(mapping.after_create(&created, input), Ok(None), "{case}");
        }
    }

    /// Okta's and Entra's users, with the sandbox's defaults and a generated password, pass
    /// the vendor's own create check; each is answered with the create's user.
    pub fn assert_identity_providers_create(mapping: &Mapping) -> Vec<(Resource, Value)> {
        [okta_user(), entra_user()]
            .into_iter()
            .map(|input| {
                let user = mapping
                    .create_user(
                        &input,
                        &mapping.sandbox_defaults(),
                        &mapping.generated_password(&[3; 32]),
                    )
                    .unwrap();
                assert_eq!(check_create(mapping.kind, &user), Ok(()), "{user}");
                (input, user)
            })
            .collect()
    }

    /// Each vendor field's error is about the SCIM attribute the case names.
    pub fn assert_attributes(mapping: &Mapping, cases: &[(&str, Option<&str>)]) {
        for (pointer, attribute) in cases {
            assert_eq!(mapping.attribute_of(pointer), *attribute, "{pointer}");
        }
    }

    /// `count` passwords generated from random bytes of a seeded generator, each given to
    /// `check`.
    pub fn check_generated_passwords(mapping: &Mapping, seed: u64, check: impl Fn(&str)) {
        let mut rng = fastrand::Rng::with_seed(seed);
        for _ in 0..3000 {
            let mut random = [0u8; 32];
            rng.fill(&mut random);
            check(&mapping.generated_password(&random));
        }
    }

    /// The vendor's own create check of one user, sent as its create operation takes it (a
    /// list).
    pub fn check_create(kind: VendorKind, user: &Value) -> Result<(), crate::ValidationErrors> {
        let create = crate::vendor::operations(kind)
            .iter()
            .find(|op| op.name == names::CREATE_USERS)
            .expect("every vendor creates users");
        let body = serde_json::to_vec(&json!([user])).unwrap();
        crate::vendor::check_body(kind, create, &PathParams::default(), &body)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::vendor::scim;

    const KINDS: [VendorKind; 3] = [
        VendorKind::Liveperson,
        VendorKind::Trintech,
        VendorKind::Commpeak,
    ];

    /// The data each vendor states is consistent with its own tables: every mapped field is
    /// one of its fields, each source at most once, the list's select names the key, the
    /// deleted flag and every mapped field and nothing else, and parses.
    #[test]
    fn every_mapping_names_fields_the_vendor_has() {
        for kind in KINDS {
            let mapping = scim(kind);
            let description = crate::vendor::description(kind);
            let mut sources = Vec::new();
            for attribute in mapping.attributes {
                assert!(
                    lookup(crate::vendor::fields(kind), attribute.field).is_some(),
                    "{kind:?}: {} is not one of its fields",
                    attribute.field
                );
                assert!(
                    !sources.contains(&attribute.source),
                    "{kind:?}: {:?} twice",
                    attribute.source
                );
                sources.push(attribute.source);
            }
            assert!(
                sources.contains(&Source::UserName),
                "{kind:?}: userName is required by SCIM"
            );
            let mut expected: Vec<&str> = vec![description.key];
            expected.extend(description.deleted);
            for attribute in mapping
                .attributes
                .iter()
                .filter(|a| a.source != Source::Password)
            {
                let top = top_field(attribute.field);
                if !expected.contains(&top) {
                    expected.push(top);
                }
            }
            expected.extend(mapping.retired_empties);
            let selected: Vec<&str> = mapping.list_select().split(',').collect();
            assert_eq!(selected, expected, "{kind:?}");
            assert_eq!(
                crate::select::narrowing(mapping.list_select(), crate::vendor::fields(kind)),
                Ok(Some(expected.iter().map(|s| (*s).to_owned()).collect())),
                "{kind:?}"
            );
        }
    }

    /// vendor → SCIM → vendor changes nothing: every mapped value comes back as it was and
    /// every unmapped field is kept, for every vendor's seeded-like user.
    #[test]
    fn a_user_read_and_replaced_unchanged_is_the_same_user() {
        let users = [
            (
                VendorKind::Liveperson,
                json!({"id": 7, "deleted": false, "loginName": "ada", "fullName": "Ada L",
                    "nickname": "Ada", "email": "ada@example.com", "isEnabled": "true",
                    "maxChats": 3, "profileIds": [3001], "employeeId": "E7",
                    "memberOf": {"agentGroupId": -1}, "somethingNew": {"kept": true}}),
            ),
            (
                VendorKind::Commpeak,
                json!({"id": "17", "username": "jd", "first_name": "J", "last_name": "D",
                    "email": "jd@example.com", "is_active": "0", "is_deleted": "0",
                    "timezone_id": "4", "registration_password": "x"}),
            ),
            (
                VendorKind::Trintech,
                json!({"userName": "jane.doe", "name": {"firstName": "Jane", "lastName": "Doe",
                    "displayName": "Jane Doe", "middleName": "Q"}, "email": "jane@example.com",
                    "phoneNumber": "+1 555", "lockedOut": false, "departmentId": "FIN",
                    "userAccess": {"AccessCertification": true}}),
            ),
        ];
        for (kind, user) in users {
            let mapping = scim(kind);
            let resource = mapping.resource(&user).unwrap();
            assert!(resource.get("password").is_none() && resource.get("meta").is_none());
            assert_eq!(
                mapping.replaced_user(&user, &resource).unwrap(),
                user,
                "{kind:?}"
            );
            // And the resource read again from the replaced user is the same resource.
            let again = mapping.resource(&mapping.replaced_user(&user, &resource).unwrap());
            assert_eq!(again.as_ref(), Some(&resource), "{kind:?}");
        }
    }

    #[test]
    fn bad_input_is_invalid_value_naming_the_attribute() {
        let cases: &[(Value, &str)] = &[
            (json!({"emails": [{"value": "a@b.io"}]}), "userName"),
            (json!({"userName": 7}), "userName"),
            (json!({"userName": "  "}), "userName"),
            (json!({"userName": "a", "active": "yes"}), "active"),
            (json!({"userName": "a", "active": 1}), "active"),
            (json!({"userName": "a", "emails": "a@b.io"}), "emails"),
            (json!({"userName": "a", "emails": ["a@b.io"]}), "emails"),
            (
                json!({"userName": "a", "emails": [{"value": 7}]}),
                "emails.value",
            ),
            (json!({"userName": "a", "name": "Ada"}), "name"),
            (
                json!({"userName": "a", "name": {"givenName": ["Ada"]}}),
                "name.givenName",
            ),
            (
                json!({"userName": "a", "displayName": false}),
                "displayName",
            ),
        ];
        for kind in KINDS {
            let mapping = scim(kind);
            for (input, attribute) in cases {
                let created =
                    mapping.create_user(&resource(input.clone()), &Map::new(), "Gen3rated#pw");
                // An attribute no field of this vendor holds is ignored, however it is sent.
                let read = mapping.attributes.iter().any(|a| {
                    a.source.attribute() == *attribute
                        || attribute.starts_with(&format!("{}.", a.source.attribute()))
                        || (*attribute == "displayName" && a.source == Source::Formatted)
                });
                if !read {
                    assert!(created.is_ok(), "{kind:?} {input}");
                    continue;
                }
                let error = created.unwrap_err();
                assert_eq!(
                    (error.status, error.scim_type),
                    (400, Some(ScimType::InvalidValue)),
                    "{kind:?} {input}"
                );
                assert!(
                    error.detail.starts_with(&format!("{attribute}:")),
                    "{kind:?} {input}: {}",
                    error.detail
                );
            }
        }
    }

    #[test]
    fn the_chosen_email_is_the_primary_else_the_work_one_else_the_first() {
        let cases: &[(Value, Option<&str>)] = &[
            (
                json!([{"value": "a@x.io"}, {"value": "b@x.io", "primary": true}]),
                Some("b@x.io"),
            ),
            (
                json!([{"value": "a@x.io", "type": "home"}, {"value": "b@x.io", "type": "Work"}]),
                Some("b@x.io"),
            ),
            (
                json!([{"value": "a@x.io", "type": "home"}, {"value": "b@x.io"}]),
                Some("a@x.io"),
            ),
            // Entra's string booleans; an element without a value is passed over.
            (
                json!([{"value": "a@x.io"}, {"value": "b@x.io", "primary": "True"}]),
                Some("b@x.io"),
            ),
            (
                json!([{"primary": true}, {"value": "b@x.io"}]),
                Some("b@x.io"),
            ),
            (json!([]), None),
            (json!(null), None),
        ];
        for (emails, expected) in cases {
            let resource = resource(json!({"emails": emails}));
            assert_eq!(
                chosen_value(&resource, "emails").unwrap().as_deref(),
                *expected,
                "{emails}"
            );
        }
    }

    #[test]
    fn names_are_composed_when_absent() {
        let cases: &[(Value, Option<&str>, Option<&str>)] = &[
            // (resource, formatted as written, displayName as written)
            (
                json!({"name": {"givenName": "Ada", "familyName": "Lovelace"}}),
                Some("Ada Lovelace"),
                Some("Ada Lovelace"),
            ),
            (
                json!({"name": {"givenName": "Ada"}, "displayName": "Countess"}),
                Some("Ada"),
                Some("Countess"),
            ),
            (
                json!({"name": {"formatted": "Ada K. L."}, "displayName": "Ada"}),
                Some("Ada K. L."),
                Some("Ada"),
            ),
            (json!({"displayName": "Ada"}), Some("Ada"), Some("Ada")),
            (
                json!({"NAME": {"GIVENNAME": "Ada"}}),
                Some("Ada"),
                Some("Ada"),
            ),
            (json!({}), None, None),
        ];
        for (input, formatted, display) in cases {
            let input = resource(input.clone());
            let as_text = |v: Option<Value>| v.and_then(|v| v.as_str().map(str::to_owned));
            assert_eq!(
                as_text(read_scim(&input, Source::Formatted).unwrap()).as_deref(),
                *formatted
            );
            assert_eq!(
                as_text(read_scim(&input, Source::DisplayName).unwrap()).as_deref(),
                *display
            );
        }
    }

    /// A normal Okta or Entra user over the sandbox's defaults is a create the vendor's own
    /// rules pass, for every vendor.
    #[test]
    fn provisioned_users_pass_every_vendors_create_check() {
        for kind in KINDS {
            let mapping = scim(kind);
            assert_eq!(
                mapping.defaults_problem(&mapping.sandbox_defaults()),
                None,
                "{kind:?}"
            );
            for user in [okta_user(), entra_user()] {
                let created = mapping
                    .create_user(
                        &user,
                        &mapping.sandbox_defaults(),
                        &mapping.generated_password(&[9; 32]),
                    )
                    .unwrap();
                assert_eq!(check_create(kind, &created), Ok(()), "{kind:?}: {created}");
                assert!(mapping.id(&created).is_none() || kind == VendorKind::Trintech);
            }
        }
    }

    #[test]
    fn generated_passwords_pass_every_vendors_rule() {
        let mut rng = fastrand::Rng::with_seed(0x5C1A);
        for kind in KINDS {
            let mapping = scim(kind);
            for _ in 0..2000 {
                let mut random = [0u8; 32];
                rng.fill(&mut random);
                let password = mapping.generated_password(&random);
                assert_eq!(
                    password,
                    mapping.password_from(&random),
                    "the first candidate passes"
                );
                assert!(
                    (mapping.password_accepted)(&password),
                    "{kind:?}: {password}"
                );
                assert_eq!(password.chars().count(), PASSWORD_LENGTH);
                assert_eq!(
                    mapping.generated_password(&random),
                    password,
                    "deterministic"
                );
            }
            for random in [[0u8; 32], [255u8; 32]] {
                assert!((mapping.password_accepted)(
                    &mapping.generated_password(&random)
                ));
            }
            let (a, b) = (
                mapping.generated_password(&[1; 32]),
                mapping.generated_password(&[2; 32]),
            );
            assert_ne!(a, b);
        }
    }

    #[test]
    fn no_input_panics() {
        let odd = [
            json!(null),
            json!([]),
            json!("x"),
            json!(7),
            json!({"id": {}}),
            json!({"id": -0.5}),
        ];
        for kind in KINDS {
            let mapping = scim(kind);
            for value in &odd {
                let _ = mapping.resource(value);
                let _ = mapping.id(value);
                assert!(mapping.replaced_user(value, &okta_user()).is_err() || value.is_object());
            }
            for pointer in ["", "/", "/0", "/0/", "//", "/9/name", "name"] {
                let _ = mapping.attribute_of(pointer);
            }
        }
    }

    #[test]
    fn schemas_publish_exactly_what_is_mapped() {
        for kind in KINDS {
            let mapping = scim(kind);
            let attributes = mapping.schema_attributes();
            let names: Vec<&str> = attributes
                .iter()
                .filter_map(|a| a["name"].as_str())
                .collect();
            let mut expected: Vec<&str> = Vec::new();
            for source in [
                Source::UserName,
                Source::GivenName,
                Source::DisplayName,
                Source::Email,
                Source::Phone,
                Source::Active,
                Source::Password,
            ] {
                let mapped = mapping
                    .attributes
                    .iter()
                    .any(|a| a.source.attribute() == source.attribute());
                if mapped && !expected.contains(&source.attribute()) {
                    expected.push(source.attribute());
                }
            }
            assert_eq!(names, expected, "{kind:?}");
            let name = attributes.iter().find(|a| a["name"] == "name").unwrap();
            let parts: Vec<&str> = name["subAttributes"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|a| a["name"].as_str())
                .collect();
            let mapped_parts: Vec<&str> = mapping
                .attributes
                .iter()
                .filter(|a| a.source.attribute() == "name")
                .filter_map(|a| a.source.sub_attribute())
                .collect();
            let mut sorted = mapped_parts.clone();
            sorted.sort_by_key(|p| {
                ["givenName", "familyName", "formatted"]
                    .iter()
                    .position(|q| q == p)
            });
            assert_eq!(parts, sorted, "{kind:?}");
            let password = attributes.iter().find(|a| a["name"] == "password").unwrap();
            assert_eq!(
                (
                    password["mutability"].as_str(),
                    password["returned"].as_str()
                ),
                (Some("writeOnly"), Some("never"))
            );
            assert!(
                attributes
                    .iter()
                    .all(|a| a["name"] != "id" && a["name"] != "externalId")
            );
        }
    }

    /// A PATCH may not leave the vendor without what it requires; it may empty what it does
    /// not (a table over every vendor: the attribute removed, and whether that is refused).
    #[test]
    fn a_patch_removes_only_what_the_vendor_can_be_without() {
        let full = testing::resource(json!({
            "userName": "ada", "name": {"givenName": "Ada", "familyName": "Lovelace",
            "formatted": "Ada Lovelace"}, "displayName": "Ada", "externalId": "E-1",
            "emails": [{"value": "ada@example.com", "primary": true}],
            "phoneNumbers": [{"value": "+15550100", "primary": true}], "active": true
        }));
        let cases: &[(VendorKind, &str, bool)] = &[
            (VendorKind::Liveperson, "active", true),
            (VendorKind::Liveperson, "emails", true),
            (VendorKind::Liveperson, "externalId", false),
            (VendorKind::Commpeak, "active", true),
            (VendorKind::Commpeak, "emails", true),
            (VendorKind::Commpeak, "name", false),
            (VendorKind::Trintech, "active", true),
            (VendorKind::Trintech, "phoneNumbers", false),
            (VendorKind::Liveperson, "locale", false),
        ];
        for (kind, removed, refused) in cases {
            let mut after = full.clone();
            after.remove(*removed);
            let outcome = scim(*kind).removal_refused(&full, &after);
            match (refused, outcome) {
                (true, Err(e)) => {
                    assert_eq!(
                        e.scim_type,
                        Some(ScimType::Mutability),
                        "{kind:?} {removed}"
                    );
                    assert!(
                        e.detail.starts_with(removed),
                        "{kind:?} {removed}: {}",
                        e.detail
                    );
                }
                (false, Ok(())) => {}
                (refused, outcome) => {
                    panic!("{kind:?} {removed}: refused {refused}, got {outcome:?}")
                }
            }
        }
    }

    /// A formatted name that was the parts joined follows them; one written otherwise, or a
    /// PATCH that sets it too, is left alone.
    #[test]
    fn a_patched_name_part_carries_the_formatted_name_along() {
        let before = testing::resource(json!({"name": {"givenName": "Ada", "familyName": "Byron",
            "formatted": "Ada Byron"}}));
        let cases: &[(&str, Value, Value, &str)] = &[
            (
                "family name changed",
                before["name"].clone(),
                json!({"givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada Byron"}),
                "Ada Lovelace",
            ),
            (
                "the formatted name set too",
                before["name"].clone(),
                json!({"givenName": "Ada", "familyName": "Lovelace", "formatted": "Countess"}),
                "Countess",
            ),
            (
                "a formatted name of its own",
                json!({"givenName": "Ada", "familyName": "Byron",
                "formatted": "Lady Ada"}),
                json!({"givenName": "Ada", "familyName": "Lovelace", "formatted": "Lady Ada"}),
                "Lady Ada",
            ),
        ];
        for (case, old, new, formatted) in cases {
            let before = testing::resource(json!({"name": old}));
            let mut after = testing::resource(json!({"name": new}));
            Mapping::refresh_formatted(&before, &mut after).unwrap();
            assert_eq!(after["name"]["formatted"], *formatted, "{case}");
        }
    }
}
