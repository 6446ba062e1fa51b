//! The discovery documents an identity provider reads before it provisions (RFC 7644 §4,
//! RFC 7643 §5–7): what this service provider supports, its one resource type (User) and
//! the User schema as one vendor's mapping publishes it. `meta.location` is the proxy's to
//! add, as it knows the URL it answers at.

use serde_json::{Value, json};

use super::mapping::Mapping;
use super::{
    LIST_RESPONSE_SCHEMA, RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA,
    USER_SCHEMA,
};

use super::query::MAX_COUNT;

/// `/ServiceProviderConfig` (RFC 7643 §5): PATCH and filtering supported, bulk, password
/// change and sorting not, ETags as the connection's vendor allows (`etag`), and OAuth
/// bearer tokens.
pub fn service_provider_config(etag: bool) -> Value {
    json!({
        "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        "documentationUri": "https://datatracker.ietf.org/doc/html/rfc7644",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_COUNT},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": etag},
        "authenticationSchemes": [{
            "name": "OAuth Bearer Token",
            "type": "oauthbearertoken",
            "description": "Authentication with a bearer token sent in the Authorization \
                            header (RFC 6750).",
            "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
            "primary": true
        }],
        // Relative to the connection's SCIM base URL, which the proxy puts in front.
        "meta": {"resourceType": "ServiceProviderConfig", "location": "/ServiceProviderConfig"}
    })
}

/// The one resource type, `User` (RFC 7643 §6), for `/ResourceTypes/User`.
pub fn resource_type() -> Value {
    json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "User Account",
        "schema": USER_SCHEMA,
        "meta": {"resourceType": "ResourceType", "location": "/ResourceTypes/User"}
    })
}

/// `/ResourceTypes`: a list of the one resource type.
pub fn resource_types() -> Value {
    list_of(resource_type())
}

/// The User schema (RFC 7643 §7) as `mapping` publishes it: exactly the attributes it maps,
/// for `/Schemas/urn:ietf:params:scim:schemas:core:2.0:User`.
pub fn schema(mapping: &Mapping) -> Value {
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "User Account",
        "attributes": mapping.schema_attributes(),
        "meta": {"resourceType": "Schema", "location": format!("/Schemas/{USER_SCHEMA}")}
    })
}

/// `/Schemas`: a list of the one schema.
pub fn schemas(mapping: &Mapping) -> Value {
    list_of(schema(mapping))
}

/// A `ListResponse` (RFC 7644 §3.4.2) of one resource.
fn list_of(resource: Value) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": 1,
        "startIndex": 1,
        "itemsPerPage": 1,
        "Resources": [resource]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::VendorKind;
    use crate::vendor::scim;

    #[test]
    fn the_service_provider_config_says_what_is_supported() {
        for etag in [true, false] {
            let config = service_provider_config(etag);
            let supported = |feature: &str| config[feature]["supported"].as_bool();
            assert_eq!(
                ["patch", "bulk", "filter", "changePassword", "sort", "etag"].map(supported),
                [
                    Some(true),
                    Some(false),
                    Some(true),
                    Some(false),
                    Some(false),
                    Some(etag)
                ]
            );
            assert_eq!(config["filter"]["maxResults"], MAX_COUNT);
            assert_eq!(
                config["authenticationSchemes"][0]["type"],
                "oauthbearertoken"
            );
            assert_eq!(
                config["authenticationSchemes"][0]["name"],
                "OAuth Bearer Token"
            );
            assert_eq!(config["meta"]["resourceType"], "ServiceProviderConfig");
            assert_eq!(config["meta"]["location"], "/ServiceProviderConfig");
            assert_eq!(config["schemas"][0], SERVICE_PROVIDER_CONFIG_SCHEMA);
        }
    }

    #[test]
    fn lists_hold_the_one_resource_type_and_schema() {
        let types = resource_types();
        assert_eq!(types["totalResults"], 1);
        assert_eq!(types["Resources"][0], resource_type());
        assert_eq!(resource_type()["endpoint"], "/Users");
        assert_eq!(resource_type()["schema"], USER_SCHEMA);
        assert!(resource_type().get("schemaExtensions").is_none());
        for kind in [
            VendorKind::Liveperson,
            VendorKind::Trintech,
            VendorKind::Commpeak,
        ] {
            let listed = schemas(scim(kind));
            assert_eq!(listed["schemas"][0], LIST_RESPONSE_SCHEMA);
            assert_eq!(listed["Resources"][0], schema(scim(kind)));
            assert_eq!(schema(scim(kind))["id"], USER_SCHEMA);
        }
    }

    /// Each vendor's schema, by the attributes and characteristics an IdP acts on.
    #[test]
    fn each_schema_is_what_its_vendor_maps() {
        let cases: &[(VendorKind, &[&str], &[&str], &str)] = &[
            (
                VendorKind::Liveperson,
                &[
                    "userName",
                    "name",
                    "displayName",
                    "emails",
                    "active",
                    "password",
                ],
                &["formatted"],
                "readWrite",
            ),
            (
                VendorKind::Commpeak,
                &["userName", "name", "emails", "active", "password"],
                &["givenName", "familyName"],
                "readWrite",
            ),
            (
                VendorKind::Trintech,
                &[
                    "userName",
                    "name",
                    "emails",
                    "phoneNumbers",
                    "active",
                    "password",
                ],
                &["givenName", "familyName", "formatted"],
                "immutable",
            ),
        ];
        for (kind, attributes, name_parts, user_name_mutability) in cases {
            let schema = schema(scim(*kind));
            let published = schema["attributes"].as_array().unwrap();
            let named = |name: &str| published.iter().find(|a| a["name"] == name).unwrap();
            let names: Vec<&str> = published
                .iter()
                .filter_map(|a| a["name"].as_str())
                .collect();
            assert_eq!(&names, attributes, "{kind:?}");
            let parts: Vec<&str> = named("name")["subAttributes"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|a| a["name"].as_str())
                .collect();
            assert_eq!(&parts, name_parts, "{kind:?}");
            let user_name = named("userName");
            assert_eq!(user_name["required"], true);
            assert_eq!(user_name["uniqueness"], "server");
            assert_eq!(user_name["mutability"], *user_name_mutability, "{kind:?}");
            let emails = named("emails");
            assert_eq!(emails["multiValued"], true);
            assert_eq!(
                emails["required"], true,
                "{kind:?}: the vendor requires an email"
            );
            assert_eq!(emails["subAttributes"].as_array().unwrap().len(), 3);
            assert_eq!(named("active")["required"], false);
            assert_eq!(named("password")["returned"], "never");
            assert_eq!(named("password")["mutability"], "writeOnly");
            for attribute in published {
                for characteristic in [
                    "type",
                    "multiValued",
                    "required",
                    "caseExact",
                    "mutability",
                    "returned",
                    "uniqueness",
                ] {
                    assert!(
                        attribute.get(characteristic).is_some(),
                        "{kind:?} {}: {characteristic}",
                        attribute["name"]
                    );
                }
            }
        }
    }
}
