//! One user's record as a form edits it, for any vendor: the record stays the JSON the vendor
//! sent (so fields this product does not model travel back untouched), the form holds the
//! text of each editable field as typed, and [`apply`] turns that text back into the record.
//! The three-way comparison a conflicting save is resolved with, and the body a save sends,
//! are `shared::conflict`'s, re-exported here. Pure, tested natively.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use shared::ConnectionInfo;
use shared::description::{Description, FieldValue, Update};
use shared::field::{FieldKind, FieldSpec};
// The conflict rule and what a save sends live in `shared`, where `cargo xtask bench
// editors` runs the very same code; the console's modules keep reaching them from here.
use shared::conflict::clears_as_text;
pub use shared::conflict::{
    Choice, Difference, differences, editable, get, merge, set, text_of, top_field, update_body,
};
use shared::operation::{Body, PathParams, names};
use shared::{ErrorCode, FieldError, ValidationErrors};

/// The text of each editable field, by field path.
pub type Texts = BTreeMap<&'static str, String>;

fn pointer(path: &str) -> String {
    format!("/{path}")
}

/// The form's texts for `record`.
pub fn texts_of(record: &Value, fields: &'static [FieldSpec]) -> Texts {
    editable(fields)
        .map(|f| (f.path, text_of(get(record, f.path), f.kind)))
        .collect()
}

/// The value `text` stands for in a field of `kind`, or why it stands for none. `None` means
/// "absent" (an empty optional input).
pub fn parse(spec: &FieldSpec, text: &str) -> Result<Option<Value>, String> {
    let trimmed = text.trim();
    let label = spec.label;
    Ok(Some(match spec.kind {
        FieldKind::Boolean => match trimmed.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Value::Bool(true),
            "false" | "no" | "0" => Value::Bool(false),
            // An empty checkbox cell in a file means "not set".
            "" => return Ok(None),
            _ => {
                return Err(format!(
                    "{label} is true or false (or yes/no, 1/0), not \"{trimmed}\"."
                ));
            }
        },
        _ if trimmed.is_empty() && spec.kind != FieldKind::IdList => return Ok(None),
        FieldKind::Text | FieldKind::Email | FieldKind::Date | FieldKind::Password => {
            Value::String(trimmed.to_owned())
        }
        FieldKind::Integer | FieldKind::Flag => trimmed
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("{label} must be a whole number, not \"{trimmed}\"."))?,
        FieldKind::Choice(choices) => {
            let choice = choices
                .iter()
                .find(|c| c.value == trimmed)
                .ok_or_else(|| format!("{label} cannot be \"{trimmed}\"."))?;
            // Numeric codes travel as numbers, as the vendor sends them.
            choice
                .value
                .parse::<i64>()
                .map_or_else(|_| Value::from(choice.value), Value::from)
        }
        FieldKind::IdList => {
            let mut ids = Vec::new();
            for part in trimmed.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                ids.push(Value::from(part.parse::<i64>().map_err(|_| {
                    format!("{label} are numbers separated by commas; \"{part}\" is not a number.")
                })?));
            }
            Value::Array(ids)
        }
        FieldKind::Structured => {
            serde_json::from_str(trimmed).map_err(|e| format!("{label} is not valid JSON: {e}."))?
        }
    }))
}

/// `record` with the form's `texts` applied, and the fields whose text stands for no value.
/// A field whose text is what `record` already shows keeps its value exactly as the vendor
/// sent it, so saving an untouched form changes nothing.
pub fn apply(
    record: &Value,
    texts: &Texts,
    fields: &'static [FieldSpec],
) -> (Value, ValidationErrors) {
    apply_fields(record, texts, editable(fields))
}

/// The fields a create form offers: all but those the vendor sets itself and those only an
/// update takes.
pub fn creatable(fields: &'static [FieldSpec]) -> impl Iterator<Item = &'static FieldSpec> {
    fields.iter().filter(|f| !f.read_only && !f.update_only)
}

/// A new user as the description starts it (`new_user`), and the create form's texts for it.
pub fn new_user(description: &Description, fields: &'static [FieldSpec]) -> (Value, Texts) {
    let mut start = Value::Object(Map::new());
    for (path, value) in description.new_user {
        set(&mut start, path, Some(json_of(*value)));
    }
    let texts = creatable(fields)
        .map(|f| (f.path, text_of(get(&start, f.path), f.kind)))
        .collect();
    (start, texts)
}

/// [`apply`] over the fields `specs` names.
pub fn apply_fields(
    record: &Value,
    texts: &Texts,
    specs: impl Iterator<Item = &'static FieldSpec>,
) -> (Value, ValidationErrors) {
    let mut out = record.clone();
    let mut errors = ValidationErrors::default();
    for spec in specs {
        let Some(text) = texts.get(spec.path) else {
            continue;
        };
        if *text == text_of(get(record, spec.path), spec.kind) {
            continue;
        }
        match parse(spec, text) {
            Ok(value) => set(&mut out, spec.path, value),
            Err(message) => errors.push(FieldError::new(
                pointer(top_field(spec.path)),
                ErrorCode::InvalidType,
                message,
            )),
        }
    }
    (out, errors)
}

/// Whether `error` is told at the input of the field at `path`: a problem of one field at
/// its input (or, for a field holding a structure, inside it), a problem of a whole member
/// (Trintech's `/name`) at the member's first field only.
pub fn told_at(error: &FieldError, fields: &[FieldSpec], path: &str) -> bool {
    let Some(at) = error.path.strip_prefix('/') else {
        return false;
    };
    let top = top_field(path);
    if at == top && top != path {
        return fields
            .iter()
            .find(|f| !f.read_only && top_field(f.path) == top)
            .is_some_and(|f| f.path == path);
    }
    at == top
        || at == path
        || at
            .strip_prefix(path)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// A switch's value as JSON (`false`, or CommPeak's `0`).
pub fn json_of(value: FieldValue) -> Value {
    match value {
        FieldValue::Bool(b) => Value::Bool(b),
        FieldValue::Number(n) => Value::from(n),
    }
}

/// Whether `record` holds `value` at `field`, read leniently (`"1"`, `1` and `true` alike).
pub fn holds(record: &Value, field: &str, value: FieldValue) -> bool {
    let truthy = |v: &Value| match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match s.trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    };
    let wanted = match value {
        FieldValue::Bool(b) => b,
        FieldValue::Number(n) => n != 0,
    };
    get(record, field).and_then(truthy) == Some(wanted)
}

/// The fields a partial update cannot empty (a number, a flag, a list: only text is sent
/// empty), which `record` leaves out and `original` had, as errors to show at each.
pub fn unclearable(
    description: &Description,
    fields: &'static [FieldSpec],
    original: &Value,
    record: &Value,
) -> Vec<FieldError> {
    if description.update != Update::Partial {
        return Vec::new();
    }
    editable(fields)
        .filter(|f| !clears_as_text(f.kind))
        .filter(|f| get(original, f.path).is_some() && get(record, f.path).is_none())
        .map(|f| {
            FieldError::new(
                pointer(f.path),
                ErrorCode::Required,
                format!(
                    "{} cannot be emptied: an update that leaves it out keeps it. Type a value.",
                    f.label
                ),
            )
        })
        .collect()
}

/// The user's key in `record` (`id` 4100000001 or `userName` "jane.doe") as text.
pub fn key_of(record: &Value, key: &str) -> Option<String> {
    match get(record, key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The vendor's rules for the body of the operation `name` on one user (an update of
/// `key`, or a create), with paths relative to the user: an operation that takes a list is
/// checked with a list of one.
pub fn check_operation(
    connection: &ConnectionInfo,
    name: &str,
    key: Option<&str>,
    body: &Value,
) -> ValidationErrors {
    let operations = shared::vendor::operations(connection.kind);
    let Some(operation) = operations.iter().find(|o| o.name == name) else {
        return ValidationErrors::default();
    };
    let listed = matches!(operation.body, Body::Users(_));
    let bytes = if listed {
        serde_json::to_vec(&[body])
    } else {
        serde_json::to_vec(body)
    };
    let Ok(bytes) = bytes else {
        return ValidationErrors::default();
    };
    let params = PathParams {
        id: key.map(str::to_owned),
    };
    match shared::vendor::check_body(connection.kind, operation, &params, &bytes) {
        Ok(()) => ValidationErrors::default(),
        Err(errors) => ValidationErrors(
            errors
                .0
                .into_iter()
                .map(|e| match e.path.strip_prefix("/0") {
                    Some(inner) if listed => FieldError {
                        path: inner.to_owned(),
                        ..e
                    },
                    _ => e,
                })
                .collect(),
        ),
    }
}

/// The vendor's rules for this update body: the update of one user where the connection
/// has it, else a batch update of one.
pub fn check_update(connection: &ConnectionInfo, key: &str, body: &Value) -> ValidationErrors {
    let name = if connection.declares(names::UPDATE_USER) {
        names::UPDATE_USER
    } else {
        names::UPDATE_USERS
    };
    check_operation(connection, name, Some(key), body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// LivePerson's fields, the richest table (nested, id lists, structures).
    fn lp() -> &'static [FieldSpec] {
        shared::vendor::fields(shared::connection::VendorKind::Liveperson)
    }

    fn record() -> Value {
        json!({
            "id": 7, "pid": "p7", "deleted": false, "loginName": "ada", "fullName": "Ada L",
            "nickname": "Ada", "email": "ada@example.com", "isEnabled": true, "maxChats": 3,
            "profileIds": [3001], "skillIds": [5001, 5002],
            "memberOf": {"agentGroupId": -1, "assignmentDate": "2024-01-01 10:00:00"},
            "managerOf": [{"agentGroupId": 101}],
            "userTypeId": 1, "dateUpdated": "2024-01-01 10:00:00",
            "somethingNew": {"kept": true}
        })
    }

    #[test]
    fn texts_round_trip_untouched() {
        let texts = texts_of(&record(), lp());
        assert_eq!(texts["skillIds"], "5001, 5002");
        assert_eq!(texts["memberOf/agentGroupId"], "-1");
        assert_eq!(texts["isApiUser"], "false");
        assert_eq!(texts["description"], "");
        assert!(!texts.contains_key("passwordSh"), "secret");
        assert!(!texts.contains_key("dateUpdated"), "read-only");
        let (applied, errors) = apply(&record(), &texts, lp());
        assert!(errors.0.is_empty(), "{errors:?}");
        assert_eq!(applied, record(), "an untouched form changes nothing");
    }

    #[test]
    fn edits() {
        type Case = (
            &'static str,
            &'static str,
            Result<Option<Value>, &'static str>,
        );
        let cases: &[Case] = &[
            ("maxChats", " 5 ", Ok(Some(json!(5)))),
            ("maxChats", "five", Err("Max chats must be a whole number")),
            ("maxChats", "", Ok(None)),
            ("skillIds", "5003,, 5004 ", Ok(Some(json!([5003, 5004])))),
            ("skillIds", "", Ok(Some(json!([])))),
            ("skillIds", "5003, x", Err("\"x\" is not a number")),
            ("isEnabled", "false", Ok(Some(json!(false)))),
            ("userTypeId", "2", Ok(Some(json!(2)))),
            ("userTypeId", "9", Err("cannot be \"9\"")),
            ("memberOf/agentGroupId", "101", Ok(Some(json!(101)))),
            ("memberOf/agentGroupId", "", Ok(None)),
            ("managerOf", "[]", Ok(Some(json!([])))),
            ("managerOf", "[", Err("is not valid JSON")),
            (
                "description",
                "  Night shift ",
                Ok(Some(json!("Night shift"))),
            ),
        ];
        for (path, text, expected) in cases {
            let mut texts = texts_of(&record(), lp());
            texts.insert(path, (*text).to_owned());
            let (applied, errors) = apply(&record(), &texts, lp());
            match expected {
                Ok(value) => {
                    assert!(errors.0.is_empty(), "{path} {text:?}: {errors:?}");
                    assert_eq!(get(&applied, path), value.as_ref(), "{path} {text:?}");
                    assert_eq!(applied["somethingNew"], json!({"kept": true}));
                }
                Err(fragment) => {
                    assert_eq!(errors.0.len(), 1, "{path} {text:?}");
                    assert_eq!(errors.0[0].path, format!("/{}", top_field(path)));
                    assert!(
                        errors.0[0].message.contains(fragment),
                        "{path}: {}",
                        errors.0[0].message
                    );
                }
            }
        }
        // The group's other fields stay; an emptied group goes.
        let mut texts = texts_of(&record(), lp());
        texts.insert("memberOf/agentGroupId", "102".into());
        let (applied, _) = apply(&record(), &texts, lp());
        assert_eq!(
            applied["memberOf"],
            json!({"agentGroupId": 102, "assignmentDate": "2024-01-01 10:00:00"})
        );
        let mut bare = record();
        bare["memberOf"] = json!({"agentGroupId": -1});
        texts.insert("memberOf/agentGroupId", String::new());
        let (applied, _) = apply(&bare, &texts, lp());
        assert_eq!(applied.get("memberOf"), None);
    }

    #[test]
    fn save_bodies_follow_each_vendors_update_rule() {
        use shared::connection::VendorKind;
        let described = shared::vendor::description(VendorKind::Liveperson);
        let body = update_body(described, lp(), &record(), &record());
        for gone in ["pid", "deleted", "dateUpdated"] {
            assert_eq!(body.get(gone), None, "{gone}");
        }
        assert_eq!(body["id"], 7);
        assert_eq!(body["passwordSh"], Value::Null);
        assert_eq!(body["somethingNew"], json!({"kept": true}));

        // CommPeak: only what changed, as typed; untouched text-typed values stay out.
        let cp_fields = shared::vendor::fields(VendorKind::Commpeak);
        let cp = shared::vendor::description(VendorKind::Commpeak);
        let original = json!({"id": "17", "username": "jd", "email": "jd@x.example",
            "is_active": "1", "timezone_id": "3", "registration_password": "s3cret"});
        let mut texts = texts_of(&original, cp_fields);
        texts.insert("is_active", "0".into());
        texts.insert("first_name", "Jo".into());
        let (edited, errors) = apply(&original, &texts, cp_fields);
        assert!(errors.0.is_empty(), "{errors:?}");
        assert_eq!(
            update_body(cp, cp_fields, &original, &edited),
            json!({"first_name": "Jo", "is_active": 0})
        );
        assert_eq!(update_body(cp, cp_fields, &original, &original), json!({}));
        // Emptied: text is sent empty (CommPeak keeps what is left out); a number cannot be.
        let mut texts = texts_of(&original, cp_fields);
        texts.insert("email", String::new());
        texts.insert("timezone_id", String::new());
        let (edited, _) = apply(&original, &texts, cp_fields);
        assert_eq!(
            update_body(cp, cp_fields, &original, &edited),
            json!({"email": "", "timezone_id": null})
        );
        let refused: Vec<String> = unclearable(cp, cp_fields, &original, &edited)
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(refused, ["/timezone_id"]);

        // Trintech: the whole record, keyed by userName, without what an update refuses.
        let tt_fields = shared::vendor::fields(VendorKind::Trintech);
        let tt = shared::vendor::description(VendorKind::Trintech);
        let user = json!({"userName": "jane.doe", "password": "x", "email": "j@x.example",
            "userAccess": {"AccessComplete": true}, "lockedOut": false, "extra": 1});
        assert_eq!(
            update_body(tt, tt_fields, &user, &user),
            json!({"userName": "jane.doe", "email": "j@x.example", "lockedOut": false, "extra": 1})
        );
    }

    #[test]
    fn errors_are_told_at_their_field() {
        let fields = shared::vendor::fields(shared::connection::VendorKind::Trintech);
        let error = |path: &str| FieldError::new(path, ErrorCode::Required, "x");
        for (at, path, told) in [
            ("/name", "name/firstName", true),
            ("/name", "name/lastName", false),
            ("/name/lastName", "name/lastName", true),
            ("/name/lastName", "name/firstName", false),
            ("/email", "email", true),
            ("/roles/0/value", "roles", true),
            ("/email", "phoneNumber", false),
        ] {
            assert_eq!(told_at(&error(at), fields, path), told, "{at} at {path}");
        }
    }

    #[test]
    fn keys_read_as_text() {
        assert_eq!(key_of(&json!({"id": 7}), "id").as_deref(), Some("7"));
        assert_eq!(
            key_of(&json!({"userName": "jane.doe"}), "userName").as_deref(),
            Some("jane.doe")
        );
        assert_eq!(key_of(&json!({"id": null}), "id"), None);
    }
}
