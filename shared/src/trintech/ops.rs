//! Trintech IAM's user operations (`users-apis.md` §2.2): the two published batch writes, and
//! a list that exists only where a connection declares it (the vendor publishes none).

pub use crate::operation::names::{CREATE_USERS, LIST_USERS, UPDATE_USERS};
use crate::operation::{Body, HttpMethod, OperationSpec, Reply, Write};

pub const OPERATIONS: &[OperationSpec] = &[
    OperationSpec {
        name: LIST_USERS,
        summary: "List users (not published; only where the connection declares it)",
        method: HttpMethod::Get,
        path: "/users",
        upstream_path: "/users",
        headers: &[],
        query: &[],
        body: Body::None,
        success: 200,
        reply: Reply::Users,
        response_headers: &[],
        optional: true,
    },
    OperationSpec {
        name: CREATE_USERS,
        summary: "Create Users",
        method: HttpMethod::Post,
        path: "/users",
        upstream_path: "/users",
        headers: &[],
        query: &[],
        body: Body::Users(Write::Create),
        success: 200,
        reply: Reply::BatchResult,
        response_headers: &[],
        optional: false,
    },
    OperationSpec {
        name: UPDATE_USERS,
        summary: "Update Users",
        method: HttpMethod::Put,
        path: "/users",
        upstream_path: "/users",
        headers: &[],
        query: &[],
        body: Body::Users(Write::Update),
        success: 200,
        reply: Reply::BatchResult,
        response_headers: &[],
        optional: false,
    },
];
