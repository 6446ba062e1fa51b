//! SCIM's requests to a connection's vendor, through the one upstream builder
//! ([`crate::upstream::UpstreamState::call`]), and what the vendor's answers mean in SCIM's
//! terms. And the connection's list of users, kept in memory while the vendor's revision
//! says it still holds, so that the lookup an identity provider makes before every push does
//! not read 50,000 users each time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde_json::Value;
use shared::operation::{self, OperationSpec, PathParams, names};
use shared::scim::{self, Resource, ScimError, ScimType};

use crate::upstream::{Call, CallError, Target, UpstreamState};
use crate::{AppState, Connection, ProxyError};

/// Above this many users a list is not kept (it is read for each lookup instead): about
/// 1 KB each as SCIM resources, 200,000 users are some 200 MB, the most one replica should
/// give to it.
pub(super) const MAX_KEPT_USERS: usize = 200_000;

/// A vendor's answer, read whole.
pub(super) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// The revision the answer carries, where the vendor has one.
    pub fn revision(&self, connection: &Connection) -> Option<String> {
        let header = shared::vendor::description(connection.kind()).revision?;
        self.headers
            .get(header)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// The answer's JSON, or what went wrong reading it.
    pub fn json(&self) -> Result<Value, ScimError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            ScimError::new(
                502,
                None,
                format!("The vendor's answer is not the JSON expected: {e}."),
            )
        })
    }
}

/// The users of a connection as SCIM resources, each kept serialized (about a tenth of the
/// memory of a JSON tree: 50,000 users in tens of MB, not hundreds), with indexes by
/// `userName` and `id`; a resource is parsed when a filter or a page reaches it.
pub(super) struct Listed {
    resources: Vec<Box<str>>,
    /// Lower-cased `userName` → position in `resources` (SCIM's `userName` is caseExact
    /// false, so `eq` matches whatever the case).
    by_user_name: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
}

fn user_name_key(resource: &Resource) -> Option<String> {
    Some(resource.get("userName")?.as_str()?.to_lowercase())
}

fn id_key(resource: &Resource) -> Option<String> {
    Some(resource.get("id")?.as_str()?.to_owned())
}

fn parsed(resource: &str) -> Resource {
    // Written by `kept` from a `Resource`: it parses back.
    serde_json::from_str(resource).unwrap_or_default()
}

fn kept(resource: &Resource) -> Box<str> {
    serde_json::to_string(resource)
        .unwrap_or_default()
        .into_boxed_str()
}

impl Listed {
    fn with_capacity(users: usize) -> Self {
        Self {
            by_user_name: HashMap::with_capacity(users),
            by_id: HashMap::with_capacity(users),
            resources: Vec::with_capacity(users),
        }
    }

    #[cfg(test)]
    fn new(resources: Vec<Resource>) -> Self {
        let mut listed = Self::with_capacity(resources.len());
        for resource in resources {
            listed.push(&resource);
        }
        listed
    }

    fn push(&mut self, resource: &Resource) {
        let at = self.resources.len();
        self.resources.push(kept(resource));
        self.index(at, resource);
    }

    fn index(&mut self, at: usize, resource: &Resource) {
        if let Some(name) = user_name_key(resource) {
            self.by_user_name.insert(name, at);
        }
        if let Some(id) = id_key(resource) {
            self.by_id.insert(id, at);
        }
    }

    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// The user at `at` (a position [`Listed::matching`] gave).
    pub fn resource(&self, at: usize) -> Resource {
        parsed(&self.resources[at])
    }

    pub fn with_user_name(&self, user_name: &str) -> Option<Resource> {
        self.by_user_name
            .get(&user_name.to_lowercase())
            .map(|&at| self.resource(at))
    }

    /// The positions of the users `filter` matches, in the vendor's order: every user
    /// without one, the index's for `userName eq`, each user parsed and tested otherwise.
    pub fn matching(&self, filter: Option<&scim::filter::Filter>) -> Vec<usize> {
        match filter {
            None => (0..self.resources.len()).collect(),
            Some(filter) => match filter.user_name_equals() {
                Some(name) => self
                    .by_user_name
                    .get(&name.to_lowercase())
                    .copied()
                    .into_iter()
                    .collect(),
                None => (0..self.resources.len())
                    .filter(|&at| filter.matches(&self.resource(at)))
                    .collect(),
            },
        }
    }

    /// User `id` as `now` says: changed, added, or (`None`) gone.
    fn put(&mut self, id: &str, now: Option<Resource>) {
        if let Some(at) = self.by_id.remove(id) {
            if let Some(name) = user_name_key(&self.resource(at)) {
                self.by_user_name.remove(&name);
            }
            self.resources.swap_remove(at);
            if at < self.resources.len() {
                let moved = self.resource(at);
                self.index(at, &moved);
            }
        }
        if let Some(resource) = now {
            self.push(&resource);
        }
    }
}

/// A connection's list as last read: when it was asked for, and the revision it was read at
/// where the vendor has one.
#[derive(Clone)]
struct Kept {
    asked_at: Instant,
    revision: Option<String>,
    listed: Arc<Listed>,
}

/// A connection's list as last read, and one read at a time. A lookup that arrives while
/// another is reading waits for it, and takes a list asked for after it arrived as its own:
/// twenty lookups at once cause one or two reads, not twenty reads of 50,000 users.
#[derive(Default)]
pub(super) struct ListCache {
    kept: std::sync::Mutex<Option<Kept>>,
    reading: tokio::sync::Mutex<()>,
}

impl ListCache {
    fn get(&self) -> Option<Kept> {
        self.kept.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn put(&self, kept: Kept) {
        let kept = (kept.listed.len() <= MAX_KEPT_USERS).then_some(kept);
        *self.kept.lock().unwrap_or_else(|p| p.into_inner()) = kept;
    }

    /// After this proxy's own write of user `id` (now `now`, or gone), the vendor at
    /// `revision`: the list kept is changed in place when that write is the only one since
    /// it was read (the revision counts writes), so that the lookup before the next push is
    /// still answered 304 rather than reading every user again; otherwise it is dropped.
    pub(super) fn wrote(
        &self,
        description: &shared::description::Description,
        id: &str,
        now: Option<Resource>,
        revision: Option<&str>,
    ) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let Some(list) = kept.as_mut() else {
            return;
        };
        let only_this_write = match (list.revision.as_deref(), revision) {
            (Some(before), Some(after)) => description.one_write_between(before, after),
            _ => false,
        };
        // Changed in place only where no request still reads it.
        match Arc::get_mut(&mut list.listed) {
            Some(listed) if only_this_write => {
                listed.put(id, now);
                list.revision = revision.map(str::to_owned);
            }
            _ => *kept = None,
        }
    }
}

/// One connection's vendor, as SCIM asks it.
pub(super) struct Vendor<'a> {
    pub state: &'a AppState,
    pub connection: &'a Connection,
    pub request_id: Option<&'a str>,
}

impl Vendor<'_> {
    fn upstream(&self) -> &UpstreamState {
        self.state
            .upstreams
            .get(&self.connection.id)
            .expect("every connection has its upstream state")
    }

    /// The connection's operation `name`, if it declares one.
    pub fn operation(&self, name: &str) -> Option<&'static OperationSpec> {
        self.connection
            .operations()
            .into_iter()
            .find(|op| op.name == name)
    }

    fn required(&self, name: &str) -> Result<&'static OperationSpec, ScimError> {
        self.operation(name).ok_or_else(|| {
            ScimError::new(
                501,
                None,
                format!(
                    "Connection \"{}\" does not offer the vendor operation this needs ({name}).",
                    self.connection.id
                ),
            )
        })
    }

    /// Sends one request for `operation` and reads its answer whole (bounded).
    pub async fn send(
        &self,
        operation: &'static OperationSpec,
        id: Option<&str>,
        query: Option<&str>,
        body: Option<Bytes>,
        if_match: Option<&str>,
    ) -> Result<Answer, ScimError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if body.is_some() {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        if let Some(request_id) = self.request_id.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert("x-request-id", request_id);
        }
        if let Some(if_match) = if_match.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(header::IF_MATCH, if_match);
        }
        let params = PathParams {
            id: id.map(str::to_owned),
        };
        let method = Method::from_bytes(operation.method.as_str().as_bytes())
            .map_err(|_| ScimError::new(500, None, "an operation's method is not HTTP"))?;
        let call = Call {
            method,
            target: Target::Operation {
                operation,
                params: &params,
                query,
                from_browser: Some(&headers),
            },
            body,
            content_type: None,
            deadline: Some(self.state.vendor.deadline_from_now()),
        };
        let answer = self
            .upstream()
            .call(&self.state.vendor, self.connection, &call)
            .await
            .map_err(|e: CallError| {
                tracing::warn!(connection = %self.connection.id, error = %e, "SCIM: vendor request failed");
                unanswered(&ProxyError::from(e))
            })?;
        let status = answer.status();
        let headers = answer.headers().clone();
        let body = crate::forward::read_answer(
            Body::new(answer.into_body()),
            crate::forward::FILTERED_ANSWER_LIMIT,
        )
        .await
        .map_err(|e| unanswered(&e))?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// Every user of the connection as a SCIM resource. Where the vendor has a revision, the
    /// list last read is revalidated with it (a conditional read the vendor answers 304
    /// without a body) rather than read again.
    /// Answers the revision the list holds at, where the vendor has one.
    pub async fn list(
        &self,
        cache: &ListCache,
    ) -> Result<(Arc<Listed>, Option<String>), ScimError> {
        let arrived = Instant::now();
        let _turn = super::in_turn(&cache.reading, self.state).await?;
        let kept = cache.get();
        if let Some(kept) = &kept
            && kept.asked_at >= arrived
        {
            return Ok((kept.listed.clone(), kept.revision.clone()));
        }
        let operation = self.required(names::LIST_USERS)?;
        let mapping = shared::vendor::scim(self.connection.kind());
        let description = shared::vendor::description(self.connection.kind());
        // Only what the resources need, where the vendor narrows a list itself.
        let query = match description.list.select {
            Some(select) if select.by == shared::description::SelectBy::Vendor => {
                format!("{}={}", select.param, mapping.list_select())
            }
            _ => String::new(),
        };
        let query = (!query.is_empty()).then_some(query.as_str());
        // The conditional read: only a vendor with a revision answers it.
        let known = kept.filter(|k| description.revision.is_some() && k.revision.is_some());
        let asked_at = Instant::now();
        let answer = self
            .send(
                operation,
                None,
                query,
                None,
                known.as_ref().and_then(|k| k.revision.as_deref()),
            )
            .await?;
        if answer.status == StatusCode::NOT_MODIFIED
            && let Some(known) = known
        {
            let revision = known.revision.clone();
            let listed = known.listed.clone();
            cache.put(Kept { asked_at, ..known });
            return Ok((listed, revision));
        }
        self.refused(&answer, false)?;
        let revision = answer.revision(self.connection);
        let body = answer.body;
        // 50,000 users take a few hundred milliseconds to read and map: not on a runtime
        // thread. One user at a time, from the answer's raw members: the whole list as one
        // JSON tree would take several times the memory the list kept does.
        let listed = tokio::task::spawn_blocking(move || -> Result<Listed, ScimError> {
            let users: Vec<&serde_json::value::RawValue> =
                serde_json::from_slice(&body).map_err(|e| {
                    ScimError::new(
                        502,
                        None,
                        format!("The vendor's list is not a list of users: {e}."),
                    )
                })?;
            let mut listed = Listed::with_capacity(users.len());
            for user in users {
                let user: Value = serde_json::from_str(user.get()).map_err(|e| {
                    ScimError::new(502, None, format!("The vendor's list is not JSON: {e}."))
                })?;
                if let Some(resource) = mapping.resource(&user) {
                    listed.push(&resource);
                }
            }
            Ok(listed)
        })
        .await
        .map_err(|_| ScimError::new(500, None, "Reading the vendor's list failed."))??;
        let listed = Arc::new(listed);
        cache.put(Kept {
            asked_at,
            revision: revision.clone(),
            listed: listed.clone(),
        });
        Ok((listed, revision))
    }

    /// One user as the vendor stores it (every field, for a write to start from), and the
    /// revision read with it; 404 when there is none, or it is deleted.
    pub async fn read(&self, id: &str) -> Result<(Value, Option<String>), ScimError> {
        let kind = self.connection.kind();
        let mapping = shared::vendor::scim(kind);
        let description = shared::vendor::description(kind);
        let gone = || ScimError::not_found(format!("No user with id \"{id}\"."));
        let (answer, operation_takes_id) = match self.operation(names::GET_USER) {
            Some(operation) if operation::is_valid_path_id(id) => {
                let query = description
                    .list
                    .select
                    .filter(|s| operation.query.iter().any(|q| q.name == s.param))
                    .map(|s| format!("{}={}", s.param, s.all));
                (
                    self.send(operation, Some(id), query.as_deref(), None, None)
                        .await?,
                    true,
                )
            }
            Some(_) => return Err(gone()),
            // No read of one user (Trintech): found in the list.
            None => (
                self.send(self.required(names::LIST_USERS)?, None, None, None, None)
                    .await?,
                false,
            ),
        };
        // A vendor refuses an id it could never have given (LivePerson's are numbers) as a bad
        // request: to SCIM, that user simply does not exist.
        if matches!(
            answer.status,
            StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST
        ) {
            return Err(gone());
        }
        self.refused(&answer, false)?;
        let revision = answer.revision(self.connection);
        let found = match answer.json()? {
            // A list, or a read of one answered as a list of one (CommPeak).
            Value::Array(users) => users
                .into_iter()
                .find(|u| mapping.id(u).as_deref() == Some(id)),
            user if operation_takes_id => Some(user),
            _ => None,
        };
        match found {
            Some(user) if mapping.resource(&user).is_some() => Ok((user, revision)),
            _ => Err(gone()),
        }
    }

    /// Creates `user` (one vendor user), answering the id the vendor gave it.
    pub async fn create(&self, user: Value) -> Result<String, ScimError> {
        let operation = self.required(names::CREATE_USERS)?;
        let mapping = shared::vendor::scim(self.connection.kind());
        let body = self.checked(operation, None, &user)?;
        // A create names no revision: it changes no user another admin may be editing.
        let answer = self.send(operation, None, None, Some(body), None).await;
        let outcome = answer.and_then(|answer| {
            self.refused(&answer, false)?;
            self.batch_refused(operation, &answer)?;
            Ok(answer)
        });
        // The vendor gives the id: the user is named by its login until then.
        let named = mapping.id(&user).or_else(|| {
            let login = shared::vendor::description(self.connection.kind()).login;
            shared::conflict::get(&user, login)
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        self.audit(operation, named, outcome.as_ref().map(|a| a.status));
        let answered = outcome?.json().ok();
        let first = match &answered {
            Some(Value::Array(users)) => users.first(),
            Some(user @ Value::Object(_)) => Some(user),
            _ => None,
        };
        first
            .and_then(|u| mapping.id(u))
            .or_else(|| mapping.id(&user))
            .ok_or_else(|| {
                ScimError::new(
                    502,
                    None,
                    "The vendor created the user but its answer names no id.",
                )
            })
    }

    /// Writes `record` over `original` (as read) by the vendor's update rule, naming the
    /// revision read where the vendor has one.
    pub async fn update(
        &self,
        id: &str,
        original: &Value,
        record: &Value,
        revision: Option<&str>,
    ) -> Result<(), ScimError> {
        // Nothing to write (a replace with what the vendor holds): the vendor is not asked,
        // which some refuse ("the update changes no field").
        if record == original {
            return Ok(());
        }
        let kind = self.connection.kind();
        let description = shared::vendor::description(kind);
        let body = shared::conflict::update_body(
            description,
            shared::vendor::fields(kind),
            original,
            record,
        );
        let operation = match self.operation(names::UPDATE_USER) {
            Some(operation) => operation,
            None => self.required(names::UPDATE_USERS)?,
        };
        if body.as_object().is_some_and(serde_json::Map::is_empty) {
            return Ok(());
        }
        let takes_id = operation.path.contains("{id}");
        let body = self.checked(operation, takes_id.then_some(id), &body)?;
        let answer = self
            .send(
                operation,
                takes_id.then_some(id),
                None,
                Some(body),
                revision,
            )
            .await;
        let outcome = answer.and_then(|answer| {
            self.refused(&answer, revision.is_some())?;
            self.batch_refused(operation, &answer)?;
            Ok(answer)
        });
        self.audit(
            operation,
            Some(id.to_owned()),
            outcome.as_ref().map(|a| a.status),
        );
        outcome.map(drop)
    }

    /// Deletes the user with the vendor's delete operation.
    /// Answers the revision the vendor is at after it, where it has one.
    pub async fn delete(
        &self,
        id: &str,
        revision: Option<&str>,
    ) -> Result<Option<String>, ScimError> {
        let operation = self.required(names::DELETE_USER)?;
        let answer = self.send(operation, Some(id), None, None, revision).await;
        let outcome = answer.and_then(|answer| {
            if answer.status == StatusCode::NOT_FOUND {
                return Err(ScimError::not_found(format!("No user with id \"{id}\".")));
            }
            self.refused(&answer, revision.is_some())?;
            Ok(answer)
        });
        self.audit(
            operation,
            Some(id.to_owned()),
            outcome.as_ref().map(|a| a.status),
        );
        outcome.map(|answer| answer.revision(self.connection))
    }

    /// The body for `operation` holding `user` (an array of one where it takes a list),
    /// checked with the vendor's rules before anything is sent: a refusal names the SCIM
    /// attribute, and nothing reaches the vendor.
    fn checked(
        &self,
        operation: &'static OperationSpec,
        id: Option<&str>,
        user: &Value,
    ) -> Result<Bytes, ScimError> {
        let kind = self.connection.kind();
        let wrapped = match operation.body {
            operation::Body::Users(_) => Value::Array(vec![user.clone()]),
            _ => user.clone(),
        };
        let bytes = serde_json::to_vec(&wrapped).unwrap_or_default();
        let params = PathParams {
            id: id.map(str::to_owned),
        };
        shared::vendor::check_body(kind, operation, &params, &bytes).map_err(|errors| {
            let mapping = shared::vendor::scim(kind);
            let details: Vec<String> = errors
                .0
                .iter()
                .take(5)
                .map(|e| {
                    let attribute = mapping.attribute_of(&e.path).map_or_else(
                        || format!("(vendor field {})", e.path.trim_start_matches('/')),
                        str::to_owned,
                    );
                    format!("{attribute}: {}", e.message)
                })
                .collect();
            ScimError::bad(ScimType::InvalidValue, details.join(" "))
        })?;
        let forwarded = shared::vendor::forwarded_body(kind, operation, &bytes);
        Ok(forwarded.map_or_else(|| Bytes::from(bytes), Bytes::from))
    }

    /// The vendor's refusal in SCIM's terms; `Ok` for a success. `revision_named`: the
    /// request named a revision, so a conflict means it is stale.
    pub fn refused(&self, answer: &Answer, revision_named: bool) -> Result<(), ScimError> {
        let status = answer.status;
        if status.is_success() {
            return Ok(());
        }
        let said = vendor_message(&answer.body);
        let connection = &self.connection.id;
        Err(match status {
            StatusCode::NOT_FOUND => {
                ScimError::not_found(format!("The vendor has no such user{said}."))
            }
            // A write naming a revision the account has moved past.
            StatusCode::CONFLICT | StatusCode::PRECONDITION_FAILED if revision_named => {
                ScimError::new(
                    412,
                    None,
                    "The user changed since the version named in If-Match: read it again.",
                )
            }
            StatusCode::CONFLICT => ScimError::new(
                409,
                Some(ScimType::Uniqueness),
                format!("The vendor refused the user as a duplicate{said}."),
            ),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ScimError::new(
                502,
                None,
                format!(
                    "The vendor refused the console's credential for connection \"{connection}\"; \
                     its operator must renew it."
                ),
            ),
            StatusCode::TOO_MANY_REQUESTS => {
                let error = ScimError::new(
                    429,
                    None,
                    format!("The vendor asks to slow down{said}; try again shortly."),
                );
                match answer
                    .headers
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse().ok())
                {
                    Some(seconds) => error.retry_after(seconds),
                    None => error,
                }
            }
            s if s.is_client_error() => ScimError::bad(
                ScimType::InvalidValue,
                format!("The vendor refused the request{said}."),
            ),
            _ => ScimError::new(
                502,
                None,
                format!("The vendor failed to answer ({status}){said}."),
            ),
        })
    }

    /// A batch answer (Trintech's) that reports a record failed, although the status is a
    /// success or a 400 read above.
    fn batch_refused(&self, operation: &OperationSpec, answer: &Answer) -> Result<(), ScimError> {
        if operation.reply != operation::Reply::BatchResult {
            return Ok(());
        }
        let result: shared::batch::BatchResult =
            serde_json::from_slice(&answer.body).map_err(|e| {
                ScimError::new(
                    502,
                    None,
                    format!("The vendor's batch answer is not readable: {e}."),
                )
            })?;
        match result.failed_results.first() {
            None => Ok(()),
            Some(failed) => {
                let message = failed.message.clone().unwrap_or_default();
                // Only what the vendor calls a duplicate is one; its words are not read.
                let duplicate = failed
                    .field_errors
                    .iter()
                    .any(|e| e.code == shared::ErrorCode::Duplicate);
                let error = if duplicate {
                    ScimError::new(409, Some(ScimType::Uniqueness), "")
                } else {
                    ScimError::bad(ScimType::InvalidValue, "")
                };
                Err(ScimError::new(
                    error.status,
                    error.scim_type,
                    format!("The vendor refused the user: {message}"),
                ))
            }
        }
    }

    /// Every change sent is audited with the SCIM client as who made it, and its outcome.
    fn audit(
        &self,
        operation: &OperationSpec,
        user: Option<String>,
        outcome: Result<StatusCode, &ScimError>,
    ) {
        let Some(scim) = self.state.scim.as_ref() else {
            return;
        };
        // The vendor's status when it took the change, else what the client is answered:
        // a batch the vendor answered 200 with the record failed is a failure here.
        let status = match outcome {
            Ok(status) => status.as_u16(),
            Err(error) => error.status,
        };
        let who = format!("scim:{}", scim.client);
        self.state.audit.record(&crate::audit::Event {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            who: &who,
            role: crate::access::Role::Admin,
            connection: &self.connection.id,
            operation: operation.name,
            users: user.into_iter().collect(),
            status,
            request_id: self.request_id,
        });
    }
}

/// What no answer means to a SCIM client.
fn unanswered(error: &ProxyError) -> ScimError {
    let status = match error.status() {
        StatusCode::GATEWAY_TIMEOUT => 504,
        _ => 502,
    };
    ScimError::new(status, None, error.to_string())
}

/// What the vendor said, as `": …"` (bounded), or nothing.
fn vendor_message(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(value) => ["message", "detail", "error", "description"]
            .iter()
            .find_map(|k| value.get(k).and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| value.to_string()),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let mut end = text.len().min(300);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(": {}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(id: &str, user_name: &str) -> Resource {
        match json!({"id": id, "userName": user_name}) {
            Value::Object(resource) => resource,
            _ => unreachable!(),
        }
    }

    /// Changed, added and removed users keep both indexes true, whichever position the
    /// removal moves another user to.
    #[test]
    fn a_list_kept_changes_in_place() {
        let mut listed = Listed::new(vec![user("1", "Ada"), user("2", "bob"), user("3", "cy")]);
        listed.put("1", None);
        listed.put("2", Some(user("2", "Robert")));
        listed.put("4", Some(user("4", "dee")));
        for (name, id) in [
            ("ada", None),
            ("bob", None),
            ("ROBERT", Some("2")),
            ("cy", Some("3")),
            ("dee", Some("4")),
        ] {
            let found = listed
                .with_user_name(name)
                .and_then(|r| r["id"].as_str().map(str::to_owned));
            assert_eq!(found.as_deref(), id, "{name}");
        }
        assert_eq!(listed.len(), 3);
        for (id, &at) in &listed.by_id {
            assert_eq!(listed.resource(at)["id"], id.as_str());
        }
    }

    /// Only the one write since the list was read changes it in place; anything else, or a
    /// list still being read by a request, drops it.
    #[test]
    fn only_the_one_write_since_keeps_the_list() {
        let description = shared::vendor::description(shared::VendorKind::Liveperson);
        let cache = ListCache::default();
        let keep = |revision: &str| {
            cache.put(Kept {
                asked_at: Instant::now(),
                revision: Some(revision.to_owned()),
                listed: Arc::new(Listed::new(vec![user("1", "ada")])),
            });
        };
        keep("7");
        cache.wrote(description, "2", Some(user("2", "bob")), Some("8"));
        let kept = cache.get().expect("kept");
        assert_eq!(kept.revision.as_deref(), Some("8"));
        assert!(kept.listed.with_user_name("bob").is_some());
        drop(kept);

        cache.wrote(description, "3", Some(user("3", "cy")), Some("10"));
        assert!(cache.get().is_none(), "another write came between");

        keep("7");
        let reading = cache.get();
        cache.wrote(description, "2", Some(user("2", "bob")), Some("8"));
        assert!(cache.get().is_none(), "a request still reads the list");
        drop(reading);
    }
}
