//! The SCIM face's test harness: a sandbox and a proxy with SCIM on for every connection that
//! lists its users, an audit file, a client that sends the SCIM token, and reads of each
//! vendor's own stored users straight from the sandbox (never through SCIM), so that a test
//! asserts what the vendor holds, not only what SCIM answered.

use std::path::PathBuf;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::ACCOUNT_ID;

/// The SCIM Bearer token the test proxy accepts.
pub const TOKEN: &str = "scim-test-token-0123456789abcdef";
pub const CONTENT_TYPE: &str = "application/scim+json";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// The three vendors, by the connection the embedded default names after each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Liveperson,
    Commpeak,
    Trintech,
}

pub const VENDORS: [Vendor; 3] = [Vendor::Liveperson, Vendor::Commpeak, Vendor::Trintech];

impl Vendor {
    pub fn connection(self) -> &'static str {
        match self {
            Self::Liveperson => "liveperson",
            Self::Commpeak => "commpeak",
            Self::Trintech => "trintech",
        }
    }

    /// The vendor field SCIM's `userName` is.
    pub fn user_name_field(self) -> &'static str {
        match self {
            Self::Liveperson => "loginName",
            Self::Commpeak => "username",
            Self::Trintech => "userName",
        }
    }

    pub fn user_name(self, record: &Value) -> String {
        text(&record[self.user_name_field()])
    }

    /// The SCIM id of a vendor record: LivePerson's and CommPeak's id as a string,
    /// Trintech's `userName`.
    pub fn id(self, record: &Value) -> String {
        match self {
            Self::Liveperson | Self::Commpeak => text(&record["id"]),
            Self::Trintech => text(&record["userName"]),
        }
    }

    /// Whether the vendor holds the user as disabled (LivePerson `isEnabled` false, CommPeak
    /// `is_active` 0, Trintech `lockedOut` true). Panics on a record that says neither.
    pub fn disabled(self, record: &Value) -> bool {
        let flag = match self {
            Self::Liveperson => &record["isEnabled"],
            Self::Commpeak => &record["is_active"],
            Self::Trintech => &record["lockedOut"],
        };
        let on = match flag {
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_i64() == Some(1),
            Value::String(s) => s == "1" || s.eq_ignore_ascii_case("true"),
            // Trintech's `lockedOut` is optional: absent is not locked out.
            Value::Null if self == Self::Trintech => false,
            other => panic!("{self:?}: no enabled flag in {other} of {record}"),
        };
        match self {
            Self::Trintech => on,
            _ => !on,
        }
    }
}

/// A vendor field read as text, whether the vendor sent a string or a number.
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A SCIM answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `scimType` of an error answer, or "".
    pub fn scim_type(&self) -> &str {
        self.body["scimType"].as_str().unwrap_or_default()
    }

    pub fn detail(&self) -> &str {
        self.body["detail"].as_str().unwrap_or_default()
    }

    /// The ids of a ListResponse's resources, in order.
    pub fn ids(&self) -> Vec<String> {
        self.body["Resources"]
            .as_array()
            .map(|r| r.iter().map(|u| text(&u["id"])).collect())
            .unwrap_or_default()
    }

    /// Asserts a SCIM error of `status` (and `scim_type` when given).
    #[track_caller]
    pub fn assert_error(&self, status: StatusCode, scim_type: Option<&str>, case: &str) {
        assert_eq!(self.status, status, "{case}: {}", self.text);
        if let Some(scim_type) = scim_type {
            assert_eq!(self.scim_type(), scim_type, "{case}: {}", self.text);
        }
    }
}

/// A sandbox, and a proxy in front of it with SCIM, both on loopback; stopped when dropped.
pub struct Scim {
    pub sandbox: sandbox::Running,
    pub config: sandbox::Config,
    pub proxy_url: String,
    /// The deployment's path prefix ("" or `/admin`).
    pub base_path: String,
    pub audit_file: PathBuf,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Scim {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Scim {
    /// `seed_users` users of each vendor, SCIM on for every listing connection.
    pub async fn start(seed_users: usize) -> Self {
        Self::start_with(seed_users, |_| (), |_| ()).await
    }

    /// Like [`Scim::start`], with the sandbox's and the proxy's configurations adjusted
    /// (the proxy's after SCIM is set, so it can be taken off or changed).
    pub async fn start_with(
        seed_users: usize,
        sandbox_config: impl FnOnce(&mut sandbox::Config),
        proxy_config: impl FnOnce(&mut proxy::Config),
    ) -> Self {
        let mut config = sandbox::Config::with_random_credentials(
            sandbox::Database::InMemory,
            ACCOUNT_ID,
            seed_users,
        );
        sandbox_config(&mut config);
        let sandbox = sandbox::spawn(&config).await.expect("the sandbox starts");
        let connections = proxy::embedded::sandbox_connections(&sandbox, &config, "4.0")
            .expect("the sandbox's connections");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let audit_file = dir.path().join("audit.jsonl");
        let mut proxy = proxy::Config::new(connections, None);
        proxy.audit_file = Some(audit_file.clone());
        proxy.scim = Some(proxy::embedded::scim_settings(
            SecretString::from(TOKEN.to_owned()),
            &proxy.connections,
        ));
        proxy_config(&mut proxy);
        let base_path = proxy.base_path.clone();
        let (proxy_url, _, task) = crate::start_configured_proxy(proxy)
            .await
            .expect("the proxy starts");
        Self {
            sandbox,
            config,
            proxy_url,
            base_path,
            audit_file,
            _dir: dir,
            task,
        }
    }

    /// `{proxy}{base}/scim/v2/{connection}{path}`.
    pub fn url(&self, connection: &str, path: &str) -> String {
        format!(
            "{}{}/scim/v2/{connection}{path}",
            self.proxy_url, self.base_path
        )
    }

    /// A request to a connection's SCIM face, with the token.
    pub fn request(&self, method: Method, vendor: Vendor, path: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .request(method, self.url(vendor.connection(), path))
            .bearer_auth(TOKEN)
    }

    /// Sends a SCIM request with the token and a JSON body, and checks what every SCIM
    /// answer must be (see [`read`]).
    pub async fn call(
        &self,
        method: Method,
        vendor: Vendor,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.request(method, vendor, path);
        if let Some(body) = body {
            request = request
                .header("content-type", CONTENT_TYPE)
                .body(body.to_string());
        }
        read(request.send().await.expect("the proxy answers")).await
    }

    pub async fn get(&self, vendor: Vendor, path: &str) -> Answer {
        self.call(Method::GET, vendor, path, None).await
    }

    /// `GET /Users` with these query parameters.
    pub async fn list(&self, vendor: Vendor, query: &[(&str, &str)]) -> Answer {
        let request = self.request(Method::GET, vendor, "/Users").query(query);
        read(request.send().await.expect("the proxy answers")).await
    }

    /// Creates a user through SCIM, asserting 201; answers the resource.
    pub async fn create(&self, vendor: Vendor, user: Value) -> Value {
        let answer = self.call(Method::POST, vendor, "/Users", Some(user)).await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{vendor:?}: {}",
            answer.text
        );
        answer.body
    }

    /// Every user the vendor stores and has not deleted, straight from the sandbox, in its
    /// order, with every field.
    pub async fn vendor_users(&self, vendor: Vendor) -> Vec<Value> {
        self.vendor_records(vendor)
            .await
            .into_iter()
            .filter(|u| !is_deleted(vendor, u))
            .collect()
    }

    /// Every record the vendor keeps, deleted ones included.
    pub async fn vendor_records(&self, vendor: Vendor) -> Vec<Value> {
        let client = reqwest::Client::new();
        let request = match vendor {
            Vendor::Liveperson => client
                .get(format!(
                    "{}{}",
                    self.sandbox.base_url(),
                    shared::liveperson::ops::users_path(ACCOUNT_ID)
                ))
                .query(&[
                    ("v", "4.0"),
                    ("select", "$all"),
                    ("include_deleted", "true"),
                ])
                .bearer_auth(&self.config.liveperson.bearer_token),
            Vendor::Commpeak => client
                .get(format!("{}/api/users/", self.sandbox.commpeak_url()))
                .basic_auth(
                    &self.config.commpeak.username,
                    Some(&self.config.commpeak.password),
                ),
            Vendor::Trintech => client
                .get(format!("{}/users", self.sandbox.trintech_url()))
                .bearer_auth(&self.config.trintech.bearer_token),
        };
        let response = request.send().await.expect("the sandbox answers");
        assert_eq!(response.status(), StatusCode::OK, "{vendor:?} list");
        let users: Value = response.json().await.expect("a JSON list");
        users.as_array().expect("a list of users").clone()
    }

    /// The record the vendor keeps for the SCIM id `id` (deleted or not), straight from
    /// the sandbox.
    pub async fn vendor_record(&self, vendor: Vendor, id: &str) -> Option<Value> {
        self.vendor_records(vendor)
            .await
            .into_iter()
            .find(|u| vendor.id(u) == id)
    }

    /// The record the vendor keeps under the user name `name` (any case).
    pub async fn vendor_named(&self, vendor: Vendor, name: &str) -> Option<Value> {
        self.vendor_records(vendor)
            .await
            .into_iter()
            .find(|u| vendor.user_name(u).eq_ignore_ascii_case(name))
    }

    /// LivePerson's account revision, straight from the sandbox.
    pub async fn liveperson_revision(&self) -> String {
        let response = reqwest::Client::new()
            .get(format!(
                "{}{}",
                self.sandbox.base_url(),
                shared::liveperson::ops::users_path(ACCOUNT_ID)
            ))
            .query(&[("v", "4.0"), ("select", "id")])
            .bearer_auth(&self.config.liveperson.bearer_token)
            .send()
            .await
            .expect("the sandbox answers");
        response.headers()["ac-revision"]
            .to_str()
            .expect("a revision")
            .to_owned()
    }

    /// Creates a LivePerson user straight in the sandbox (another admin's change): the
    /// account's revision moves on.
    pub async fn liveperson_create_other(&self, login_name: &str) {
        let response = reqwest::Client::new()
            .post(format!(
                "{}{}",
                self.sandbox.base_url(),
                shared::liveperson::ops::users_path(ACCOUNT_ID)
            ))
            .query(&[("v", "4.0")])
            .bearer_auth(&self.config.liveperson.bearer_token)
            .json(&json!([{
                "loginName": login_name, "fullName": "Someone Else", "nickname": "Some",
                "email": format!("{login_name}@example.com"), "isEnabled": true, "maxChats": 0,
                "profileIds": [3003], "passwordSh": "Pa55word!"
            }]))
            .send()
            .await
            .expect("the sandbox answers");
        assert!(
            response.status().is_success(),
            "another admin's create: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// The audit trail's events, in order.
    pub fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.audit_file)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("an audit line is JSON"))
            .collect()
    }

    pub fn audit_text(&self) -> String {
        std::fs::read_to_string(&self.audit_file).unwrap_or_default()
    }
}

fn is_deleted(vendor: Vendor, record: &Value) -> bool {
    match vendor {
        Vendor::Liveperson => record["deleted"] == json!(true),
        Vendor::Commpeak => matches!(text(&record["is_deleted"]).as_str(), "1" | "true"),
        Vendor::Trintech => false,
    }
}

/// Reads a SCIM answer whole, asserting what every one must be: `application/scim+json`
/// when it has a body, a SCIM error body (its status as a string) on every failure, and no
/// `password` in any resource.
pub async fn read(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("an answer body");
    if !text.is_empty() {
        let media = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            media.starts_with(CONTENT_TYPE),
            "{status}: content type {media:?}: {text}"
        );
    }
    let body: Value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"))
    };
    if status.is_client_error() || status.is_server_error() {
        assert_eq!(
            body["schemas"],
            json!([ERROR_SCHEMA]),
            "{status}: not a SCIM error: {text}"
        );
        assert_eq!(
            body["status"],
            json!(status.as_str()),
            "{status}: the status is not the string: {text}"
        );
        assert!(body["detail"].is_string(), "{status}: no detail: {text}");
    }
    for resource in body["Resources"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(body.get("userName").map(|_| &body))
    {
        assert!(
            resource.get("password").is_none(),
            "a password in an answer: {resource}"
        );
    }
    Answer {
        status,
        headers,
        text,
        body,
    }
}
