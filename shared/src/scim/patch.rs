//! SCIM PATCH (RFC 7644 §3.5.2) applied to a User [`Resource`], and [`normalize`]: the
//! canonical shape POST and PUT bodies are brought to before mapping. Both accept what Okta and
//! Microsoft Entra really send: `Replace` in any case, `"active": "False"` as a string,
//! `emails[type eq "work"].value` paths to elements that do not exist yet.

use serde_json::Value;

use super::filter::{self, AttributePath, Filter, Literal, Operator, Path};
use super::{
    ENTERPRISE_USER_SCHEMA, PATCH_OP_SCHEMA, Resource, ScimError, ScimType, USER_SCHEMA, attribute,
    canonical_attribute, canonical_enterprise_attribute, canonical_sub_attribute, is_multi_valued,
    key_of,
};

/// Most operations one PATCH may carry.
pub const MAX_OPERATIONS: usize = 1000;

/// Attributes a client never changes (RFC 7643 §3.1 `mutability: readOnly`).
const READ_ONLY: &[&str] = &["id", "meta", "schemas"];

/// Core attributes that hold a single string.
const STRING_ATTRIBUTES: &[&str] = &[
    "id",
    "externalId",
    "userName",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "password",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// Applies a `PatchOp` body to `resource`, all operations or none (RFC 7644 §3.5.2: a PATCH
/// is atomic). An error names the failing operation by its index.
pub fn apply(resource: &mut Resource, patch: &Value) -> Result<(), ScimError> {
    let Some(patch) = patch.as_object() else {
        return Err(ScimError::bad(
            ScimType::InvalidSyntax,
            "a PATCH body is a JSON object",
        ));
    };
    let names_patch_op = attribute(patch, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| {
            schemas.iter().any(|schema| {
                schema
                    .as_str()
                    .is_some_and(|schema| schema.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
            })
        });
    if !names_patch_op {
        return Err(ScimError::bad(
            ScimType::InvalidSyntax,
            format!("`schemas` must contain \"{PATCH_OP_SCHEMA}\""),
        ));
    }
    let operations = match attribute(patch, "Operations") {
        Some(Value::Array(operations)) if !operations.is_empty() => operations,
        _ => {
            return Err(ScimError::bad(
                ScimType::InvalidSyntax,
                "`Operations` must be a non-empty array",
            ));
        }
    };
    if operations.len() > MAX_OPERATIONS {
        return Err(ScimError::bad(
            ScimType::TooMany,
            format!(
                "{} operations, more than the {MAX_OPERATIONS} one PATCH may carry",
                operations.len()
            ),
        ));
    }
    // Worked on a copy so a failing operation leaves the resource as it was.
    let mut working = resource.clone();
    for (index, operation) in operations.iter().enumerate() {
        apply_operation(&mut working, operation).map_err(|error| {
            ScimError::new(
                error.status,
                error.scim_type,
                format!("Operations[{index}]: {}", error.detail),
            )
        })?;
    }
    // Compared after every operation ran, so replacing `id` with the value it has is allowed.
    for name in READ_ONLY {
        if attribute(resource, name) != attribute(&working, name) {
            return Err(ScimError::bad(
                ScimType::Mutability,
                format!("`{name}` is read-only"),
            ));
        }
    }
    coerce_booleans(&mut working);
    *resource = working;
    Ok(())
}

/// Brings a POST or PUT body to the shape the mapping reads: core attributes under their
/// plain canonical names (`urn:…:core:2.0:User:userName` and `username` become `userName`),
/// sub-attributes and enterprise attributes spelt canonically, `"True"`/`"False"` for `active`
/// and `primary` as booleans. Applying it twice changes nothing more.
pub fn normalize(resource: &mut Resource) {
    rename_keys(resource, |key| {
        if let Some(rest) =
            strip_prefix_ignoring_case(key, USER_SCHEMA).and_then(|rest| rest.strip_prefix(':'))
        {
            return Some(canonical_attribute(rest).unwrap_or(rest).to_owned());
        }
        if key.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) {
            return Some(ENTERPRISE_USER_SCHEMA.to_owned());
        }
        canonical_attribute(key).map(str::to_owned)
    });
    for (key, value) in resource.iter_mut() {
        let canonical_sub = |name: &str| canonical_sub_attribute(name).map(str::to_owned);
        match value {
            Value::Object(members) if key == "name" || key == "meta" => {
                rename_keys(members, canonical_sub);
            }
            Value::Object(members) if key == ENTERPRISE_USER_SCHEMA => {
                rename_keys(members, |name| {
                    canonical_enterprise_attribute(name).map(str::to_owned)
                })
            }
            Value::Array(elements) if is_multi_valued(key) => {
                for element in elements {
                    if let Value::Object(members) = element {
                        rename_keys(members, canonical_sub);
                    }
                }
            }
            _ => {}
        }
    }
    coerce_booleans(resource);
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Moves each member whose key `canonical` respells to that key; two objects meeting under
/// one key merge.
fn rename_keys(object: &mut Resource, canonical: impl Fn(&str) -> Option<String>) {
    let renames: Vec<(String, String)> = object
        .keys()
        .filter_map(|key| {
            canonical(key)
                .filter(|target| target != key)
                .map(|target| (key.clone(), target))
        })
        .collect();
    for (from, to) in renames {
        let Some(value) = object.remove(&from) else {
            continue;
        };
        match (object.get_mut(&to), value) {
            (Some(Value::Object(existing)), Value::Object(moved)) => existing.extend(moved),
            (_, value) => {
                object.insert(to, value);
            }
        }
    }
}

/// `"true"`/`"false"` in any case as a boolean: Entra sends `"active": "False"`.
fn boolean_text(value: &Value) -> Option<bool> {
    let text = value.as_str()?;
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn coerce_boolean(value: &mut Value) {
    if let Some(boolean) = boolean_text(value) {
        *value = Value::Bool(boolean);
    }
}

/// Turns boolean strings into booleans where the schema says boolean: `active`, and the
/// `primary` of every multi-valued attribute's elements.
fn coerce_booleans(resource: &mut Resource) {
    for (key, value) in resource.iter_mut() {
        if key.eq_ignore_ascii_case("active") {
            coerce_boolean(value);
        } else if is_multi_valued(key) {
            coerce_primaries(value);
        }
    }
}

fn coerce_primaries(value: &mut Value) {
    let coerce_element = |element: &mut Value| {
        if let Value::Object(members) = element {
            for (name, member) in members.iter_mut() {
                if name.eq_ignore_ascii_case("primary") {
                    coerce_boolean(member);
                }
            }
        }
    };
    match value {
        Value::Array(elements) => elements.iter_mut().for_each(coerce_element),
        element @ Value::Object(_) => coerce_element(element),
        _ => {}
    }
}

fn invalid_syntax(detail: impl Into<String>) -> ScimError {
    ScimError::bad(ScimType::InvalidSyntax, detail)
}

fn invalid_value(detail: impl Into<String>) -> ScimError {
    ScimError::bad(ScimType::InvalidValue, detail)
}

fn apply_operation(resource: &mut Resource, operation: &Value) -> Result<(), ScimError> {
    let Some(operation) = operation.as_object() else {
        return Err(invalid_syntax("an operation is a JSON object"));
    };
    let op = match attribute(operation, "op").and_then(Value::as_str) {
        Some(op) if op.eq_ignore_ascii_case("add") => Op::Add,
        Some(op) if op.eq_ignore_ascii_case("replace") => Op::Replace,
        Some(op) if op.eq_ignore_ascii_case("remove") => Op::Remove,
        Some(other) => {
            let shown: String = other.chars().take(40).collect();
            return Err(invalid_syntax(format!(
                "`op` is add, replace or remove, not `{shown}`"
            )));
        }
        None => return Err(invalid_syntax("`op` is missing")),
    };
    let path = match attribute(operation, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(path)) if path.trim().is_empty() => None,
        Some(Value::String(path)) => Some(filter::parse_path(path)?),
        Some(_) => {
            return Err(ScimError::bad(
                ScimType::InvalidPath,
                "`path` must be a string",
            ));
        }
    };
    let value = attribute(operation, "value");
    match (op, path) {
        (Op::Remove, None) => Err(ScimError::bad(
            ScimType::NoTarget,
            "remove needs a `path` naming what to remove",
        )),
        (Op::Remove, Some(path)) => {
            remove(resource, &path, value);
            Ok(())
        }
        (_, None) => {
            // Okta: `{"op": "replace", "value": {"active": false}}`: each member is a path.
            let Some(Value::Object(members)) = value else {
                return Err(invalid_value(
                    "without a `path`, `value` must be an object of attributes",
                ));
            };
            for (key, member) in members {
                let path = filter::parse_path(key)?;
                if path.attribute.name == USER_SCHEMA {
                    // The core schema's attributes nested under its URN: the top level.
                    let Value::Object(nested) = member else {
                        return Err(invalid_value(format!(
                            "`{USER_SCHEMA}` must hold an object of attributes"
                        )));
                    };
                    for (key, member) in nested {
                        set(resource, op, &filter::parse_path(key)?, member)?;
                    }
                } else {
                    set(resource, op, &path, member)?;
                }
            }
            Ok(())
        }
        (_, Some(path)) => match value {
            Some(value) => set(resource, op, &path, value),
            None => Err(invalid_syntax("add and replace need a `value`")),
        },
    }
}

/// How a path is written back in a detail.
fn describe(path: &AttributePath) -> String {
    let mut text = match &path.extension {
        Some(urn) => format!("{urn}:{}", path.name),
        None => path.name.clone(),
    };
    if let Some(sub) = &path.sub_attribute {
        text.push('.');
        text.push_str(sub);
    }
    text
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `value`, boolean strings made booleans where `path` says boolean.
fn coerced(path: &Path, value: &Value) -> Value {
    let mut value = value.clone();
    let attribute = &path.attribute;
    if attribute.extension.is_some() {
        return value;
    }
    match attribute.sub_attribute.as_deref() {
        Some("primary") => coerce_boolean(&mut value),
        Some(_) => {}
        None if attribute.name == "active" => coerce_boolean(&mut value),
        None if is_multi_valued(&attribute.name) => coerce_primaries(&mut value),
        None => {}
    }
    value
}

/// Refuses a value of the wrong JSON type for a core attribute; extension attributes are
/// stored as sent (nothing maps them).
fn check_value_type(path: &Path, value: &Value) -> Result<(), ScimError> {
    let attribute = &path.attribute;
    if attribute.extension.is_some() {
        return Ok(());
    }
    let name = attribute.name.as_str();
    let expected = match (attribute.sub_attribute.as_deref(), &path.filter) {
        (Some("primary"), _) => "a boolean",
        (Some(_), _) if name == "name" || is_multi_valued(name) => "a string",
        (Some(_), _) => return Ok(()),
        (None, Some(_)) => "an object",
        (None, None) if name == "active" => "a boolean",
        (None, None) if name == "name" => "an object",
        (None, None) if is_multi_valued(name) => {
            let elements_are_objects = match value {
                Value::Array(elements) => elements.iter().all(Value::is_object),
                other => other.is_object(),
            };
            if elements_are_objects {
                return Ok(());
            }
            return Err(invalid_value(format!(
                "`{name}` takes an array of objects, not {}",
                json_type(value)
            )));
        }
        (None, None) if STRING_ATTRIBUTES.contains(&name) => "a string",
        (None, None) => return Ok(()),
    };
    let fits = match expected {
        "a boolean" => value.is_boolean(),
        "a string" => value.is_string(),
        // A filtered element's value may come as an array of that one object.
        _ => value.is_object() || single_object(value).is_some(),
    };
    if fits {
        Ok(())
    } else {
        Err(invalid_value(format!(
            "`{}` takes {expected}, not {}",
            describe(attribute),
            json_type(value)
        )))
    }
}

/// The one object of `[{…}]`.
fn single_object(value: &Value) -> Option<&Resource> {
    match value {
        Value::Object(object) => Some(object),
        Value::Array(elements) if elements.len() == 1 => elements[0].as_object(),
        _ => None,
    }
}

/// The object `path`'s attribute lives in: the resource, or its extension's object (created
/// when `create`).
fn container_mut<'a>(
    resource: &'a mut Resource,
    path: &AttributePath,
    create: bool,
) -> Option<&'a mut Resource> {
    let Some(urn) = &path.extension else {
        return Some(resource);
    };
    let key = key_of(resource, urn).unwrap_or(urn).to_owned();
    if !create && !resource.get(&key).is_some_and(Value::is_object) {
        return None;
    }
    let slot = resource
        .entry(key)
        .or_insert_with(|| Value::Object(Resource::new()));
    if !slot.is_object() {
        *slot = Value::Object(Resource::new());
    }
    slot.as_object_mut()
}

/// The key `name` is stored under in `object`: the existing one in any case, else `name`
/// (already canonical from the parser).
fn stored_key(object: &Resource, name: &str) -> String {
    key_of(object, name).unwrap_or(name).to_owned()
}

/// Add or replace at `path`. A null value unassigns (RFC 7644 §3.5.2.3).
fn set(resource: &mut Resource, op: Op, path: &Path, value: &Value) -> Result<(), ScimError> {
    if value.is_null() {
        remove(resource, path, None);
        return Ok(());
    }
    let value = coerced(path, value);
    check_value_type(path, &value)?;
    let attribute = &path.attribute;
    let Some(container) = container_mut(resource, attribute, true) else {
        return Ok(());
    };
    let key = stored_key(container, &attribute.name);
    match (&path.filter, &attribute.sub_attribute) {
        (None, None) => {
            set_whole(container, key, op, value);
            Ok(())
        }
        (None, Some(sub)) => {
            set_sub_attribute(container, key, sub, value);
            Ok(())
        }
        (Some(filter), sub) => set_filtered(container, key, filter, sub.as_deref(), value),
    }
}

fn set_whole(container: &mut Resource, key: String, op: Op, value: Value) {
    let multi_valued = is_multi_valued(&key);
    match container.get_mut(&key) {
        Some(existing) if multi_valued && op == Op::Add => append(existing, value),
        // A complex value's sub-attributes replace those named and leave the others
        // (RFC 7644 §3.5.2.1, §3.5.2.3): Okta's `{"name": {"givenName": …}}`.
        Some(Value::Object(existing)) if value.is_object() => {
            if let Value::Object(members) = value {
                merge(existing, members);
            }
        }
        _ if multi_valued && value.is_object() => {
            container.insert(key, Value::Array(vec![value]));
        }
        _ => {
            container.insert(key, value);
        }
    }
}

/// Copies `members` into `object`, each onto the key it already has in any case.
fn merge(object: &mut Resource, members: Resource) {
    for (name, member) in members {
        let key = stored_key(object, &name);
        object.insert(key, member);
    }
}

/// Whether two elements of a multi-valued attribute are the same value: equal, or the same
/// `value` and `type` (compared ignoring case).
fn same_element(left: &Value, right: &Value) -> bool {
    if left == right {
        return true;
    }
    let (Some(left), Some(right)) = (left.as_object(), right.as_object()) else {
        return false;
    };
    fn text<'a>(object: &'a Resource, name: &str) -> Option<&'a str> {
        attribute(object, name).and_then(Value::as_str)
    }
    let same = |name: &str| match (text(left, name), text(right, name)) {
        (Some(left), Some(right)) => left.to_lowercase() == right.to_lowercase(),
        (None, None) => true,
        _ => false,
    };
    text(left, "value").is_some() && same("value") && same("type")
}

fn is_primary(element: &Value) -> bool {
    element
        .as_object()
        .and_then(|members| attribute(members, "primary"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// At most one element is primary (RFC 7643 §2.4): the one at `keep` stays.
fn only_primary(elements: &mut [Value], keep: usize) {
    for (index, element) in elements.iter_mut().enumerate() {
        if index != keep
            && is_primary(element)
            && let Value::Object(members) = element
        {
            let key = stored_key(members, "primary");
            members.insert(key, Value::Bool(false));
        }
    }
}

/// `add` to a multi-valued attribute: new elements appended, an element already there
/// updated instead of doubled.
fn append(existing: &mut Value, value: Value) {
    let additions = match value {
        Value::Array(elements) => elements,
        other => vec![other],
    };
    if !existing.is_array() {
        *existing = Value::Array(Vec::new());
    }
    let Value::Array(elements) = existing else {
        return;
    };
    let mut new_primary = None;
    for addition in additions {
        let primary = is_primary(&addition);
        let index = match elements
            .iter()
            .position(|element| same_element(element, &addition))
        {
            Some(index) => {
                if let (Value::Object(present), Value::Object(members)) =
                    (&mut elements[index], addition)
                {
                    merge(present, members);
                }
                index
            }
            None => {
                elements.push(addition);
                elements.len() - 1
            }
        };
        if primary {
            new_primary = Some(index);
        }
    }
    if let Some(keep) = new_primary {
        only_primary(elements, keep);
    }
}

fn set_sub_attribute(container: &mut Resource, key: String, sub: &str, value: Value) {
    match container.get_mut(&key) {
        Some(Value::Object(members)) => {
            let sub_key = stored_key(members, sub);
            members.insert(sub_key, value);
        }
        // `emails.value` without a filter: every element (RFC 7644 §3.5.2.3).
        Some(Value::Array(elements)) if !elements.is_empty() => {
            for element in elements.iter_mut() {
                if let Value::Object(members) = element {
                    let sub_key = stored_key(members, sub);
                    members.insert(sub_key, value.clone());
                }
            }
        }
        _ => {
            let mut members = Resource::new();
            members.insert(sub.to_owned(), value);
            let complex = Value::Object(members);
            let value = if is_multi_valued(&key) {
                Value::Array(vec![complex])
            } else {
                complex
            };
            container.insert(key, value);
        }
    }
}

/// The members a filter's `eq` comparisons fix: `type eq "work"` gives `{"type": "work"}`,
/// what an element created for an unmatched value path starts from.
fn equalities(filter: &Filter, into: &mut Resource) {
    match filter {
        Filter::Compare {
            path,
            operator: Operator::Eq,
            value,
            ..
        } if path.extension.is_none()
            && path.sub_attribute.is_none()
            && !matches!(value, Literal::Null) =>
        {
            into.insert(path.name.clone(), value.to_value());
        }
        Filter::And(operands) => operands
            .iter()
            .for_each(|operand| equalities(operand, into)),
        _ => {}
    }
}

fn set_filtered(
    container: &mut Resource,
    key: String,
    filter: &Filter,
    sub: Option<&str>,
    value: Value,
) -> Result<(), ScimError> {
    let slot = container
        .entry(key)
        .or_insert_with(|| Value::Array(Vec::new()));
    match slot {
        Value::Array(_) => {}
        // A single complex value where an array belongs becomes its one element.
        Value::Object(_) => *slot = Value::Array(vec![slot.take()]),
        _ => *slot = Value::Array(Vec::new()),
    }
    let Value::Array(elements) = slot else {
        return Ok(());
    };
    let matched: Vec<usize> = elements
        .iter()
        .enumerate()
        .filter(|(_, element)| element.as_object().is_some_and(|o| filter.matches(o)))
        .map(|(index, _)| index)
        .collect();
    let members_of = |value: Value| match value {
        Value::Object(members) => members,
        Value::Array(mut elements) => match elements.pop() {
            Some(Value::Object(members)) => members,
            _ => Resource::new(),
        },
        _ => Resource::new(),
    };
    if matched.is_empty() {
        // Entra's `add emails[type eq "work"].value` to a user without a work email: the
        // element is created from the filter's equalities.
        let mut element = Resource::new();
        equalities(filter, &mut element);
        if element.is_empty() {
            return Err(ScimError::bad(
                ScimType::NoTarget,
                "the path's filter matches no element and fixes no `eq` value to create one with",
            ));
        }
        match sub {
            Some(sub) => {
                element.insert(sub.to_owned(), value);
            }
            None => merge(&mut element, members_of(value)),
        }
        elements.push(Value::Object(element));
        if elements.last().is_some_and(is_primary) {
            let last = elements.len() - 1;
            only_primary(elements, last);
        }
        return Ok(());
    }
    let mut last_primary = None;
    for &index in &matched {
        let Value::Object(members) = &mut elements[index] else {
            continue;
        };
        match sub {
            Some(sub) => {
                let sub_key = stored_key(members, sub);
                members.insert(sub_key, value.clone());
            }
            // Replacing a matched element keeps the sub-attributes the value does not name
            // (its `type`, which selected it), as replacing a complex attribute does.
            None => merge(members, members_of(value.clone())),
        }
        if is_primary(&elements[index]) {
            last_primary = Some(index);
        }
    }
    if let Some(keep) = last_primary
        && sub.is_none_or(|sub| sub == "primary")
    {
        only_primary(elements, keep);
    }
    Ok(())
}

/// `remove` at `path`; removing what is not there is no error. `value` on a whole
/// multi-valued attribute names the elements to remove.
fn remove(resource: &mut Resource, path: &Path, value: Option<&Value>) {
    let attribute = &path.attribute;
    let Some(container) = container_mut(resource, attribute, false) else {
        return;
    };
    let Some(key) = key_of(container, &attribute.name).map(str::to_owned) else {
        return;
    };
    let mut now_empty = false;
    match (
        &path.filter,
        attribute.sub_attribute.as_deref(),
        container.get_mut(&key),
    ) {
        (None, None, Some(Value::Array(elements)))
            if value.is_some_and(|value| value.is_array() || value.is_object()) =>
        {
            let doomed = match value {
                Some(Value::Array(doomed)) => doomed.as_slice(),
                Some(single) => std::slice::from_ref(single),
                None => &[],
            };
            elements.retain(|element| !doomed.iter().any(|gone| same_element(element, gone)));
            now_empty = elements.is_empty();
        }
        (None, None, _) => now_empty = true,
        (None, Some(sub), Some(Value::Object(members))) => {
            if let Some(sub_key) = key_of(members, sub).map(str::to_owned) {
                members.remove(&sub_key);
            }
            now_empty = members.is_empty();
        }
        (None, Some(sub), Some(Value::Array(elements))) => {
            for element in elements.iter_mut() {
                remove_sub(element, sub);
            }
        }
        (Some(filter), None, Some(Value::Array(elements))) => {
            elements.retain(|element| !element.as_object().is_some_and(|o| filter.matches(o)));
            now_empty = elements.is_empty();
        }
        (Some(filter), None, Some(Value::Object(members))) => now_empty = filter.matches(members),
        (Some(filter), Some(sub), Some(Value::Array(elements))) => {
            for element in elements.iter_mut() {
                if element.as_object().is_some_and(|o| filter.matches(o)) {
                    remove_sub(element, sub);
                }
            }
            // An element whose `value` is gone (`remove emails[type eq "work"].value`) is no
            // email any more.
            if sub == "value" {
                elements.retain(|element| {
                    !element
                        .as_object()
                        .is_some_and(|members| attribute_absent(members, "value"))
                });
            }
            now_empty = elements.is_empty();
        }
        _ => {}
    }
    if now_empty {
        container.remove(&key);
    }
}

fn attribute_absent(members: &Resource, name: &str) -> bool {
    super::attribute(members, name).is_none()
}

fn remove_sub(element: &mut Value, sub: &str) {
    if let Value::Object(members) = element
        && let Some(sub_key) = key_of(members, sub).map(str::to_owned)
    {
        members.remove(&sub_key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Resource {
        json!({
            "schemas": [USER_SCHEMA],
            "id": "u-1",
            "userName": "bjensen@example.com",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "active": true,
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "meta": {"resourceType": "User", "version": "W/\"1\""}
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn patch(operations: Value) -> Value {
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": operations})
    }

    fn patched(operations: Value) -> Result<Resource, ScimError> {
        let mut resource = user();
        apply(&mut resource, &patch(operations))?;
        Ok(resource)
    }

    /// (what it is, operations, a JSON pointer into the result, the value expected there;
    /// `null` for absent)
    type Case = (&'static str, Value, &'static str, Value);

    #[test]
    fn patches_change_what_they_name() {
        let cases: Vec<Case> = vec![
            (
                "Okta deactivation: replace without a path",
                json!([{"op": "replace", "value": {"active": false}}]),
                "/active",
                json!(false),
            ),
            (
                "Entra deactivation: Replace with a path, the boolean as a string",
                json!([{"op": "Replace", "path": "active", "value": "False"}]),
                "/active",
                json!(false),
            ),
            (
                "Entra without a path, the boolean as a string",
                json!([{"op": "Replace", "value": {"active": "FALSE"}}]),
                "/active",
                json!(false),
            ),
            (
                "op in capitals",
                json!([{"op": "REPLACE", "path": "title", "value": "Tour Guide"}]),
                "/title",
                json!("Tour Guide"),
            ),
            (
                "an attribute name in another case keeps the stored key",
                json!([{"op": "replace", "path": "username", "value": "babs@example.com"}]),
                "/userName",
                json!("babs@example.com"),
            ),
            (
                "an absent attribute in another case takes the canonical name",
                json!([{"op": "add", "path": "DISPLAYNAME", "value": "Babs"}]),
                "/displayName",
                json!("Babs"),
            ),
            (
                "URN-prefixed core path",
                json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName", "value": "b@x.org"}]),
                "/userName",
                json!("b@x.org"),
            ),
            (
                "URN-prefixed key without a path",
                json!([{"op": "replace", "value": {"urn:ietf:params:scim:schemas:core:2.0:User:nickName": "Babs"}}]),
                "/nickName",
                json!("Babs"),
            ),
            (
                "sub-attribute path",
                json!([{"op": "replace", "path": "name.givenName", "value": "Babs"}]),
                "/name",
                json!({"givenName": "Babs", "familyName": "Jensen"}),
            ),
            (
                "Okta's name without a path merges sub-attributes",
                json!([{"op": "replace", "value": {"name": {"familyName": "Smith"}}}]),
                "/name",
                json!({"givenName": "Barbara", "familyName": "Smith"}),
            ),
            (
                "dotted key without a path (older Entra)",
                json!([{"op": "Replace", "value": {"name.familyName": "Smith"}}]),
                "/name/familyName",
                json!("Smith"),
            ),
            (
                "Entra replaces the work email's value",
                json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "babs@example.com"}]),
                "/emails",
                json!([{"value": "babs@example.com", "type": "work", "primary": true}]),
            ),
            (
                "Entra adds a work email the user lacks: the element is created",
                json!([{"op": "Add", "path": "emails[type eq \"home\"].value", "value": "babs@home.org"}]),
                "/emails/1",
                json!({"type": "home", "value": "babs@home.org"}),
            ),
            (
                "Entra adds a mobile phone to a user without phones",
                json!([{"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100"}]),
                "/phoneNumbers",
                json!([{"type": "mobile", "value": "+1 555 0100"}]),
            ),
            (
                "Entra's primary as a string on a filtered element",
                json!([{"op": "Add", "path": "emails[type eq \"work\"].primary", "value": "True"}]),
                "/emails/0/primary",
                json!(true),
            ),
            (
                "replace a matched element: named sub-attributes replaced, the rest kept",
                json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": {"value": "new@example.com"}}]),
                "/emails",
                json!([{"value": "new@example.com", "type": "work", "primary": true}]),
            ),
            (
                "add to a multi-valued attribute appends",
                json!([{"op": "add", "path": "emails", "value": [{"value": "b@home.org", "type": "home"}]}]),
                "/emails/1",
                json!({"value": "b@home.org", "type": "home"}),
            ),
            (
                "add of an email already there does not double it",
                json!([{"op": "add", "path": "emails", "value": [{"value": "BJENSEN@example.com", "type": "work"}]}]),
                "/emails/1",
                Value::Null,
            ),
            (
                "a new primary email takes primary from the old one",
                json!([{"op": "add", "path": "emails", "value": [{"value": "b@home.org", "type": "home", "primary": "true"}]}]),
                "/emails/0/primary",
                json!(false),
            ),
            (
                "add of a single object to a multi-valued attribute",
                json!([{"op": "add", "value": {"phoneNumbers": {"value": "1", "type": "work"}}}]),
                "/phoneNumbers",
                json!([{"value": "1", "type": "work"}]),
            ),
            (
                "replace of a multi-valued attribute replaces the array",
                json!([{"op": "replace", "path": "emails", "value": [{"value": "only@x.org"}]}]),
                "/emails",
                json!([{"value": "only@x.org"}]),
            ),
            (
                "enterprise extension path",
                json!([{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales"}]),
                "/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department",
                json!("Sales"),
            ),
            (
                "Entra's manager as a string",
                json!([{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "m-7"}]),
                "/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager",
                json!("m-7"),
            ),
            (
                "extension object without a path",
                json!([{"op": "add", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984"}}}]),
                "/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                json!({"employeeNumber": "701984"}),
            ),
            (
                "remove an attribute",
                json!([{"op": "remove", "path": "name.givenName"}]),
                "/name",
                json!({"familyName": "Jensen"}),
            ),
            (
                "remove the last sub-attribute removes the attribute",
                json!([{"op": "remove", "path": "name.givenName"}, {"op": "Remove", "path": "NAME.FAMILYNAME"}]),
                "/name",
                Value::Null,
            ),
            (
                "remove matched elements",
                json!([{"op": "remove", "path": "emails[type eq \"work\"]"}]),
                "/emails",
                Value::Null,
            ),
            (
                "remove a matched element's value removes the element",
                json!([{"op": "remove", "path": "emails[type eq \"work\"].value"}]),
                "/emails",
                Value::Null,
            ),
            (
                "remove an unmatched element is a no-op",
                json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]),
                "/emails/0/value",
                json!("bjensen@example.com"),
            ),
            (
                "remove an absent attribute is a no-op",
                json!([{"op": "remove", "path": "title"}, {"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]),
                "/userName",
                json!("bjensen@example.com"),
            ),
            (
                "remove with a value names the elements",
                json!([{"op": "remove", "path": "emails", "value": [{"value": "bjensen@example.com", "type": "work"}]}]),
                "/emails",
                Value::Null,
            ),
            (
                "replace with null unassigns",
                json!([{"op": "replace", "path": "name.givenName", "value": null}]),
                "/name/givenName",
                Value::Null,
            ),
            (
                "replacing id with the same value is allowed",
                json!([{"op": "replace", "value": {"id": "u-1", "active": false}}]),
                "/active",
                json!(false),
            ),
            (
                "operations apply in order",
                json!([{"op": "add", "path": "title", "value": "A"}, {"op": "replace", "path": "title", "value": "B"}]),
                "/title",
                json!("B"),
            ),
        ];
        for (what, operations, pointer, expected) in cases {
            let resource = patched(operations).unwrap_or_else(|error| panic!("{what}: {error}"));
            let found = Value::Object(resource).pointer(pointer).cloned();
            assert_eq!(found.unwrap_or(Value::Null), expected, "{what}");
        }
    }

    #[test]
    fn bad_patches_are_refused_with_their_scim_type_and_change_nothing() {
        let cases: Vec<(&str, Value, ScimType)> = vec![
            (
                "no PatchOp schema",
                json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}),
                ScimType::InvalidSyntax,
            ),
            (
                "wrong schema",
                json!({"schemas": ["urn:x"], "Operations": [{"op": "add", "path": "title", "value": "x"}]}),
                ScimType::InvalidSyntax,
            ),
            ("not an object", json!([1]), ScimType::InvalidSyntax),
            (
                "no Operations",
                json!({"schemas": [PATCH_OP_SCHEMA]}),
                ScimType::InvalidSyntax,
            ),
            (
                "empty Operations",
                patch(json!([])),
                ScimType::InvalidSyntax,
            ),
            (
                "too many",
                patch(Value::Array(vec![
                    json!({"op": "add", "path": "title", "value": "x"});
                    MAX_OPERATIONS + 1
                ])),
                ScimType::TooMany,
            ),
            (
                "unknown op",
                patch(json!([{"op": "move", "path": "title"}])),
                ScimType::InvalidSyntax,
            ),
            (
                "no op",
                patch(json!([{"path": "title", "value": "x"}])),
                ScimType::InvalidSyntax,
            ),
            (
                "operation not an object",
                patch(json!(["add"])),
                ScimType::InvalidSyntax,
            ),
            (
                "remove without a path",
                patch(json!([{"op": "remove"}])),
                ScimType::NoTarget,
            ),
            (
                "add without a value",
                patch(json!([{"op": "add", "path": "title"}])),
                ScimType::InvalidSyntax,
            ),
            (
                "no path and a non-object value",
                patch(json!([{"op": "replace", "value": false}])),
                ScimType::InvalidValue,
            ),
            (
                "unparsable path",
                patch(json!([{"op": "add", "path": "emails[type eq", "value": "x"}])),
                ScimType::InvalidPath,
            ),
            (
                "path not a string",
                patch(json!([{"op": "add", "path": 3, "value": "x"}])),
                ScimType::InvalidPath,
            ),
            (
                "unparsable key without a path",
                patch(json!([{"op": "add", "value": {"bad key": 1}}])),
                ScimType::InvalidPath,
            ),
            (
                "userName as a number",
                patch(json!([{"op": "replace", "path": "userName", "value": 3}])),
                ScimType::InvalidValue,
            ),
            (
                "active as a word",
                patch(json!([{"op": "replace", "path": "active", "value": "yes"}])),
                ScimType::InvalidValue,
            ),
            (
                "name as a string",
                patch(json!([{"op": "replace", "path": "name", "value": "Babs"}])),
                ScimType::InvalidValue,
            ),
            (
                "emails as strings",
                patch(json!([{"op": "add", "path": "emails", "value": ["a@b.c"]}])),
                ScimType::InvalidValue,
            ),
            (
                "a filtered element as a string",
                patch(json!([{"op": "add", "path": "emails[type eq \"work\"]", "value": "a@b.c"}])),
                ScimType::InvalidValue,
            ),
            (
                "primary as a number",
                patch(
                    json!([{"op": "add", "path": "emails[type eq \"work\"].primary", "value": 1}]),
                ),
                ScimType::InvalidValue,
            ),
            (
                "unmatched filter with nothing to create from",
                patch(
                    json!([{"op": "add", "path": "emails[value co \"zzz\"].type", "value": "work"}]),
                ),
                ScimType::NoTarget,
            ),
            (
                "id changed",
                patch(json!([{"op": "replace", "path": "id", "value": "u-2"}])),
                ScimType::Mutability,
            ),
            (
                "id removed",
                patch(json!([{"op": "remove", "path": "id"}])),
                ScimType::Mutability,
            ),
            (
                "meta changed without a path",
                patch(json!([{"op": "replace", "value": {"meta": {"version": "x"}}}])),
                ScimType::Mutability,
            ),
            (
                "schemas changed",
                patch(json!([{"op": "add", "path": "schemas", "value": ["urn:x"]}])),
                ScimType::Mutability,
            ),
            (
                "a later operation fails: the earlier one is undone",
                patch(json!([{"op": "replace", "path": "title", "value": "x"}, {"op": "bogus"}])),
                ScimType::InvalidSyntax,
            ),
        ];
        for (what, body, scim_type) in cases {
            let mut resource = user();
            let error = apply(&mut resource, &body).expect_err(what);
            assert_eq!(error.status, 400, "{what}");
            assert_eq!(error.scim_type, Some(scim_type), "{what}: {}", error.detail);
            assert_eq!(resource, user(), "{what}: the resource changed");
        }
        let error = patched(json!([{"op": "add", "path": "title", "value": "x"}, {"op": "bogus"}]))
            .unwrap_err();
        assert!(
            error.detail.starts_with("Operations[1]:"),
            "{}",
            error.detail
        );
    }

    #[test]
    fn normalize_brings_bodies_to_canonical_form_once() {
        let mut body = json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "urn:ietf:params:scim:schemas:core:2.0:User:userName": "b@x.org",
            "DisplayName": "Babs",
            "NAME": {"GIVENNAME": "Barbara", "familyname": "Jensen"},
            "active": "True",
            "Emails": [{"Value": "b@x.org", "TYPE": "work", "primary": "false"}],
            "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:User": {"DEPARTMENT": "Sales"},
            "urn:ietf:params:scim:schemas:extension:custom:2.0:User": {"worksiteId": "180"},
            "customThing": 1
        })
        .as_object()
        .unwrap()
        .clone();
        normalize(&mut body);
        let expected = json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "userName": "b@x.org",
            "displayName": "Babs",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "active": true,
            "emails": [{"value": "b@x.org", "type": "work", "primary": false}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
            "urn:ietf:params:scim:schemas:extension:custom:2.0:User": {"worksiteId": "180"},
            "customThing": 1
        });
        assert_eq!(Value::Object(body.clone()), expected);
        let once = body.clone();
        normalize(&mut body);
        assert_eq!(body, once, "normalize is idempotent");

        // A word that is no boolean stays for validation to refuse.
        let mut odd = json!({"active": "yes"}).as_object().unwrap().clone();
        normalize(&mut odd);
        assert_eq!(odd["active"], json!("yes"));
    }

    #[test]
    fn no_input_panics() {
        let mut rng = fastrand::Rng::with_seed(11);
        let ops = ["add", "Replace", "REMOVE", "x"];
        let paths = [
            "emails[type eq \"work\"].value",
            "emails[type eq \"work\"]",
            "emails",
            "name.givenName",
            "name",
            "active",
            "é[",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            "phoneNumbers.value",
        ];
        let values = [
            json!("x"),
            json!(true),
            json!({"value": "v"}),
            json!([{"value": "v"}]),
            json!([]),
            json!(null),
            json!(1),
        ];
        for _ in 0..3000 {
            let operation = json!({
                "op": ops[rng.usize(..ops.len())],
                "path": paths[rng.usize(..paths.len())],
                "value": values[rng.usize(..values.len())].clone(),
            });
            let mut resource = user();
            let _ = apply(&mut resource, &patch(json!([operation])));
        }
    }
}
