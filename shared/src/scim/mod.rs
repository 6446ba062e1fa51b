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

/// The core User attributes (RFC 7643 §4.1) with their canonical spelling. Attribute names are
/// case-insensitive (RFC 7643 §2.1): a client's `username` is stored and found as `userName`.
pub const CORE_ATTRIBUTES: &[&str] = &[
    "id",
    "externalId",
    "meta",
    "schemas",
    "userName",
    "name",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
];

/// The core attributes that are arrays of `{value, type, primary, display}` objects.
pub const MULTI_VALUED_ATTRIBUTES: &[&str] = &[
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
];

/// The sub-attributes of `name`, of the multi-valued attributes' elements, of `addresses` and
/// of `meta`, with their canonical spelling.
pub const SUB_ATTRIBUTES: &[&str] = &[
    "formatted",
    "familyName",
    "givenName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
    "value",
    "type",
    "primary",
    "display",
    "$ref",
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
    "resourceType",
    "created",
    "lastModified",
    "location",
    "version",
];

/// The enterprise extension's attributes (RFC 7643 §4.3) with their canonical spelling.
pub const ENTERPRISE_ATTRIBUTES: &[&str] = &[
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
    "manager",
];

fn canonical_in(table: &[&'static str], name: &str) -> Option<&'static str> {
    table
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(name))
}

/// `name`'s canonical spelling when it is a core User attribute.
pub fn canonical_attribute(name: &str) -> Option<&'static str> {
    canonical_in(CORE_ATTRIBUTES, name)
}

/// `name`'s canonical spelling when it is a known sub-attribute.
pub fn canonical_sub_attribute(name: &str) -> Option<&'static str> {
    canonical_in(SUB_ATTRIBUTES, name)
}

/// `name`'s canonical spelling when it is an enterprise extension attribute.
pub fn canonical_enterprise_attribute(name: &str) -> Option<&'static str> {
    canonical_in(ENTERPRISE_ATTRIBUTES, name)
}

/// The key a schema URN is stored under: the enterprise extension's canonical spelling, any
/// other URN as sent.
pub fn canonical_schema(urn: &str) -> &str {
    if urn.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) {
        ENTERPRISE_USER_SCHEMA
    } else if urn.eq_ignore_ascii_case(USER_SCHEMA) {
        USER_SCHEMA
    } else {
        urn
    }
}

/// Whether `name` (any case) is a multi-valued core attribute.
pub fn is_multi_valued(name: &str) -> bool {
    canonical_in(MULTI_VALUED_ATTRIBUTES, name).is_some()
}

/// The key `name` is stored under in `object`, compared case-insensitively; the exact key is
/// tried first because it is the usual case and costs one lookup.
pub fn key_of<'a>(object: &'a Resource, name: &str) -> Option<&'a str> {
    if let Some((key, _)) = object.get_key_value(name) {
        return Some(key.as_str());
    }
    object
        .keys()
        .find(|key| key.eq_ignore_ascii_case(name))
        .map(String::as_str)
}

/// The member `name` of `object`, the name compared case-insensitively.
pub fn attribute<'a>(object: &'a Resource, name: &str) -> Option<&'a serde_json::Value> {
    if let Some(value) = object.get(name) {
        return Some(value);
    }
    object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// A weak ETag (RFC 7232 §2.3) for a resource version: `W/"<version>"`.
pub fn etag(version: &str) -> String {
    format!("W/\"{version}\"")
}

/// The version an `ETag` or `If-Match` value names: `W/"12"`, `"12"` and `12` all name `12`;
/// `*` (any version) and an empty value name none. Of a list, the first is taken.
pub fn version_of(etag_or_if_match: &str) -> Option<&str> {
    let first = etag_or_if_match.split(',').next()?.trim();
    if first == "*" {
        return None;
    }
    let unweak = first
        .strip_prefix("W/")
        .or_else(|| first.strip_prefix("w/"))
        .unwrap_or(first);
    let unquoted = unweak
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(unweak);
    (!unquoted.is_empty()).then_some(unquoted)
}

/// Sets `meta.resourceType` (`User`), `meta.location` and `meta.version` (as its ETag, taken
/// out when `version` is `None`), keeping what else `meta` already holds (`created`,
/// `lastModified`).
pub fn set_meta(resource: &mut Resource, location: &str, version: Option<&str>) {
    use serde_json::Value;
    let meta = resource
        .entry("meta")
        .or_insert_with(|| Value::Object(Resource::new()));
    if !meta.is_object() {
        *meta = Value::Object(Resource::new());
    }
    if let Value::Object(meta) = meta {
        meta.insert("resourceType".to_owned(), Value::from("User"));
        meta.insert("location".to_owned(), Value::from(location));
        match version {
            Some(version) => {
                meta.insert("version".to_owned(), Value::from(etag(version)));
            }
            None => {
                meta.remove("version");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn version_of_reads_every_etag_form() {
        let cases: &[(&str, Option<&str>)] = &[
            ("W/\"12\"", Some("12")),
            ("\"12\"", Some("12")),
            ("12", Some("12")),
            (" W/\"a-b\" ", Some("a-b")),
            ("w/\"7\"", Some("7")),
            ("*", None),
            ("", None),
            ("\"\"", None),
            ("W/\"3\", W/\"4\"", Some("3")),
        ];
        for (given, expected) in cases {
            assert_eq!(version_of(given), *expected, "{given}");
        }
        assert_eq!(version_of(&etag("42")), Some("42"));
        assert_eq!(etag("42"), "W/\"42\"");
    }

    #[test]
    fn set_meta_writes_the_etag_and_keeps_the_dates() {
        let mut resource = Resource::new();
        resource.insert(
            "meta".into(),
            json!({"created": "2024-01-01T00:00:00Z", "version": "old"}),
        );
        set_meta(&mut resource, "https://x/scim/v2/Users/1", Some("5"));
        assert_eq!(
            resource["meta"],
            json!({"created": "2024-01-01T00:00:00Z", "resourceType": "User",
                   "location": "https://x/scim/v2/Users/1", "version": "W/\"5\""})
        );
        set_meta(&mut resource, "l", None);
        assert!(resource["meta"].get("version").is_none());
        let mut broken = Resource::new();
        broken.insert("meta".into(), json!("not an object"));
        set_meta(&mut broken, "l", None);
        assert_eq!(
            broken["meta"],
            json!({"resourceType": "User", "location": "l"})
        );
    }

    #[test]
    fn names_are_found_and_spelt_canonically_in_any_case() {
        assert_eq!(canonical_attribute("USERNAME"), Some("userName"));
        assert_eq!(canonical_attribute("phonenumbers"), Some("phoneNumbers"));
        assert_eq!(canonical_attribute("nickname"), Some("nickName"));
        assert_eq!(canonical_attribute("department"), None);
        assert_eq!(canonical_sub_attribute("GIVENNAME"), Some("givenName"));
        assert_eq!(
            canonical_enterprise_attribute("costcenter"),
            Some("costCenter")
        );
        assert!(is_multi_valued("Emails"));
        assert!(!is_multi_valued("name"));
        let object = json!({"userName": "a", "Title": "b"});
        let object = object.as_object().unwrap();
        assert_eq!(attribute(object, "username"), Some(&json!("a")));
        assert_eq!(key_of(object, "title"), Some("Title"));
        assert_eq!(attribute(object, "missing"), None);
    }
}
