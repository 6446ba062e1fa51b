//! The emulated LivePerson Account Config Users API (`le-users`): routes, auth, revisions; and
//! the reads of the account's skills, agent groups and profiles (read only, see
//! [`crate::seed::liveperson_catalog`]).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State as StateExtractor};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use shared::liveperson::{ProfileRoles, Selection, ops, parse_users, validate_batch};
use shared::operation::{Write, named};

use crate::store::{Precondition, Store, StoreError};

/// Shared by every request of one sandbox instance.
#[derive(Clone)]
pub struct State {
    pub store: Arc<Store>,
    pub account_id: String,
    /// The account's credentials: Bearer, app keys, Sentinel tokens.
    pub accounts: Arc<crate::lp_auth::Accounts>,
    /// The account's profiles and their roles (the agent rules need them).
    pub roles: ProfileRoles,
    /// The account's skills, agent groups and profiles, as their APIs return them.
    pub catalog: Arc<crate::seed::Catalog>,
}

pub fn router(state: State) -> Router {
    let route = |name| named(shared::liveperson::OPERATIONS, name).route();
    Router::new()
        .route(
            &route(ops::LIST_USERS),
            axum::routing::get(list_users)
                .post(post_collection)
                .put(update_users)
                .delete(delete_users),
        )
        .route(
            &route(ops::GET_USER),
            axum::routing::get(get_user)
                .post(post_one)
                .put(update_user)
                .delete(delete_user),
        )
        .route(
            &route(ops::RESET_PASSWORD),
            axum::routing::put(reset_password),
        )
        .merge(catalog_routes())
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .with_state(state)
}

/// The Skills, Agent Groups and Profiles reads: GET only, so any other method is 405.
fn catalog_routes() -> Router<State> {
    let route = |name| named(shared::liveperson::OPERATIONS, name).route();
    let mut router = Router::new();
    for kind in [Kind::Skills, Kind::AgentGroups, Kind::Profiles] {
        router = router
            .route(
                &route(kind.list_operation()),
                axum::routing::get(
                    move |state: StateExtractor<State>,
                          query: Query<HashMap<String, String>>,
                          headers: HeaderMap| {
                        list_catalog(kind, state, query, headers)
                    },
                ),
            )
            .route(
                &route(kind.get_operation()),
                axum::routing::get(
                    move |state: StateExtractor<State>,
                          path: Path<(String, String)>,
                          query: Query<HashMap<String, String>>,
                          headers: HeaderMap| {
                        get_catalog(kind, state, path, query, headers)
                    },
                ),
            );
    }
    router
}

/// An error as the sandbox answers it: LivePerson's services use `{time, message,
/// internalCode}` bodies (`users-apis.md` §1.9).
struct VendorError {
    status: StatusCode,
    message: String,
}

impl VendorError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for VendorError {
    fn into_response(self) -> Response {
        let body = json!({
            "time": chrono::Utc::now().timestamp_millis(),
            "message": self.message,
            "internalCode": self.status.as_u16(),
        });
        (self.status, Json(body)).into_response()
    }
}

impl From<StoreError> for VendorError {
    fn from(error: StoreError) -> Self {
        let status = match &error {
            StoreError::StaleRevision { .. } => StatusCode::CONFLICT,
            StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
            StoreError::NoSuchUser(_) => StatusCode::NOT_FOUND,
            StoreError::ApiUserPassword(_) => StatusCode::BAD_REQUEST,
            StoreError::LoginNameTaken { .. } | StoreError::UserNameTaken(_) => {
                StatusCode::BAD_REQUEST
            }
            StoreError::Sqlite(_)
            | StoreError::Corrupt(_)
            | StoreError::TaskFailed(_)
            | StoreError::Seed(_) => {
                tracing::error!(%error, "sandbox store failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        VendorError::new(status, error.to_string())
    }
}

async fn authenticate(
    StateExtractor(state): StateExtractor<State>,
    Path(params): Path<HashMap<String, String>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if let Err(refused) =
        state
            .accounts
            .check(request.method(), &host, request.uri(), request.headers())
    {
        return VendorError::new(StatusCode::UNAUTHORIZED, refused.to_string()).into_response();
    }
    if params.get("account_id") != Some(&state.account_id) {
        return VendorError::new(
            StatusCode::FORBIDDEN,
            "This token is not authorized for the requested account.",
        )
        .into_response();
    }
    next.run(request).await
}

/// `v` is required on every call (§1.2); the sandbox refuses to guess.
fn require_version(query: &HashMap<String, String>) -> Result<(), VendorError> {
    match query.get(ops::VERSION_PARAM) {
        Some(v) if v.parse::<f64>().is_ok() => Ok(()),
        Some(v) => Err(VendorError::new(
            StatusCode::BAD_REQUEST,
            format!("Query parameter 'v' must be a number such as 4.0, not \"{v}\"."),
        )),
        None => Err(VendorError::new(
            StatusCode::BAD_REQUEST,
            "Missing required query parameter 'v' (the API version, e.g. v=4.0).",
        )),
    }
}

fn precondition(headers: &HeaderMap) -> Result<Precondition, VendorError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(Precondition::None);
    };
    let value = value.to_str().unwrap_or_default().trim().trim_matches('"');
    if value == ops::SKIP_REVISION_CHECK {
        return Ok(Precondition::None);
    }
    value.parse().map(Precondition::Revision).map_err(|_| {
        VendorError::new(
            StatusCode::BAD_REQUEST,
            format!("If-Match must be a revision number or -1, not \"{value}\"."),
        )
    })
}

fn with_revision(status: StatusCode, revision: i64, body: impl serde::Serialize) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(ops::REVISION_HEADER, revision.into());
    response
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, VendorError> {
    crate::blocking(work).await.map_err(VendorError::from)
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

fn include_deleted(query: &HashMap<String, String>) -> Result<bool, VendorError> {
    match query.get(ops::INCLUDE_DELETED_PARAM).map(String::as_str) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(VendorError::new(
            StatusCode::BAD_REQUEST,
            format!("Query parameter 'include_deleted' must be true or false, not \"{other}\"."),
        )),
    }
}

async fn list_users(
    StateExtractor(state): StateExtractor<State>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, VendorError> {
    require_version(&query)?;
    let selection = selection(&query)?;
    let include_deleted = include_deleted(&query)?;
    if let Some(not_modified) = not_modified(&state, &headers).await? {
        return Ok(not_modified);
    }
    let store = state.store.clone();
    let account = state.account_id.clone();
    let (revision, users) = blocking(move || store.list(&account, include_deleted)).await?;
    let users: Vec<_> = users.iter().map(|u| selection.view(u)).collect();
    Ok(with_revision(StatusCode::OK, revision, users))
}

fn parse_and_validate(
    body: &[u8],
    write: Write,
    roles: &ProfileRoles,
) -> Result<Vec<shared::liveperson::User>, VendorError> {
    let users =
        parse_users(body).map_err(|e| VendorError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    validate_batch(&users, write, roles)
        .map_err(|e| VendorError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    Ok(users)
}

async fn create_users(
    StateExtractor(state): StateExtractor<State>,
    Path(account_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, VendorError> {
    require_version(&query)?;
    let users = parse_and_validate(&body, Write::Create, &state.roles)?;
    let store = state.store.clone();
    let account = state.account_id.clone();
    let (revision, created) = blocking(move || store.create(&account, &users, &now())).await?;
    let location = (created.len() == 1)
        .then(|| created[0]["id"].as_i64())
        .flatten()
        .map(|id| format!("{}/{id}", ops::users_path(&account_id)));
    let mut response = with_revision(StatusCode::CREATED, revision, Value::Array(created));
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

async fn update_users(
    StateExtractor(state): StateExtractor<State>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, VendorError> {
    require_version(&query)?;
    let precondition = precondition(&headers)?;
    let users = parse_and_validate(&body, Write::Update, &state.roles)?;
    let store = state.store.clone();
    let account = state.account_id.clone();
    let roles = state.roles.clone();
    let (revision, updated) =
        blocking(move || store.replace(&account, &users, &roles, precondition, &now())).await?;
    Ok(with_revision(
        StatusCode::OK,
        revision,
        Value::Array(updated),
    ))
}

fn selection(query: &HashMap<String, String>) -> Result<Selection, VendorError> {
    match query.get(ops::SELECT_PARAM) {
        Some(select) => Selection::parse(select).map_err(|e| {
            VendorError::new(
                StatusCode::BAD_REQUEST,
                format!("Query parameter 'select': {e}."),
            )
        }),
        None => Ok(Selection::All),
    }
}

/// A conditional GET at the current revision is answered without the body (§1.7).
async fn not_modified(state: &State, headers: &HeaderMap) -> Result<Option<Response>, VendorError> {
    let Precondition::Revision(given) = precondition(headers)? else {
        return Ok(None);
    };
    let (store, account) = (state.store.clone(), state.account_id.clone());
    let current = blocking(move || store.revision(&account)).await?;
    if given != current {
        return Ok(None);
    }
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    response
        .headers_mut()
        .insert(ops::REVISION_HEADER, current.into());
    Ok(Some(response))
}

/// The user id of a path; anything but a positive number names no user (404 "Data Not
/// Found", as the vendor documents for get by id).
fn user_id(id: &str) -> Result<i64, VendorError> {
    id.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        VendorError::new(
            StatusCode::NOT_FOUND,
            format!("Data Not Found: no user \"{id}\"."),
        )
    })
}

/// Reads a body with the shared rules of `operation` (the account's roles included).
fn checked_body(
    state: &State,
    operation: &str,
    id: Option<&str>,
    body: &[u8],
) -> Result<shared::liveperson::Request, VendorError> {
    let params = shared::operation::PathParams {
        id: id.map(str::to_owned),
    };
    shared::liveperson::check_body(
        named(shared::liveperson::OPERATIONS, operation),
        &params,
        body,
        &state.roles,
    )
    .map_err(|e| VendorError::new(StatusCode::BAD_REQUEST, e.to_string()))
}

async fn get_user(
    StateExtractor(state): StateExtractor<State>,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, VendorError> {
    require_version(&query)?;
    let selection = selection(&query)?;
    let id = user_id(&id)?;
    if let Some(not_modified) = not_modified(&state, &headers).await? {
        return Ok(not_modified);
    }
    let (store, account) = (state.store.clone(), state.account_id.clone());
    let (revision, user) = blocking(move || store.get(&account, id)).await?;
    Ok(with_revision(
        StatusCode::OK,
        revision,
        selection.view(&user),
    ))
}

async fn update_user(
    StateExtractor(state): StateExtractor<State>,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, VendorError> {
    require_version(&query)?;
    let precondition = precondition(&headers)?;
    user_id(&id)?;
    let shared::liveperson::Request::User(user) =
        checked_body(&state, ops::UPDATE_USER, Some(&id), &body)?
    else {
        return Err(VendorError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "update_user reads one user",
        ));
    };
    let (store, account, roles) = (
        state.store.clone(),
        state.account_id.clone(),
        state.roles.clone(),
    );
    let (revision, mut updated) =
        blocking(move || store.replace(&account, &[*user], &roles, precondition, &now())).await?;
    Ok(with_revision(StatusCode::OK, revision, updated.remove(0)))
}

async fn delete_user(
    StateExtractor(state): StateExtractor<State>,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, VendorError> {
    require_version(&query)?;
    let precondition = precondition(&headers)?;
    let id = user_id(&id)?;
    delete(state, vec![id], precondition).await
}

async fn delete_users(
    StateExtractor(state): StateExtractor<State>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, VendorError> {
    require_version(&query)?;
    let precondition = precondition(&headers)?;
    let shared::liveperson::Request::UserIds(ids) =
        checked_body(&state, ops::DELETE_USERS, None, &body)?
    else {
        return Err(VendorError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "delete_users reads ids",
        ));
    };
    delete(state, ids, precondition).await
}

/// Soft delete: the users stay, flagged `deleted`, listed only with `include_deleted`.
async fn delete(
    state: State,
    ids: Vec<i64>,
    precondition: Precondition,
) -> Result<Response, VendorError> {
    let (store, account) = (state.store.clone(), state.account_id.clone());
    let (revision, deleted) =
        blocking(move || store.delete(&account, &ids, precondition, &now())).await?;
    Ok(with_revision(
        StatusCode::OK,
        revision,
        Value::Array(deleted),
    ))
}

async fn reset_password(
    StateExtractor(state): StateExtractor<State>,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, VendorError> {
    require_version(&query)?;
    let id = user_id(&id)?;
    let shared::liveperson::Request::NewPassword(password) =
        checked_body(&state, ops::RESET_PASSWORD, Some(&id.to_string()), &body)?
    else {
        return Err(VendorError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "reset_password reads a password",
        ));
    };
    let (store, account) = (state.store.clone(), state.account_id.clone());
    let (revision, user) =
        blocking(move || store.reset_password(&account, id, &password, &now())).await?;
    Ok(with_revision(StatusCode::OK, revision, user))
}

/// The method a POST stands for under `X-HTTP-Method-Override` (§1.4, for clients that cannot
/// send PUT or DELETE); `None` without the header.
fn method_override(headers: &HeaderMap) -> Result<Option<axum::http::Method>, VendorError> {
    let Some(value) = headers.get("x-http-method-override") else {
        return Ok(None);
    };
    match value.to_str().map(str::trim) {
        Ok(v) if v.eq_ignore_ascii_case("PUT") => Ok(Some(axum::http::Method::PUT)),
        Ok(v) if v.eq_ignore_ascii_case("DELETE") => Ok(Some(axum::http::Method::DELETE)),
        _ => Err(VendorError::new(
            StatusCode::BAD_REQUEST,
            "X-HTTP-Method-Override must be PUT or DELETE.",
        )),
    }
}

/// POST on the collection: a create, or an update or delete of a list under the override.
async fn post_collection(
    state: StateExtractor<State>,
    path: Path<String>,
    query: Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, VendorError> {
    match method_override(&headers)? {
        None => create_users(state, path, query, body).await,
        Some(axum::http::Method::PUT) => update_users(state, query, headers, body).await,
        Some(_) => delete_users(state, query, headers, body).await,
    }
}

/// POST on one user: only an update or delete under the override.
async fn post_one(
    state: StateExtractor<State>,
    path: Path<(String, String)>,
    query: Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, VendorError> {
    match method_override(&headers)? {
        Some(axum::http::Method::PUT) => update_user(state, path, query, headers, body).await,
        Some(_) => delete_user(state, path, query, headers).await,
        None => Err(VendorError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "POST on a user needs X-HTTP-Method-Override: PUT or DELETE.",
        )),
    }
}

/// One of the account configuration collections users refer to by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Skills,
    AgentGroups,
    Profiles,
}

/// The revision of each configuration collection: it never changes, as the sandbox serves them
/// read only.
const CATALOG_REVISION: i64 = 1;

impl Kind {
    fn list_operation(self) -> &'static str {
        match self {
            Kind::Skills => ops::LIST_SKILLS,
            Kind::AgentGroups => ops::LIST_AGENT_GROUPS,
            Kind::Profiles => ops::LIST_PROFILES,
        }
    }

    fn get_operation(self) -> &'static str {
        match self {
            Kind::Skills => ops::GET_SKILL,
            Kind::AgentGroups => ops::GET_AGENT_GROUP,
            Kind::Profiles => ops::GET_PROFILE,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Skills => "skill",
            Kind::AgentGroups => "agent group",
            Kind::Profiles => "profile",
        }
    }

    fn entries(self, catalog: &crate::seed::Catalog) -> &[Value] {
        match self {
            Kind::Skills => &catalog.skills,
            Kind::AgentGroups => &catalog.agent_groups,
            Kind::Profiles => &catalog.profiles,
        }
    }

    /// The header carrying the collection's version, and its value: `ac-revision` for skills,
    /// `eTag` for agent groups, `X-LP-Last-Modified` (a timestamp) for profiles, as each API
    /// documents.
    fn version(self) -> (&'static str, i64) {
        match self {
            Kind::Skills => (ops::REVISION_HEADER, CATALOG_REVISION),
            Kind::AgentGroups => (ops::AGENT_GROUPS_REVISION_HEADER, CATALOG_REVISION),
            Kind::Profiles => (
                ops::PROFILES_LAST_MODIFIED_HEADER,
                crate::seed::CATALOG_LAST_MODIFIED_MS,
            ),
        }
    }

    /// Is the client's copy current? `If-Match` at the current revision for skills and agent
    /// groups (as for users); the same `X-LP-Last-Modified` for profiles.
    fn is_current(self, headers: &HeaderMap) -> Result<bool, VendorError> {
        let (name, current) = self.version();
        if self == Kind::Profiles {
            return Ok(headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim() == current.to_string()));
        }
        Ok(precondition(headers)? == Precondition::Revision(current))
    }

    /// The fields a list answers without `select`: the Skills API documents `id,deleted,name`;
    /// the others document none, so every field.
    fn default_selection(self) -> Selection {
        match self {
            Kind::Skills => Selection::parse(ops::SKILLS_SELECT).unwrap_or(Selection::All),
            Kind::AgentGroups | Kind::Profiles => Selection::All,
        }
    }

    fn answer(self, status: StatusCode, body: impl serde::Serialize) -> Response {
        let (name, value) = self.version();
        let mut response = if status == StatusCode::NOT_MODIFIED {
            status.into_response()
        } else {
            (status, Json(body)).into_response()
        };
        response.headers_mut().insert(name, value.into());
        response
    }
}

/// The entries of `kind` as answered: profiles with how many live users have each.
async fn catalog_entries(state: &State, kind: Kind) -> Result<Vec<Value>, VendorError> {
    let entries = kind.entries(&state.catalog).to_vec();
    if kind != Kind::Profiles {
        return Ok(entries);
    }
    let (store, account) = (state.store.clone(), state.account_id.clone());
    let (_, users) = blocking(move || store.list(&account, false)).await?;
    let mut assigned = HashMap::<i64, i64>::new();
    for id in users
        .iter()
        .filter_map(|u| u["profileIds"].as_array())
        .flatten()
        .filter_map(Value::as_i64)
    {
        *assigned.entry(id).or_default() += 1;
    }
    Ok(entries
        .into_iter()
        .map(|mut profile| {
            let count = profile["id"]
                .as_i64()
                .and_then(|id| assigned.get(&id))
                .copied()
                .unwrap_or_default();
            profile["numOfAssignedUsers"] = count.into();
            profile
        })
        .collect())
}

async fn list_catalog(
    kind: Kind,
    StateExtractor(state): StateExtractor<State>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, VendorError> {
    require_version(&query)?;
    let selection = match query.get(ops::SELECT_PARAM) {
        Some(_) => selection(&query)?,
        None => kind.default_selection(),
    };
    let include_deleted = include_deleted(&query)?;
    if kind.is_current(&headers)? {
        return Ok(kind.answer(StatusCode::NOT_MODIFIED, ()));
    }
    let entries = catalog_entries(&state, kind).await?;
    let listed: Vec<_> = entries
        .iter()
        .filter(|e| include_deleted || e["deleted"] != true)
        .map(|e| selection.view(e))
        .collect();
    Ok(kind.answer(StatusCode::OK, listed))
}

/// One entry by id, deleted or not (the Skills API's example entity is a deleted one); an id
/// the account lacks, or that is not a number, is 404 "Data Not Found", as for users.
async fn get_catalog(
    kind: Kind,
    StateExtractor(state): StateExtractor<State>,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, VendorError> {
    require_version(&query)?;
    let selection = selection(&query)?;
    let not_found = || {
        VendorError::new(
            StatusCode::NOT_FOUND,
            format!("Data Not Found: no {} \"{id}\".", kind.noun()),
        )
    };
    let wanted = id.parse::<i64>().map_err(|_| not_found())?;
    if !kind
        .entries(&state.catalog)
        .iter()
        .any(|e| e["id"] == wanted)
    {
        return Err(not_found());
    }
    if kind.is_current(&headers)? {
        return Ok(kind.answer(StatusCode::NOT_MODIFIED, ()));
    }
    let entries = catalog_entries(&state, kind).await?;
    let entry = entries
        .iter()
        .find(|e| e["id"] == wanted)
        .ok_or_else(not_found)?;
    Ok(kind.answer(StatusCode::OK, selection.view(entry)))
}
