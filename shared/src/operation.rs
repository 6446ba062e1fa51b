//! Descriptions of the operations of a vendor's Users API, one table per vendor, read by the
//! proxy (to route and forward), the sandbox (to serve) and the browser (to build URLs), so
//! a path, a header or a success status is spelled exactly once.

use serde::Serialize;

/// An HTTP method the vendors' Users APIs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// Reads the method name as HTTP spells it; `None` for a method no vendor operation uses.
    pub fn parse(method: &str) -> Option<Self> {
        Some(match method {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "DELETE" => HttpMethod::Delete,
            _ => return None,
        })
    }
}

/// Whether a written user is new or replaces/changes a stored one: the vendors' rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Write {
    Create,
    Update,
}

/// What a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "write", rename_all = "snake_case")]
pub enum Body {
    None,
    /// A JSON array of the vendor's users (a single object is read as a list of one).
    Users(Write),
    /// One user object.
    User(Write),
    /// A JSON array of user ids (LivePerson's delete-list body: ids as strings).
    UserIds,
    /// LivePerson's `{"newPassword": …}`.
    NewPassword,
}

/// What a successful answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// A JSON array of users.
    Users,
    /// One user object.
    User,
    /// Trintech's `{totalProcessed, successCount, failureCount, successResults, failedResults}`.
    BatchResult,
    /// LivePerson: a JSON array of skills (`liveperson::catalog::Skill`).
    Skills,
    /// LivePerson: one skill.
    Skill,
    /// LivePerson: a JSON array of agent groups (`liveperson::catalog::AgentGroup`).
    AgentGroups,
    /// LivePerson: one agent group.
    AgentGroup,
    /// LivePerson: a JSON array of profiles (`liveperson::catalog::ProfileRecord`).
    Profiles,
    /// LivePerson: one profile.
    Profile,
    /// Not published by the vendor; the console shows it as it comes.
    Opaque,
}

/// A header an operation's request takes from the browser (the credential is never among
/// them: the proxy adds it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HeaderSpec {
    /// Lower-case, as HTTP/2 spells it.
    pub name: &'static str,
    pub required: bool,
}

/// A query parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QueryParam {
    pub name: &'static str,
    pub required: bool,
    /// Sent by the proxy when the browser gives none.
    pub default: Option<&'static str>,
}

/// One operation of a vendor's Users API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationSpec {
    /// Stable identifier, e.g. `list_users`.
    pub name: &'static str,
    /// The vendor's own title for it.
    pub summary: &'static str,
    pub method: HttpMethod,
    /// Relative to the connection; the proxy serves it at `/api/{connection}{path}`. `{id}`
    /// stands for the id of what the path names (a user, a skill, …).
    pub path: &'static str,
    /// Relative to the vendor's base URL. `{accountId}` comes from the connection's
    /// configuration, `{id}` from the path.
    pub upstream_path: &'static str,
    pub headers: &'static [HeaderSpec],
    pub query: &'static [QueryParam],
    pub body: Body,
    /// The status the vendor answers on success.
    pub success: u16,
    pub reply: Reply,
    /// Response headers that carry meaning for the console (revision, location).
    pub response_headers: &'static [&'static str],
    /// Not published by the vendor: served and forwarded only where a connection declares
    /// that its upstream has it (Trintech's list).
    pub optional: bool,
}

/// The values taken from a matched path (only user ids appear in the vendors' paths).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathParams {
    pub id: Option<String>,
}

/// Why no operation answers a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("No such API endpoint: {0}")]
    NotFound(String),
    #[error("{path} does not accept {method}; it accepts {allowed}.")]
    MethodNotAllowed {
        path: String,
        method: String,
        allowed: String,
    },
}

/// Can `segment` stand for a user id in a path? Ids are spliced into upstream URLs, so only
/// letters, digits, `-` and `_` pass.
pub fn is_valid_path_id(segment: &str) -> bool {
    !segment.is_empty()
        && segment.len() <= 64
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl OperationSpec {
    /// Matches a path relative to the connection (`/users/42`), ignoring one trailing slash.
    pub fn match_path(&self, path: &str) -> Option<PathParams> {
        let path = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        let mut template = self.path.split('/');
        let mut actual = path.split('/');
        let mut params = PathParams::default();
        loop {
            match (template.next(), actual.next()) {
                (None, None) => return Some(params),
                (Some("{id}"), Some(segment)) if is_valid_path_id(segment) => {
                    params.id = Some(segment.to_owned());
                }
                (Some(expected), Some(segment)) if expected == segment => {}
                _ => return None,
            }
        }
    }

    /// The upstream path, with the account and the id filled in.
    pub fn upstream_path(&self, account_id: &str, params: &PathParams) -> String {
        fill(self.upstream_path, account_id, params.id.as_deref())
    }

    /// The path relative to the connection, as the browser calls it through the proxy
    /// (`/users/42`), with the user's key filled in percent-encoded (a Trintech key such as
    /// `jane.doe` or one with a space stays one path segment).
    pub fn console_path(&self, key: Option<&str>) -> String {
        let encoded = key.map(encode_key);
        fill(self.path, "", encoded.as_deref())
    }

    /// The same upstream path as an axum/matchit route pattern (for the sandbox).
    pub fn route(&self) -> String {
        self.upstream_path.replace("{accountId}", "{account_id}")
    }

    /// Is this header one the operation takes from the browser?
    pub fn takes_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case(name))
    }
}

/// A user's key as one path segment (of a console URL or an API path): every byte but
/// letters and digits percent-encoded, so a key with dots, spaces or slashes stays one
/// segment and can never climb out of its path.
pub fn encode_key(key: &str) -> String {
    percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A path segment back into a user's key: `None` when it decodes to nothing usable (empty,
/// over 256 characters, not UTF-8, or with control characters).
pub fn decode_key(segment: &str) -> Option<String> {
    let key = percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .ok()?;
    (!key.is_empty() && key.chars().count() <= 256 && !key.chars().any(char::is_control))
        .then(|| key.into_owned())
}

/// Fills an operation's path template: the one function the proxy (upstream paths) and the
/// browser (console paths) build paths with. One pass over the template (the proxy fills one
/// per forwarded request); a placeholder with no value stays as written.
fn fill(template: &str, account_id: &str, id: Option<&str>) -> String {
    let mut path = String::with_capacity(template.len() + account_id.len() + 16);
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        path.push_str(before);
        let Some((name, tail)) = after.split_once('}') else {
            path.push('{');
            rest = after;
            continue;
        };
        match (name, id) {
            ("accountId", _) if !account_id.is_empty() => path.push_str(account_id),
            ("id", Some(id)) => path.push_str(id),
            _ => {
                path.push('{');
                path.push_str(name);
                path.push('}');
            }
        }
        rest = tail;
    }
    path.push_str(rest);
    path
}

/// The operations' names: one set for every vendor (a vendor's table uses those it has), so
/// the console and the proxy ask for an operation, never for a vendor's.
pub mod names {
    pub const LIST_USERS: &str = "list_users";
    pub const GET_USER: &str = "get_user";
    pub const CREATE_USERS: &str = "create_users";
    pub const UPDATE_USERS: &str = "update_users";
    pub const UPDATE_USER: &str = "update_user";
    pub const DELETE_USER: &str = "delete_user";
    pub const DELETE_USERS: &str = "delete_users";
    pub const RESET_PASSWORD: &str = "reset_password";
    pub const LIST_SKILLS: &str = "list_skills";
    pub const GET_SKILL: &str = "get_skill";
    pub const LIST_AGENT_GROUPS: &str = "list_agent_groups";
    pub const GET_AGENT_GROUP: &str = "get_agent_group";
    pub const LIST_PROFILES: &str = "list_profiles";
    pub const GET_PROFILE: &str = "get_profile";
}

/// Finds the operation answering `method` on `path` (relative to the connection). `HEAD` is
/// answered wherever `GET` is (RFC 9110 §9.3.2), by the `GET` operation: the caller sends that
/// and drops the answer's body.
pub fn find<'a>(
    operations: &'a [OperationSpec],
    method: &str,
    path: &str,
) -> Result<(&'a OperationSpec, PathParams), RouteError> {
    let mut allowed = Vec::new();
    let head = method == "HEAD";
    for operation in operations {
        if let Some(params) = operation.match_path(path) {
            if operation.method.as_str() == method || (head && operation.method == HttpMethod::Get)
            {
                return Ok((operation, params));
            }
            allowed.push(operation.method.as_str());
            if operation.method == HttpMethod::Get {
                allowed.push("HEAD");
            }
        }
    }
    if allowed.is_empty() {
        Err(RouteError::NotFound(path.to_owned()))
    } else {
        allowed.dedup();
        Err(RouteError::MethodNotAllowed {
            path: path.to_owned(),
            method: method.to_owned(),
            allowed: allowed.join(", "),
        })
    }
}

/// The operation called `name`; panics when a vendor table lacks it, which is a programming
/// error caught by the tests of every table.
pub fn named(operations: &'static [OperationSpec], name: &str) -> &'static OperationSpec {
    operations
        .iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("no operation named {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPS: &[OperationSpec] = &[
        OperationSpec {
            name: "list",
            summary: "List",
            method: HttpMethod::Get,
            path: "/users",
            upstream_path: "/api/account/{accountId}/users",
            headers: &[],
            query: &[],
            body: Body::None,
            success: 200,
            reply: Reply::Users,
            response_headers: &[],
            optional: false,
        },
        OperationSpec {
            name: "get",
            summary: "Get",
            method: HttpMethod::Get,
            path: "/users/{id}",
            upstream_path: "/api/account/{accountId}/users/{id}",
            headers: &[HeaderSpec {
                name: "if-match",
                required: false,
            }],
            query: &[],
            body: Body::None,
            success: 200,
            reply: Reply::User,
            response_headers: &[],
            optional: false,
        },
        OperationSpec {
            name: "reset",
            summary: "Reset",
            method: HttpMethod::Put,
            path: "/users/{id}/resetPassword",
            upstream_path: "/api/account/{accountId}/users/{id}/resetPassword",
            headers: &[],
            query: &[],
            body: Body::NewPassword,
            success: 200,
            reply: Reply::Opaque,
            response_headers: &[],
            optional: false,
        },
    ];

    #[test]
    fn routing() {
        for (method, path, expected) in [
            ("GET", "/users", Ok(("list", None))),
            ("GET", "/users/", Ok(("list", None))),
            ("GET", "/users/42", Ok(("get", Some("42")))),
            ("PUT", "/users/42/resetPassword", Ok(("reset", Some("42")))),
            ("GET", "/users/4%2F2", Err("No such API endpoint")),
            ("GET", "/users/../x", Err("No such API endpoint")),
            ("GET", "/users/42/x", Err("No such API endpoint")),
            ("GET", "/user", Err("No such API endpoint")),
            ("GET", "", Err("No such API endpoint")),
            ("DELETE", "/users", Err("it accepts GET, HEAD.")),
            ("POST", "/users/7/resetPassword", Err("it accepts PUT.")),
            // HEAD wherever GET is, answered by the GET operation; nowhere else.
            ("HEAD", "/users", Ok(("list", None))),
            ("HEAD", "/users/42", Ok(("get", Some("42")))),
            (
                "HEAD",
                "/users/7/resetPassword",
                Err("does not accept HEAD; it accepts PUT."),
            ),
        ] {
            let outcome = find(OPS, method, path)
                .map(|(op, params)| (op.name, params.id))
                .map_err(|e| e.to_string());
            match (outcome, expected) {
                (Ok((name, id)), Ok((expected_name, expected_id))) => {
                    assert_eq!(
                        (name, id.as_deref()),
                        (expected_name, expected_id),
                        "{method} {path}"
                    );
                }
                (Err(message), Err(fragment)) => {
                    assert!(message.contains(fragment), "{method} {path}: {message}");
                }
                (outcome, expected) => panic!("{method} {path}: {outcome:?} vs {expected:?}"),
            }
        }
    }

    #[test]
    fn upstream_paths() {
        let (op, params) = find(OPS, "GET", "/users/42").unwrap();
        assert_eq!(
            op.upstream_path("123", &params),
            "/api/account/123/users/42"
        );
        assert_eq!(op.route(), "/api/account/{account_id}/users/{id}");
        assert!(op.takes_header("If-Match"));

        let with_id = PathParams {
            id: Some("7".into()),
        };
        for (template, params, expected) in [
            (
                "/api/account/{accountId}/users",
                &PathParams::default(),
                "/api/account/123/users",
            ),
            ("/{accountId}/{id}/{accountId}", &with_id, "/123/7/123"),
            // A placeholder with no value, or none the proxy knows, stays as written.
            ("/users/{id}", &PathParams::default(), "/users/{id}"),
            ("/users/{other}/{id}", &with_id, "/users/{other}/7"),
            ("/users/{id", &with_id, "/users/{id"),
            ("/plain", &with_id, "/plain"),
        ] {
            let op = OperationSpec {
                upstream_path: template,
                ..OPS[0]
            };
            assert_eq!(op.upstream_path("123", params), expected, "{template}");
        }
    }

    #[test]
    fn console_paths_carry_any_key_as_one_segment() {
        let op = OperationSpec {
            path: "/users/{id}/resetPassword",
            ..OPS[0]
        };
        for (key, expected) in [
            (Some("42"), "/users/42/resetPassword"),
            (Some("jane.doe"), "/users/jane%2Edoe/resetPassword"),
            (Some("a b/c"), "/users/a%20b%2Fc/resetPassword"),
            (None, "/users/{id}/resetPassword"),
        ] {
            assert_eq!(op.console_path(key), expected, "{key:?}");
        }
        for key in ["42", "jane.doe", "a b/c", "ünï"] {
            assert_eq!(decode_key(&encode_key(key)).as_deref(), Some(key));
        }
        for refused in ["", "%FF", "a%0Ab", &"x".repeat(257)] {
            assert_eq!(decode_key(refused), None, "{refused}");
        }
    }
}
