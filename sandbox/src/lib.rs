//! A faithful emulator of the vendors' Users APIs: real SQLite persistence, real auth checks,
//! the vendors' status codes and revisions. The proxy's embedded mode and every test talk to
//! it over HTTP exactly as they would talk to the vendor.

pub mod liveperson;
pub mod seed;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

pub use store::Store;

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
    /// The LivePerson account (site id) this instance serves.
    pub account_id: String,
    /// The only `Authorization: Bearer` value accepted.
    pub bearer_token: String,
    /// How many users to seed into an account that has none.
    pub seed_users: usize,
}

/// Opens (and seeds, if empty) the store and builds the HTTP routes.
pub fn app(config: &Config) -> Result<Router, store::StoreError> {
    let store = Arc::new(Store::open(&config.database)?);
    store.seed_if_empty(&config.account_id, config.seed_users)?;
    Ok(liveperson::router(liveperson::State {
        store,
        account_id: config.account_id.clone(),
        bearer_token: config.bearer_token.clone(),
    }))
}

/// A sandbox listening on a loopback port in this process (the proxy's embedded mode, tests).
pub struct Running {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `http://127.0.0.1:{port}`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
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
