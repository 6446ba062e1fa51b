//! The soak: a mixed load of every vendor's operations through the proxy (lists with
//! `select`, gets, creates, updates at a revision, bulk updates) while the sandbox injects
//! faults, reported per interval (requests, answers by status, p50/p99, the proxy's RSS and
//! open descriptors) and checked at the end: every answer is the vendor's or one of the
//! proxy's documented errors, none outlived its deadline, no write reached the vendor twice,
//! the proxy's memory and descriptors stayed flat, and every write the proxy acknowledged is
//! in the sandbox's final state.
//!
//! One engine ([`run`]) for `cargo xtask soak` (the release binaries, minutes) and
//! `tests/tests/soak.rs` (30 s in `cargo test`). The proxy always runs as a process of its own,
//! so that `/proc/{pid}` measures it alone: the release binary, or for the test the test binary
//! itself re-run to serve [`proxy::app`] ([`serve_proxy_if_asked`]) from the same
//! configuration file.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sandbox::Faults;
use sandbox::faults::{Received, Record};
use serde_json::{Value, json};

use crate::ACCOUNT_ID;

/// The proxy's upstream deadline in the soak (`--request-timeout`), short so that the slow
/// fault outlives it.
pub const REQUEST_TIMEOUT_SECONDS: u64 = 2;

/// Users of each vendor the sandbox starts with.
pub const SEED_USERS: usize = 200;

/// The environment variable a re-run test binary finds the proxy's configuration file in.
pub const PROXY_CONFIG_ENV: &str = "SOAK_PROXY_CONFIG";

const LP_TOKEN_ENV: &str = "SOAK_LP_TOKEN";
const TRINTECH_TOKEN_ENV: &str = "SOAK_TRINTECH_TOKEN";
const COMMPEAK_PASSWORD_ENV: &str = "SOAK_COMMPEAK_PASSWORD";

/// The processes' log filter: errors only, and not tower-http's line for every 5xx answered,
/// which the faults make by the hundred (the table counts them).
const QUIET: &str = "error,tower_http=off";

/// The line the proxy prints on stdout once it listens, followed by its URL.
const LISTENING: &str = "Users console: ";

/// What the soak loads and how it judges.
#[derive(Debug, Clone)]
pub struct Options {
    pub duration: Duration,
    /// One row of the table per interval (a minute for `cargo xtask soak`).
    pub interval: Duration,
    /// How often the proxy's RSS and descriptors are read.
    pub sample_every: Duration,
    pub workers_per_vendor: usize,
    /// Each worker's pause between two requests: a steady mixed load, not a saturating one.
    pub pause: Duration,
    pub faults: Faults,
    /// Allowed beyond the proxy's own bound on a request (scheduling on a busy machine).
    pub margin: Duration,
}

impl Options {
    /// The soak's load and faults, run for `duration` with a row every `interval`.
    pub fn new(duration: Duration, interval: Duration) -> Self {
        Self {
            duration,
            interval,
            sample_every: (interval / 12).max(Duration::from_millis(500)),
            workers_per_vendor: 2,
            pause: Duration::from_millis(20),
            faults: Faults {
                latency_ms: 2,
                jitter_ms: 30,
                error_rate: 0.03,
                throttle_rate: 0.03,
                retry_after_seconds: 1,
                reset_rate: 0.02,
                malformed_rate: 0.02,
                slow_rate: 0.01,
                slow_ms: REQUEST_TIMEOUT_SECONDS * 1000 + 1000,
                writes_only: false,
            },
            margin: Duration::from_millis(750),
        }
    }
}

/// The sandbox's credentials, as the proxy's configuration refers to them.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub lp_token: String,
    pub trintech_token: String,
    pub commpeak_user: String,
    pub commpeak_password: String,
}

impl Credentials {
    /// Fresh random credentials.
    pub fn random() -> Self {
        let secret = || format!("soak-{:016x}", Rng::seeded().next());
        Self {
            lp_token: secret(),
            trintech_token: secret(),
            commpeak_user: "api".into(),
            commpeak_password: secret(),
        }
    }

    fn of(config: &sandbox::Config) -> Self {
        Self {
            lp_token: config.liveperson.bearer_token.clone(),
            trintech_token: config.trintech.bearer_token.clone(),
            commpeak_user: config.commpeak.username.clone(),
            commpeak_password: config.commpeak.password.clone(),
        }
    }

    /// The secrets, by the environment variables [`proxy_toml`] names.
    fn env(&self) -> [(&'static str, &str); 3] {
        [
            (LP_TOKEN_ENV, &self.lp_token),
            (TRINTECH_TOKEN_ENV, &self.trintech_token),
            (COMMPEAK_PASSWORD_ENV, &self.commpeak_password),
        ]
    }
}

/// The proxy's configuration file: one connection per vendor to the sandbox at `sandbox_url`,
/// secrets by environment variable.
pub fn proxy_toml(sandbox_url: &str, credentials: &Credentials) -> String {
    format!(
        "[connections.liveperson]\nkind = \"liveperson\"\naccount_id = \"{ACCOUNT_ID}\"\n\
         domain = \"{sandbox_url}\"\nversion = \"4.0\"\n\
         auth = {{ scheme = \"bearer\", token_env = \"{LP_TOKEN_ENV}\" }}\n\n\
         [connections.trintech]\nkind = \"trintech\"\nbase_url = \"{sandbox_url}{}\"\n\
         has_list = true\nauth = {{ scheme = \"bearer\", token_env = \"{TRINTECH_TOKEN_ENV}\" }}\n\n\
         [connections.commpeak]\nkind = \"commpeak\"\nbase_url = \"{sandbox_url}{}\"\n\
         auth = {{ scheme = \"basic\", username = \"{}\", password_env = \"{COMMPEAK_PASSWORD_ENV}\" }}\n",
        sandbox::TRINTECH_PREFIX,
        sandbox::COMMPEAK_PREFIX,
        credentials.commpeak_user,
    )
}

/// A child process, killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The proxy and the sandbox under soak; stopped when dropped.
pub struct Target {
    pub proxy_url: String,
    pub proxy_pid: u32,
    pub sandbox_url: String,
    pub credentials: Credentials,
    _proxy: Killed,
    _sandbox_process: Option<Killed>,
    _sandbox_in_process: Option<sandbox::Running>,
    _dir: tempfile::TempDir,
}

/// Starts `command` (a proxy, given the configuration file's path in `--config` or
/// [`PROXY_CONFIG_ENV`]) and reads the URL it prints.
fn start_proxy_process(
    mut command: Command,
    credentials: &Credentials,
) -> anyhow::Result<(Killed, String)> {
    for (name, value) in credentials.env() {
        command.env(name, value);
    }
    let mut child = Killed(
        command
            .env("RUST_LOG", QUIET)
            // Kept open (in the `Child`) for the process's life: a re-run test binary ends
            // when it closes, so that it never outlives this one, killed or not.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting the proxy: {command:?}"))?,
    );
    let stdout = child.0.stdout.take().context("the proxy's stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .context("the proxy ended without printing its URL")??;
        if let Some(url) = line.strip_prefix(LISTENING) {
            break url.trim_end_matches('/').to_owned();
        }
    };
    // Whatever else it prints is drained, so that it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Ok((child, url))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Target {
    /// The release binaries in `bin_dir` (`sandbox` and `proxy`), each a process of its own.
    pub fn binaries(bin_dir: &Path) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let credentials = Credentials::random();
        let port = free_port()?;
        let sandbox = Killed(
            Command::new(bin_dir.join("sandbox"))
                .args([
                    "--listen",
                    &format!("127.0.0.1:{port}"),
                    "--users",
                    &SEED_USERS.to_string(),
                    "--account-id",
                    ACCOUNT_ID,
                ])
                .env("SANDBOX_BEARER_TOKEN", &credentials.lp_token)
                .env("SANDBOX_TRINTECH_TOKEN", &credentials.trintech_token)
                .env("SANDBOX_COMMPEAK_USER", &credentials.commpeak_user)
                .env("SANDBOX_COMMPEAK_PASSWORD", &credentials.commpeak_password)
                .env("RUST_LOG", QUIET)
                .spawn()
                .context("starting the sandbox")?,
        );
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(20) {
                bail!("the sandbox does not listen on port {port}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let sandbox_url = format!("http://127.0.0.1:{port}");
        let config = dir.path().join("console.toml");
        std::fs::write(&config, proxy_toml(&sandbox_url, &credentials))?;
        let dist = dir.path().join("dist");
        std::fs::create_dir_all(&dist)?;
        std::fs::write(dist.join("index.html"), "<title>soak</title>")?;
        let mut command = Command::new(bin_dir.join("proxy"));
        command
            .args(["--port", "0", "--request-timeout"])
            .arg(REQUEST_TIMEOUT_SECONDS.to_string())
            .arg("--config")
            .arg(&config)
            .arg("--dist")
            .arg(&dist);
        let (proxy, proxy_url) = start_proxy_process(command, &credentials)?;
        Ok(Self {
            proxy_url,
            proxy_pid: proxy.0.id(),
            sandbox_url,
            credentials,
            _proxy: proxy,
            _sandbox_process: Some(sandbox),
            _sandbox_in_process: None,
            _dir: dir,
        })
    }

    /// The sandbox in this process, and the proxy in `proxy_command`: a process that calls
    /// [`serve_proxy_if_asked`] (in the tests, this very test binary run again).
    pub async fn proxy_process(proxy_command: Command) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let config = sandbox::Config::with_random_credentials(
            sandbox::Database::InMemory,
            ACCOUNT_ID,
            SEED_USERS,
        );
        let running = sandbox::spawn(&config).await?;
        let credentials = Credentials::of(&config);
        let file = dir.path().join("console.toml");
        std::fs::write(&file, proxy_toml(&running.base_url(), &credentials))?;
        let mut command = proxy_command;
        command.env(PROXY_CONFIG_ENV, &file);
        let (proxy, proxy_url) = start_proxy_process(command, &credentials)?;
        Ok(Self {
            proxy_url,
            proxy_pid: proxy.0.id(),
            sandbox_url: running.base_url(),
            credentials,
            _proxy: proxy,
            _sandbox_process: None,
            _sandbox_in_process: Some(running),
            _dir: dir,
        })
    }
}

/// In a process started by [`Target::proxy_process`] (the configuration file is in
/// [`PROXY_CONFIG_ENV`]): serves the proxy as the binary configures it, printing its URL as
/// the binary does, until killed or until its standard input closes (the soak's process
/// ended). Elsewhere returns at once.
pub async fn serve_proxy_if_asked() -> anyhow::Result<()> {
    let Some(file) = std::env::var_os(PROXY_CONFIG_ENV) else {
        return Ok(());
    };
    std::thread::spawn(|| {
        use std::io::Read;
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    let settings = proxy::settings::load(Path::new(&file))?;
    let mut config = proxy::Config::new(settings.connections, None);
    config.request_timeout = Duration::from_secs(REQUEST_TIMEOUT_SECONDS);
    let app = proxy::app(config)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    println!("{LISTENING}http://{}/", listener.local_addr()?);
    axum::serve(
        listener,
        axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
            std::net::SocketAddr,
        >(app),
    )
    .await?;
    Ok(())
}

/// A small xorshift generator: the load's choices need no quality, only variety.
struct Rng(u64);

impl Rng {
    fn seeded() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        let counter = {
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
            NEXT.fetch_add(0x9e37_79b9_7f4a_7c15, std::sync::atomic::Ordering::Relaxed)
        };
        Self((nanos ^ counter) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// 0..100.
    fn percent(&mut self) -> u64 {
        self.next() % 100
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Vendor {
    Liveperson,
    Commpeak,
    Trintech,
}

/// How one request ended, as the client saw it.
#[derive(Debug, Clone)]
enum Answer {
    Status {
        status: u16,
        /// The whole body arrived.
        complete: bool,
        /// The `requestId` of a proxy error body (`ApiError`), if the body is one.
        error_request_id: Option<String>,
    },
    /// No status at all (connection refused or cut before the head).
    Nothing(String),
}

#[derive(Debug, Clone)]
struct Outcome {
    id: String,
    write: bool,
    /// Since the soak started.
    finished: Duration,
    elapsed: Duration,
    answer: Answer,
}

/// What a writer knows of one field it writes: the last value the proxy acknowledged (2xx),
/// and the values sent since without an acknowledgement (refused, failed or unknown: any of
/// them may be what the vendor holds).
#[derive(Debug, Default, Clone)]
struct Written {
    acknowledged: Option<String>,
    since: Vec<String>,
}

impl Written {
    fn sent(&mut self, value: String, acknowledged: bool) {
        if acknowledged {
            self.acknowledged = Some(value);
            self.since.clear();
        } else {
            self.since.push(value);
        }
    }

    /// Whether `stored` can be what the vendor holds after these writes.
    fn allows(&self, stored: Option<&str>) -> bool {
        match &self.acknowledged {
            None => true,
            Some(acknowledged) => stored.is_some_and(|stored| {
                stored == acknowledged || self.since.iter().any(|s| s == stored)
            }),
        }
    }
}

/// A user a worker created and alone writes to.
#[derive(Debug, Clone)]
struct Owned {
    /// The vendor's id (LivePerson, CommPeak) or the user name (Trintech).
    id: String,
    login: String,
    field: Written,
}

/// The users a worker keeps at most: past it, a LivePerson worker deletes its oldest to make
/// room and the others stop creating, so that the lists (and the buffers the proxy reads a
/// CommPeak list into) stop growing after the first minute, and what the memory check sees is
/// the proxy's, not the data's.
const OWNED_CAP: usize = 40;

/// What one worker leaves for the final checks.
#[derive(Debug, Default)]
struct Ledger {
    vendor: Option<Vendor>,
    /// Logins whose create the proxy acknowledged (and that were not deleted since).
    created: Vec<String>,
    /// Logins whose delete the proxy acknowledged.
    deleted: Vec<String>,
    owned: Vec<Owned>,
}

struct Worker {
    vendor: Vendor,
    number: usize,
    client: reqwest::Client,
    proxy: String,
    started: Instant,
    ids: Arc<std::sync::atomic::AtomicU64>,
    run_tag: String,
    outcomes: Arc<Mutex<Vec<Outcome>>>,
    rng: Rng,
    ledger: Ledger,
    /// LivePerson's last `ac-revision` seen.
    revision: Option<String>,
    serial: u64,
}

/// A request's answer as the worker reads it: status, headers, body (if whole).
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Option<Value>,
}

impl Reply {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl Worker {
    fn url(&self, path: &str) -> String {
        let connection = match self.vendor {
            Vendor::Liveperson => "liveperson",
            Vendor::Commpeak => "commpeak",
            Vendor::Trintech => "trintech",
        };
        format!("{}/api/{connection}{path}", self.proxy)
    }

    fn unique(&mut self, kind: &str) -> String {
        self.serial += 1;
        format!(
            "soak.{kind}{}.{}.{}",
            self.number, self.run_tag, self.serial
        )
    }

    /// Sends one request with a request id of its own, records how it ended.
    async fn send(&mut self, request: reqwest::RequestBuilder, write: bool) -> Option<Reply> {
        let n = self.ids.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("soak-{}-{n}", self.run_tag);
        let begun = Instant::now();
        let result = request.header("x-request-id", &id).send().await;
        let (answer, reply) = match result {
            Err(e) => (Answer::Nothing(e.to_string()), None),
            Ok(response) => {
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                match response.bytes().await {
                    Ok(bytes) => {
                        let body: Option<Value> = serde_json::from_slice(&bytes).ok();
                        let error_request_id = body
                            .as_ref()
                            .filter(|b| b["message"].is_string())
                            .and_then(|b| b["requestId"].as_str())
                            .map(str::to_owned);
                        (
                            Answer::Status {
                                status,
                                complete: true,
                                error_request_id,
                            },
                            Some(Reply {
                                status,
                                headers,
                                body,
                            }),
                        )
                    }
                    Err(_) => (
                        Answer::Status {
                            status,
                            complete: false,
                            error_request_id: None,
                        },
                        Some(Reply {
                            status,
                            headers,
                            body: None,
                        }),
                    ),
                }
            }
        };
        self.outcomes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Outcome {
                id,
                write,
                finished: self.started.elapsed(),
                elapsed: begun.elapsed(),
                answer,
            });
        reply
    }

    /// One request of the vendor's mix.
    async fn step(&mut self) {
        let roll = self.rng.percent();
        match self.vendor {
            Vendor::Liveperson => match roll {
                0..30 => self.lp_list().await,
                30..45 => self.lp_get().await,
                45..60 if self.ledger.owned.len() >= OWNED_CAP => self.lp_delete().await,
                45..60 => self.lp_create().await,
                60..82 => self.lp_update_one().await,
                _ => self.lp_update_many().await,
            },
            Vendor::Commpeak => match roll {
                0..25 => self.cp_list().await,
                25..50 => self.cp_get().await,
                50..68 if self.ledger.owned.len() < OWNED_CAP => self.cp_create().await,
                _ => self.cp_update().await,
            },
            Vendor::Trintech => match roll {
                0..35 => self.tt_list().await,
                35..60 if self.ledger.owned.len() < OWNED_CAP => self.tt_create().await,
                _ => self.tt_update().await,
            },
        }
    }

    fn note_revision(&mut self, reply: &Reply) {
        if let Some(revision) = reply
            .headers
            .get("ac-revision")
            .and_then(|v| v.to_str().ok())
        {
            self.revision = Some(revision.to_owned());
        }
    }

    async fn lp_list(&mut self) {
        let request = self
            .client
            .get(self.url("/users"))
            .query(&[("select", "id,loginName,nickname,email")]);
        if let Some(reply) = self.send(request, false).await {
            self.note_revision(&reply);
        }
    }

    async fn lp_get(&mut self) {
        let id = match self.ledger.owned.len() {
            0 => "1".to_owned(),
            n => self.ledger.owned[self.rng.below(n)].id.clone(),
        };
        let request = self.client.get(self.url(&format!("/users/{id}")));
        self.send(request, false).await;
    }

    fn lp_record(user: &Owned, nickname: &str) -> Value {
        let mut record = lp_new_user(&user.login);
        record["id"] = user.id.parse::<i64>().map_or(Value::Null, Value::from);
        // `null` keeps the password, as the console's edit sends it.
        record["passwordSh"] = Value::Null;
        record["nickname"] = nickname.into();
        record
    }

    /// The revision to send: mostly the last one seen (often stale under this load: a 409),
    /// sometimes `-1`, which skips the check.
    fn lp_if_match(&mut self) -> String {
        match (&self.revision, self.rng.percent()) {
            (Some(revision), 0..70) => revision.clone(),
            _ => "-1".to_owned(),
        }
    }

    async fn lp_create(&mut self) {
        let login = self.unique("l");
        let request = self
            .client
            .post(self.url("/users"))
            .json(&json!([lp_new_user(&login)]));
        let Some(reply) = self.send(request, true).await else {
            return;
        };
        self.note_revision(&reply);
        if reply.ok() {
            self.ledger.created.push(login.clone());
            if let Some(id) = reply.body.as_ref().and_then(|b| b[0]["id"].as_i64()) {
                self.ledger.owned.push(Owned {
                    id: id.to_string(),
                    login,
                    field: Written::default(),
                });
            }
        }
    }

    /// Deletes the oldest user the worker created (at a revision, like the console's delete).
    async fn lp_delete(&mut self) {
        let user = self.ledger.owned.remove(0);
        // Whatever the answer, no longer counted as created: it may be gone.
        self.ledger.created.retain(|login| *login != user.login);
        let if_match = self.lp_if_match();
        let request = self
            .client
            .delete(self.url(&format!("/users/{}", user.id)))
            .header("if-match", if_match);
        if let Some(reply) = self.send(request, true).await {
            self.note_revision(&reply);
            if reply.ok() {
                self.ledger.deleted.push(user.login);
            }
        }
    }

    async fn lp_update_one(&mut self) {
        if self.ledger.owned.is_empty() {
            return self.lp_create().await;
        }
        let index = self.rng.below(self.ledger.owned.len());
        let nickname = self.unique("n");
        let record = Self::lp_record(&self.ledger.owned[index], &nickname);
        let if_match = self.lp_if_match();
        let request = self
            .client
            .put(self.url(&format!("/users/{}", self.ledger.owned[index].id)))
            .header("if-match", if_match)
            .json(&record);
        let reply = self.send(request, true).await;
        let acknowledged = reply.as_ref().is_some_and(Reply::ok);
        if let Some(reply) = &reply {
            self.note_revision(reply);
        }
        self.ledger.owned[index].field.sent(nickname, acknowledged);
    }

    /// A bulk edit: several users in one `PUT /users` at one revision.
    async fn lp_update_many(&mut self) {
        if self.ledger.owned.len() < 2 {
            return self.lp_create().await;
        }
        let count = 2 + self.rng.below(3).min(self.ledger.owned.len() - 2);
        let first = self.rng.below(self.ledger.owned.len() - count + 1);
        let mut records = Vec::new();
        let mut nicknames = Vec::new();
        for index in first..first + count {
            let nickname = self.unique("n");
            records.push(Self::lp_record(&self.ledger.owned[index], &nickname));
            nicknames.push(nickname);
        }
        let if_match = self.lp_if_match();
        let request = self
            .client
            .put(self.url("/users"))
            .header("if-match", if_match)
            .json(&records);
        let reply = self.send(request, true).await;
        let acknowledged = reply.as_ref().is_some_and(Reply::ok);
        if let Some(reply) = &reply {
            self.note_revision(reply);
        }
        for (index, nickname) in (first..first + count).zip(nicknames) {
            self.ledger.owned[index].field.sent(nickname, acknowledged);
        }
    }

    async fn cp_list(&mut self) {
        let request = self.client.get(self.url("/users"));
        self.send(request, false).await;
    }

    async fn cp_get(&mut self) {
        let id = match self.ledger.owned.len() {
            0 => "1".to_owned(),
            n => self.ledger.owned[self.rng.below(n)].id.clone(),
        };
        let request = self.client.get(self.url(&format!("/users/{id}")));
        self.send(request, false).await;
    }

    async fn cp_create(&mut self) {
        let login = self.unique("c");
        let request = self.client.post(self.url("/users")).json(&json!([{
            "username": login, "password": "Soak#pw1", "email": format!("{login}@example.com")
        }]));
        let Some(reply) = self.send(request, true).await else {
            return;
        };
        if reply.ok() {
            self.ledger.created.push(login.clone());
            // CommPeak answers every scalar as a string.
            let id = reply.body.as_ref().and_then(|b| match &b[0]["id"] {
                Value::String(id) => Some(id.clone()),
                Value::Number(id) => Some(id.to_string()),
                _ => None,
            });
            if let Some(id) = id {
                self.ledger.owned.push(Owned {
                    id,
                    login,
                    field: Written::default(),
                });
            }
        }
    }

    async fn cp_update(&mut self) {
        if self.ledger.owned.is_empty() {
            return self.cp_create().await;
        }
        let index = self.rng.below(self.ledger.owned.len());
        let name = self.unique("f");
        let request = self
            .client
            .put(self.url(&format!("/users/{}", self.ledger.owned[index].id)))
            .json(&json!({ "first_name": name }));
        let acknowledged = self.send(request, true).await.is_some_and(|r| r.ok());
        self.ledger.owned[index].field.sent(name, acknowledged);
    }

    async fn tt_list(&mut self) {
        let request = self.client.get(self.url("/users"));
        self.send(request, false).await;
    }

    /// The user names a Trintech batch answer says were processed, when it can be read.
    fn tt_succeeded(reply: &Reply) -> Option<Vec<String>> {
        let results: shared::batch::BatchResult =
            serde_json::from_value(reply.body.clone()?).ok()?;
        Some(
            results
                .success_results
                .into_iter()
                .filter_map(|item| item.user_name)
                .collect(),
        )
    }

    async fn tt_create(&mut self) {
        let logins = [self.unique("t"), self.unique("t")];
        let request = self.client.post(self.url("/users")).json(&json!(
            logins.iter().map(|l| tt_new_user(l)).collect::<Vec<_>>()
        ));
        let Some(reply) = self.send(request, true).await else {
            return;
        };
        // Whole success is 200; a 400 may still have created some, which it names.
        let created: Vec<String> = if reply.ok() {
            logins.to_vec()
        } else if reply.status == 400 {
            Self::tt_succeeded(&reply).unwrap_or_default()
        } else {
            Vec::new()
        };
        for login in created {
            self.ledger.created.push(login.clone());
            self.ledger.owned.push(Owned {
                id: login.clone(),
                login,
                field: Written::default(),
            });
        }
    }

    /// A batch update of up to three users the worker created, each with a new display name.
    async fn tt_update(&mut self) {
        if self.ledger.owned.is_empty() {
            return self.tt_create().await;
        }
        let count = (1 + self.rng.below(3)).min(self.ledger.owned.len());
        let first = self.rng.below(self.ledger.owned.len() - count + 1);
        let mut records = Vec::new();
        let mut names = Vec::new();
        for index in first..first + count {
            let name = self.unique("d");
            let mut record = tt_new_user(&self.ledger.owned[index].login);
            let object = record.as_object_mut().expect("an object");
            object.remove("password");
            object.remove("userAccess");
            record["name"]["displayName"] = name.clone().into();
            records.push(record);
            names.push(name);
        }
        let request = self.client.put(self.url("/users")).json(&records);
        let reply = self.send(request, true).await;
        let succeeded: Vec<String> = match &reply {
            Some(reply) if reply.ok() => (first..first + count)
                .map(|i| self.ledger.owned[i].login.clone())
                .collect(),
            Some(reply) if reply.status == 400 => Self::tt_succeeded(reply).unwrap_or_default(),
            _ => Vec::new(),
        };
        for (index, name) in (first..first + count).zip(names) {
            let acknowledged = succeeded.contains(&self.ledger.owned[index].login);
            self.ledger.owned[index].field.sent(name, acknowledged);
        }
    }
}

fn lp_new_user(login: &str) -> Value {
    json!({
        "loginName": login, "fullName": "Soak User", "nickname": "Soak",
        "email": format!("{login}@example.com"), "isEnabled": true, "maxChats": 2,
        "profileIds": [3001], "passwordSh": "S3cret!pw", "memberOf": {"agentGroupId": -1}
    })
}

fn tt_new_user(name: &str) -> Value {
    json!({
        "userName": name, "password": "Str0ng#pass",
        "name": {"firstName": "Ada", "lastName": "Lovelace", "displayName": "Soak"},
        "email": format!("{name}@example.com"), "phoneNumber": "+44 20 7946 0000",
        "roles": [{"type": "Close", "value": "Preparer"}],
        "userAccess": {"AccessAutomation": true, "AccessCertification": true},
        "departmentId": "FIN", "locationId": "LON", "lockedOut": false
    })
}

/// The proxy's resident memory (kB) and open descriptors now.
fn measure(pid: u32) -> anyhow::Result<(u64, usize)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS")?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))?.count();
    Ok((rss, fds))
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Duration,
    rss_kb: u64,
    fds: usize,
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    pub end: Duration,
    pub requests: usize,
    /// Status (or `cut` for a body cut short, `none` for no answer) → count.
    pub statuses: BTreeMap<String, usize>,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub rss_mb: f64,
    pub fds: usize,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn row(outcomes: &[Outcome], samples: &[Sample], start: Duration, end: Duration) -> Row {
    let within: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.finished >= start && o.finished < end)
        .collect();
    let mut statuses = BTreeMap::new();
    for outcome in &within {
        let key = match outcome.answer {
            Answer::Status {
                complete: false, ..
            } => "cut".to_owned(),
            Answer::Status { status, .. } => status.to_string(),
            Answer::Nothing(_) => "none".to_owned(),
        };
        *statuses.entry(key).or_insert(0) += 1;
    }
    let mut latencies: Vec<f64> = within
        .iter()
        .map(|o| o.elapsed.as_secs_f64() * 1000.0)
        .collect();
    latencies.sort_by(f64::total_cmp);
    let last = samples.iter().rev().find(|s| s.at < end).or(samples.last());
    Row {
        end,
        requests: within.len(),
        statuses,
        p50_ms: percentile(&latencies, 50.0),
        p99_ms: percentile(&latencies, 99.0),
        rss_mb: last.map_or(0.0, |s| s.rss_kb as f64 / 1024.0),
        fds: last.map_or(0, |s| s.fds),
    }
}

impl Row {
    fn markdown(&self, unit: &str) -> String {
        let statuses = self
            .statuses
            .iter()
            .map(|(status, n)| format!("{status}: {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let end = match unit {
            "min" => format!("{:.0}", self.end.as_secs_f64() / 60.0),
            _ => format!("{:.0} s", self.end.as_secs_f64()),
        };
        format!(
            "| {end} | {} | {statuses} | {:.0} | {:.0} | {:.1} | {} |",
            self.requests, self.p50_ms, self.p99_ms, self.rss_mb, self.fds
        )
    }
}

/// One end condition.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
}

/// What a soak measured and concluded.
#[derive(Debug, Clone)]
pub struct Report {
    pub rows: Vec<Row>,
    pub checks: Vec<Check>,
    unit: &'static str,
}

impl Report {
    pub fn table_header(unit: &str) -> String {
        let first = if unit == "min" { "Minute" } else { "Until" };
        format!(
            "| {first} | Requests | Answers by status | p50 ms | p99 ms | Proxy RSS MB | Proxy fds |\n\
             |---|---|---|---|---|---|---|"
        )
    }

    /// The conditions that failed.
    pub fn failures(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.passed).collect()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}", Report::table_header(self.unit))?;
        for row in &self.rows {
            writeln!(f, "{}", row.markdown(self.unit))?;
        }
        writeln!(f)?;
        for check in &self.checks {
            writeln!(
                f,
                "* {} **{}**: {}",
                if check.passed { "PASS" } else { "FAIL" },
                check.name,
                check.detail
            )?;
        }
        Ok(())
    }
}

/// The sandbox's control endpoints and its users, straight (not through the proxy).
struct Sandbox<'a> {
    url: &'a str,
    credentials: &'a Credentials,
    client: reqwest::Client,
}

impl Sandbox<'_> {
    async fn put(&self, path: &str, body: Value) -> anyhow::Result<()> {
        self.client
            .put(format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }

    async fn record(&self) -> anyhow::Result<Vec<Received>> {
        let record: Record = self
            .client
            .get(format!("{}{}", self.url, sandbox::faults::REQUESTS_PATH))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(record.requests)
    }

    /// Every stored user of a vendor as `login → the field the soak writes`.
    async fn users(&self, vendor: Vendor) -> anyhow::Result<HashMap<String, Option<String>>> {
        let c = self.credentials;
        let (request, login, field): (_, &str, &[&str]) = match vendor {
            Vendor::Liveperson => (
                self.client
                    .get(format!(
                        "{}{}",
                        self.url,
                        shared::liveperson::ops::users_path(ACCOUNT_ID)
                    ))
                    .query(&[("v", "4.0"), ("select", "id,loginName,nickname")])
                    .bearer_auth(&c.lp_token),
                "loginName",
                &["nickname"],
            ),
            Vendor::Commpeak => (
                self.client
                    .get(format!(
                        "{}{}/api/users/",
                        self.url,
                        sandbox::COMMPEAK_PREFIX
                    ))
                    .basic_auth(&c.commpeak_user, Some(&c.commpeak_password)),
                "username",
                &["first_name"],
            ),
            Vendor::Trintech => (
                self.client
                    .get(format!("{}{}/users", self.url, sandbox::TRINTECH_PREFIX))
                    .bearer_auth(&c.trintech_token),
                "userName",
                &["name", "displayName"],
            ),
        };
        let users: Vec<Value> = request.send().await?.error_for_status()?.json().await?;
        Ok(users
            .into_iter()
            .filter_map(|user| {
                let login = user[login].as_str()?.to_owned();
                let value = field
                    .iter()
                    .try_fold(&user, |v, key| v.get(key))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                Some((login, value))
            })
            .collect())
    }
}

/// Runs the soak against `target`, printing each row as its interval ends.
pub async fn run(target: &Target, options: &Options) -> anyhow::Result<Report> {
    let unit = if options.interval >= Duration::from_secs(60) {
        "min"
    } else {
        "s"
    };
    let sandbox = Sandbox {
        url: &target.sandbox_url,
        credentials: &target.credentials,
        client: reqwest::Client::new(),
    };
    sandbox
        .put(sandbox::faults::REQUESTS_PATH, json!({"recording": true}))
        .await?;
    sandbox
        .put(
            sandbox::faults::CONTROL_PATH,
            serde_json::to_value(&options.faults)?,
        )
        .await?;

    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("sec-fetch-site", "same-origin".parse()?);
    let deadline = Duration::from_secs(REQUEST_TIMEOUT_SECONDS);
    let attempts = proxy::RetryPolicy::default().attempts;
    let client = reqwest::Client::builder()
        .default_headers(headers)
        // Far past any bound the checks allow: a request hung for good fails the soak, and
        // does not hang it.
        .timeout(deadline * attempts * 4 + Duration::from_secs(30))
        .build()?;
    let started = Instant::now();
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let ids = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let run_tag = format!("{:x}", Rng::seeded().next() % 0xffff_ffff);
    let mut workers = Vec::new();
    for vendor in [Vendor::Liveperson, Vendor::Commpeak, Vendor::Trintech] {
        for number in 0..options.workers_per_vendor {
            let mut worker = Worker {
                vendor,
                number,
                client: client.clone(),
                proxy: target.proxy_url.clone(),
                started,
                ids: ids.clone(),
                run_tag: run_tag.clone(),
                outcomes: outcomes.clone(),
                rng: Rng::seeded(),
                ledger: Ledger {
                    vendor: Some(vendor),
                    ..Ledger::default()
                },
                revision: None,
                serial: 0,
            };
            let duration = options.duration;
            let pause = options.pause;
            workers.push(tokio::spawn(async move {
                while started.elapsed() < duration {
                    worker.step().await;
                    tokio::time::sleep(pause).await;
                }
                worker.ledger
            }));
        }
    }

    // Samples and rows, on this task, until the load ends.
    let mut samples = Vec::new();
    let mut rows = Vec::new();
    println!("\n{}", Report::table_header(unit));
    let mut next_row = options.interval;
    loop {
        let at = started.elapsed();
        let (rss_kb, fds) =
            measure(target.proxy_pid).context("reading the proxy's /proc entry (did it exit?)")?;
        samples.push(Sample { at, rss_kb, fds });
        if at >= next_row || at >= options.duration {
            let end = next_row.min(options.duration.max(at));
            let start = rows.last().map_or(Duration::ZERO, |r: &Row| r.end);
            let now = outcomes.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let row = row(&now, &samples, start, end);
            println!("{}", row.markdown(unit));
            rows.push(row);
            next_row += options.interval;
        }
        if at >= options.duration {
            break;
        }
        tokio::time::sleep(
            options
                .sample_every
                .min(options.duration.saturating_sub(at)),
        )
        .await;
    }
    let mut ledgers = Vec::new();
    for worker in workers {
        ledgers.push(worker.await?);
    }
    let outcomes = outcomes.lock().unwrap_or_else(|p| p.into_inner()).clone();
    // Requests still in flight at the last row: added to it.
    if let Some(last) = rows.last_mut() {
        let start = last.end;
        let late = row(&outcomes, &samples, start, Duration::MAX);
        last.requests += late.requests;
        for (status, n) in late.statuses {
            *last.statuses.entry(status).or_insert(0) += n;
        }
    }

    sandbox
        .put(sandbox::faults::CONTROL_PATH, json!({}))
        .await?;
    let received = sandbox.record().await?;
    sandbox
        .put(sandbox::faults::REQUESTS_PATH, json!({"recording": false}))
        .await?;
    let mut stored = HashMap::new();
    for vendor in [Vendor::Liveperson, Vendor::Commpeak, Vendor::Trintech] {
        stored.insert(vendor, sandbox.users(vendor).await?);
    }

    let mut checks = vec![
        answers_explained(&outcomes, &received),
        faults_injected(&received, &options.faults),
        within_deadline(&outcomes, options, deadline),
        no_write_retried(&outcomes, &received, &run_tag),
    ];
    checks.extend(flat(&samples, options));
    checks.push(acknowledged_kept(&ledgers, &stored));
    Ok(Report { rows, checks, unit })
}

/// Every answer is the vendor's (the status the sandbox last answered that request id, cut
/// only if the sandbox cut it, and then never passed off as whole) or one of the proxy's
/// documented errors: 429, 502 or 504, JSON, carrying the request id. A 502 needs a reason
/// upstream (an answer cut or malformed that the proxy had to read whole).
fn answers_explained(outcomes: &[Outcome], received: &[Received]) -> Check {
    let mut by_id: HashMap<&str, Vec<&Received>> = HashMap::new();
    for r in received {
        if let Some(id) = &r.request_id {
            by_id.entry(id).or_default().push(r);
        }
    }
    let (mut vendor, mut proxy) = (0, BTreeMap::<u16, usize>::new());
    let mut unexplained = Vec::new();
    let mut passed_off = 0;
    for outcome in outcomes {
        let last = by_id.get(outcome.id.as_str()).and_then(|r| r.last());
        let Answer::Status {
            status,
            complete,
            error_request_id,
        } = &outcome.answer
        else {
            if let Answer::Nothing(e) = &outcome.answer {
                unexplained.push(format!("{}: no answer ({e})", outcome.id));
            }
            continue;
        };
        let proxy_error = matches!(status, 429 | 502 | 504)
            && *complete
            && error_request_id.as_deref() == Some(outcome.id.as_str());
        if proxy_error {
            let reason = last.is_some_and(|r| r.fault != "none") || *status != 502;
            if reason {
                *proxy.entry(*status).or_insert(0) += 1;
            } else {
                unexplained.push(format!(
                    "{}: 502 from the proxy with no fault upstream ({:?})",
                    outcome.id, last
                ));
            }
            continue;
        }
        match last {
            Some(r) if r.status == *status => {
                if r.fault == "reset" && *complete {
                    passed_off += 1;
                    unexplained.push(format!(
                        "{}: the vendor's answer was cut, the client got it whole",
                        outcome.id
                    ));
                } else if !complete && r.fault != "reset" {
                    unexplained.push(format!(
                        "{}: the body was cut though the vendor's was not ({} {})",
                        outcome.id, r.method, r.path
                    ));
                } else {
                    vendor += 1;
                }
            }
            _ => unexplained.push(format!(
                "{}: status {status} (whole: {complete}) is neither the vendor's ({:?}) nor a \
                 documented proxy error",
                outcome.id, last
            )),
        }
    }
    let mut detail = format!(
        "{} answers: {vendor} the vendor's, proxy errors {proxy:?}",
        outcomes.len()
    );
    if passed_off > 0 {
        let _ = write!(detail, "; {passed_off} cut answers passed off as whole");
    }
    if !unexplained.is_empty() {
        let _ = write!(
            detail,
            "; {} unexplained, e.g. {}",
            unexplained.len(),
            unexplained[..unexplained.len().min(5)].join("; ")
        );
    }
    Check {
        name: "every answer is the vendor's or a documented proxy error",
        passed: unexplained.is_empty() && vendor > 0,
        detail,
    }
}

/// Each fault the soak asked for happened: a soak whose faults silently stayed off would
/// prove nothing.
fn faults_injected(received: &[Received], faults: &Faults) -> Check {
    let mut seen = BTreeMap::<&str, usize>::new();
    for r in received {
        *seen.entry(r.fault.as_str()).or_insert(0) += 1;
    }
    let wanted = [
        ("error", faults.error_rate),
        ("throttle", faults.throttle_rate),
        ("reset", faults.reset_rate),
        ("malformed", faults.malformed_rate),
        ("slow", faults.slow_rate),
    ];
    // Required where at least ten were to be expected (missing by chance: under 1 in 20,000).
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(name, rate)| *rate * received.len() as f64 >= 10.0 && !seen.contains_key(name))
        .map(|(name, _)| *name)
        .collect();
    Check {
        name: "every fault was injected",
        passed: missing.is_empty() && !received.is_empty(),
        detail: format!(
            "{} vendor requests, by fault {seen:?}{}",
            received.len(),
            if missing.is_empty() {
                String::new()
            } else {
                format!("; never injected: {missing:?}")
            }
        ),
    }
}

/// No request outlived the proxy's deadline (`--request-timeout`), which bounds the browser's
/// whole request: a read's retries and their waits included.
fn within_deadline(outcomes: &[Outcome], options: &Options, deadline: Duration) -> Check {
    let bound = deadline + options.margin;
    let longest = |write: bool| {
        outcomes
            .iter()
            .filter(|o| o.write == write)
            .map(|o| o.elapsed)
            .max()
            .unwrap_or_default()
    };
    let over: Vec<String> = outcomes
        .iter()
        .filter(|o| o.elapsed > bound)
        .map(|o| format!("{} took {:.1?}", o.id, o.elapsed))
        .collect();
    Check {
        name: "no request outlived its deadline",
        passed: over.is_empty(),
        detail: format!(
            "longest write {:.2?}, longest read {:.2?} (bound {bound:.2?}: deadline {deadline:?}, \
             margin {:?}){}",
            longest(true),
            longest(false),
            options.margin,
            if over.is_empty() {
                String::new()
            } else {
                format!("; over: {}", over[..over.len().min(5)].join(", "))
            }
        ),
    }
}

/// Every write sent reached the vendor at most once (by its request id), and nothing the
/// soak did not send arrived.
fn no_write_retried(outcomes: &[Outcome], received: &[Received], run_tag: &str) -> Check {
    let sent: std::collections::HashSet<&str> = outcomes
        .iter()
        .filter(|o| o.write)
        .map(|o| o.id.as_str())
        .collect();
    let mut arrivals = HashMap::<&str, usize>::new();
    let mut stray = 0;
    for r in received.iter().filter(|r| r.method != "GET") {
        match r.request_id.as_deref() {
            Some(id) if sent.contains(id) => *arrivals.entry(id).or_insert(0) += 1,
            Some(id) if id.starts_with(&format!("soak-{run_tag}-")) => stray += 1,
            _ => stray += 1,
        }
    }
    let twice: Vec<&str> = arrivals
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| *id)
        .collect();
    let reached: usize = arrivals.values().sum();
    Check {
        name: "no write was retried",
        passed: twice.is_empty() && stray == 0 && reached > 0,
        detail: format!(
            "writes sent {}, received by the sandbox {reached} ({} distinct), received twice \
             or more {}, received but never sent {stray}",
            sent.len(),
            arrivals.len(),
            twice.len()
        ),
    }
}

/// Least-squares slope of `values` over `times` (per second).
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if points.len() < 2 {
        return 0.0;
    }
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let (num, den) = points.iter().fold((0.0, 0.0), |(num, den), (x, y)| {
        (num + (x - mx) * (y - my), den + (x - mx) * (x - mx))
    });
    if den == 0.0 { 0.0 } else { num / den }
}

/// After the first interval (pools filled, caches warm), the proxy's RSS and descriptors do
/// not grow: the last third of the samples against the first third, with the slope printed.
fn flat(samples: &[Sample], options: &Options) -> Vec<Check> {
    let after: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at >= options.interval)
        .collect();
    let third = (after.len() / 3).max(1);
    let mean = |part: &[&Sample], f: fn(&Sample) -> f64| {
        part.iter().map(|s| f(s)).sum::<f64>() / part.len().max(1) as f64
    };
    let per_minute = |f: fn(&Sample) -> f64| {
        let points: Vec<(f64, f64)> = after.iter().map(|s| (s.at.as_secs_f64(), f(s))).collect();
        slope(&points) * 60.0
    };
    let rss = |s: &Sample| s.rss_kb as f64 / 1024.0;
    let fds = |s: &Sample| s.fds as f64;
    let enough = after.len() >= 3;
    let (first, last) = if enough {
        (&after[..third], &after[after.len() - third..])
    } else {
        (&after[..], &after[..])
    };
    // Tolerances: the allocator keeps and returns memory in steps, and the descriptors move
    // with the connections open at the moment (at most one per worker each side).
    let rss_growth = mean(last, rss) - mean(first, rss);
    let rss_allowed = (mean(first, rss) * 0.10).max(4.0);
    let fds_growth = mean(last, fds) - mean(first, fds);
    let fds_allowed = (options.workers_per_vendor * 3) as f64;
    vec![
        Check {
            name: "the proxy's RSS did not grow after the first interval",
            passed: enough && rss_growth <= rss_allowed,
            detail: format!(
                "{:.1} MB → {:.1} MB (first and last third of {} samples), slope {:+.2} MB/min, \
                 allowed growth {rss_allowed:.1} MB",
                mean(first, rss),
                mean(last, rss),
                after.len(),
                per_minute(rss)
            ),
        },
        Check {
            name: "the proxy's open descriptors did not grow after the first interval",
            passed: enough && fds_growth <= fds_allowed,
            detail: format!(
                "{:.1} → {:.1}, slope {:+.2} per minute, allowed growth {fds_allowed:.0}",
                mean(first, fds),
                mean(last, fds),
                per_minute(fds)
            ),
        },
    ]
}

/// Every create the proxy acknowledged is stored (and every delete it acknowledged is gone
/// from the list), and every field it acknowledged writing
/// holds that value or one sent after it (whose outcome the client could not know).
fn acknowledged_kept(
    ledgers: &[Ledger],
    stored: &HashMap<Vendor, HashMap<String, Option<String>>>,
) -> Check {
    let (mut creates, mut deletes, mut fields, mut missing) = (0, 0, 0, Vec::new());
    for ledger in ledgers {
        let Some(users) = ledger.vendor.and_then(|v| stored.get(&v)) else {
            continue;
        };
        for login in &ledger.created {
            creates += 1;
            if !users.contains_key(login) {
                missing.push(format!("created {login} is not stored"));
            }
        }
        for login in &ledger.deleted {
            deletes += 1;
            if users.contains_key(login) {
                missing.push(format!("deleted {login} is still listed"));
            }
        }
        for user in &ledger.owned {
            if user.field.acknowledged.is_none() {
                continue;
            }
            fields += 1;
            let value = users.get(&user.login).cloned().flatten();
            if !user.field.allows(value.as_deref()) {
                missing.push(format!(
                    "{} holds {value:?}, acknowledged {:?}, sent since {:?}",
                    user.login, user.field.acknowledged, user.field.since
                ));
            }
        }
    }
    Check {
        name: "every acknowledged write is in the sandbox",
        passed: missing.is_empty() && creates > 0 && fields > 0,
        detail: format!(
            "{creates} acknowledged creates still standing, {deletes} acknowledged deletes, \
             {fields} users with an acknowledged update{}",
            if missing.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} missing, e.g. {}",
                    missing.len(),
                    missing[..missing.len().min(5)].join("; ")
                )
            }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_holds_the_acknowledged_value_or_one_sent_after_it() {
        let mut field = Written::default();
        assert!(field.allows(None), "nothing acknowledged, nothing to hold");
        field.sent("a".into(), false);
        field.sent("b".into(), true);
        field.sent("c".into(), false);
        assert!(field.allows(Some("b")));
        assert!(field.allows(Some("c")));
        assert!(!field.allows(Some("a")), "sent before the acknowledgement");
        assert!(!field.allows(None));
    }

    fn outcome(id: &str, write: bool, status: u16, complete: bool, error: Option<&str>) -> Outcome {
        Outcome {
            id: id.into(),
            write,
            finished: Duration::ZERO,
            elapsed: Duration::ZERO,
            answer: Answer::Status {
                status,
                complete,
                error_request_id: error.map(str::to_owned),
            },
        }
    }

    fn received(id: &str, method: &str, status: u16, fault: &str) -> Received {
        Received {
            request_id: Some(id.into()),
            method: method.into(),
            path: "/x".into(),
            status,
            fault: fault.into(),
        }
    }

    #[test]
    fn answers_are_told_apart() {
        let upstream = [
            received("a", "GET", 200, "none"),
            received("b", "GET", 200, "reset"),
            received("c", "GET", 200, "malformed"),
            received("d", "GET", 429, "throttle"),
            received("d", "GET", 200, "none"),
        ];
        let fine = [
            outcome("a", false, 200, true, None),
            outcome("b", false, 200, false, None),
            outcome("c", false, 502, true, Some("c")),
            outcome("d", false, 200, true, None),
        ];
        assert!(answers_explained(&fine, &upstream).passed);
        for wrong in [
            // A cut answer passed off as whole.
            outcome("b", false, 200, true, None),
            // A cut the vendor did not make.
            outcome("a", false, 200, false, None),
            // A 502 without the request's id, or without a fault upstream.
            outcome("c", false, 502, true, None),
            outcome("a", false, 502, true, Some("a")),
            // Not the status the vendor last answered.
            outcome("d", false, 429, true, None),
        ] {
            let check = answers_explained(std::slice::from_ref(&wrong), &upstream);
            assert!(!check.passed, "{wrong:?}: {}", check.detail);
        }
    }

    #[test]
    fn a_write_received_twice_fails() {
        let sent = [outcome("w", true, 200, true, None)];
        let once = [received("w", "PUT", 200, "none")];
        assert!(no_write_retried(&sent, &once, "t").passed);
        let twice = [
            received("w", "PUT", 500, "error"),
            received("w", "PUT", 200, "none"),
        ];
        assert!(!no_write_retried(&sent, &twice, "t").passed);
        let stray = [
            received("w", "PUT", 200, "none"),
            received("x", "POST", 201, "none"),
        ];
        assert!(!no_write_retried(&sent, &stray, "t").passed);
    }

    #[test]
    fn slopes_and_percentiles() {
        assert!((slope(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]) - 2.0).abs() < 1e-9);
        assert_eq!(slope(&[(0.0, 1.0)]), 0.0);
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 50.0), 50.0);
        assert_eq!(percentile(&sorted, 99.0), 99.0);
    }
}
