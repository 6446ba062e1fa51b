//! Test harness: starts the sandbox and the proxy on free loopback ports in this process, and
//! a headless Chromium driven through WebDriver, exactly as a person's browser would be.

pub mod browser;
pub mod editors;
pub mod scim;
pub mod soak;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::http::Method;
use secrecy::SecretString;

/// The account the test sandbox serves.
pub const ACCOUNT_ID: &str = "12345678";
/// The connection id the test proxy exposes.
pub const CONNECTION: &str = "liveperson";

/// A sandbox plus a proxy with one connection of each vendor pointed at it, both on free
/// ports; stopped when dropped.
pub struct Stack {
    pub sandbox: sandbox::Running,
    /// The sandbox's configuration, with its credentials, for calls straight to it.
    pub config: sandbox::Config,
    /// The sandbox's LivePerson Bearer token.
    pub token: String,
    /// `http://127.0.0.1:{port}` of the proxy.
    pub proxy_url: String,
    /// Every request the proxy received, as `(method, path?query)`: lets a browser test prove that
    /// the page itself sent nothing, not merely that the proxy refused it.
    pub received: Received,
    proxy_task: tokio::task::JoinHandle<()>,
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.proxy_task.abort();
    }
}

/// The workspace root (where `dist/` and `target/` live).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives inside the workspace")
        .to_path_buf()
}

impl Stack {
    /// Starts a sandbox seeded with `seed_users` users and a proxy serving `dist`.
    pub async fn start(seed_users: usize, dist: Option<PathBuf>) -> anyhow::Result<Self> {
        Self::start_with(seed_users, dist, |_| ()).await
    }

    /// Like [`Stack::start`], with the proxy's configuration adjusted by `configure` (a path
    /// prefix, access control, limits).
    pub async fn start_with(
        seed_users: usize,
        dist: Option<PathBuf>,
        configure: impl FnOnce(&mut proxy::Config),
    ) -> anyhow::Result<Self> {
        let config = sandbox::Config::with_random_credentials(
            sandbox::Database::InMemory,
            ACCOUNT_ID,
            seed_users,
        );
        let sandbox = sandbox::spawn(&config).await?;
        let connections = proxy::embedded::sandbox_connections(&sandbox, &config, "4.0")?;
        let mut proxy_config = proxy::Config::new(connections, dist);
        configure(&mut proxy_config);
        let (proxy_url, received, proxy_task) = start_configured_proxy(proxy_config).await?;
        Ok(Self {
            sandbox,
            token: config.liveperson.bearer_token.clone(),
            config,
            proxy_url,
            received,
            proxy_task,
        })
    }

    /// Lists the users straight from the sandbox (not through the proxy), with a `select`.
    async fn sandbox_users(&self, select: &str) -> anyhow::Result<reqwest::Response> {
        Ok(reqwest::Client::new()
            .get(format!(
                "{}{}",
                self.sandbox.base_url(),
                shared::liveperson::ops::users_path(ACCOUNT_ID)
            ))
            .query(&[("v", "4.0"), ("select", select)])
            .bearer_auth(&self.token)
            .send()
            .await?
            .error_for_status()?)
    }

    /// The users stored in the sandbox, in its order, with the fields `select` names.
    pub async fn sandbox_records(
        &self,
        select: &str,
    ) -> anyhow::Result<Vec<shared::liveperson::User>> {
        Ok(self.sandbox_users(select).await?.json().await?)
    }

    /// One user's whole record, straight from the sandbox.
    pub async fn sandbox_user(&self, id: i64) -> anyhow::Result<serde_json::Value> {
        Ok(reqwest::Client::new()
            .get(format!(
                "{}{}/{id}",
                self.sandbox.base_url(),
                shared::liveperson::ops::users_path(ACCOUNT_ID)
            ))
            .query(&[("v", "4.0")])
            .bearer_auth(&self.token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// Creates users straight in the sandbox (another admin's change, as the console sees
    /// it): the account's revision moves on.
    pub async fn sandbox_create(&self, users: serde_json::Value) -> anyhow::Result<()> {
        reqwest::Client::new()
            .post(format!(
                "{}{}",
                self.sandbox.base_url(),
                shared::liveperson::ops::users_path(ACCOUNT_ID)
            ))
            .query(&[("v", "4.0")])
            .bearer_auth(&self.token)
            .json(&users)
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }

    /// Replaces one user's record straight in the sandbox, whatever the revision (another
    /// admin's change, as the console sees it).
    pub async fn sandbox_update(&self, id: i64, record: serde_json::Value) -> anyhow::Result<()> {
        reqwest::Client::new()
            .put(format!(
                "{}{}/{id}",
                self.sandbox.base_url(),
                shared::liveperson::ops::users_path(ACCOUNT_ID)
            ))
            .query(&[("v", "4.0")])
            .bearer_auth(&self.token)
            .json(&record)
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }

    /// The first agent of the seed (profile 3001 only), with the fields `select` names.
    pub async fn an_agent(&self, select: &str) -> anyhow::Result<shared::liveperson::User> {
        self.sandbox_records(select)
            .await?
            .into_iter()
            .find(|u| u.profile_ids.as_deref() == Some(&[3001]))
            .ok_or_else(|| anyhow::anyhow!("the seed has no agent"))
    }

    /// The login names stored in the sandbox, in its order.
    pub async fn sandbox_login_names(&self) -> anyhow::Result<Vec<String>> {
        let users: Vec<shared::liveperson::User> =
            self.sandbox_users("id,loginName").await?.json().await?;
        Ok(users.into_iter().filter_map(|u| u.login_name).collect())
    }

    /// The sandbox's current revision, read straight from it (not through the proxy).
    pub async fn sandbox_revision(&self) -> anyhow::Result<i64> {
        let response = self.sandbox_users("id").await?;
        Ok(response
            .headers()
            .get("ac-revision")
            .ok_or_else(|| anyhow::anyhow!("no ac-revision header"))?
            .to_str()?
            .parse()?)
    }
}

/// The requests a test proxy received, and the bodies of its writes.
#[derive(Clone, Default)]
pub struct Received(
    Arc<Mutex<Vec<(Method, String)>>>,
    Arc<Mutex<Vec<(String, axum::body::Bytes)>>>,
);

impl Received {
    /// The bodies of the writes (not GET) whose path contains `fragment`, in order: what the
    /// browser sent.
    pub fn write_bodies(&self, fragment: &str) -> Vec<axum::body::Bytes> {
        self.1
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(path, _)| path.contains(fragment))
            .map(|(_, body)| body.clone())
            .collect()
    }

    /// Every request so far, as `(method, path?query)`.
    pub fn all(&self) -> Vec<(Method, String)> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// How many requests other than GET reached `/api/...` (under any path prefix).
    pub fn api_writes(&self) -> usize {
        let seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        seen.iter()
            .filter(|(m, p)| m != Method::GET && p.contains("/api/"))
            .count()
    }
}

/// Starts a proxy with one LivePerson connection to `upstream` on a free port.
pub async fn start_proxy(
    upstream: &str,
    token: &str,
    dist: Option<PathBuf>,
) -> anyhow::Result<(String, tokio::task::JoinHandle<()>)> {
    let mut connection = liveperson_connection(
        proxy::Domain::Fixed(upstream.parse()?),
        proxy::LivepersonAuth::Bearer(SecretString::from(token.to_owned())),
    );
    connection.id = CONNECTION.into();
    let (url, _, task) = start_recorded_proxy(vec![connection], dist).await?;
    Ok((url, task))
}

/// A LivePerson connection `lp` to the tests' account, with this domain and credential.
pub fn liveperson_connection(
    domain: proxy::Domain,
    auth: proxy::LivepersonAuth,
) -> proxy::Connection {
    proxy::Connection {
        id: "lp".into(),
        label: "LivePerson".into(),
        chunk_size: proxy::config::DEFAULT_CHUNK_SIZE,
        max_users: None,
        upstream: proxy::Upstream::Liveperson(proxy::LivepersonUpstream {
            domain,
            account_id: ACCOUNT_ID.into(),
            version: "4.0".into(),
            auth,
            method_override: false,
            profiles: Vec::new(),
        }),
    }
}

async fn start_recorded_proxy(
    connections: Vec<proxy::Connection>,
    dist: Option<PathBuf>,
) -> anyhow::Result<(String, Received, tokio::task::JoinHandle<()>)> {
    start_configured_proxy(proxy::Config::new(connections, dist)).await
}

/// A proxy with a whole configuration (timeouts, limits, retries) on a free port.
pub async fn start_configured_proxy(
    config: proxy::Config,
) -> anyhow::Result<(String, Received, tokio::task::JoinHandle<()>)> {
    let received = Received::default();
    let app = tower::ServiceBuilder::new()
        .layer(axum::middleware::from_fn({
            let received = received.clone();
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let received = received.clone();
                async move {
                    let path = request
                        .uri()
                        .path_and_query()
                        .map_or_else(String::new, |p| p.as_str().to_owned());
                    received
                        .0
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((request.method().clone(), path.clone()));
                    if request.method() == Method::GET {
                        return next.run(request).await;
                    }
                    // A write's body, read whole and handed on as it came (bodies are small).
                    let (parts, body) = request.into_parts();
                    let body = axum::body::to_bytes(body, 64 << 20)
                        .await
                        .unwrap_or_default();
                    received
                        .1
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((path, body.clone()));
                    next.run(axum::extract::Request::from_parts(parts, body.into()))
                        .await
                }
            }
        }))
        .service(proxy::app(config)?);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let app = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
        std::net::SocketAddr,
    >(app);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .await
            .expect("proxy server failed");
    });
    Ok((url, received, task))
}

/// A sandbox served with a record of the requests it received, to count what the proxy asked
/// of it (token requests, domain lookups) and to see the very bodies it forwarded; stopped
/// when dropped.
pub struct CountedSandbox {
    pub base_url: String,
    /// `METHOD /path` and the body of each request, in order.
    requests: Arc<Mutex<Vec<(String, axum::body::Bytes)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CountedSandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CountedSandbox {
    pub async fn start(config: &sandbox::Config) -> anyhow::Result<Self> {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let app = sandbox::app(config)?.layer(axum::middleware::from_fn({
            let requests = requests.clone();
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let requests = requests.clone();
                async move {
                    // Read whole and handed on as it came: the proxy sends whole bodies anyway.
                    let (parts, body) = request.into_parts();
                    let body = axum::body::to_bytes(body, usize::MAX)
                        .await
                        .unwrap_or_default();
                    requests.lock().unwrap_or_else(|p| p.into_inner()).push((
                        format!("{} {}", parts.method, parts.uri.path()),
                        body.clone(),
                    ));
                    next.run(axum::extract::Request::from_parts(parts, body.into()))
                        .await
                }
            }
        }));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("sandbox server failed");
        });
        Ok(Self {
            base_url,
            requests,
            task,
        })
    }

    /// How many requests reached the sandbox whose `METHOD /path` contains `fragment`.
    pub fn count(&self, fragment: &str) -> usize {
        self.bodies(fragment).len()
    }

    /// The bodies of the requests whose `METHOD /path` contains `fragment`, in order: what
    /// the proxy forwarded, byte for byte, which its answer to the browser cannot show.
    pub fn bodies(&self, fragment: &str) -> Vec<axum::body::Bytes> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(request, _)| request.contains(fragment))
            .map(|(_, body)| body.clone())
            .collect()
    }
}

/// A proxy with the given connections on a free port, stopped when the handle is dropped.
pub async fn start_proxy_with(
    connections: Vec<proxy::Connection>,
) -> anyhow::Result<(String, tokio::task::JoinHandle<()>)> {
    let (url, _, task) = start_recorded_proxy(connections, None).await?;
    Ok((url, task))
}

/// An HTTP client that sends what a browser sends from the console's own page: the proxy
/// refuses state changes without `Sec-Fetch-Site: same-origin` and a JSON content type.
pub fn console_client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "sec-fetch-site",
        "same-origin".parse().expect("a header value"),
    );
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        "application/json".parse().expect("a header value"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("a client")
}
