//! `sandbox`: runs the vendor emulator on its own, for tools other than the console.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;

/// Emulates the vendors' Users APIs on a local port.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9090", env = "SANDBOX_LISTEN")]
    listen: std::net::SocketAddr,
    /// SQLite file holding the data (created if missing); in memory when not given.
    #[arg(long, env = "SANDBOX_DB")]
    db: Option<PathBuf>,
    /// LivePerson account (site id) served.
    #[arg(long, default_value = "12345678", env = "SANDBOX_ACCOUNT_ID")]
    account_id: String,
    /// Users seeded into an empty account.
    #[arg(long, default_value_t = 1000, env = "SANDBOX_USERS")]
    users: usize,
    /// File holding the Bearer token the sandbox accepts (else SANDBOX_BEARER_TOKEN).
    #[arg(long)]
    token_file: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let bearer_token = match &args.token_file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading --token-file {}", path.display()))?
            .trim()
            .to_owned(),
        None => std::env::var("SANDBOX_BEARER_TOKEN")
            .context("no Bearer token configured: set SANDBOX_BEARER_TOKEN or pass --token-file")?,
    };
    anyhow::ensure!(
        !bearer_token.is_empty(),
        "the sandbox Bearer token is empty"
    );
    let config = sandbox::Config {
        database: args
            .db
            .map_or(sandbox::Database::InMemory, sandbox::Database::File),
        account_id: args.account_id,
        bearer_token,
        seed_users: args.users,
    };
    let app = sandbox::app(&config).context("opening the sandbox database")?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    tracing::info!(addr = %listener.local_addr()?, account = %config.account_id, "sandbox listening");
    axum::serve(listener, app).await?;
    Ok(())
}
