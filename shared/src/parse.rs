//! Reading request bodies into vendor types, with every wrong-typed value reported as a
//! field error at its JSON Pointer, never as a parser's line and column.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{ErrorCode, FieldError, ValidationErrors};

/// Parses a request body holding a list of records, or a single record object (read as a list
/// of one). A value of the wrong type becomes an [`ErrorCode::InvalidType`] error whose path
/// names the field, e.g. `/2/maxChats`, instead of a parser position; every record is read,
/// so all such errors are reported at once.
pub fn parse_list<T: DeserializeOwned>(body: &[u8]) -> Result<Vec<T>, ValidationErrors> {
    let values = records(body).map_err(|e| ValidationErrors(vec![e]))?;
    let mut records = Vec::with_capacity(values.len());
    let mut errors = ValidationErrors::default();
    for (index, value) in values.into_iter().enumerate() {
        match parse_record(index, value) {
            Ok(record) => records.push(record),
            Err(error) => errors.push(error),
        }
    }
    errors.into_result().map(|()| records)
}

/// Reads the record at `index` of a list; the error names the offending field.
pub fn parse_record<T: DeserializeOwned>(
    index: usize,
    value: serde_json::Value,
) -> Result<T, FieldError> {
    if !value.is_object() {
        return Err(FieldError::new(
            format!("/{index}"),
            ErrorCode::InvalidType,
            "Each user must be a JSON object.",
        ));
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let pointer = json_pointer(&format!("/{index}"), e.path());
        let field = pointer.rsplit('/').next().unwrap_or_default().to_owned();
        FieldError::new(
            pointer,
            ErrorCode::InvalidType,
            format!("{field}: {}", e.into_inner()),
        )
    })
}

/// The records of a body holding a JSON list, or one object (a list of one), unread.
pub fn records(body: &[u8]) -> Result<Vec<serde_json::Value>, FieldError> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<serde_json::Value>),
        One(Box<serde_json::Value>),
    }
    match serde_json::from_slice::<OneOrMany>(body) {
        Ok(OneOrMany::Many(values)) => Ok(values),
        Ok(OneOrMany::One(value)) if value.is_object() => Ok(vec![*value]),
        Ok(OneOrMany::One(_)) => Err(FieldError::new(
            "",
            ErrorCode::InvalidType,
            "The body is not a JSON list of users (nor one user object).",
        )),
        Err(e) => Err(FieldError::new(
            "",
            ErrorCode::InvalidType,
            format!("The body is not a JSON list of users: {e}"),
        )),
    }
}

fn json_pointer(prefix: &str, path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = prefix.to_owned();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => {}
        }
    }
    pointer
}

/// Parses a body holding exactly one record object; errors have paths without an index
/// (`/email`).
pub fn parse_one<T: DeserializeOwned>(body: &[u8]) -> Result<T, ValidationErrors> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ValidationErrors(vec![FieldError::new(
            "",
            ErrorCode::InvalidType,
            format!("The body is not a JSON object: {e}"),
        )])
    })?;
    if !value.is_object() {
        return Err(ValidationErrors(vec![FieldError::new(
            "",
            ErrorCode::InvalidType,
            "The body must be one JSON object.",
        )]));
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let pointer = json_pointer("", e.path());
        let field = pointer.rsplit('/').next().unwrap_or_default().to_owned();
        ValidationErrors(vec![FieldError::new(
            pointer,
            ErrorCode::InvalidType,
            format!("{field}: {}", e.into_inner()),
        )])
    })
}

/// The error for a body kind a vendor's operations never take: a programming error in an
/// operation table, answered as a refusal rather than a crash.
pub fn unsupported_body(body: crate::operation::Body) -> ValidationErrors {
    ValidationErrors(vec![FieldError::new(
        "",
        ErrorCode::InvalidType,
        format!("This vendor has no operation taking a body of kind {body:?}."),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Record {
        count: Option<u32>,
        tags: Option<Vec<u32>>,
    }

    #[test]
    fn wrong_types_are_named_by_pointer() {
        let errors =
            parse_list::<Record>(br#"[{"count":1},{"count":"x"},{"tags":[1,"y"]},3]"#).unwrap_err();
        let paths: Vec<&str> = errors.0.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["/1/count", "/2/tags/1", "/3"]);
        let error = parse_one::<Record>(br#"{"tags":"z"}"#).unwrap_err();
        assert_eq!(error.0[0].path, "/tags");
        assert_eq!(parse_one::<Record>(b"[]").unwrap_err().0[0].path, "");
    }
}
