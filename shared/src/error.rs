//! Field-level validation errors and the JSON error body every layer of the product answers
//! with, so the browser renders proxy, sandbox and its own errors the same way.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A stable, machine-readable reason a field was refused. Its serialized form (snake_case)
/// is part of the API: the frontend and tests match on it, so never rename a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A field the operation needs is missing or empty.
    Required,
    /// A server-owned field (such as `id` on create) was sent.
    ReadOnly,
    /// The value has the wrong JSON type or cannot be read as the field's type.
    InvalidType,
    InvalidEmail,
    /// A count that must be zero or more is negative.
    Negative,
    /// An identifier that must be greater than zero is not.
    NotPositive,
    /// The same unique value appears twice in one request.
    Duplicate,
    /// A date is not in the vendor's `yyyy-MM-dd HH:mm:ss` format.
    InvalidDate,
    /// A field that this kind of user must not have (an API user's password).
    NotAllowed,
    /// The request body holds no users.
    Empty,
    /// A text is shorter than the vendor's minimum length.
    TooShort,
    /// A text is longer than the vendor's maximum length.
    TooLong,
    /// A text does not match the vendor's published pattern (user name, password policy).
    InvalidFormat,
    /// A value outside the field's list of allowed values.
    InvalidValue,
    /// A field that the vendor does not let an update change (Trintech `password`, ...).
    NotUpdatable,
    /// More records in one request than the vendor accepts.
    TooMany,
}

/// One problem with one field. `path` is a JSON Pointer (RFC 6901) into the request body,
/// e.g. `/3/email` for the email of the fourth user of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub path: String,
    pub code: ErrorCode,
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            code,
            message: message.into(),
        }
    }

    /// The last segment of the path: the field's name, for showing the error next to its input.
    pub fn field(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or_default()
    }
}

/// Every problem found in a request; never just the first.
#[derive(Debug, Clone, PartialEq, Eq, Default, thiserror::Error, Serialize, Deserialize)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was found, so validators can end with `errors.into_result()`.
    pub fn into_result(self) -> Result<(), Self> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// The errors whose path ends in `field`, for rendering next to a form input.
    pub fn for_field<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a FieldError> + 'a {
        self.0.iter().filter(move |e| e.field() == field)
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.path, e.message)?;
        }
        Ok(())
    }
}

/// The most field errors an error body lists. A hostile body of a few kilobytes can hold tens
/// of thousands of problems (5,001 empty users are 40,008); listing them all made a 3 MB answer
/// to a 15 kB request. The first ones are what a person fixes first anyway.
pub const LISTED_FIELD_ERRORS: usize = 100;

/// The JSON body of every error the proxy itself produces (refused input, unreachable
/// upstream, unknown connection). The frontend shows `message`, the `requestId` an operator
/// can find in the logs, and each field error next to its input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    pub message: String,
    /// At most [`LISTED_FIELD_ERRORS`], in the order found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub field_errors: Vec<FieldError>,
    /// How many field errors were found, present only when `field_errors` lists fewer (the
    /// list was cut short); absent, the list is complete. Optional so that bodies written
    /// before it existed still read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_error_count: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            field_errors: Vec::new(),
            field_error_count: None,
            request_id: None,
        }
    }

    /// The refusal of a body with these problems: the first [`LISTED_FIELD_ERRORS`] listed,
    /// and, when there were more, how many, so no answer grows with what a request holds.
    pub fn from_validation(errors: ValidationErrors) -> Self {
        let mut field_errors = errors.0;
        let count = field_errors.len();
        let plural = if count == 1 { "" } else { "s" };
        let total = crate::format::thousands(count);
        let (message, field_error_count) = if count > LISTED_FIELD_ERRORS {
            field_errors.truncate(LISTED_FIELD_ERRORS);
            (
                format!(
                    "The request was refused: {total} invalid fields; only the first \
                     {LISTED_FIELD_ERRORS} are listed. Nothing was sent to the vendor."
                ),
                Some(count),
            )
        } else {
            (
                format!(
                    "The request was refused: {total} invalid field{plural}. Nothing was sent \
                     to the vendor."
                ),
                None,
            )
        };
        Self {
            message,
            field_errors,
            field_error_count,
            request_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_json_shape_is_stable() {
        let mut e = ApiError::from_validation(ValidationErrors(vec![FieldError::new(
            "/3/email",
            ErrorCode::InvalidEmail,
            "not an email",
        )]));
        e.request_id = Some("r-1".into());
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "message": "The request was refused: 1 invalid field. Nothing was sent to the vendor.",
                "fieldErrors": [{"path": "/3/email", "code": "invalid_email", "message": "not an email"}],
                "requestId": "r-1"
            })
        );
        assert_eq!(e.field_errors[0].field(), "email");
    }

    /// Bodies written before `fieldErrorCount` existed still read, and a cut-short list says
    /// so in both its message and its count.
    #[test]
    fn field_errors_are_bounded_and_counted() {
        let old: ApiError =
            serde_json::from_str(r#"{"message": "m", "fieldErrors": [], "requestId": "r"}"#)
                .unwrap();
        assert_eq!(old.field_error_count, None);
        let errors = |n: usize| {
            ValidationErrors(
                (0..n)
                    .map(|i| FieldError::new(format!("/{i}/email"), ErrorCode::Required, "x"))
                    .collect(),
            )
        };
        for (found, listed, count, fragment) in [
            (1, 1, None, "1 invalid field."),
            (100, 100, None, "100 invalid fields."),
            (
                101,
                100,
                Some(101),
                "101 invalid fields; only the first 100 are listed",
            ),
            (
                40_008,
                100,
                Some(40_008),
                "40,008 invalid fields; only the first 100",
            ),
        ] {
            let e = ApiError::from_validation(errors(found));
            assert_eq!(e.field_errors.len(), listed, "{found}");
            assert_eq!(
                e.field_errors[0].path, "/0/email",
                "{found}: the first ones"
            );
            assert_eq!(e.field_error_count, count, "{found}");
            assert!(e.message.contains(fragment), "{found}: {}", e.message);
            let json = serde_json::to_value(&e).unwrap();
            assert_eq!(
                json.get("fieldErrorCount").is_some(),
                count.is_some(),
                "{json}"
            );
        }
    }
}
