//! Where LivePerson's Users API lives and what its requests carry, spelled once for the
//! proxy (which builds upstream URLs), the sandbox (which routes them) and the browser.

pub use crate::operation::names::{
    CREATE_USERS, DELETE_USER, DELETE_USERS, GET_AGENT_GROUP, GET_PROFILE, GET_SKILL, GET_USER,
    LIST_AGENT_GROUPS, LIST_PROFILES, LIST_SKILLS, LIST_USERS, RESET_PASSWORD, UPDATE_USER,
    UPDATE_USERS,
};
use crate::operation::{
    Body, HeaderSpec, HttpMethod, OperationSpec, PathParams, QueryParam, Reply, Write, named,
};

/// Query parameter carrying the API version; LivePerson requires it on every call.
pub const VERSION_PARAM: &str = "v";
/// The version sent when the caller gives none (the seed pages document 4.0).
pub const DEFAULT_VERSION: &str = "4.0";
/// Query parameter narrowing the returned fields (YOGA "gdata" dialect, see [`super::select`]).
pub const SELECT_PARAM: &str = "select";
/// Query parameter that includes soft-deleted users in a list.
pub const INCLUDE_DELETED_PARAM: &str = "include_deleted";

/// Response header with the account-wide revision of the users collection (and of the
/// skills collection).
pub const REVISION_HEADER: &str = "ac-revision";
/// The Agent Groups API's revision header, `eTag` (read like `ac-revision`: send it back in
/// `If-Match`).
pub const AGENT_GROUPS_REVISION_HEADER: &str = "etag";
/// The Profiles API's revision header and request header, `X-LP-Last-Modified` (a timestamp of
/// the last change).
pub const PROFILES_LAST_MODIFIED_HEADER: &str = "x-lp-last-modified";
/// `If-Match` value that skips the revision check.
pub const SKIP_REVISION_CHECK: &str = "-1";

/// The users collection path for an account, relative to the vendor's domain.
pub fn users_path(account_id: &str) -> String {
    named(OPERATIONS, LIST_USERS).upstream_path(account_id, &PathParams::default())
}

const VERSION: QueryParam = QueryParam {
    name: VERSION_PARAM,
    required: true,
    default: Some(DEFAULT_VERSION),
};
const SELECT: QueryParam = QueryParam {
    name: SELECT_PARAM,
    required: false,
    default: None,
};
const INCLUDE_DELETED: QueryParam = QueryParam {
    name: INCLUDE_DELETED_PARAM,
    required: false,
    default: None,
};
/// Optional for the vendor; the console always sends it on writes (decisions: revisions).
const IF_MATCH: HeaderSpec = HeaderSpec {
    name: "if-match",
    required: false,
};
/// The Profiles API's conditional-read header (its appendix lists it as a request header).
const LAST_MODIFIED: HeaderSpec = HeaderSpec {
    name: PROFILES_LAST_MODIFIED_HEADER,
    required: false,
};
const COLLECTION: &str = "/api/account/{accountId}/configuration/le-users/users";
const ONE: &str = "/api/account/{accountId}/configuration/le-users/users/{id}";
const SKILLS: &str = "/api/account/{accountId}/configuration/le-users/skills";
const SKILL: &str = "/api/account/{accountId}/configuration/le-users/skills/{id}";
const AGENT_GROUPS: &str = "/api/account/{accountId}/configuration/le-users/agentGroups";
const AGENT_GROUP: &str = "/api/account/{accountId}/configuration/le-users/agentGroups/{id}";
const PROFILES: &str = "/api/account/{accountId}/configuration/le-users/profiles";
const PROFILE: &str = "/api/account/{accountId}/configuration/le-users/profiles/{id}";

/// The Users API methods (`users-apis.md` §1.4, current tree). The legacy change-password and
/// query-delta methods are left out: the first is for a user changing their own password, the
/// second lives outside the account path.
///
/// Then the reads of the Skills, Agent Groups and Profiles APIs (Contact Center Management),
/// GETs only: the console shows the names of what users refer to by id, and never changes the
/// account's configuration. They take the same `v` as the users (the proxy sends the
/// connection's configured version, 4.0 by default, the one all three document as current),
/// an optional `select` (send one: a skills list without it answers only `id,deleted,name`)
/// and, on lists, `include_deleted`.
pub const OPERATIONS: &[OperationSpec] = &[
    OperationSpec {
        name: LIST_USERS,
        summary: "Get all users",
        method: HttpMethod::Get,
        path: "/users",
        upstream_path: COLLECTION,
        headers: &[IF_MATCH],
        query: &[VERSION, SELECT, INCLUDE_DELETED],
        body: Body::None,
        success: 200,
        reply: Reply::Users,
        response_headers: &[REVISION_HEADER],
        optional: false,
    },
    OperationSpec {
        name: GET_USER,
        summary: "Get user by id",
        method: HttpMethod::Get,
        path: "/users/{id}",
        upstream_path: ONE,
        headers: &[IF_MATCH],
        query: &[VERSION, SELECT],
        body: Body::None,
        success: 200,
        reply: Reply::User,
        response_headers: &[REVISION_HEADER],
        optional: false,
    },
    OperationSpec {
        name: CREATE_USERS,
        summary: "Create users",
        method: HttpMethod::Post,
        path: "/users",
        upstream_path: COLLECTION,
        headers: &[IF_MATCH],
        query: &[VERSION],
        body: Body::Users(Write::Create),
        success: 201,
        reply: Reply::Users,
        response_headers: &[REVISION_HEADER, "location"],
        optional: false,
    },
    OperationSpec {
        name: UPDATE_USERS,
        summary: "Update users",
        method: HttpMethod::Put,
        path: "/users",
        upstream_path: COLLECTION,
        headers: &[IF_MATCH],
        query: &[VERSION],
        body: Body::Users(Write::Update),
        success: 200,
        reply: Reply::Users,
        response_headers: &[REVISION_HEADER],
        optional: false,
    },
    OperationSpec {
        name: UPDATE_USER,
        summary: "Update user",
        method: HttpMethod::Put,
        path: "/users/{id}",
        upstream_path: ONE,
        headers: &[IF_MATCH],
        query: &[VERSION],
        body: Body::User(Write::Update),
        success: 200,
        reply: Reply::User,
        response_headers: &[REVISION_HEADER],
        optional: false,
    },
    OperationSpec {
        name: DELETE_USER,
        summary: "Delete user",
        method: HttpMethod::Delete,
        path: "/users/{id}",
        upstream_path: ONE,
        headers: &[IF_MATCH],
        query: &[VERSION],
        body: Body::None,
        success: 200,
        reply: Reply::Opaque,
        response_headers: &[REVISION_HEADER],
        optional: false,
    },
    OperationSpec {
        name: DELETE_USERS,
        summary: "Delete users",
        method: HttpMethod::Delete,
        path: "/users",
        upstream_path: COLLECTION,
        headers: &[IF_MATCH],
        query: &[VERSION],
        body: Body::UserIds,
        success: 200,
        reply: Reply::Opaque,
        response_headers: &[REVISION_HEADER],
        optional: false,
    },
    OperationSpec {
        name: RESET_PASSWORD,
        summary: "Reset user's password",
        method: HttpMethod::Put,
        path: "/users/{id}/resetPassword",
        upstream_path: "/api/account/{accountId}/configuration/le-users/users/{id}/resetPassword",
        headers: &[],
        query: &[VERSION],
        body: Body::NewPassword,
        success: 200,
        reply: Reply::Opaque,
        response_headers: &[REVISION_HEADER],
        optional: false,
    },
    OperationSpec {
        name: LIST_SKILLS,
        summary: "Get all skills",
        method: HttpMethod::Get,
        path: "/skills",
        upstream_path: SKILLS,
        headers: &[IF_MATCH],
        query: &[VERSION, SELECT, INCLUDE_DELETED],
        body: Body::None,
        success: 200,
        reply: Reply::Skills,
        response_headers: &[REVISION_HEADER],
        optional: false,
    },
    OperationSpec {
        name: GET_SKILL,
        summary: "Get skill by id",
        method: HttpMethod::Get,
        path: "/skills/{id}",
        upstream_path: SKILL,
        headers: &[IF_MATCH],
        query: &[VERSION, SELECT],
        body: Body::None,
        success: 200,
        reply: Reply::Skill,
        response_headers: &[REVISION_HEADER],
        optional: false,
    },
    OperationSpec {
        name: LIST_AGENT_GROUPS,
        summary: "Get all agent groups",
        method: HttpMethod::Get,
        path: "/agentGroups",
        upstream_path: AGENT_GROUPS,
        headers: &[IF_MATCH],
        query: &[VERSION, SELECT, INCLUDE_DELETED],
        body: Body::None,
        success: 200,
        reply: Reply::AgentGroups,
        response_headers: &[AGENT_GROUPS_REVISION_HEADER],
        optional: false,
    },
    OperationSpec {
        name: GET_AGENT_GROUP,
        summary: "Get agent group by id",
        method: HttpMethod::Get,
        path: "/agentGroups/{id}",
        upstream_path: AGENT_GROUP,
        headers: &[IF_MATCH],
        query: &[VERSION, SELECT],
        body: Body::None,
        success: 200,
        reply: Reply::AgentGroup,
        response_headers: &[AGENT_GROUPS_REVISION_HEADER],
        optional: false,
    },
    OperationSpec {
        name: LIST_PROFILES,
        summary: "Get all profiles",
        method: HttpMethod::Get,
        path: "/profiles",
        upstream_path: PROFILES,
        headers: &[LAST_MODIFIED],
        query: &[VERSION, SELECT, INCLUDE_DELETED],
        body: Body::None,
        success: 200,
        reply: Reply::Profiles,
        response_headers: &[PROFILES_LAST_MODIFIED_HEADER],
        optional: false,
    },
    OperationSpec {
        name: GET_PROFILE,
        summary: "Get profile by id",
        method: HttpMethod::Get,
        path: "/profiles/{id}",
        upstream_path: PROFILE,
        headers: &[LAST_MODIFIED],
        query: &[VERSION, SELECT],
        body: Body::None,
        success: 200,
        reply: Reply::Profile,
        response_headers: &[PROFILES_LAST_MODIFIED_HEADER],
        optional: false,
    },
];

/// The catalog reads, list and get-one of each.
pub const CATALOG_READS: [&str; 6] = [
    LIST_SKILLS,
    GET_SKILL,
    LIST_AGENT_GROUPS,
    GET_AGENT_GROUP,
    LIST_PROFILES,
    GET_PROFILE,
];

/// The domain API (CSDS) that tells each account's service domains (`users-apis.md` §1.3).
pub const CSDS_VERSION: &str = "1.0";
/// CSDS route of one service's domain, as an axum route pattern.
pub const CSDS_SERVICE_ROUTE: &str = "/api/account/{account_id}/service/{service}/baseURI.json";
/// CSDS route of every service's domain.
pub const CSDS_ALL_ROUTE: &str = "/api/account/{account_id}/service/baseURI.json";
/// The Users API's read-only service name (case sensitive).
pub const SERVICE_READ_ONLY: &str = "accountConfigReadOnly";
/// The Users API's read/write service name; the console writes, so it resolves this one.
pub const SERVICE_READ_WRITE: &str = "accountConfigReadWrite";
/// The OAuth 2.0 token service.
pub const SERVICE_SENTINEL: &str = "sentinel";
/// The login service (user login, Bearer).
pub const SERVICE_AGENT_VEP: &str = "agentVep";

/// CSDS path of one service's domain.
pub fn csds_path(account_id: &str, service: &str) -> String {
    CSDS_SERVICE_ROUTE
        .replace("{account_id}", account_id)
        .replace("{service}", service)
}

/// Sentinel's OAuth 2.0 client-credentials token route (V2, which the Users API requires).
pub const SENTINEL_TOKEN_ROUTE: &str = "/sentinel/api/v2/account/{account_id}/app/token";

/// Sentinel's token path for an account.
pub fn sentinel_token_path(account_id: &str) -> String {
    SENTINEL_TOKEN_ROUTE.replace("{account_id}", account_id)
}

/// Is `account_id` a plausible LivePerson site id (digits and letters only)? The account is
/// spliced into an upstream path, so nothing else may pass.
pub fn is_valid_account_id(account_id: &str) -> bool {
    !account_id.is_empty()
        && account_id.len() <= 32
        && account_id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The fields the console's user list asks for; the rest of a record is fetched when edited.
pub const LIST_SELECT: &str =
    "id,loginName,fullName,nickname,email,isEnabled,maxChats,profileIds,isApiUser";

/// What the console asks of the skills list to name skills (the vendor's default, spelled out).
pub const SKILLS_SELECT: &str = "id,deleted,name";
/// What the console asks of the agent groups list: names and the tree.
pub const AGENT_GROUPS_SELECT: &str = "id,deleted,name,parentGroupId,isEnabled";
/// What the console asks of the profiles list: names and roles.
pub const PROFILES_SELECT: &str = "id,deleted,name,roleTypeId,roleTypeName";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_path() {
        assert_eq!(
            super::users_path("12345678"),
            "/api/account/12345678/configuration/le-users/users"
        );
    }

    #[test]
    fn catalog_reads_are_gets_under_the_account() {
        for name in CATALOG_READS {
            let op = named(OPERATIONS, name);
            assert_eq!(op.method, HttpMethod::Get, "{name}");
            assert_eq!(op.body, Body::None, "{name}");
            assert!(
                op.upstream_path
                    .starts_with("/api/account/{accountId}/configuration/le-users/"),
                "{name}"
            );
            assert!(
                op.query
                    .iter()
                    .any(|q| q.name == VERSION_PARAM && q.required),
                "{name}: v is required"
            );
            assert!(op.query.iter().any(|q| q.name == SELECT_PARAM), "{name}");
            assert_eq!(
                op.query.iter().any(|q| q.name == INCLUDE_DELETED_PARAM),
                !op.path.contains("{id}"),
                "{name}: include_deleted on lists only"
            );
        }
        // Nothing but GET on their paths: a write is refused before it reaches the vendor.
        for path in [
            "/skills",
            "/skills/7",
            "/agentGroups",
            "/agentGroups/-1",
            "/profiles",
        ] {
            for method in ["POST", "PUT", "DELETE"] {
                assert!(
                    matches!(
                        crate::operation::find(OPERATIONS, method, path),
                        Err(crate::operation::RouteError::MethodNotAllowed { .. })
                    ),
                    "{method} {path}"
                );
            }
        }
        let (op, params) = crate::operation::find(OPERATIONS, "GET", "/agentGroups/-1").unwrap();
        assert_eq!(
            op.upstream_path("12345678", &params),
            "/api/account/12345678/configuration/le-users/agentGroups/-1",
            "the Main Group's id, -1, is a path id"
        );
    }

    #[test]
    fn account_ids() {
        for (id, ok) in [
            ("12345678", true),
            ("le1", true),
            ("", false),
            ("1/2", false),
            ("..", false),
        ] {
            assert_eq!(is_valid_account_id(id), ok, "{id:?}");
        }
    }
}
