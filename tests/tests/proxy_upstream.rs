//! The proxy's requests to the vendors, built and sent one way whoever sends them: readiness
//! drops a token the vendor refuses as forwarding does, and its failures are counted in the
//! upstream-error metrics; and `HEAD`, answered wherever `GET` is (the proxy's own routes, the
//! SPA, forwarded reads) with the GET's status and headers and no body.

use std::sync::Arc;

use proxy::{Connection, Domain, LivepersonAuth};
use reqwest::StatusCode;
use serde_json::Value;
use tests::{ACCOUNT_ID, CountedSandbox, Stack, start_configured_proxy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn lp(domain: Domain, auth: LivepersonAuth) -> Connection {
    tests::liveperson_connection(domain, auth)
}

/// The value of one series in Prometheus' text format, `None` when it is absent.
fn series(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name_and_labels)?.trim().parse().ok())
}

#[derive(Debug, Clone, Copy)]
enum Step {
    /// `/readyz` answers this status.
    Ready(StatusCode),
    /// A forwarded list answers this status.
    Forward(StatusCode),
    /// The sandbox revokes every token Sentinel issued.
    Revoke,
}

/// A revoked OAuth 2.0 token is dropped by whichever request meets the refusal, readiness or
/// forwarding (one state per connection), and the next request of either fetches a new one.
#[tokio::test]
async fn a_revoked_token_is_replaced_on_the_next_check_whoever_met_the_refusal() {
    let config =
        sandbox::Config::with_random_credentials(sandbox::Database::InMemory, ACCOUNT_ID, 3);
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let client = &config.liveperson.oauth_clients[0];
    let connection = lp(
        Domain::Fixed(sandbox.base_url.parse().unwrap()),
        LivepersonAuth::OAuth2 {
            client_id: client.client_id.clone(),
            client_secret: client.client_secret.clone().into(),
            sentinel: Some(sandbox.base_url.parse().unwrap()),
        },
    );
    let mut proxy_config = proxy::Config::new(vec![connection], None);
    // Every probe checks anew (the report is otherwise reused for 10 s).
    proxy_config.readiness_ttl = std::time::Duration::ZERO;
    let (proxy, _, _task) = start_configured_proxy(proxy_config).await.unwrap();

    use Step::*;
    for (step, (action, tokens)) in [
        (Ready(StatusCode::OK), 1),
        (Revoke, 1),
        // The check meets the refusal and drops the token …
        (Ready(StatusCode::SERVICE_UNAVAILABLE), 1),
        // … so the next one fetches a new token, rather than failing until the old expires.
        (Ready(StatusCode::OK), 2),
        (Forward(StatusCode::OK), 2),
        (Revoke, 2),
        // Forwarding meets the refusal: the browser sees it, the token is dropped …
        (Forward(StatusCode::UNAUTHORIZED), 2),
        // … and readiness, sharing the connection's state, fetches the new one.
        (Ready(StatusCode::OK), 3),
        (Forward(StatusCode::OK), 3),
    ]
    .into_iter()
    .enumerate()
    {
        match action {
            Ready(expected) => {
                let answer = reqwest::get(format!("{proxy}/readyz")).await.unwrap();
                assert_eq!(answer.status(), expected, "step {step}");
                let report: Value = answer.json().await.unwrap();
                if expected != StatusCode::OK {
                    let problem = report["connections"][0]["problem"].as_str().unwrap();
                    assert!(
                        problem.contains("refused the credentials"),
                        "step {step}: {report}"
                    );
                }
                assert!(!report.to_string().contains("lp2."), "a token was answered");
            }
            Forward(expected) => {
                let answer = reqwest::get(format!("{proxy}/api/lp/users?select=id"))
                    .await
                    .unwrap();
                assert_eq!(answer.status(), expected, "step {step}");
            }
            Revoke => {
                let revoked = reqwest::Client::new()
                    .delete(format!(
                        "{}{}",
                        sandbox.base_url,
                        sandbox::lp_auth::REVOKE_TOKENS_PATH
                    ))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(revoked.status(), StatusCode::OK, "step {step}");
            }
        }
        assert_eq!(
            sandbox.count("/app/token"),
            tokens,
            "step {step}: tokens fetched"
        );
    }
}

/// A readiness check that gets no answer, or a 5xx, is an upstream error like a forwarded
/// request's: counted by connection and kind.
#[tokio::test]
async fn readiness_failures_are_counted_in_the_upstream_error_metrics() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let failing = {
        let mut config =
            sandbox::Config::with_random_credentials(sandbox::Database::InMemory, ACCOUNT_ID, 1);
        config.faults = sandbox::Faults {
            error_rate: 1.0,
            ..sandbox::Faults::default()
        };
        config
    };
    let failing_sandbox = sandbox::spawn(&failing).await.unwrap();
    let bearer = |token: &str| LivepersonAuth::Bearer(token.to_owned().into());
    for (case, domain, auth, ready, kind) in [
        (
            "unreachable",
            format!("http://{closed}"),
            bearer("t"),
            StatusCode::SERVICE_UNAVAILABLE,
            "unreachable",
        ),
        (
            // A 5xx is an answer: the vendor is there and did not refuse the credentials.
            "a 5xx",
            failing_sandbox.base_url(),
            bearer(&failing.liveperson.bearer_token),
            StatusCode::OK,
            "status_5xx",
        ),
    ] {
        let mut config =
            proxy::Config::new(vec![lp(Domain::Fixed(domain.parse().unwrap()), auth)], None);
        config.readiness_ttl = std::time::Duration::ZERO;
        config.retry.pause = std::time::Duration::from_millis(1);
        let metrics = config.metrics.clone();
        let (proxy, _, _task) = start_configured_proxy(config).await.unwrap();
        let label = format!(r#"console_upstream_errors_total{{connection="lp",kind="{kind}"}}"#);
        assert_eq!(series(&metrics.render(), &label), None, "{case}: before");
        for checks in 1..=2 {
            let answer = reqwest::get(format!("{proxy}/readyz")).await.unwrap();
            assert_eq!(answer.status(), ready, "{case}");
            assert_eq!(
                series(&metrics.render(), &label),
                Some(f64::from(checks)),
                "{case}: one error per check\n{}",
                metrics.render()
            );
        }
    }
}

/// One exchange over a connection of its own, read to its end: the status line's code, the
/// headers (names lower-cased) and every byte after them, which for a HEAD must be none.
async fn exchange(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8(answer[..end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    (status, headers, answer[end + 4..].to_vec())
}

/// The headers a HEAD must repeat: all of the GET's but those that differ per exchange, and
/// the framing of the body (compared on its own: an error's JSON names the method).
fn comparable(headers: &[(String, String)]) -> Vec<(String, String)> {
    let mut kept: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "date" | "x-request-id" | "transfer-encoding" | "content-length"
            )
        })
        .cloned()
        .collect();
    kept.sort();
    kept
}

#[tokio::test]
async fn head_is_answered_wherever_get_is_with_the_gets_status_and_headers_and_no_body() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<head><base href=\"/\" /><script type=\"module\">init()</script></head>",
    )
    .unwrap();
    std::fs::write(
        dist.path().join("app-0123456789abcdef.js"),
        "console.log(1)",
    )
    .unwrap();
    std::fs::write(
        dist.path().join("app-0123456789abcdef.js.br"),
        "brotli bytes",
    )
    .unwrap();
    let metrics = Arc::new(proxy::metrics::Metrics::default());
    let stack = Stack::start_with(3, Some(dist.path().to_owned()), |config| {
        config.metrics = metrics.clone();
    })
    .await
    .unwrap();
    let metrics_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_address = metrics_listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        axum::serve(metrics_listener, proxy::metrics::router(metrics))
            .await
            .unwrap();
    });
    let proxy = stack.proxy_url.trim_start_matches("http://").to_owned();
    let lp_id = stack.sandbox_records("id").await.unwrap()[0].id.unwrap();
    let commpeak: Vec<Value> = reqwest::get(format!("{}/api/commpeak/users", stack.proxy_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cp_id = commpeak[0]["id"].as_str().unwrap().to_owned();

    let html = [("accept", "text/html")];
    let brotli = [("accept-encoding", "br")];
    // (what, server, path, request headers, status)
    type Case<'a> = (&'a str, &'a str, String, &'a [(&'a str, &'a str)], u16);
    let cases: Vec<Case> = vec![
        ("liveness", &proxy, "/livez".into(), &[], 200),
        ("readiness", &proxy, "/readyz".into(), &[], 200),
        ("connections", &proxy, "/api/connections".into(), &[], 200),
        ("who am I", &proxy, "/api/me".into(), &[], 200),
        ("OpenAPI", &proxy, "/api/openapi.json".into(), &[], 200),
        ("no such API route", &proxy, "/api/".into(), &[], 404),
        ("metrics", &metrics_address, "/metrics".into(), &[], 200),
        ("the page", &proxy, "/".into(), &html, 200),
        ("the page, compressed", &proxy, "/".into(), &brotli, 200),
        (
            "a console route",
            &proxy,
            "/c/liveperson/".into(),
            &html,
            200,
        ),
        (
            "an asset",
            &proxy,
            "/app-0123456789abcdef.js".into(),
            &[],
            200,
        ),
        (
            "a precompressed asset",
            &proxy,
            "/app-0123456789abcdef.js".into(),
            &brotli,
            200,
        ),
        ("a missing file", &proxy, "/favicon.ico".into(), &[], 404),
        (
            "LivePerson's list",
            &proxy,
            "/api/liveperson/users?select=id,loginName".into(),
            &[],
            200,
        ),
        (
            "a LivePerson user",
            &proxy,
            format!("/api/liveperson/users/{lp_id}"),
            &[],
            200,
        ),
        (
            "no such LivePerson user",
            &proxy,
            "/api/liveperson/users/999".into(),
            &[],
            404,
        ),
        // Read whole and rewritten (its SIP passwords taken out) before it is answered.
        (
            "CommPeak's list",
            &proxy,
            "/api/commpeak/users".into(),
            &[],
            200,
        ),
        (
            "a CommPeak user",
            &proxy,
            format!("/api/commpeak/users/{cp_id}"),
            &[],
            200,
        ),
        (
            "Trintech's declared list",
            &proxy,
            "/api/trintech/users".into(),
            &[],
            200,
        ),
        (
            "a path with no read",
            &proxy,
            format!("/api/liveperson/users/{lp_id}/resetPassword"),
            &[],
            405,
        ),
        (
            "an unknown connection",
            &proxy,
            "/api/nobody/users".into(),
            &[],
            404,
        ),
    ];
    for (case, address, path, headers, status) in cases {
        let (get_status, get_headers, get_body) = exchange(address, "GET", &path, headers).await;
        let (head_status, head_headers, head_body) =
            exchange(address, "HEAD", &path, headers).await;
        assert_eq!(get_status, status, "{case}: GET {path}");
        assert_eq!(head_status, get_status, "{case}: HEAD {path}");
        assert!(head_body.is_empty(), "{case}: HEAD {path} sent a body");
        assert_eq!(
            comparable(&head_headers),
            comparable(&get_headers),
            "{case}: HEAD {path}"
        );
        // A length the GET gave, the HEAD gives too; a GET sent chunked, the HEAD claims none.
        let length = |headers: &[(String, String)]| {
            headers
                .iter()
                .find(|(name, _)| name == "content-length")
                .map(|(_, value)| value.clone())
        };
        if let Some(length) = length(&get_headers) {
            assert_eq!(length, get_body.len().to_string(), "{case}: GET {path}");
        }
        if (200..300).contains(&status) {
            assert_eq!(
                length(&head_headers),
                length(&get_headers),
                "{case}: HEAD {path}"
            );
        }
        // Not vacuous: there was a body to leave out (a missing file's 404 has none).
        if case != "a missing file" {
            assert!(
                !get_body.is_empty(),
                "{case}: GET {path} has a body to leave out"
            );
        }
    }
    assert_eq!(
        stack.sandbox_revision().await.unwrap(),
        1,
        "a HEAD changed data"
    );
}
