//! SCIM 2.0 (RFC 7643, RFC 7644) over the vendors' users: what an identity provider sends and
//! is answered, written once for every vendor. The SCIM User as JSON ([`Resource`]), its
//! filters, PATCH operations, list queries and discovery documents, and the mapping between a
//! SCIM User and each vendor's user (each vendor module's `scim` states its own, found by
//! kind with [`crate::vendor::scim`]). No I/O: the proxy asks the vendor and answers.

pub mod discovery;
pub mod error;
pub mod filter;
pub mod mapping;
pub mod patch;
pub mod query;

pub use error::{ScimError, ScimType};

/// A SCIM resource as JSON: a User's attributes by their schema names (`userName`, `name`,
/// `emails`, `active`, …), `schemas`, `id` and, once answered, `meta`.
pub type Resource = serde_json::Map<String, serde_json::Value>;

/// The core User schema (RFC 7643 §4.1).
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The enterprise extension (RFC 7643 §4.3): accepted on write and ignored (nothing maps it).
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// Every SCIM answer's media type (RFC 7644 §3.1).
pub const CONTENT_TYPE: &str = "application/scim+json";
