//! The emulated CommPeak users API (`users-apis.md` §3): list, get, create and partial update
//! under `/api/users/`, every scalar answered as a string, HTTP Basic auth.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State as StateExtractor};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{Value, json};
use shared::commpeak::{self, ops};
use shared::operation::{PathParams, named};

use crate::store::{Store, StoreError};

/// Shared by every CommPeak request of one sandbox instance.
#[derive(Clone)]
pub struct State {
    pub store: Arc<Store>,
    /// The API user of Settings → API Management.
    pub username: String,
    pub password: String,
}

pub fn router(state: State) -> Router {
    let collection = named(commpeak::OPERATIONS, ops::LIST_USERS).route();
    let one = named(commpeak::OPERATIONS, ops::GET_USER).route();
    let users = || axum::routing::get(list_users).post(create_users);
    Router::new()
        // The vendor's paths end with `/`; clients that drop it are served too.
        .route(&collection, users())
        .route(collection.trim_end_matches('/'), users())
        .route(&one, axum::routing::get(get_user).put(update_user))
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .with_state(state)
}

/// An error as the sandbox answers it. CommPeak publishes no error body (§3.7), so this one
/// is this product's choice: `{"success": false, "message": …, "errors"?: [field errors]}`,
/// like the vendor's Click2Call module.
struct VendorError {
    status: StatusCode,
    message: String,
    details: Option<Value>,
}

impl VendorError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            details: None,
        }
    }

    fn refused(errors: shared::ValidationErrors) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: format!("The request was refused: {errors}"),
            details: serde_json::to_value(&errors.0).ok(),
        }
    }
}

impl IntoResponse for VendorError {
    fn into_response(self) -> Response {
        let mut body = json!({"success": false, "message": self.message});
        if let Some(details) = self.details {
            body["errors"] = details;
        }
        (self.status, Json(body)).into_response()
    }
}

impl From<StoreError> for VendorError {
    fn from(error: StoreError) -> Self {
        let status = match &error {
            StoreError::NoSuchUser(_) => StatusCode::NOT_FOUND,
            StoreError::UserNameTaken(_) => StatusCode::BAD_REQUEST,
            other => {
                tracing::error!(error = %other, "sandbox store failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let mut message = error.to_string();
        if let Some(first) = message.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        VendorError::new(status, format!("{message}."))
    }
}

async fn authenticate(
    StateExtractor(state): StateExtractor<State>,
    request: Request,
    next: Next,
) -> Response {
    let given = request.headers().get(header::AUTHORIZATION);
    if !crate::auth::basic_matches(given, &state.username, &state.password) {
        let mut response = VendorError::new(
            StatusCode::UNAUTHORIZED,
            "Authentication failed: send the API user's credentials with HTTP Basic auth.",
        )
        .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"api\""),
        );
        return response;
    }
    next.run(request).await
}

/// A user as the vendor reads it: every scalar a string (§3.5), numbers as their digits and
/// booleans as `"0"`/`"1"`; objects and lists keep their shape. Written as it is serialized,
/// from the record as stored, so that a kept list is not copied to be answered.
pub struct VendorStrings<'a>(pub &'a Value);

impl serde::Serialize for VendorStrings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(fields) = self.0 else {
            return self.0.serialize(serializer);
        };
        let mut map = serializer.serialize_map(Some(fields.len()))?;
        for (key, value) in fields {
            match value {
                Value::Bool(flag) => map.serialize_entry(key, if *flag { "1" } else { "0" })?,
                Value::Number(n) => {
                    map.serialize_key(key)?;
                    map.serialize_value(&Digits(n))?;
                }
                other => map.serialize_entry(key, other)?,
            }
        }
        map.end()
    }
}

/// A number written as a JSON string of its digits, without a string of its own first.
struct Digits<'a>(&'a serde_json::Number);

impl serde::Serialize for Digits<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self.0)
    }
}

/// Users as the vendor answers them: a JSON array, every scalar a string.
fn users_response(status: StatusCode, users: &[Value]) -> Response {
    let body = serde_json::to_vec(&users_answer(users)).expect("a JSON value always serializes");
    json_response(status, body)
}

fn users_answer(users: &[Value]) -> impl serde::Serialize + '_ {
    struct Users<'a>(&'a [Value]);
    impl serde::Serialize for Users<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(self.0.iter().map(VendorStrings))
        }
    }
    Users(users)
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let json = HeaderValue::from_static("application/json");
    (status, [(header::CONTENT_TYPE, json)], body).into_response()
}

fn path_id(id: &str) -> Result<i64, VendorError> {
    id.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        VendorError::new(
            StatusCode::NOT_FOUND,
            format!("No user with id \"{id}\" exists."),
        )
    })
}

async fn list_users(StateExtractor(state): StateExtractor<State>) -> Result<Response, VendorError> {
    let store = state.store.clone();
    // The kept list (see `Store::commpeak_list`) written as the vendor answers it, off the
    // async threads: 50,000 users are 28 MB.
    let body = crate::blocking(move || {
        let users = store.commpeak_list()?;
        Ok(serde_json::to_vec(&users_answer(&users)).expect("a JSON value always serializes"))
    })
    .await?;
    Ok(json_response(StatusCode::OK, body))
}

async fn get_user(
    StateExtractor(state): StateExtractor<State>,
    Path(id): Path<String>,
) -> Result<Response, VendorError> {
    let id = path_id(&id)?;
    let store = state.store.clone();
    // "The response will contain an array of user objects", even for one id (§3.3).
    let user = crate::blocking(move || store.commpeak_get(id)).await?;
    Ok(users_response(StatusCode::OK, &[user]))
}

async fn create_users(
    StateExtractor(state): StateExtractor<State>,
    body: Bytes,
) -> Result<Response, VendorError> {
    let operation = named(commpeak::OPERATIONS, ops::CREATE_USERS);
    let commpeak::Request::NewUsers(users) =
        commpeak::check_body(operation, &PathParams::default(), &body)
            .map_err(VendorError::refused)?
    else {
        return Err(VendorError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "create_users reads new users",
        ));
    };
    let store = state.store.clone();
    let created = crate::blocking(move || store.commpeak_create(&users)).await?;
    let status = StatusCode::from_u16(operation.success).unwrap_or(StatusCode::CREATED);
    Ok(users_response(status, &created))
}

async fn update_user(
    StateExtractor(state): StateExtractor<State>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, VendorError> {
    let operation = named(commpeak::OPERATIONS, ops::UPDATE_USER);
    let params = PathParams {
        id: Some(id.clone()),
    };
    let id = path_id(&id)?;
    let commpeak::Request::Update(update) =
        commpeak::check_body(operation, &params, &body).map_err(VendorError::refused)?
    else {
        return Err(VendorError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "update_user reads an update",
        ));
    };
    let store = state.store.clone();
    let user = crate::blocking(move || store.commpeak_update(id, &update)).await?;
    Ok(users_response(StatusCode::OK, &[user]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scalar_becomes_a_string() {
        let record = json!({"id": 7, "is_active": true, "is_deleted": false, "email": "a@b.io",
            "ratio": 1.5, "roles": {"1": "Agent"}, "desks": [1], "none": null});
        assert_eq!(
            serde_json::to_value(VendorStrings(&record)).unwrap(),
            json!({"id": "7", "is_active": "1", "is_deleted": "0", "email": "a@b.io",
                "ratio": "1.5", "roles": {"1": "Agent"}, "desks": [1], "none": null})
        );
        let list = serde_json::to_vec(&users_answer(&[record.clone(), json!({"id": 8})])).unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&list).unwrap(),
            json!([serde_json::to_value(VendorStrings(&record)).unwrap(), {"id": "8"}])
        );
    }
}
