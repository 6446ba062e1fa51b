//! The real `proxy` binary in its embedded default (no upstream configured): it starts the
//! sandbox in-process, serves the SPA and forwards to the sandbox, as `cargo xtask run` does.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

struct Console(Child);

/// What a browser sends from the console's own page (the proxy refuses other state changes).
fn console_client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("sec-fetch-site", "same-origin".parse().unwrap());
    headers.insert("content-type", "application/json".parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary on a free port and returns it with the URL it printed.
fn start(dist: &std::path::Path, extra: &[&str]) -> (Console, String) {
    start_with_env(dist, extra, &[])
}

fn start_with_env(
    dist: &std::path::Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Console, String) {
    spawn(dist, extra, env, Stdio::inherit())
}

/// Starts the binary; `stderr` is where its logs go (piped: the caller must read them).
fn spawn(
    dist: &std::path::Path,
    extra: &[&str],
    env: &[(&str, &str)],
    stderr: Stdio,
) -> (Console, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_proxy"))
        .args(["--port", "0", "--dist"])
        .arg(dist)
        .args(extra)
        .env_remove("LP_BASE_URL")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("the proxy binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("Users console: ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    (Console(child), url)
}

#[tokio::test]
async fn embedded_default_serves_the_console_and_the_sandbox() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<title>Users console</title>",
    )
    .unwrap();
    let (_console, url) = start(dist.path(), &["--sandbox-users", "1000"]);
    let http = console_client();

    let page = http.get(format!("{url}/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Users console"));

    let connections: Value = http
        .get(format!("{url}/api/connections"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = connections[0]["id"].as_str().unwrap().to_owned();
    let kinds: Vec<&str> = connections
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["liveperson", "trintech", "commpeak"]);
    // Every vendor's seeded users are reachable through the console's own API.
    for other in ["trintech", "commpeak"] {
        let users: Vec<Value> = http
            .get(format!("{url}/api/{other}/users"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(users.len(), 1000, "{other}");
    }

    let users_url = format!("{url}/api/{id}/users");
    let listed = http
        .get(format!("{users_url}?select=id,loginName"))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let revision: i64 = listed.headers()["ac-revision"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let users: Vec<Value> = listed.json().await.unwrap();
    assert_eq!(users.len(), 1000);

    let new_user = json!({
        "loginName": "cli.user", "fullName": "Cli User", "nickname": "Cli",
        "email": "cli.user@example.com", "isEnabled": true, "maxChats": 1,
        "profileIds": [3001], "passwordSh": "Pa55word!", "memberOf": {"agentGroupId": -1}
    });
    let created = http
        .post(&users_url)
        .json(&json!([new_user]))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created_revision: i64 = created.headers()["ac-revision"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(created_revision, revision + 1);
    let id_created = created.json::<Value>().await.unwrap()[0]["id"]
        .as_i64()
        .unwrap();
    let users: Vec<Value> = http
        .get(format!("{users_url}?select=id,loginName"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(users.contains(&json!({"id": id_created, "loginName": "cli.user"})));

    let mut edit = new_user;
    edit["id"] = id_created.into();
    edit["passwordSh"] = Value::Null;
    edit["maxChats"] = 5.into();
    let put = |revision: i64| {
        http.put(&users_url)
            .header("If-Match", revision.to_string())
            .json(&json!([edit]))
            .send()
    };
    assert_eq!(put(revision).await.unwrap().status(), 409, "stale revision");
    assert_eq!(
        put(created_revision).await.unwrap().status(),
        200,
        "current revision"
    );
}

#[test]
fn refuses_to_start_without_a_built_console() {
    let empty = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_proxy"))
        .args(["--port", "0", "--dist"])
        .arg(empty.path())
        .env_remove("LP_BASE_URL")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("index.html") && stderr.contains("cargo xtask run"),
        "{stderr}"
    );
}

fn dist_dir() -> tempfile::TempDir {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<title>Users console</title>",
    )
    .unwrap();
    dist
}

#[tokio::test]
async fn reads_connections_from_a_configuration_file_with_environment_overrides() {
    let config = sandbox::Config::with_random_credentials(sandbox::Database::InMemory, "123", 7);
    let running = sandbox::spawn(&config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let password_file = dir.path().join("commpeak-password");
    std::fs::write(&password_file, format!("{}\n", config.commpeak.password)).unwrap();
    let file = dir.path().join("console.toml");
    std::fs::write(
        &file,
        format!(
            r#"
[connections.tt]
kind = "trintech"
label = "Trintech"
base_url = "{trintech}"
has_list = true
auth = {{ scheme = "bearer", token_env = "TEST_TRINTECH_TOKEN" }}

[connections.cp]
kind = "commpeak"
label = "CommPeak"
base_url = "{commpeak}"
auth = {{ scheme = "basic", username = "{user}", password_file = "{password}" }}
"#,
            trintech = running.trintech_url(),
            commpeak = running.commpeak_url(),
            user = config.commpeak.username,
            password = password_file.display(),
        ),
    )
    .unwrap();
    let dist = dist_dir();
    let (_console, url) = start_with_env(
        dist.path(),
        &["--config", file.to_str().unwrap()],
        &[
            ("TEST_TRINTECH_TOKEN", config.trintech.bearer_token.as_str()),
            (
                "CONSOLE__CONNECTIONS__TT__LABEL",
                "Trintech (from the environment)",
            ),
        ],
    );
    let http = console_client();
    let connections: Value = http
        .get(format!("{url}/api/connections"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(connections[0]["id"], "cp");
    assert_eq!(connections[1]["label"], "Trintech (from the environment)");
    for id in ["tt", "cp"] {
        let users: Vec<Value> = http
            .get(format!("{url}/api/{id}/users"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(users.len(), 7, "{id}");
    }
}

#[test]
fn a_bad_configuration_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("console.toml");
    std::fs::write(
        &file,
        r#"
[connections.lp]
kind = "liveperson"
account_id = "123"
domain = "https://va.example"
auth = { scheme = "oauth2", client_id = "id", client_secret_env = "TEST_UNSET_CLIENT_SECRET" }
"#,
    )
    .unwrap();
    let dist = dist_dir();
    let output = Command::new(env!("CARGO_BIN_EXE_proxy"))
        .args(["--port", "0", "--config"])
        .arg(&file)
        .arg("--dist")
        .arg(dist.path())
        .env_remove("TEST_UNSET_CLIENT_SECRET")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("connections.lp.auth.client_secret_env")
            && stderr.contains("TEST_UNSET_CLIENT_SECRET is not set"),
        "{stderr}"
    );
}

#[test]
fn hash_password_makes_a_hash_login_mode_accepts() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_proxy"))
        .arg("--hash-password")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let hash = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("correct horse"));
    let login = proxy::login::Login::new(
        std::collections::HashMap::from([(
            "ada".to_owned(),
            proxy::login::Account {
                password_hash: hash,
                role: proxy::access::Role::Admin,
            },
        )]),
        None,
        std::time::Duration::from_secs(60),
    );
    assert!(login.is_ok(), "{login:?}");
}

#[test]
fn a_bad_base_path_is_refused() {
    let dist = dist_dir();
    let output = Command::new(env!("CARGO_BIN_EXE_proxy"))
        .args(["--port", "0", "--base-path", "/admin/../etc", "--dist"])
        .arg(dist.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--base-path") && stderr.contains("not a plain path"),
        "{stderr}"
    );
}

const SIGN_IN_PASSWORD: &str = "a sign-in password";

/// Runs the binary with every log level on, drives it through successes and failures, and
/// searches everything it printed, and everything it answered, for the vendors' secrets.
#[tokio::test]
async fn no_secret_reaches_a_response_or_a_log_line() {
    let config = sandbox::Config::with_random_credentials(sandbox::Database::InMemory, "123", 3);
    let running = sandbox::spawn(&config).await.unwrap();
    let key = &config.liveperson.app_keys[0];
    let client = &config.liveperson.oauth_clients[0];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("console.toml");
    std::fs::write(
        &file,
        format!(
            r#"
[connections.lp_oauth1]
kind = "liveperson"
account_id = "123"
domain = "{base}"
auth = {{ scheme = "oauth1", consumer_key = "{ck}", consumer_secret_env = "T_CS", token = "{tk}", token_secret_env = "T_TS" }}

[connections.lp_oauth2]
kind = "liveperson"
account_id = "123"
csds = "{base}"
auth = {{ scheme = "oauth2", client_id = "{id}", client_secret_env = "T_CLIENT" }}

[connections.lp_bearer]
kind = "liveperson"
account_id = "123"
domain = "{base}"
auth = {{ scheme = "bearer", token_env = "T_BEARER" }}

[connections.tt]
kind = "trintech"
base_url = "{trintech}"
has_list = true
auth = {{ scheme = "bearer", token_env = "T_TRINTECH" }}

[connections.cp]
kind = "commpeak"
base_url = "{commpeak}"
auth = {{ scheme = "basic", username = "{user}", password_env = "T_COMMPEAK" }}

[access]
mode = "login"
session_key_env = "T_SESSION_KEY"
[access.users.ada]
password_hash = "{hash}"
role = "admin"
"#,
            base = running.base_url(),
            trintech = running.trintech_url(),
            commpeak = running.commpeak_url(),
            ck = key.consumer_key,
            tk = key.token,
            id = client.client_id,
            user = config.commpeak.username,
            hash = proxy::login::hash_password(SIGN_IN_PASSWORD).unwrap(),
        ),
    )
    .unwrap();
    let secrets = [
        ("T_CS", key.consumer_secret.clone()),
        ("T_TS", key.token_secret.clone()),
        ("T_CLIENT", client.client_secret.clone()),
        ("T_BEARER", config.liveperson.bearer_token.clone()),
        ("T_TRINTECH", config.trintech.bearer_token.clone()),
        ("T_COMMPEAK", config.commpeak.password.clone()),
        (
            "T_SESSION_KEY",
            "a session key of at least thirty-two bytes".to_owned(),
        ),
    ];
    let dist = dist_dir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_proxy"))
        .args(["--port", "0", "--config"])
        .arg(&file)
        .arg("--dist")
        .arg(dist.path())
        .envs(secrets.iter().map(|(k, v)| (*k, v.as_str())))
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Everything printed is kept; the console's URL is found among it.
    let (lines, receiver) = std::sync::mpsc::channel::<String>();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
    }
    drop(lines);
    let mut printed = Vec::new();
    let url = loop {
        let line = receiver
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the console starts");
        let url = line
            .strip_prefix("Users console: ")
            .map(|u| u.trim_end_matches('/').to_owned());
        printed.push(line);
        if let Some(url) = url {
            break url;
        }
    };
    let console = Console(child);
    let http = console_client();
    let mut answered = String::new();
    // Signed in (login mode), with a wrong password first: neither password nor session
    // cookie may be logged.
    let sign_in = |password: &'static str| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(format!("{url}/login"))
            .header("sec-fetch-site", "same-origin")
            .form(&[("name", "ada"), ("password", password)])
            .send()
    };
    assert_eq!(sign_in("not the password").await.unwrap().status(), 401);
    let signed_in = sign_in(SIGN_IN_PASSWORD).await.unwrap();
    assert_eq!(signed_in.status(), 303);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let session = cookie.split_once('=').unwrap().1.to_owned();
    for connection in ["lp_oauth1", "lp_oauth2", "lp_bearer", "tt", "cp"] {
        for request in [
            http.get(format!("{url}/api/{connection}/users")),
            http.post(format!("{url}/api/{connection}/users"))
                .json(&json!([{"x": 1}])),
            http.put(format!("{url}/api/{connection}/users/1"))
                .json(&json!({})),
        ] {
            let response = request.header("cookie", &cookie).send().await.unwrap();
            assert_ne!(response.status(), 401, "signed in");
            answered.push_str(&format!("{:?}", response.headers()));
            answered.push_str(&response.text().await.unwrap());
        }
    }
    answered.push_str(
        &http
            .get(format!("{url}/api/connections"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    drop(console);
    printed.extend(receiver.iter());
    let printed = printed.join("\n");
    assert!(
        printed.contains("lp_oauth2"),
        "the logs say nothing: {printed}"
    );
    for (name, secret) in &secrets {
        assert!(!answered.contains(secret.as_str()), "{name} was answered");
        assert!(!printed.contains(secret.as_str()), "{name} was logged");
    }
    for (name, secret) in [
        ("the sign-in password", SIGN_IN_PASSWORD),
        ("the wrong password", "not the password"),
        ("the session cookie", session.as_str()),
    ] {
        assert!(!printed.contains(secret), "{name} was logged");
    }
    // Nor the OAuth 2.0 tokens Sentinel issued on the way (the sandbox's start with "lp2.").
    assert!(
        !printed.contains("lp2.") && !answered.contains("lp2."),
        "an access token leaked"
    );
}

/// SIGTERM (what container runtimes send): unready at once, then a clean exit.
#[tokio::test]
async fn stops_cleanly_on_sigterm() {
    let dist = dist_dir();
    let (mut console, url) = start(
        dist.path(),
        &["--sandbox-users", "3", "--drain-seconds", "5"],
    );
    assert_eq!(
        reqwest::get(format!("{url}/readyz"))
            .await
            .unwrap()
            .status(),
        200
    );
    let pid = console.0.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = console.0.try_wait().unwrap() {
            break exit;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the console did not stop"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn json_logs_and_metrics_on_their_own_listener() {
    let dist = dist_dir();
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics_address = format!("127.0.0.1:{metrics_port}");
    let (mut console, url) = spawn(
        dist.path(),
        &[
            "--sandbox-users",
            "3",
            "--log-format",
            "json",
            "--metrics-listen",
            &metrics_address,
        ],
        &[("RUST_LOG", "info")],
        Stdio::piped(),
    );
    let stderr = console.0.stderr.take().unwrap();

    let users = reqwest::get(format!("{url}/api/liveperson/users"))
        .await
        .unwrap();
    assert_eq!(users.status(), 200);
    let metrics = reqwest::get(format!("http://{metrics_address}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            r#"console_requests_total{route="list_users",connection="liveperson",method="GET",status="200"} 1"#
        ),
        "{metrics}"
    );
    // The console's own port has no metrics: it answers the SPA's page there.
    let elsewhere = reqwest::get(format!("{url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!elsewhere.contains("console_requests"), "{elsewhere}");

    drop(console);
    let lines: Vec<String> = BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let event: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(
            event["level"].is_string() && event["message"].is_string(),
            "{line}"
        );
    }
    assert!(
        lines.iter().any(|l| l.contains("console listening")),
        "{lines:?}"
    );
}
