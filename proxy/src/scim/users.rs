//! `/Users`: what each SCIM request does to the connection's vendor. A write reads the user
//! as the vendor stores it, applies the SCIM change to it with the vendor's mapping, checks
//! the result with the vendor's rules and sends it by the vendor's update rule; the answer is
//! the user read back, so it says what the vendor now holds.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use shared::description::{Deletion, FieldValue, Switch};
use shared::scim::query::{self, ListQuery};
use shared::scim::{self, Resource, ScimError, ScimType, patch};

use super::vendor::{ListCache, Vendor};
use super::{ScimState, json};
use crate::{AppState, Connection};

/// How many times a write without `If-Match` is built again on a fresh read when the
/// account's revision moved under it (another change anywhere in a LivePerson account moves
/// it): the identity provider asked for its change, not for a version.
const ATTEMPTS_PER_WRITE: usize = 3;

/// How a write states the user: whole (PUT: what it leaves out is the vendor's to keep or
/// clear), or as read with operations applied (PATCH: what is missing was removed).
#[derive(Clone, Copy)]
enum Written {
    Replaced,
    Patched,
}

/// One SCIM request's connection and what it needs to answer.
pub(super) struct Context<'a> {
    pub state: &'a Arc<AppState>,
    pub scim: &'a ScimState,
    pub connection: &'a Connection,
    /// `{scheme}://{host}{base}/scim/v2/{connection}`.
    pub base_url: &'a str,
    pub request_id: Option<String>,
}

impl Context<'_> {
    fn vendor(&self) -> Vendor<'_> {
        Vendor {
            state: self.state,
            connection: self.connection,
            request_id: self.request_id.as_deref(),
        }
    }

    /// This connection's turn to write.
    async fn write_turn(&self) -> Result<tokio::sync::MutexGuard<'_, ()>, ScimError> {
        let lock = self
            .scim
            .writes
            .get(&self.connection.id)
            .ok_or_else(|| ScimError::new(500, None, "The connection has no SCIM state."))?;
        super::in_turn(lock, self.state).await
    }

    fn cache(&self) -> &ListCache {
        self.scim
            .lists
            .get(&self.connection.id)
            .expect("every provisioned connection has a list cache")
    }

    fn mapping(&self) -> &'static shared::scim::mapping::Mapping {
        shared::vendor::scim(self.connection.kind())
    }

    fn location(&self, id: &str) -> String {
        format!("{}/Users/{}", self.base_url, super::segment(id))
    }

    /// `resource` with its `meta`, projected, as the answer.
    fn answered(
        &self,
        mut resource: Resource,
        version: Option<&str>,
        status: StatusCode,
        projection: (&[String], &[String]),
    ) -> Response {
        let id = resource
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let location = self.location(&id);
        scim::set_meta(&mut resource, &location, version);
        query::project(&mut resource, projection.0, projection.1);
        let mut response = json(status, &Value::Object(resource));
        let headers = response.headers_mut();
        if let Some(etag) = version.and_then(|v| HeaderValue::from_str(&scim::etag(v)).ok()) {
            headers.insert(header::ETAG, etag);
        }
        if status == StatusCode::CREATED
            && let Ok(location) = HeaderValue::from_str(&location)
        {
            headers.insert(header::LOCATION, location);
        }
        response
    }

    pub async fn list(&self, query: Option<&str>) -> Result<Response, ScimError> {
        self.listing(ListQuery::from_query(query)?).await
    }

    pub async fn search(&self, body: &[u8]) -> Result<Response, ScimError> {
        self.listing(ListQuery::from_search(body)?).await
    }

    async fn listing(&self, query: ListQuery) -> Result<Response, ScimError> {
        let (listed, version) = self.vendor().list(self.cache()).await?;
        // The lookup before every push is answered from the index; any other filter parses
        // every user, tens of milliseconds for 50,000: not on a runtime thread.
        let indexed = query
            .filter
            .as_ref()
            .is_none_or(|f| f.user_name_equals().is_some());
        let matching = if indexed {
            listed.matching(query.filter.as_ref())
        } else {
            let (listed, filter) = (listed.clone(), query.filter.clone());
            tokio::task::spawn_blocking(move || listed.matching(filter.as_ref()))
                .await
                .map_err(|_| ScimError::new(500, None, "Filtering the users failed."))?
        };
        let total = matching.len();
        let page: Vec<Resource> = matching
            [query::page_bounds(total, query.start_index, query.count)]
        .iter()
        .map(|&at| {
            let mut resource = listed.resource(at);
            let id = resource
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            scim::set_meta(&mut resource, &self.location(&id), version.as_deref());
            query::project(&mut resource, &query.attributes, &query.excluded_attributes);
            resource
        })
        .collect();
        Ok(json(
            StatusCode::OK,
            &query::list_response(total, query.start_index, page),
        ))
    }

    pub async fn get(&self, id: &str, query: Option<&str>) -> Result<Response, ScimError> {
        let (attributes, excluded) = query::projection_from_query(query)?;
        let (user, revision) = self.vendor().read(id).await?;
        let resource = self.resource(&user, id)?;
        Ok(self.answered(
            resource,
            revision.as_deref(),
            StatusCode::OK,
            (&attributes, &excluded),
        ))
    }

    fn resource(&self, user: &Value, id: &str) -> Result<Resource, ScimError> {
        self.mapping()
            .resource(user)
            .ok_or_else(|| ScimError::not_found(format!("No user with id \"{id}\".")))
    }

    /// The user as read back after a write, as the answer; the list kept learns it.
    async fn read_back(&self, id: &str, status: StatusCode) -> Result<Response, ScimError> {
        let (user, revision) = self.vendor().read(id).await?;
        let resource = self.resource(&user, id)?;
        self.cache().wrote(
            shared::vendor::description(self.connection.kind()),
            id,
            Some(resource.clone()),
            revision.as_deref(),
        );
        Ok(self.answered(resource, revision.as_deref(), status, (&[], &[])))
    }

    pub async fn create(&self, body: &[u8]) -> Result<Response, ScimError> {
        let resource = user_body(body)?;
        let user_name = user_name(&resource)?;
        let _turn = self.write_turn().await?;
        let (listed, _) = self.vendor().list(self.cache()).await?;
        if listed.with_user_name(user_name).is_some() {
            return Err(taken(user_name));
        }
        // Not held across the write: the list kept is then changed in place.
        drop(listed);
        let password = generated_password(self.mapping())?;
        let empty = serde_json::Map::new();
        let defaults = self
            .scim
            .defaults
            .get(&self.connection.id)
            .unwrap_or(&empty);
        let user = self.mapping().create_user(&resource, defaults, &password)?;
        let id = self.vendor().create(user.clone()).await?;
        // From here the user exists: whatever fails after, the answer is 201 with what is
        // known, or the identity provider would try again and meet its own user as a
        // duplicate.
        let completed = async {
            // What the vendor's create cannot carry (CommPeak takes names on update only) is
            // written straight after it.
            let (created, revision) = self.vendor().read(&id).await?;
            if let Some(record) = self.mapping().after_create(&created, &resource)? {
                self.vendor()
                    .update(&id, &created, &record, revision.as_deref())
                    .await?;
            }
            self.read_back(&id, StatusCode::CREATED).await
        }
        .await;
        Ok(completed.unwrap_or_else(|e| {
            tracing::warn!(connection = %self.connection.id, %id, error = %e, "SCIM: created, but what followed the create failed");
            let key = shared::vendor::description(self.connection.kind()).key;
            let mut sent = user;
            shared::conflict::set(&mut sent, key, Some(Value::String(id.clone())));
            let mut known = self.mapping().resource(&sent).unwrap_or_default();
            known.insert("id".into(), Value::String(id.clone()));
            self.answered(known, None, StatusCode::CREATED, (&[], &[]))
        }))
    }

    pub async fn replace(
        &self,
        id: &str,
        body: &[u8],
        if_match: Option<&str>,
    ) -> Result<Response, ScimError> {
        let sent = user_body(body)?;
        user_name(&sent)?;
        if let Some(given) = sent.get("id").and_then(Value::as_str)
            && given != id
        {
            return Err(ScimError::bad(
                ScimType::Mutability,
                format!("id is read-only: the body names \"{given}\" but the path \"{id}\"."),
            ));
        }
        self.write(id, if_match, Written::Replaced, |_| Ok(sent.clone()))
            .await
    }

    pub async fn patch(
        &self,
        id: &str,
        body: &[u8],
        if_match: Option<&str>,
    ) -> Result<Response, ScimError> {
        let operations: Value = serde_json::from_slice(body).map_err(|e| {
            ScimError::bad(
                ScimType::InvalidSyntax,
                format!("The body is not JSON: {e}."),
            )
        })?;
        self.write(id, if_match, Written::Patched, |current| {
            let mut resource = current.clone();
            patch::apply(&mut resource, &operations)?;
            patch::normalize(&mut resource);
            shared::scim::mapping::Mapping::refresh_formatted(current, &mut resource)?;
            self.mapping().removal_refused(current, &resource)?;
            Ok(resource)
        })
        .await
    }

    /// Reads the user, makes `change` of its SCIM resource, and writes the vendor user that
    /// results; again on a fresh read when the revision moved and the client named none.
    async fn write(
        &self,
        id: &str,
        if_match: Option<&str>,
        how: Written,
        change: impl Fn(&Resource) -> Result<Resource, ScimError>,
    ) -> Result<Response, ScimError> {
        let named = self.named_version(if_match);
        let _turn = self.write_turn().await?;
        for attempt in 1..=ATTEMPTS_PER_WRITE {
            let (current, revision) = self.vendor().read(id).await?;
            let before = self.resource(&current, id)?;
            let after = change(&before)?;
            // What may not change is refused before a list is read to check a new name.
            let record = match how {
                Written::Replaced => self.mapping().replaced_user(&current, &after)?,
                Written::Patched => self.mapping().patched_user(&current, &after)?,
            };
            self.check_rename(&before, &after).await?;
            let written = self
                .vendor()
                .update(
                    id,
                    &current,
                    &record,
                    named.as_deref().or(revision.as_deref()),
                )
                .await;
            match written {
                Err(e) if e.status == 412 && named.is_none() => {
                    if attempt == ATTEMPTS_PER_WRITE {
                        return Err(moved_on());
                    }
                    tracing::info!(connection = %self.connection.id, attempt, "SCIM: the revision moved; writing again on a fresh read");
                }
                Err(e) => return Err(e),
                Ok(()) => break,
            }
        }
        self.read_back(id, StatusCode::OK).await
    }

    /// The version a client's `If-Match` names, where the vendor has versions (`*` names
    /// none); a vendor without them has no `ETag` to match, so it is not asked.
    fn named_version(&self, if_match: Option<&str>) -> Option<String> {
        shared::vendor::description(self.connection.kind())
            .revision
            .and(if_match)
            .and_then(scim::version_of)
            .map(str::to_owned)
    }

    /// A new `userName` that another user has is refused before anything is sent.
    async fn check_rename(&self, before: &Resource, after: &Resource) -> Result<(), ScimError> {
        let old = before.get("userName").and_then(Value::as_str);
        let new = user_name(after)?;
        if old.is_some_and(|old| old.to_lowercase() == new.to_lowercase()) {
            return Ok(());
        }
        let (listed, _) = self.vendor().list(self.cache()).await?;
        if listed
            .with_user_name(new)
            .is_some_and(|other| other.get("id") != before.get("id"))
        {
            return Err(taken(new));
        }
        Ok(())
    }

    /// Deletes where the vendor can, marks deleted where it has a flag, and locks the user
    /// out and retires them where it has neither; a later read is 404 in each case.
    pub async fn delete(&self, id: &str, if_match: Option<&str>) -> Result<Response, ScimError> {
        let description = shared::vendor::description(self.connection.kind());
        let named = self.named_version(if_match);
        let _turn = self.write_turn().await?;
        for attempt in 1..=ATTEMPTS_PER_WRITE {
            let (current, revision) = self.vendor().read(id).await?;
            let revision = named.as_deref().or(revision.as_deref());
            let done = match description.deletion {
                Deletion::Operation => self.vendor().delete(id, revision).await.map(|after| {
                    self.cache().wrote(description, id, None, after.as_deref());
                }),
                Deletion::Flag(flag) => {
                    let record = switched(&current, flag);
                    let done = self.vendor().update(id, &current, &record, revision).await;
                    self.cache().wrote(description, id, None, None);
                    done
                }
                // No delete: locked out and retired as the mapping says, so that the user is
                // no SCIM resource any more.
                Deletion::None => {
                    let record = self.mapping().retired_user(&current);
                    let done = self.vendor().update(id, &current, &record, revision).await;
                    self.cache().wrote(description, id, None, None);
                    done
                }
            };
            match done {
                Err(e) if e.status == 412 && named.is_none() => {
                    if attempt == ATTEMPTS_PER_WRITE {
                        return Err(moved_on());
                    }
                }
                Err(e) => return Err(e),
                Ok(()) => break,
            }
        }
        let mut response = Response::new(axum::body::Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        Ok(response)
    }
}

/// `user` with `switch` turned on (its deleted flag).
fn switched(user: &Value, switch: Switch) -> Value {
    let mut record = user.clone();
    let on = match switch.on {
        FieldValue::Bool(on) => Value::Bool(on),
        FieldValue::Number(on) => Value::from(on),
    };
    shared::conflict::set(&mut record, switch.field, Some(on));
    record
}

/// A POST or PUT body: a User, its names made canonical.
fn user_body(body: &[u8]) -> Result<Resource, ScimError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ScimError::bad(
            ScimType::InvalidSyntax,
            format!("The body is not JSON: {e}."),
        )
    })?;
    let Value::Object(mut resource) = value else {
        return Err(ScimError::bad(
            ScimType::InvalidSyntax,
            "The body must be a JSON object: a SCIM User.",
        ));
    };
    patch::normalize(&mut resource);
    Ok(resource)
}

fn user_name(resource: &Resource) -> Result<&str, ScimError> {
    resource
        .get("userName")
        .and_then(Value::as_str)
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| {
            ScimError::bad(
                ScimType::InvalidValue,
                "userName is required, as a non-empty string.",
            )
        })
}

/// The account kept changing under a write the client set no precondition on: not its 412
/// (RFC 9110 §13.1 ties that to a precondition sent), but a busy service to try again.
fn moved_on() -> ScimError {
    ScimError::new(
        503,
        None,
        "The account kept changing while the user was written; nothing was changed. Try again.",
    )
    .retry_after(1)
}

fn taken(user_name: &str) -> ScimError {
    ScimError::new(
        409,
        Some(ScimType::Uniqueness),
        format!("A user with userName \"{user_name}\" exists already."),
    )
}

/// A password of the vendor's strength from the operating system's random source, for a
/// user created without one (they sign in through SSO). Never logged.
fn generated_password(mapping: &shared::scim::mapping::Mapping) -> Result<String, ScimError> {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|e| {
        tracing::error!(error = %e, "no random bytes for a generated password");
        ScimError::new(
            500,
            None,
            "The proxy could not make a password for the user.",
        )
    })?;
    Ok(mapping.generated_password(&random))
}
