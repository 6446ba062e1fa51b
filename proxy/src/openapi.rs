//! The OpenAPI 3.1 document of the proxy's own endpoints, as this deployment serves them:
//! one path per configured connection and vendor operation, written from `shared`'s
//! operation tables (so it cannot drift from what is forwarded), plus the proxy's own
//! endpoints. Served at `GET {base}/api/openapi.json`.

use serde_json::{Map, Value, json};
use shared::operation::{Body, OperationSpec, Reply, Write};

use crate::Connection;
use crate::access::Access;

/// The error answer every refusal of the proxy carries.
fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["message"],
        "properties": {
            "message": {"type": "string", "description": "What went wrong, for a person."},
            "requestId": {"type": "string"},
            "fieldErrors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["path", "code", "message"],
                    "properties": {
                        "path": {"type": "string", "description": "JSON pointer, e.g. /3/email"},
                        "code": {"type": "string"},
                        "message": {"type": "string"}
                    }
                }
            }
        }
    })
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn body_schema(body: Body) -> Option<(Value, &'static str)> {
    let user = json!({"type": "object", "description": "A user as the vendor shapes it."});
    Some(match body {
        Body::None => return None,
        Body::Users(write) => (
            json!({"type": "array", "items": user}),
            match write {
                Write::Create => "The users to create, checked before anything is sent.",
                Write::Update => "The users to change, checked before anything is sent.",
            },
        ),
        Body::User(_) => (user, "The user, checked before anything is sent."),
        Body::UserIds => (
            json!({"type": "array", "items": {"type": "string"}}),
            "The ids of the users.",
        ),
        Body::NewPassword => (
            json!({"type": "object", "required": ["newPassword"],
                   "properties": {"newPassword": {"type": "string"}}}),
            "The new password.",
        ),
    })
}

/// A skill, agent group or profile: an id and a name, and whatever else `select` asks for.
fn catalog_entry(reply: Reply) -> Value {
    let what = match reply {
        Reply::Skills | Reply::Skill => "A skill",
        Reply::AgentGroups | Reply::AgentGroup => "An agent group",
        _ => "A profile",
    };
    json!({
        "type": "object",
        "description": format!("{what} as the vendor shapes it, narrowed by select."),
        "properties": {
            "id": {"type": ["integer", "string"]},
            "name": {"type": "string"},
            "deleted": {"type": ["boolean", "string"]}
        }
    })
}

fn reply_schema(reply: Reply) -> Value {
    match reply {
        Reply::Users => json!({"type": "array", "items": {"type": "object"}}),
        Reply::User => json!({"type": "object"}),
        Reply::Skills | Reply::AgentGroups | Reply::Profiles => json!({
            "type": "array",
            "items": catalog_entry(reply),
        }),
        Reply::Skill | Reply::AgentGroup | Reply::Profile => catalog_entry(reply),
        Reply::BatchResult => json!({
            "type": "object",
            "properties": {
                "totalProcessed": {"type": "integer"},
                "successCount": {"type": "integer"},
                "failureCount": {"type": "integer"},
                "successResults": {"type": "array"},
                "failedResults": {"type": "array"}
            }
        }),
        Reply::Opaque => json!({}),
    }
}

fn operation(connection: &Connection, op: &OperationSpec) -> Value {
    let mut parameters: Vec<Value> = Vec::new();
    if op.path.contains("{id}") {
        parameters.push(json!({"name": "id", "in": "path", "required": true,
                               "schema": {"type": "string"}}));
    }
    for query in op.query {
        let mut schema = json!({"type": "string"});
        if let Some(default) = query.default {
            schema["default"] = json!(default);
        }
        parameters.push(json!({"name": query.name, "in": "query",
                               "required": query.required && query.default.is_none(),
                               "schema": schema}));
    }
    for header in op.headers {
        parameters.push(json!({"name": header.name, "in": "header",
                               "required": header.required, "schema": {"type": "string"}}));
    }
    let mut success_headers = Map::new();
    for name in op.response_headers {
        success_headers.insert((*name).to_owned(), json!({"schema": {"type": "string"}}));
    }
    let mut responses = Map::new();
    responses.insert(
        op.success.to_string(),
        json!({
            "description": "The vendor's answer, passed on.",
            "headers": success_headers,
            "content": {"application/json": {"schema": reply_schema(op.reply)}}
        }),
    );
    for (status, description) in [
        (
            "400",
            "Refused by the proxy's checks (nothing was sent) or by the vendor.",
        ),
        ("401", "Not signed in."),
        ("403", "A viewer's write, or a cross-site request."),
        (
            "502",
            "The vendor could not be reached, or its credentials could not be obtained.",
        ),
        ("504", "The vendor did not answer in time."),
    ] {
        responses.insert(status.to_owned(), error_response(description));
    }
    let mut operation = json!({
        "operationId": format!("{}_{}", connection.id, op.name),
        "summary": format!("{}: {}", connection.label, op.summary),
        "tags": [connection.id],
        "parameters": parameters,
        "responses": responses,
    });
    if let Some((schema, description)) = body_schema(op.body) {
        operation["requestBody"] = json!({
            "required": true,
            "description": description,
            "content": {"application/json": {"schema": schema}}
        });
    }
    operation
}

/// The document for these connections, served under `base_path`.
pub fn document(connections: &[Connection], access: &Access, base_path: &str) -> Value {
    let mut paths = Map::new();
    let json_answer = |description: &str, schema: Value| {
        json!({"description": description,
               "content": {"application/json": {"schema": schema}}})
    };
    paths.insert(
        "/api/connections".into(),
        json!({"get": {
            "operationId": "list_connections",
            "summary": "The configured connections (never their credentials).",
            "responses": {"200": json_answer("The connections.", json!({"type": "array", "items": {
                "type": "object", "required": ["id", "kind", "label"],
                "properties": {"id": {"type": "string"},
                               "kind": {"enum": ["liveperson", "trintech", "commpeak"]},
                               "label": {"type": "string"}}}}))}
        }}),
    );
    paths.insert(
        "/api/me".into(),
        json!({"get": {
            "operationId": "me",
            "summary": "Who is using the console, and as what.",
            "responses": {
                "200": json_answer("The identity.", json!({"type": "object",
                    "required": ["name", "role", "mode"],
                    "properties": {"name": {"type": "string"},
                                   "role": {"enum": ["viewer", "admin"]},
                                   "mode": {"enum": ["off", "gateway", "login"]}}})),
                "401": error_response("Not signed in.")
            }
        }}),
    );
    paths.insert(
        "/api/openapi.json".into(),
        json!({"get": {"operationId": "openapi", "summary": "This document.",
                       "responses": {"200": {"description": "OpenAPI 3.1"}}}}),
    );
    if matches!(access, Access::Login(_)) {
        paths.insert(
            "/login".into(),
            json!({
                "get": {"operationId": "sign_in_page", "summary": "The sign-in page.",
                        "responses": {"200": {"description": "HTML form"}}},
                "post": {"operationId": "sign_in", "summary": "Signs in; sets the session cookie.",
                         "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                             "type": "object", "required": ["name", "password"],
                             "properties": {"name": {"type": "string"}, "password": {"type": "string"}}}}}},
                         "responses": {"303": {"description": "Signed in; to the console."},
                                       "401": {"description": "Wrong name or password."},
                                       "429": {"description": "Too many failures for this name."}}}
            }),
        );
        paths.insert(
            "/logout".into(),
            json!({"post": {"operationId": "sign_out", "summary": "Signs out and revokes the session.",
                            "responses": {"303": {"description": "To the sign-in page."}}}}),
        );
    }
    for connection in connections {
        for op in connection.operations() {
            let path = format!("/api/{}{}", connection.id, op.path);
            let item = paths.entry(path).or_insert_with(|| json!({}));
            item[op.method.as_str().to_ascii_lowercase()] = operation(connection, op);
        }
    }
    let root_server = if base_path.is_empty() { "/" } else { base_path };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Users console proxy",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The proxy's own API: the vendors' Users APIs of each configured \
                connection, with the credentials added by the proxy, and the proxy's own \
                endpoints. The probes /livez and /readyz are served at the root, outside \
                this base path."
        },
        "servers": [{"url": root_server}],
        "paths": paths,
        "components": {"schemas": {"Error": error_schema()}}
    })
}
