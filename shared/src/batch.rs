//! The answer of a batch write that reports each record's outcome (`Reply::BatchResult`,
//! Trintech's `POST`/`PUT /users`): which records succeeded, which failed and why. Apart from
//! the vendor's module so the console reads it by the operation's reply, not by vendor.

use serde::{Deserialize, Serialize};
use serde_with::serde_as;

use crate::error::FieldError;
use crate::lenient::Lenient;

/// The answer of both write methods, 200 when every record succeeded and 400 otherwise
/// (§2.4, published).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BatchResult {
    pub total_processed: u64,
    pub success_count: u64,
    pub failure_count: u64,
    pub success_results: Vec<ResultItem>,
    pub failed_results: Vec<ResultItem>,
}

/// One record's outcome. **This product's assumption**: Trintech does not publish the item
/// shape (§2.4 `[?]`). The sandbox answers with it and the console reads it, but reads any
/// other object too: every field is optional and unknown fields are kept in `extra`, so a
/// real vendor's items are shown as they come.
#[serde_as]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResultItem {
    /// Position of the record in the request.
    #[serde_as(as = "Option<Lenient>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// What happened, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Why the record failed, field by field, with paths relative to the request body.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub field_errors: Vec<FieldError>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
