//! SCIM list queries (RFC 7644 §3.4.2, §3.4.3): the `filter`, `startIndex`, `count`,
//! `attributes` and `excludedAttributes` of a `GET /Users` query string or a `POST /.search`
//! body, the projection of a resource to the attributes asked for (RFC 7643 §7 `returned`), and
//! the paged `ListResponse`.

use std::ops::Range;

use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use super::filter::{self, AttributePath, Filter};
use super::{LIST_RESPONSE_SCHEMA, Resource, SEARCH_REQUEST_SCHEMA, ScimError, ScimType, key_of};

/// Most resources one page holds; a larger `count` is clamped to it (RFC 7644 §3.4.2.4).
pub const MAX_COUNT: usize = 1000;

/// Attributes always returned, whatever `attributes` or `excludedAttributes` say.
const ALWAYS_RETURNED: &[&str] = &["id", "schemas", "meta"];

/// A list request's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    /// 1-based; below 1 is read as 1.
    pub start_index: usize,
    /// `None`: as many as a page holds ([`MAX_COUNT`]).
    pub count: Option<usize>,
    pub attributes: Vec<String>,
    pub excluded_attributes: Vec<String>,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            filter: None,
            start_index: 1,
            count: None,
            attributes: Vec::new(),
            excluded_attributes: Vec::new(),
        }
    }
}

fn invalid_value(detail: String) -> ScimError {
    ScimError::bad(ScimType::InvalidValue, detail)
}

/// The query string's parameters, decoded (`+` as a space, then percent-decoding), names as
/// sent.
fn parameters(query: Option<&str>) -> Result<Vec<(String, String)>, ScimError> {
    let decode = |text: &str| -> Result<String, ScimError> {
        let spaced = text.replace('+', " ");
        percent_decode_str(&spaced)
            .decode_utf8()
            .map(|decoded| decoded.into_owned())
            .map_err(|_| {
                let shown: String = text.chars().take(40).collect();
                invalid_value(format!("`{shown}` is not UTF-8 once percent-decoded"))
            })
    };
    query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

/// An integer parameter; out-of-range values saturate (a huge `startIndex` is past the end,
/// a huge `count` is clamped anyway).
fn integer(name: &str, text: &str) -> Result<i64, ScimError> {
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        let shown: String = text.chars().take(40).collect();
        return Err(invalid_value(format!(
            "`{name}` must be an integer, not `{shown}`"
        )));
    }
    let magnitude = digits.bytes().fold(0i64, |total, digit| {
        total
            .saturating_mul(10)
            .saturating_add(i64::from(digit - b'0'))
    });
    Ok(if negative { -magnitude } else { magnitude })
}

fn start_index_from(value: i64) -> usize {
    usize::try_from(value.max(1)).unwrap_or(usize::MAX)
}

fn count_from(value: i64) -> usize {
    usize::try_from(value.max(0))
        .unwrap_or(usize::MAX)
        .min(MAX_COUNT)
}

/// A comma-separated attribute list, blanks dropped.
fn attribute_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ListQuery {
    /// From a `GET /Users` query string (without the `?`). Parameter names are
    /// case-insensitive; unknown ones and `sortBy`/`sortOrder` (sorting is not supported) are
    /// ignored.
    pub fn from_query(query: Option<&str>) -> Result<Self, ScimError> {
        let mut list = Self::default();
        for (name, value) in parameters(query)? {
            if name.eq_ignore_ascii_case("filter") {
                list.filter = Some(filter::parse(&value)?);
            } else if name.eq_ignore_ascii_case("startIndex") {
                list.start_index = start_index_from(integer("startIndex", &value)?);
            } else if name.eq_ignore_ascii_case("count") {
                list.count = Some(count_from(integer("count", &value)?));
            } else if name.eq_ignore_ascii_case("attributes") {
                list.attributes = attribute_list(&value);
            } else if name.eq_ignore_ascii_case("excludedAttributes") {
                list.excluded_attributes = attribute_list(&value);
            }
        }
        Ok(list)
    }

    /// From a `POST /Users/.search` body (RFC 7644 §3.4.3).
    pub fn from_search(body: &[u8]) -> Result<Self, ScimError> {
        let request: Value = serde_json::from_slice(body).map_err(|error| {
            ScimError::bad(
                ScimType::InvalidSyntax,
                format!("the body is not JSON: {error}"),
            )
        })?;
        let Some(request) = request.as_object() else {
            return Err(ScimError::bad(
                ScimType::InvalidSyntax,
                "a SearchRequest is a JSON object",
            ));
        };
        let member = |name: &str| super::attribute(request, name).filter(|value| !value.is_null());
        let names_search = member("schemas")
            .and_then(Value::as_array)
            .is_some_and(|schemas| {
                schemas.iter().any(|schema| {
                    schema
                        .as_str()
                        .is_some_and(|schema| schema.eq_ignore_ascii_case(SEARCH_REQUEST_SCHEMA))
                })
            });
        if !names_search {
            return Err(ScimError::bad(
                ScimType::InvalidSyntax,
                format!("`schemas` must contain \"{SEARCH_REQUEST_SCHEMA}\""),
            ));
        }
        let mut list = Self::default();
        if let Some(filter) = member("filter") {
            let Some(filter) = filter.as_str() else {
                return Err(invalid_value("`filter` must be a string".to_owned()));
            };
            list.filter = Some(filter::parse(filter)?);
        }
        let number = |name: &str, value: &Value| -> Result<i64, ScimError> {
            match value {
                Value::Number(number) => number
                    .as_i64()
                    .or_else(|| {
                        number
                            .as_f64()
                            .filter(|float| float.fract() == 0.0)
                            .map(|float| float.clamp(i64::MIN as f64, i64::MAX as f64) as i64)
                    })
                    .ok_or_else(|| invalid_value(format!("`{name}` must be an integer"))),
                // A number sent as a string, as a query string would carry it.
                Value::String(text) => integer(name, text),
                _ => Err(invalid_value(format!("`{name}` must be an integer"))),
            }
        };
        if let Some(value) = member("startIndex") {
            list.start_index = start_index_from(number("startIndex", value)?);
        }
        if let Some(value) = member("count") {
            list.count = Some(count_from(number("count", value)?));
        }
        let names = |name: &str| -> Result<Vec<String>, ScimError> {
            match member(name) {
                None => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|item| {
                        item.as_str().map(str::to_owned).ok_or_else(|| {
                            invalid_value(format!("`{name}` must be an array of strings"))
                        })
                    })
                    .collect(),
                // Some clients send the query string's comma-separated form.
                Some(Value::String(text)) => Ok(attribute_list(text)),
                Some(_) => Err(invalid_value(format!(
                    "`{name}` must be an array of strings"
                ))),
            }
        };
        list.attributes = names("attributes")?;
        list.excluded_attributes = names("excludedAttributes")?;
        Ok(list)
    }
}

/// `attributes` and `excludedAttributes` of a query string, for a GET of one resource or the
/// answer to a write (RFC 7644 §3.9).
pub fn projection_from_query(query: Option<&str>) -> Result<(Vec<String>, Vec<String>), ScimError> {
    let mut attributes = Vec::new();
    let mut excluded = Vec::new();
    for (name, value) in parameters(query)? {
        if name.eq_ignore_ascii_case("attributes") {
            attributes = attribute_list(&value);
        } else if name.eq_ignore_ascii_case("excludedAttributes") {
            excluded = attribute_list(&value);
        }
    }
    Ok((attributes, excluded))
}

/// Where a projected name lives: the key of the top-level member (an extension's URN for an
/// extension attribute) and, below it, the attribute or sub-attribute named.
struct Selection {
    top: String,
    below: Option<String>,
}

/// Unparsable names select nothing: projection never fails a request.
fn selections(names: &[String]) -> Vec<Selection> {
    names
        .iter()
        .filter_map(|name| filter::parse_attribute_path(name).ok())
        .map(|path: AttributePath| match path.extension {
            Some(urn) => Selection {
                top: urn,
                below: Some(path.name),
            },
            None => Selection {
                top: path.name,
                below: path.sub_attribute,
            },
        })
        .collect()
}

fn is_always_returned(key: &str) -> bool {
    ALWAYS_RETURNED
        .iter()
        .any(|name| name.eq_ignore_ascii_case(key))
}

/// Keeps only `names` among a complex value's members, or each multi-valued element's.
fn retain_members(value: &mut Value, names: &[&str]) {
    let keep = |members: &mut Resource| {
        members.retain(|key, _| names.iter().any(|name| name.eq_ignore_ascii_case(key)));
    };
    match value {
        Value::Object(members) => keep(members),
        Value::Array(elements) => {
            for element in elements.iter_mut() {
                if let Value::Object(members) = element {
                    keep(members);
                }
            }
        }
        _ => {}
    }
}

/// Removes `name` from a complex value, or from each multi-valued element.
fn remove_member(value: &mut Value, name: &str) {
    let remove_from = |members: &mut Resource| {
        if let Some(key) = key_of(members, name).map(str::to_owned) {
            members.remove(&key);
        }
    };
    match value {
        Value::Object(members) => remove_from(members),
        Value::Array(elements) => {
            for element in elements.iter_mut() {
                if let Value::Object(members) = element {
                    remove_from(members);
                }
            }
        }
        _ => {}
    }
}

/// Projects `resource` as RFC 7643 §7 and RFC 7644 §3.4.2.5 say: `id`, `schemas` and `meta`
/// always; with `attributes`, only those (a sub-attribute path keeps only that
/// sub-attribute); without the `excluded` ones. `password` is never returned.
pub fn project(resource: &mut Resource, attributes: &[String], excluded: &[String]) {
    resource.retain(|key, _| !key.eq_ignore_ascii_case("password"));
    if !attributes.is_empty() {
        let wanted = selections(attributes);
        resource.retain(|key, value| {
            if is_always_returned(key) {
                return true;
            }
            let chosen: Vec<&Selection> = wanted
                .iter()
                .filter(|selection| selection.top.eq_ignore_ascii_case(key))
                .collect();
            if chosen.is_empty() {
                return false;
            }
            // A whole attribute asked for wins over its sub-attributes.
            if chosen.iter().any(|selection| selection.below.is_none()) {
                return true;
            }
            let names: Vec<&str> = chosen
                .iter()
                .filter_map(|selection| selection.below.as_deref())
                .collect();
            retain_members(value, &names);
            true
        });
    }
    for selection in selections(excluded) {
        let Some(key) = key_of(resource, &selection.top).map(str::to_owned) else {
            continue;
        };
        if is_always_returned(&key) {
            continue;
        }
        match &selection.below {
            None => {
                resource.remove(&key);
            }
            Some(below) => {
                if let Some(value) = resource.get_mut(&key) {
                    remove_member(value, below);
                }
            }
        }
    }
}

/// The page `[start, end)` of `total` results that `startIndex` (1-based) and `count` ask
/// for: `count` `None` is a full page, `0` an empty one (RFC 7644 §3.4.2.4).
pub fn page_bounds(total: usize, start_index: usize, count: Option<usize>) -> Range<usize> {
    let start = start_index.max(1).saturating_sub(1).min(total);
    let length = count.unwrap_or(MAX_COUNT).min(MAX_COUNT);
    start..start.saturating_add(length).min(total)
}

/// A `ListResponse` (RFC 7644 §3.4.2): `totalResults` counts every match, `itemsPerPage`
/// this page.
pub fn list_response(total: usize, start_index: usize, page: Vec<Resource>) -> Value {
    let items = page.len();
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": items,
        "Resources": page.into_iter().map(Value::Object).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::ENTERPRISE_USER_SCHEMA;

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn query_strings_are_read_as_okta_and_entra_send_them() {
        // Okta's import and Entra's match-before-create.
        let okta = ListQuery::from_query(Some(
            "filter=userName+eq+%22bjensen%40example.com%22&startIndex=1&count=100",
        ))
        .unwrap();
        assert_eq!(
            okta.filter.as_ref().and_then(Filter::user_name_equals),
            Some("bjensen@example.com")
        );
        assert_eq!((okta.start_index, okta.count), (1, Some(100)));
        let entra = ListQuery::from_query(Some("filter=userName%20eq%20%22a%2Bb%40contoso.com%22"))
            .unwrap();
        assert_eq!(
            entra.filter.as_ref().and_then(Filter::user_name_equals),
            Some("a+b@contoso.com"),
            "%2B stays a plus, only a bare + is a space"
        );
        assert_eq!((entra.start_index, entra.count), (1, None));

        let cases: &[(&str, usize, Option<usize>)] = &[
            ("", 1, None),
            ("startIndex=0", 1, None),
            ("startIndex=-5", 1, None),
            ("STARTINDEX=7&COUNT=3", 7, Some(3)),
            ("count=-1", 1, Some(0)),
            ("count=0", 1, Some(0)),
            ("count=1001", 1, Some(MAX_COUNT)),
            ("count=99999999999999999999999", 1, Some(MAX_COUNT)),
            (
                "sortBy=userName&sortOrder=descending&unknown=1&count=5",
                1,
                Some(5),
            ),
            ("count=5&count=6", 1, Some(6)),
        ];
        let huge = ListQuery::from_query(Some("startIndex=99999999999999999999999")).unwrap();
        assert!(
            huge.start_index >= u32::MAX as usize,
            "saturates past any total"
        );
        for (query, start_index, count) in cases {
            let list = ListQuery::from_query(Some(query)).unwrap();
            assert_eq!(
                (list.start_index, list.count),
                (*start_index, *count),
                "{query}"
            );
        }
        let list = ListQuery::from_query(Some(
            "attributes=userName,%20name.givenName&excludedAttributes=emails",
        ))
        .unwrap();
        assert_eq!(list.attributes, strings(&["userName", "name.givenName"]));
        assert_eq!(list.excluded_attributes, strings(&["emails"]));
    }

    #[test]
    fn bad_query_strings_name_the_parameter() {
        let cases: &[(&str, ScimType, &str)] = &[
            ("count=ten", ScimType::InvalidValue, "`count`"),
            ("startIndex=1.5", ScimType::InvalidValue, "`startIndex`"),
            ("count=", ScimType::InvalidValue, "`count`"),
            ("filter=userName+eq", ScimType::InvalidFilter, "a value"),
            ("filter=%FF", ScimType::InvalidValue, "UTF-8"),
        ];
        for (query, scim_type, mention) in cases {
            let error = ListQuery::from_query(Some(query)).expect_err(query);
            assert_eq!(error.scim_type, Some(*scim_type), "{query}");
            assert!(error.detail.contains(mention), "{query}: {}", error.detail);
        }
    }

    #[test]
    fn search_bodies_are_read() {
        let body = serde_json::to_vec(&json!({
            "schemas": [SEARCH_REQUEST_SCHEMA],
            "filter": "emails[type eq \"work\"]",
            "startIndex": 11,
            "count": 5000,
            "attributes": ["userName", "emails"],
            "excludedAttributes": ["name"]
        }))
        .unwrap();
        let list = ListQuery::from_search(&body).unwrap();
        assert!(list.filter.is_some());
        assert_eq!((list.start_index, list.count), (11, Some(MAX_COUNT)));
        assert_eq!(list.attributes, strings(&["userName", "emails"]));
        assert_eq!(list.excluded_attributes, strings(&["name"]));

        let minimal = ListQuery::from_search(
            br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}"#,
        )
        .unwrap();
        assert_eq!(minimal, ListQuery::default());

        let cases: &[(&[u8], ScimType)] = &[
            (b"{not json", ScimType::InvalidSyntax),
            (b"[]", ScimType::InvalidSyntax),
            (br#"{"filter": "userName pr"}"#, ScimType::InvalidSyntax),
            (br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":3}"#, ScimType::InvalidValue),
            (br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName zz 1"}"#, ScimType::InvalidFilter),
            (br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"count":"x"}"#, ScimType::InvalidValue),
            (br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"startIndex":1.5}"#, ScimType::InvalidValue),
            (br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"attributes":[1]}"#, ScimType::InvalidValue),
        ];
        for (body, scim_type) in cases {
            let error = ListQuery::from_search(body).expect_err(&String::from_utf8_lossy(body));
            assert_eq!(
                error.scim_type,
                Some(*scim_type),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    fn user() -> Resource {
        json!({
            "schemas": [crate::scim::USER_SCHEMA],
            "id": "u-1",
            "meta": {"resourceType": "User"},
            "userName": "b@x.org",
            "password": "hunter2",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "b@x.org", "type": "work", "primary": true}],
            "active": true,
            ENTERPRISE_USER_SCHEMA: {"department": "Sales", "costCenter": "4130"}
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn projection_keeps_what_is_asked_and_always_id_schemas_meta() {
        let cases: &[(&[&str], &[&str], Value)] = &[
            (&[], &[], {
                let mut all = user();
                all.remove("password");
                Value::Object(all)
            }),
            (
                &["userName"],
                &[],
                json!({"schemas": [crate::scim::USER_SCHEMA], "id": "u-1", "meta": {"resourceType": "User"}, "userName": "b@x.org"}),
            ),
            (
                &["USERNAME", "name.givenName"],
                &[],
                json!({"schemas": [crate::scim::USER_SCHEMA], "id": "u-1", "meta": {"resourceType": "User"}, "userName": "b@x.org", "name": {"givenName": "Barbara"}}),
            ),
            (
                &["name.givenName", "name"],
                &[],
                json!({"schemas": [crate::scim::USER_SCHEMA], "id": "u-1", "meta": {"resourceType": "User"}, "name": {"givenName": "Barbara", "familyName": "Jensen"}}),
            ),
            (
                &["emails.value", "password"],
                &[],
                json!({"schemas": [crate::scim::USER_SCHEMA], "id": "u-1", "meta": {"resourceType": "User"}, "emails": [{"value": "b@x.org"}]}),
            ),
            (
                &["urn:ietf:params:scim:schemas:core:2.0:User:active"],
                &[],
                json!({"schemas": [crate::scim::USER_SCHEMA], "id": "u-1", "meta": {"resourceType": "User"}, "active": true}),
            ),
            (
                &["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"],
                &[],
                json!({"schemas": [crate::scim::USER_SCHEMA], "id": "u-1", "meta": {"resourceType": "User"}, ENTERPRISE_USER_SCHEMA: {"department": "Sales"}}),
            ),
            (
                &["id", "not a name!"],
                &[],
                json!({"schemas": [crate::scim::USER_SCHEMA], "id": "u-1", "meta": {"resourceType": "User"}}),
            ),
            (
                &[],
                &[
                    "emails",
                    "NAME.familyName",
                    "id",
                    "meta",
                    "schemas",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                ],
                json!({"schemas": [crate::scim::USER_SCHEMA], "id": "u-1", "meta": {"resourceType": "User"}, "userName": "b@x.org", "name": {"givenName": "Barbara"}, "active": true}),
            ),
            (
                &["userName", "emails"],
                &["emails"],
                json!({"schemas": [crate::scim::USER_SCHEMA], "id": "u-1", "meta": {"resourceType": "User"}, "userName": "b@x.org"}),
            ),
        ];
        for (attributes, excluded, expected) in cases {
            let mut resource = user();
            project(&mut resource, &strings(attributes), &strings(excluded));
            assert_eq!(
                &Value::Object(resource),
                expected,
                "{attributes:?} {excluded:?}"
            );
        }
    }

    #[test]
    fn projection_from_query_reads_both_lists() {
        let (attributes, excluded) = projection_from_query(Some(
            "Attributes=userName&excludedattributes=name,emails&x=1",
        ))
        .unwrap();
        assert_eq!(attributes, strings(&["userName"]));
        assert_eq!(excluded, strings(&["name", "emails"]));
        assert_eq!(
            projection_from_query(None).unwrap(),
            (Vec::new(), Vec::new())
        );
    }

    #[test]
    fn pages_are_bounded() {
        let cases: &[(usize, usize, Option<usize>, Range<usize>)] = &[
            (10, 1, None, 0..10),
            (10, 0, None, 0..10),
            (10, 3, Some(4), 2..6),
            (10, 9, Some(5), 8..10),
            (10, 11, Some(5), 10..10),
            (10, usize::MAX, Some(5), 10..10),
            (10, 1, Some(0), 0..0),
            (5000, 1, None, 0..MAX_COUNT),
            (5000, 4500, Some(usize::MAX), 4499..5000),
            (0, 1, None, 0..0),
        ];
        for (total, start_index, count, expected) in cases {
            assert_eq!(
                page_bounds(*total, *start_index, *count),
                *expected,
                "{total} {start_index} {count:?}"
            );
        }
    }

    #[test]
    fn list_responses_count_the_page_and_the_total() {
        let page = vec![user()];
        let response = list_response(42, 3, page);
        assert_eq!(response["schemas"], json!([LIST_RESPONSE_SCHEMA]));
        assert_eq!(response["totalResults"], 42);
        assert_eq!(response["startIndex"], 3);
        assert_eq!(response["itemsPerPage"], 1);
        assert_eq!(response["Resources"][0]["id"], "u-1");
        let empty = list_response(42, 1, Vec::new());
        assert_eq!(empty["itemsPerPage"], 0);
        assert_eq!(empty["Resources"], json!([]));
    }
}
