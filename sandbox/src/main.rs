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
    /// Users of each vendor generated into an empty database.
    #[arg(long, default_value_t = 1000, env = "SANDBOX_USERS")]
    users: usize,
    /// Seed LivePerson from this JSON array of users instead of generating them.
    #[arg(long)]
    liveperson_users_file: Option<PathBuf>,
    /// Seed Trintech from this JSON array of users instead of generating them.
    #[arg(long)]
    trintech_users_file: Option<PathBuf>,
    /// Seed CommPeak from this JSON array of users instead of generating them.
    #[arg(long)]
    commpeak_users_file: Option<PathBuf>,
    /// Faults to inject, as JSON, e.g. '{"latencyMs": 200, "throttleRate": 0.1,
    /// "retryAfterSeconds": 2}'; changeable at run time with PUT /_sandbox/faults.
    #[arg(long, env = "SANDBOX_FAULTS")]
    faults: Option<String>,
    /// File holding the LivePerson Bearer token the sandbox accepts (else
    /// SANDBOX_BEARER_TOKEN).
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// A LivePerson app key accepted with OAuth 1.0 signatures, as
    /// `consumer_key:consumer_secret:token:token_secret`.
    #[arg(long, env = "SANDBOX_LP_APP_KEY", hide_env_values = true)]
    lp_app_key: Option<String>,
    /// A LivePerson OAuth 2.0 client Sentinel issues tokens to, as `client_id:client_secret`.
    #[arg(long, env = "SANDBOX_LP_OAUTH_CLIENT", hide_env_values = true)]
    lp_oauth_client: Option<String>,
    /// Seconds a Sentinel token stays valid.
    #[arg(long, default_value_t = 3600)]
    lp_token_lifetime: u64,
    /// The Trintech Bearer token accepted.
    #[arg(
        long = "trintech-token",
        env = "SANDBOX_TRINTECH_TOKEN",
        hide_env_values = true
    )]
    trintech_token: String,
    /// Answer Trintech's `GET /users` with 404, as a tenant without a list endpoint would.
    #[arg(long)]
    trintech_no_list: bool,
    /// The CommPeak API user accepted with HTTP Basic auth.
    #[arg(long, default_value = "api", env = "SANDBOX_COMMPEAK_USER")]
    commpeak_user: String,
    /// The CommPeak API user's password.
    #[arg(
        long = "commpeak-password",
        env = "SANDBOX_COMMPEAK_PASSWORD",
        hide_env_values = true
    )]
    commpeak_password: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs go to stderr: stdout carries only what a script may read (the console's URL).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let generated = args.users;
    let seed = |file: Option<PathBuf>| {
        file.map_or(sandbox::Seed::Generated(generated), sandbox::Seed::File)
    };
    let bearer_token = match &args.token_file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading --token-file {}", path.display()))?
            .trim()
            .to_owned(),
        None => std::env::var("SANDBOX_BEARER_TOKEN")
            .context("no Bearer token configured: set SANDBOX_BEARER_TOKEN or pass --token-file")?,
    };
    for (name, secret) in [
        ("the LivePerson Bearer token", &bearer_token),
        ("the Trintech Bearer token", &args.trintech_token),
        ("the CommPeak password", &args.commpeak_password),
    ] {
        anyhow::ensure!(!secret.trim().is_empty(), "{name} is empty");
    }
    let config = sandbox::Config {
        database: args
            .db
            .map_or(sandbox::Database::InMemory, sandbox::Database::File),
        liveperson: sandbox::LivepersonConfig {
            account_id: args.account_id,
            bearer_token,
            app_keys: args
                .lp_app_key
                .as_deref()
                .map(parse_app_key)
                .transpose()?
                .into_iter()
                .collect(),
            oauth_clients: args
                .lp_oauth_client
                .as_deref()
                .map(parse_oauth_client)
                .transpose()?
                .into_iter()
                .collect(),
            token_lifetime: std::time::Duration::from_secs(args.lp_token_lifetime),
            seed: seed(args.liveperson_users_file),
        },
        trintech: sandbox::TrintechConfig {
            bearer_token: args.trintech_token,
            seed: seed(args.trintech_users_file),
            list_enabled: !args.trintech_no_list,
        },
        commpeak: sandbox::CommpeakConfig {
            username: args.commpeak_user,
            password: args.commpeak_password,
            seed: seed(args.commpeak_users_file),
        },
        faults: match &args.faults {
            Some(json) => serde_json::from_str(json).context("--faults is not a faults object")?,
            None => sandbox::Faults::default(),
        },
    };
    let app = sandbox::app(&config).context("opening the sandbox database")?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(
        %addr,
        liveperson_account = %config.liveperson.account_id,
        trintech = %format!("http://{addr}{}", sandbox::TRINTECH_PREFIX),
        commpeak = %format!("http://{addr}{}", sandbox::COMMPEAK_PREFIX),
        "sandbox listening"
    );
    axum::serve(listener, app).await?;
    Ok(())
}

fn parse_app_key(value: &str) -> anyhow::Result<sandbox::lp_auth::AppKey> {
    let parts: Vec<&str> = value.split(':').collect();
    let [consumer_key, consumer_secret, token, token_secret] = parts[..] else {
        anyhow::bail!("--lp-app-key must be consumer_key:consumer_secret:token:token_secret");
    };
    Ok(sandbox::lp_auth::AppKey {
        consumer_key: consumer_key.into(),
        consumer_secret: consumer_secret.into(),
        token: token.into(),
        token_secret: token_secret.into(),
    })
}

fn parse_oauth_client(value: &str) -> anyhow::Result<sandbox::lp_auth::OAuthClient> {
    let (client_id, client_secret) = value
        .split_once(':')
        .context("--lp-oauth-client must be client_id:client_secret")?;
    Ok(sandbox::lp_auth::OAuthClient {
        client_id: client_id.into(),
        client_secret: client_secret.into(),
    })
}
