//! The emulated Trintech IAM users API (`users-apis.md` §2): the two batch writes with
//! per-record results, an optional list, Bearer auth with `{code, message, description}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State as StateExtractor};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use shared::operation::{Write, named};
use shared::trintech::{self, AuthError, BatchResult, MAX_BATCH, ResultItem, ops};
use shared::{FieldError, ValidationErrors};

use crate::store::{Outcome, Store, TrintechWrite};

/// Shared by every Trintech request of one sandbox instance.
#[derive(Clone)]
pub struct State {
    pub store: Arc<Store>,
    pub bearer_token: String,
    /// Whether `GET /users` exists on this instance (the vendor publishes none; the console
    /// must work both ways).
    pub list_enabled: bool,
}

pub fn router(state: State) -> Router {
    let mut users = axum::routing::post(create_users).put(update_users);
    if state.list_enabled {
        users = users.get(list_users);
    }
    let path = named(trintech::OPERATIONS, ops::CREATE_USERS).route();
    Router::new()
        .route(&path, users)
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .with_state(state)
}

fn auth_error(status: StatusCode, message: &str, description: &str) -> Response {
    let body = AuthError {
        code: status.as_u16().to_string(),
        message: message.into(),
        description: description.into(),
    };
    (status, Json(body)).into_response()
}

async fn authenticate(
    StateExtractor(state): StateExtractor<State>,
    request: Request,
    next: Next,
) -> Response {
    let given = request.headers().get(header::AUTHORIZATION);
    if !crate::auth::bearer_matches(given, &state.bearer_token) {
        return auth_error(
            StatusCode::UNAUTHORIZED,
            "Authentication Error",
            "Invalid credentials: send Authorization: Bearer <access token>.",
        );
    }
    next.run(request).await
}

async fn list_users(StateExtractor(state): StateExtractor<State>) -> Response {
    let store = state.store.clone();
    match crate::blocking(move || store.trintech_list()).await {
        Ok(users) => Json(users).into_response(),
        Err(error) => server_error(&error),
    }
}

async fn create_users(StateExtractor(state): StateExtractor<State>, body: Bytes) -> Response {
    write(state, Write::Create, body).await
}

async fn update_users(StateExtractor(state): StateExtractor<State>, body: Bytes) -> Response {
    write(state, Write::Update, body).await
}

/// A batch: records that are not valid fail with their field errors, the others are applied
/// one by one. 200 only when every record succeeded, else 400 with the same summary (§2.4).
async fn write(state: State, write: Write, body: Bytes) -> Response {
    let records = match shared::parse::records(&body) {
        Ok(records) => records,
        Err(error) => return whole_request_failed(0, vec![error]),
    };
    let mut size = ValidationErrors::default();
    shared::rules::batch_size(records.len(), Some(MAX_BATCH), &mut size);
    if !size.is_empty() {
        return whole_request_failed(records.len(), size.0);
    }

    let total = records.len();
    let mut failed = Vec::new();
    let mut parsed = Vec::new();
    for (index, record) in records.into_iter().enumerate() {
        match shared::parse::parse_record::<trintech::User>(index, record) {
            Ok(user) => parsed.push((index, user)),
            Err(error) => failed.push(failure(index, None, vec![error])),
        }
    }
    let mut errors = ValidationErrors::default();
    for (index, user) in &parsed {
        trintech::validate_user(user, write, &format!("/{index}"), &mut errors);
    }
    shared::rules::unique_within(
        parsed.iter().map(|(i, u)| (*i, u.user_name.as_deref())),
        "userName",
        "User name",
        &mut errors,
    );
    shared::rules::unique_within(
        parsed.iter().map(|(i, u)| (*i, u.email.as_deref())),
        "email",
        "Email",
        &mut errors,
    );
    let mut by_record = shared::rules::by_record(errors);
    let mut valid = Vec::new();
    for (index, user) in parsed {
        match by_record.remove(&index) {
            Some(errors) => failed.push(failure(index, user.user_name.clone(), errors)),
            None => valid.push((index, user)),
        }
    }

    let store = state.store.clone();
    let kind = match write {
        Write::Create => TrintechWrite::Create,
        Write::Update => TrintechWrite::Update,
    };
    let outcomes = match crate::blocking(move || store.trintech_write(kind, &valid)).await {
        Ok(outcomes) => outcomes,
        Err(error) => return server_error(&error),
    };
    let mut succeeded = Vec::new();
    for (index, outcome) in outcomes {
        match outcome {
            Outcome::Done(record) => succeeded.push(ResultItem {
                index: Some(index as u64),
                user_name: record["userName"].as_str().map(str::to_owned),
                message: Some(match write {
                    Write::Create => "Created.".into(),
                    Write::Update => "Updated.".into(),
                }),
                ..ResultItem::default()
            }),
            Outcome::Failed(message) => failed.push(ResultItem {
                index: Some(index as u64),
                message: Some(message),
                ..ResultItem::default()
            }),
        }
    }
    failed.sort_by_key(|item| item.index);
    summary(total, succeeded, failed)
}

fn server_error(error: &crate::store::StoreError) -> Response {
    tracing::error!(%error, "sandbox store failed");
    auth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Server Error",
        &error.to_string(),
    )
}

fn failure(index: usize, user_name: Option<String>, errors: Vec<FieldError>) -> ResultItem {
    let message = errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    ResultItem {
        index: Some(index as u64),
        user_name,
        message: Some(message),
        field_errors: errors,
        extra: serde_json::Map::new(),
    }
}

/// A request refused as a whole (not a list, empty, too many): nothing was processed.
fn whole_request_failed(total: usize, errors: Vec<FieldError>) -> Response {
    let message = errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let item = ResultItem {
        message: Some(message),
        field_errors: errors,
        ..ResultItem::default()
    };
    let result = BatchResult {
        total_processed: 0,
        success_count: 0,
        failure_count: total as u64,
        success_results: Vec::new(),
        failed_results: vec![item],
    };
    (StatusCode::BAD_REQUEST, Json(result)).into_response()
}

fn summary(total: usize, succeeded: Vec<ResultItem>, failed: Vec<ResultItem>) -> Response {
    let status = if failed.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let result = BatchResult {
        total_processed: total as u64,
        success_count: succeeded.len() as u64,
        failure_count: failed.len() as u64,
        success_results: succeeded,
        failed_results: failed,
    };
    (status, Json::<BatchResult>(result)).into_response()
}
