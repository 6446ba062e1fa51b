//! A faithful emulator of the vendors' Users APIs: real SQLite persistence, real auth checks,
//! the vendors' status codes and revisions. The proxy's embedded mode and every test talk to
//! it over HTTP exactly as they would talk to the vendor.

mod auth;
pub mod commpeak;
pub mod faults;
pub mod liveperson;
pub mod lp_auth;
pub mod seed;
pub mod store;
pub mod trintech;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

pub use faults::Faults;
pub use seed::Seed;
pub use store::{Store, StoreError};

/// Where the Trintech emulation is served, under the sandbox's address.
pub const TRINTECH_PREFIX: &str = "/trintech";
/// Where the CommPeak emulation is served, under the sandbox's address.
pub const COMMPEAK_PREFIX: &str = "/commpeak";

/// Where the sandbox keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// Lost when the process ends; for tests.
    InMemory,
    /// A SQLite file, created if missing, kept across restarts.
    File(PathBuf),
}

/// Everything a sandbox instance needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: Database,
    pub liveperson: LivepersonConfig,
    pub trintech: TrintechConfig,
    pub commpeak: CommpeakConfig,
    /// Faults injected into every vendor's answers (none by default).
    pub faults: Faults,
}

/// The emulated LivePerson account.
#[derive(Debug, Clone)]
pub struct LivepersonConfig {
    /// The account (site id) served.
    pub account_id: String,
    /// The static `Authorization: Bearer` value accepted (a user login's token).
    pub bearer_token: String,
    /// App keys whose OAuth 1.0 signatures are accepted.
    pub app_keys: Vec<lp_auth::AppKey>,
    /// OAuth 2.0 clients Sentinel issues tokens to.
    pub oauth_clients: Vec<lp_auth::OAuthClient>,
    /// How long a Sentinel token is valid.
    pub token_lifetime: std::time::Duration,
    /// The users of an account that has none yet.
    pub seed: Seed,
}

/// The emulated Trintech tenant.
#[derive(Debug, Clone)]
pub struct TrintechConfig {
    /// The only `Authorization: Bearer` value accepted.
    pub bearer_token: String,
    pub seed: Seed,
    /// Serve `GET /users` (unpublished by the vendor, so switchable).
    pub list_enabled: bool,
}

/// The emulated CommPeak tenant.
#[derive(Debug, Clone)]
pub struct CommpeakConfig {
    /// The API user and password accepted with HTTP Basic auth.
    pub username: String,
    pub password: String,
    pub seed: Seed,
}

impl Config {
    /// A sandbox with fresh random credentials for every vendor (the proxy's embedded mode,
    /// tests), seeding `seed_users` users of each vendor.
    pub fn with_random_credentials(
        database: Database,
        account_id: &str,
        seed_users: usize,
    ) -> Self {
        let secret = || uuid::Uuid::new_v4().simple().to_string();
        Self {
            database,
            liveperson: LivepersonConfig {
                account_id: account_id.to_owned(),
                bearer_token: secret(),
                app_keys: vec![lp_auth::AppKey {
                    consumer_key: secret(),
                    consumer_secret: secret(),
                    token: secret(),
                    token_secret: secret(),
                }],
                oauth_clients: vec![lp_auth::OAuthClient {
                    client_id: secret(),
                    client_secret: secret(),
                }],
                token_lifetime: std::time::Duration::from_secs(3600),
                seed: Seed::Generated(seed_users),
            },
            trintech: TrintechConfig {
                bearer_token: secret(),
                seed: Seed::Generated(seed_users),
                list_enabled: true,
            },
            commpeak: CommpeakConfig {
                username: "console-api".into(),
                password: secret(),
                seed: Seed::Generated(seed_users),
            },
            faults: Faults::default(),
        }
    }
}

/// Why a sandbox cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("invalid faults: {0}")]
    Faults(String),
}

/// Opens (and seeds, if empty) the store and builds the HTTP routes of every vendor.
pub fn app(config: &Config) -> Result<Router, StartError> {
    let store = Arc::new(Store::open(&config.database)?);
    let lp = &config.liveperson;
    store.seed_if_empty(&lp.account_id, &lp.seed)?;
    // The account's skills, agent groups and profiles: the seeded ones, and a named entry for
    // any other id a stored user carries (users from a file, or from an earlier run).
    let catalog = Arc::new(seed::liveperson_catalog(&store.references(&lp.account_id)?));
    store.trintech_seed_if_empty(&config.trintech.seed)?;
    store.commpeak_seed_if_empty(&config.commpeak.seed)?;
    config.faults.check().map_err(StartError::Faults)?;
    let faults = faults::shared(config.faults.clone());
    let accounts = Arc::new(lp_auth::Accounts::new(
        lp.account_id.clone(),
        lp.bearer_token.clone(),
        lp.app_keys.clone(),
        lp.oauth_clients.clone(),
        lp.token_lifetime,
    ));
    let vendors = Router::new()
        .merge(lp_auth::router(accounts.clone()))
        .merge(liveperson::router(liveperson::State {
            store: store.clone(),
            account_id: lp.account_id.clone(),
            accounts,
            roles: seed::profile_roles(),
            catalog,
        }))
        .nest(
            TRINTECH_PREFIX,
            trintech::router(trintech::State {
                store: store.clone(),
                bearer_token: config.trintech.bearer_token.clone(),
                list_enabled: config.trintech.list_enabled,
            }),
        )
        .nest(
            COMMPEAK_PREFIX,
            commpeak::router(commpeak::State {
                store,
                username: config.commpeak.username.clone(),
                password: config.commpeak.password.clone(),
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            faults.clone(),
            faults::inject,
        ));
    Ok(vendors.merge(faults::control(faults)))
}

/// Runs store work off the async threads (SQLite blocks).
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::TaskFailed(e.to_string()))?
}

/// A sandbox listening on a loopback port in this process (the proxy's embedded mode, tests).
pub struct Running {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `http://127.0.0.1:{port}`: LivePerson's base URL (its paths carry the account).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The Trintech emulation's base URL.
    pub fn trintech_url(&self) -> String {
        format!("{}{TRINTECH_PREFIX}", self.base_url())
    }

    /// The CommPeak emulation's base URL.
    pub fn commpeak_url(&self) -> String {
        format!("{}{COMMPEAK_PREFIX}", self.base_url())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the sandbox on `127.0.0.1` at a free port.
pub async fn spawn(config: &Config) -> anyhow::Result<Running> {
    let app = app(config)?;
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "sandbox server stopped");
        }
    });
    Ok(Running { addr, task })
}
