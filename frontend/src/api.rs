//! The proxy's HTTP API as the console uses it. Every failure becomes a [`Failure`] with a
//! message a person can act on and, when the server gave one, the request id.

use std::fmt;

use gloo_net::http::{Request, RequestBuilder, Response};
use shared::connection::VendorKind;
use shared::operation::{named, names};
use shared::{ApiError, ConnectionInfo, ValidationErrors};

/// Why a call did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub message: String,
    /// Field errors to show next to the form inputs (from the proxy's validation).
    pub field_errors: ValidationErrors,
    pub request_id: Option<String>,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl Failure {
    /// A failure the console itself found, with nothing but its message to say.
    pub fn said(message: String) -> Self {
        Self {
            message,
            field_errors: ValidationErrors::default(),
            request_id: None,
            status: None,
        }
    }

    fn network(error: gloo_net::Error) -> Self {
        Self {
            message: format!("The console server could not be reached: {error}."),
            field_errors: ValidationErrors::default(),
            request_id: None,
            status: None,
        }
    }

    /// Did the vendor refuse a write because the record changed since it was read?
    pub fn is_conflict(&self) -> bool {
        matches!(self.status, Some(409 | 412))
    }

    /// Reads an error response: the proxy's own `ApiError`, a vendor body with a `message`,
    /// or, failing both, the raw text.
    async fn from_response(response: Response) -> Self {
        let status = response.status();
        let header_id = response.headers().get("x-request-id");
        let text = response.text().await.unwrap_or_default();
        if let Ok(error) = serde_json::from_str::<ApiError>(&text) {
            return Self {
                message: error.message,
                field_errors: ValidationErrors(error.field_errors),
                request_id: error.request_id.or(header_id),
                status: Some(status),
            };
        }
        let vendor_message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned));
        let detail = vendor_message.unwrap_or_else(|| {
            let text = text.trim();
            if text.is_empty() {
                response.status_text()
            } else {
                text.chars().take(300).collect()
            }
        });
        Self {
            message: format!("The vendor refused the request (HTTP {status}): {detail}"),
            field_errors: ValidationErrors::default(),
            request_id: header_id,
            status: Some(status),
        }
    }
}

/// A successful answer's body, and the request id to name if it cannot be read.
struct Body(Vec<u8>, Option<String>);

impl Body {
    fn unreadable(&self, e: &dyn fmt::Display) -> Failure {
        Failure {
            message: format!("The answer could not be read: {e}."),
            field_errors: ValidationErrors::default(),
            request_id: self.1.clone(),
            status: None,
        }
    }
}

async fn bytes_or_failure(response: Response) -> Result<Body, Failure> {
    if !response.ok() {
        return Err(Failure::from_response(response).await);
    }
    let request_id = response.headers().get("x-request-id");
    // Read as bytes, not text: a list of 50,000 users is then never turned into a JavaScript
    // string and back.
    match response.binary().await {
        Ok(bytes) => Ok(Body(bytes, request_id)),
        Err(e) => Err(Body(Vec::new(), request_id).unreadable(&e)),
    }
}

async fn json_or_failure<T: serde::de::DeserializeOwned>(response: Response) -> Result<T, Failure> {
    let body = bytes_or_failure(response).await?;
    serde_json::from_slice(&body.0).map_err(|e| body.unreadable(&e))
}

/// Where the proxy's API is, relative to the page: the page's `<base href>` names the path
/// the console is served under (`/`, or a gateway's prefix such as `/admin/users/`), so the
/// same build works at any prefix.
const API: &str = "api";

pub async fn connections() -> Result<Vec<ConnectionInfo>, Failure> {
    let response = Request::get(&format!("{API}/connections"))
        .send()
        .await
        .map_err(Failure::network)?;
    json_or_failure(response).await
}

/// Who is using the console, as `GET api/me` answers.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Me {
    pub name: String,
    /// `viewer` or `admin`.
    pub role: String,
    /// `off`, `gateway` or `login`: only `login` has a sign-out here.
    pub mode: String,
}

pub async fn me() -> Result<Me, Failure> {
    let response = Request::get(&format!("{API}/me"))
        .send()
        .await
        .map_err(Failure::network)?;
    json_or_failure(response).await
}

/// A list of users (as the list holds them) and the account revision it was read at.
#[derive(Debug, Clone, PartialEq)]
pub struct UserList {
    pub users: Vec<crate::list::ListedUser>,
    pub revision: Option<String>,
}

/// The proxy's URL of `operation` on a connection of `kind`, with the user's key filled in
/// (percent-encoded, by the same path builder the proxy uses) when it takes one.
pub fn url(kind: VendorKind, connection: &str, operation: &str, key: Option<&str>) -> String {
    let path = named(shared::vendor::operations(kind), operation).console_path(key);
    format!("{API}/{connection}{path}")
}

/// Lists the connection's users, holding only the fields `layout` names (and asking the
/// vendor for only those where it can), with deleted users too when `include_deleted`.
pub async fn list_users(
    connection: &str,
    layout: &crate::list::Layout,
    include_deleted: bool,
) -> Result<UserList, Failure> {
    let description = shared::vendor::description(layout.kind);
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(select) = description.list.select {
        query.append_pair(select.param, &layout.select());
    }
    if let (true, Some(param)) = (include_deleted, description.list.include_deleted) {
        query.append_pair(param, "true");
    }
    let query = query.finish();
    let mut url = url(layout.kind, connection, names::LIST_USERS, None);
    if !query.is_empty() {
        url = format!("{url}?{query}");
    }
    let response = Request::get(&url).send().await.map_err(Failure::network)?;
    let revision = description.revision.and_then(|h| response.headers().get(h));
    let bytes = bytes_or_failure(response).await?;
    let users = layout.decode(&bytes.0).map_err(|e| bytes.unreadable(&e))?;
    Ok(UserList { users, revision })
}

/// Sends these users with the batch write `operation` (a create, or Trintech's update of
/// whole users). `Ok` holds each user's refusal where the vendor answers record by record (a
/// batch result), and none when it answered for the whole request; a refusal of the whole
/// request is an `Err`, and nobody was written (see `import::attribute`).
pub async fn write_users(
    connection: &ConnectionInfo,
    operation: &str,
    users: &[serde_json::Value],
) -> Result<Vec<Option<String>>, Failure> {
    let spec = named(shared::vendor::operations(connection.kind), operation);
    let target = url(connection.kind, &connection.id, operation, None);
    let request = match spec.method {
        shared::operation::HttpMethod::Put => Request::put(&target),
        _ => Request::post(&target),
    };
    let response = write(request, None, Some(users)).await?;
    let mut refusals = vec![None; users.len()];
    if spec.reply != shared::operation::Reply::BatchResult {
        return bytes_or_failure(response).await.map(|_| refusals);
    }
    let key = shared::vendor::description(connection.kind).key;
    for item in batch_outcome(response).await?.failed_results {
        // Where the item names its record: by position, else by the key it names.
        let at = item
            .index
            .and_then(|i| usize::try_from(i).ok())
            .filter(|i| *i < users.len())
            .or_else(|| {
                let name = item.user_name.as_deref()?;
                users.iter().position(|u| {
                    crate::record::key_of(u, key).is_some_and(|k| k.eq_ignore_ascii_case(name))
                })
            });
        let failure = refused_record(item);
        let mut why = failure
            .message
            .replacen("The vendor refused this user: ", "", 1);
        for e in failure.field_errors.0 {
            why = format!("{why} {}", e.message);
        }
        match at {
            Some(at) => refusals[at] = Some(why),
            // A refusal that names no record: none of them can be counted as created.
            None => {
                return Err(Failure::said(why));
            }
        }
    }
    Ok(refusals)
}

/// One user's whole record on any connection: its own read where the connection has one
/// (CommPeak answers it as a list of one), else found by key in the list (Trintech has no
/// read of one user). A key nobody has is a 404 failure either way.
pub async fn read_user(connection: &ConnectionInfo, key: &str) -> Result<Record, Failure> {
    let description = shared::vendor::description(connection.kind);
    let (url, listed) = if connection.declares(names::GET_USER) {
        (
            url(connection.kind, &connection.id, names::GET_USER, Some(key)),
            false,
        )
    } else {
        (
            url(connection.kind, &connection.id, names::LIST_USERS, None),
            true,
        )
    };
    let response = Request::get(&url).send().await.map_err(Failure::network)?;
    let revision = description.revision.and_then(|h| response.headers().get(h));
    let value: serde_json::Value = json_or_failure(response).await?;
    let found = match value {
        serde_json::Value::Array(users) if listed => users
            .into_iter()
            .find(|u| crate::record::key_of(u, description.key).as_deref() == Some(key)),
        serde_json::Value::Array(users) => users.into_iter().next(),
        one => Some(one),
    };
    found
        .map(|value| Record { value, revision })
        .ok_or_else(|| Failure {
            message: format!("No user \"{key}\" is on this connection."),
            field_errors: ValidationErrors::default(),
            request_id: None,
            status: Some(404),
        })
}

/// Saves one user's update body on any connection: its own update (with `If-Match` when a
/// `revision` is given), or a batch update of one (Trintech), whose per-record outcome is
/// read: a record the vendor refused is a failure with its message and field errors.
pub async fn save_user(
    connection: &ConnectionInfo,
    key: &str,
    body: &serde_json::Value,
    revision: Option<&str>,
) -> Result<(), Failure> {
    if connection.declares(names::UPDATE_USER) {
        let request = Request::put(&url(
            connection.kind,
            &connection.id,
            names::UPDATE_USER,
            Some(key),
        ));
        return revision_or_failure(connection, write(request, revision, Some(body)).await?)
            .await
            .map(drop);
    }
    let request = Request::put(&url(
        connection.kind,
        &connection.id,
        names::UPDATE_USERS,
        None,
    ));
    let response = write(request, revision, Some(std::slice::from_ref(body))).await?;
    batch_outcome(response).await.and_then(|outcome| {
        match outcome.failed_results.into_iter().next() {
            None => Ok(()),
            Some(item) => Err(refused_record(item)),
        }
    })
}

/// Creates one user on any connection; the new user's key when the vendor answers with the
/// user (a batch answer names only the outcome). A record the vendor refused is a failure
/// with its message and field errors (paths relative to the user).
pub async fn create_user(
    connection: &ConnectionInfo,
    user: &serde_json::Value,
) -> Result<Option<String>, Failure> {
    let operation = named(
        shared::vendor::operations(connection.kind),
        names::CREATE_USERS,
    );
    let request = Request::post(&url(
        connection.kind,
        &connection.id,
        names::CREATE_USERS,
        None,
    ));
    let response = write(request, None, Some(std::slice::from_ref(user))).await?;
    if operation.reply == shared::operation::Reply::BatchResult {
        let outcome = batch_outcome(response).await?;
        return match outcome.failed_results.into_iter().next() {
            None => Ok(None),
            Some(item) => Err(refused_record(item)),
        };
    }
    let created: serde_json::Value = json_or_failure(response).await?;
    let first = match &created {
        serde_json::Value::Array(users) => users.first(),
        one => Some(one),
    };
    let key = shared::vendor::description(connection.kind).key;
    Ok(first.and_then(|u| crate::record::key_of(u, key)))
}

/// A failure for one record a batch refused.
fn refused_record(item: shared::batch::ResultItem) -> Failure {
    Failure {
        message: format!(
            "The vendor refused this user: {}",
            item.message.unwrap_or_else(|| "no reason given".into())
        ),
        // Paths name the record's place in the request (`/0/email`): the form's are the
        // user's own.
        field_errors: ValidationErrors(
            item.field_errors
                .into_iter()
                .map(|e| {
                    let inner = e.path.strip_prefix("/0").unwrap_or(&e.path).to_owned();
                    shared::FieldError { path: inner, ..e }
                })
                .collect(),
        ),
        request_id: None,
        status: Some(400),
    }
}

/// A batch write's answer: its per-record outcome on a 200 and on a 400 alike (the vendor
/// answers 400 when any record failed); any other answer is a failure.
pub async fn batch_outcome(response: Response) -> Result<shared::batch::BatchResult, Failure> {
    if response.status() == 400 {
        let request_id = response.headers().get("x-request-id");
        let text = response.text().await.unwrap_or_default();
        if let Ok(outcome) = serde_json::from_str::<shared::batch::BatchResult>(&text)
            && !outcome.failed_results.is_empty()
        {
            return Ok(outcome);
        }
        let detail = serde_json::from_str::<ApiError>(&text).ok();
        return Err(Failure {
            message: detail.as_ref().map_or_else(
                || {
                    format!(
                        "The vendor refused the request (HTTP 400): {}",
                        text.chars().take(300).collect::<String>()
                    )
                },
                |e| e.message.clone(),
            ),
            field_errors: ValidationErrors(detail.map(|e| e.field_errors).unwrap_or_default()),
            request_id,
            status: Some(400),
        });
    }
    json_or_failure(response).await
}

/// A whole record as the vendor sent it, and the revision it was read at.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub value: serde_json::Value,
    pub revision: Option<String>,
}

/// A deleted user's last record, which the vendor no longer serves on its own (LivePerson:
/// 404) but still lists with deleted users; `None` when no deleted user has this key.
pub async fn deleted_user(
    connection: &ConnectionInfo,
    key: &str,
) -> Result<Option<Record>, Failure> {
    let description = shared::vendor::description(connection.kind);
    let Some(deleted) = description.deleted else {
        return Ok(None);
    };
    let is_deleted_user = |record: &serde_json::Value| {
        crate::record::key_of(record, description.key).as_deref() == Some(key)
            && crate::record::holds(record, deleted, shared::description::FieldValue::Bool(true))
    };
    // Which users are deleted first (small, where the vendor selects fields); the whole
    // records only when this one is.
    if let Some(select) = description.list.select {
        let flags = format!("{},{deleted}", description.key);
        let (found, _) = list_users_as(connection, Some((select.param, &flags)), true).await?;
        if !found.iter().any(is_deleted_user) {
            return Ok(None);
        }
    }
    let (records, revision) = list_records_with(connection, true).await?;
    Ok(records
        .into_iter()
        .find(is_deleted_user)
        .map(|value| Record { value, revision }))
}

/// Deletes the user, only if the account is still at `revision`.
pub async fn delete_user(
    connection: &ConnectionInfo,
    id: &str,
    revision: Option<&str>,
) -> Result<(), Failure> {
    let request = Request::delete(&url(
        connection.kind,
        &connection.id,
        names::DELETE_USER,
        Some(id),
    ));
    revision_or_failure(connection, write::<()>(request, revision, None).await?)
        .await
        .map(drop)
}

/// Sets a new password for the user.
pub async fn reset_password(
    connection: &ConnectionInfo,
    id: &str,
    new_password: &str,
) -> Result<(), Failure> {
    let request = Request::put(&url(
        connection.kind,
        &connection.id,
        names::RESET_PASSWORD,
        Some(id),
    ));
    let body = serde_json::json!({ "newPassword": new_password });
    revision_or_failure(connection, write(request, None, Some(&body)).await?)
        .await
        .map(drop)
}

/// Every user's whole record, all read at one revision: what a bulk edit starts from.
pub async fn list_records(
    connection: &ConnectionInfo,
) -> Result<(Vec<serde_json::Value>, Option<String>), Failure> {
    list_records_with(connection, false).await
}

async fn list_records_with(
    connection: &ConnectionInfo,
    include_deleted: bool,
) -> Result<(Vec<serde_json::Value>, Option<String>), Failure> {
    let select = shared::vendor::description(connection.kind)
        .list
        .select
        .map(|s| (s.param, s.all));
    list_users_as(connection, select, include_deleted).await
}

/// The list operation's answer as `T`s, with `select` (parameter, value) where given.
async fn list_users_as<T: serde::de::DeserializeOwned>(
    connection: &ConnectionInfo,
    select: Option<(&str, &str)>,
    include_deleted: bool,
) -> Result<(Vec<T>, Option<String>), Failure> {
    let description = shared::vendor::description(connection.kind);
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some((param, value)) = select {
        query.append_pair(param, value);
    }
    if let (true, Some(param)) = (include_deleted, description.list.include_deleted) {
        query.append_pair(param, "true");
    }
    let query = query.finish();
    let mut url = url(connection.kind, &connection.id, names::LIST_USERS, None);
    if !query.is_empty() {
        url = format!("{url}?{query}");
    }
    let response = Request::get(&url).send().await.map_err(Failure::network)?;
    let revision = description.revision.and_then(|h| response.headers().get(h));
    let users = json_or_failure(response).await?;
    Ok((users, revision))
}

/// A successful answer's bytes, or `None` for any failure: for reads the console can do
/// without (the account's names).
pub async fn bytes_if_ok(url: &str) -> Option<Vec<u8>> {
    let response = Request::get(url).send().await.ok()?;
    if !response.ok() {
        return None;
    }
    response.binary().await.ok()
}

/// Replaces these users' records, only if the account is still at `revision`; the new
/// revision on success.
pub async fn update_users(
    connection: &ConnectionInfo,
    records: &[serde_json::Value],
    revision: Option<&str>,
) -> Result<Option<String>, Failure> {
    let request = Request::put(&url(
        connection.kind,
        &connection.id,
        names::UPDATE_USERS,
        None,
    ));
    revision_or_failure(connection, write(request, revision, Some(records)).await?).await
}

/// Deletes these users (by key), only if the account is still at `revision`; the new
/// revision on success.
pub async fn delete_users(
    connection: &ConnectionInfo,
    keys: &[String],
    revision: Option<&str>,
) -> Result<Option<String>, Failure> {
    let description = shared::vendor::description(connection.kind);
    let numeric = shared::field::lookup(shared::vendor::fields(connection.kind), description.key)
        .is_some_and(|f| f.kind == shared::field::FieldKind::Integer);
    // The keys as the vendor writes them: LivePerson's ids are numbers.
    let keys: Vec<serde_json::Value> = keys
        .iter()
        .map(|k| match k.parse::<i64>() {
            Ok(n) if numeric => n.into(),
            _ => k.clone().into(),
        })
        .collect();
    let request = Request::delete(&url(
        connection.kind,
        &connection.id,
        names::DELETE_USERS,
        None,
    ));
    revision_or_failure(connection, write(request, revision, Some(&keys)).await?).await
}

/// Sends a change: with `If-Match` when a `revision` is given (the vendor refuses it if the
/// account moved on), and `body` as JSON.
async fn write<T: serde::Serialize + ?Sized>(
    mut request: RequestBuilder,
    revision: Option<&str>,
    body: Option<&T>,
) -> Result<Response, Failure> {
    if let Some(revision) = revision {
        request = request.header("If-Match", revision);
    }
    let request = match body {
        Some(body) => request.json(body),
        // No body, but the proxy lets a change through only as JSON (its CSRF rule).
        None => request.header("Content-Type", "application/json").build(),
    }
    .map_err(Failure::network)?;
    request.send().await.map_err(Failure::network)
}

/// The revision a successful change left the account at, where the vendor has one.
async fn revision_or_failure(
    connection: &ConnectionInfo,
    response: Response,
) -> Result<Option<String>, Failure> {
    let revision = shared::vendor::description(connection.kind)
        .revision
        .and_then(|header| response.headers().get(header));
    if response.ok() {
        Ok(revision)
    } else {
        Err(Failure::from_response(response).await)
    }
}
