//! CommPeak's user operations (`users-apis.md` §3.3). Collection paths keep the vendor's
//! trailing slash; the list is not published but shares the collection path (`[I]`).

pub use crate::operation::names::{CREATE_USERS, GET_USER, LIST_USERS, UPDATE_USER};
use crate::operation::{Body, HttpMethod, OperationSpec, Reply, Write};

pub const OPERATIONS: &[OperationSpec] = &[
    OperationSpec {
        name: LIST_USERS,
        summary: "List users",
        method: HttpMethod::Get,
        path: "/users",
        upstream_path: "/api/users/",
        headers: &[],
        query: &[],
        body: Body::None,
        success: 200,
        reply: Reply::Users,
        response_headers: &[],
        optional: false,
    },
    OperationSpec {
        name: GET_USER,
        summary: "Get user",
        method: HttpMethod::Get,
        path: "/users/{id}",
        upstream_path: "/api/users/{id}",
        headers: &[],
        query: &[],
        body: Body::None,
        success: 200,
        // "The response will contain an array of user objects", even for one id (§3.3).
        reply: Reply::Users,
        response_headers: &[],
        optional: false,
    },
    OperationSpec {
        name: CREATE_USERS,
        summary: "Add User",
        method: HttpMethod::Post,
        path: "/users",
        upstream_path: "/api/users/",
        headers: &[],
        query: &[],
        body: Body::Users(Write::Create),
        // Not published; this product's assumption, which the sandbox follows.
        success: 201,
        reply: Reply::Users,
        response_headers: &[],
        optional: false,
    },
    OperationSpec {
        name: UPDATE_USER,
        summary: "Update User",
        method: HttpMethod::Put,
        path: "/users/{id}",
        upstream_path: "/api/users/{id}",
        headers: &[],
        query: &[],
        body: Body::User(Write::Update),
        success: 200,
        reply: Reply::Users,
        response_headers: &[],
        optional: false,
    },
];
