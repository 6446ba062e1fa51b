//! The proxy against a vendor that is slow, throttles, or is not there: clean JSON answers
//! with the request id, bounded retries of reads, never a retried write; and its body limit.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{ACCOUNT_ID, CountedSandbox, start_configured_proxy};

fn sandbox_config(faults: sandbox::Faults) -> sandbox::Config {
    let mut config =
        sandbox::Config::with_random_credentials(sandbox::Database::InMemory, ACCOUNT_ID, 4);
    config.faults = faults;
    config
}

async fn proxy_to(
    sandbox: &CountedSandbox,
    config: &sandbox::Config,
    adjust: impl FnOnce(&mut proxy::Config),
) -> (String, tokio::task::JoinHandle<()>) {
    let connection = proxy::Connection {
        id: "cp".into(),
        label: "CommPeak".into(),
        chunk_size: proxy::config::DEFAULT_CHUNK_SIZE,
        max_users: None,
        upstream: proxy::Upstream::Commpeak(proxy::CommpeakUpstream {
            base_url: format!("{}{}", sandbox.base_url, sandbox::COMMPEAK_PREFIX)
                .parse()
                .unwrap(),
            username: config.commpeak.username.clone(),
            password: config.commpeak.password.clone().into(),
        }),
    };
    let mut proxy_config = proxy::Config::new(vec![connection], None);
    proxy_config.retry.pause = Duration::from_millis(10);
    adjust(&mut proxy_config);
    let (url, _, task) = start_configured_proxy(proxy_config).await.unwrap();
    (url, task)
}

async fn json_error(response: reqwest::Response) -> Value {
    assert!(response.headers().contains_key("x-request-id"));
    let body: Value = response.json().await.unwrap();
    assert!(body["requestId"].is_string(), "{body}");
    body
}

#[tokio::test]
async fn a_vendor_slower_than_the_timeout_is_a_504() {
    let config = sandbox_config(sandbox::Faults {
        latency_ms: 3_000,
        ..sandbox::Faults::default()
    });
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let (proxy, _task) = proxy_to(&sandbox, &config, |c| {
        c.request_timeout = Duration::from_millis(300);
    })
    .await;
    let response = reqwest::get(format!("{proxy}/api/cp/users")).await.unwrap();
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    let body = json_error(response).await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("did not answer in time")
    );
    assert_eq!(sandbox.count("GET "), 1, "a timed-out read is not retried");
}

#[tokio::test]
async fn throttled_reads_are_retried_a_bounded_number_of_times_and_writes_never() {
    let config = sandbox_config(sandbox::Faults {
        throttle_rate: 1.0,
        retry_after_seconds: 0,
        ..sandbox::Faults::default()
    });
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let (proxy, _task) = proxy_to(&sandbox, &config, |c| c.retry.attempts = 3).await;
    let read = reqwest::get(format!("{proxy}/api/cp/users")).await.unwrap();
    assert_eq!(
        read.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the last 429 is passed on"
    );
    assert_eq!(read.headers()["retry-after"], "0");
    assert_eq!(sandbox.count("GET "), 3);

    let write = tests::console_client()
        .post(format!("{proxy}/api/cp/users"))
        .json(&json!([{"username": "once", "password": "p", "email": "once@example.com"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sandbox.count("POST "), 1, "a write is sent once, ever");
}

#[tokio::test]
async fn a_long_retry_after_is_passed_to_the_browser_not_waited_out() {
    let config = sandbox_config(sandbox::Faults {
        throttle_rate: 1.0,
        retry_after_seconds: 120,
        ..sandbox::Faults::default()
    });
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let (proxy, _task) = proxy_to(&sandbox, &config, |_| {}).await;
    let read = reqwest::get(format!("{proxy}/api/cp/users")).await.unwrap();
    assert_eq!(read.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(read.headers()["retry-after"], "120");
    assert_eq!(sandbox.count("GET "), 1);
}

#[tokio::test]
async fn an_unreachable_vendor_is_a_502_after_bounded_attempts() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let connection = proxy::Connection {
        id: "tt".into(),
        label: "Trintech".into(),
        chunk_size: proxy::config::DEFAULT_CHUNK_SIZE,
        max_users: None,
        upstream: proxy::Upstream::Trintech(proxy::TrintechUpstream {
            base_url: format!("http://{closed}/api").parse().unwrap(),
            bearer_token: "t".to_owned().into(),
            has_list: true,
        }),
    };
    let mut config = proxy::Config::new(vec![connection], None);
    config.retry.pause = Duration::from_millis(10);
    let (proxy, _, _task) = start_configured_proxy(config).await.unwrap();
    let response = reqwest::get(format!("{proxy}/api/tt/users")).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let body = json_error(response).await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("could not be reached")
    );
    assert!(
        !body.to_string().contains(&closed.to_string()),
        "the vendor's address leaked"
    );
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let config = sandbox_config(sandbox::Faults::default());
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let (proxy, _task) = proxy_to(&sandbox, &config, |c| c.body_limit = 1024).await;
    let users: Vec<Value> = (0..40)
        .map(|i| json!({"username": format!("u{i}"), "password": "p", "email": format!("u{i}@example.com")}))
        .collect();
    let response = tests::console_client()
        .post(format!("{proxy}/api/cp/users"))
        .json(&users)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body = json_error(response).await;
    assert!(
        body["message"].as_str().unwrap().contains("1024 bytes"),
        "{body}"
    );
    assert_eq!(sandbox.count("POST "), 0);
}

#[tokio::test]
async fn a_write_without_an_answer_is_still_audited() {
    let config = sandbox_config(sandbox::Faults {
        latency_ms: 3_000,
        ..sandbox::Faults::default()
    });
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let trail = dir.path().join("audit.jsonl");
    let (proxy, _task) = proxy_to(&sandbox, &config, |c| {
        c.request_timeout = Duration::from_millis(300);
        c.audit_file = Some(trail.clone());
    })
    .await;
    let response = tests::console_client()
        .post(format!("{proxy}/api/cp/users"))
        .json(&json!([{"username": "maybe", "password": "p", "email": "maybe@example.com"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    let line: Value =
        serde_json::from_str(std::fs::read_to_string(&trail).unwrap().trim()).unwrap();
    assert_eq!(line["operation"], "create_users");
    assert_eq!(line["users"], json!(["maybe"]));
    assert_eq!(
        line["status"], 504,
        "the change may have been applied: it is on record"
    );
}

/// The value of one series in Prometheus' text format, `None` when it is absent.
fn series(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name_and_labels)?.trim().parse().ok())
}

#[tokio::test]
async fn metrics_count_routes_latency_and_upstream_failures_on_their_own_listener() {
    let metrics = std::sync::Arc::new(proxy::metrics::Metrics::default());
    let healthy = sandbox_config(sandbox::Faults::default());
    let sandbox = CountedSandbox::start(&healthy).await.unwrap();
    let (proxy, _task) = proxy_to(&sandbox, &healthy, |c| c.metrics = metrics.clone()).await;
    let failing = sandbox_config(sandbox::Faults {
        error_rate: 1.0,
        ..sandbox::Faults::default()
    });
    let failing_sandbox = CountedSandbox::start(&failing).await.unwrap();
    let (failing_proxy, _task) = proxy_to(&failing_sandbox, &failing, |c| {
        c.metrics = metrics.clone();
        c.request_timeout = Duration::from_secs(5);
    })
    .await;

    let get = |url: String| async move { reqwest::get(url).await.unwrap().status() };
    assert_eq!(get(format!("{proxy}/api/cp/users")).await, StatusCode::OK);
    assert_eq!(get(format!("{proxy}/api/cp/users")).await, StatusCode::OK);
    assert_eq!(
        get(format!("{proxy}/api/cp/nothing")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(format!("{proxy}/api/who/users")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(format!("{proxy}/livez")).await, StatusCode::OK);
    let created = tests::console_client()
        .post(format!("{failing_proxy}/api/cp/users"))
        .json(&json!([{"username": "m", "password": "p", "email": "m@example.com"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::INTERNAL_SERVER_ERROR);

    // Served on a listener of its own, as the binary's --metrics-listen does.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, proxy::metrics::router(metrics))
            .await
            .unwrap();
    });
    let answer = reqwest::get(format!("http://{address}/metrics"))
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = answer.text().await.unwrap();
    for (series_name, expected) in [
        (
            r#"console_requests_total{route="list_users",connection="cp",method="GET",status="200"}"#,
            2.0,
        ),
        (
            r#"console_requests_total{route="api",connection="cp",method="GET",status="404"}"#,
            1.0,
        ),
        // An unknown connection id is not made a label.
        (
            r#"console_requests_total{route="api",connection="",method="GET",status="404"}"#,
            1.0,
        ),
        (
            r#"console_requests_total{route="probe",connection="",method="GET",status="200"}"#,
            1.0,
        ),
        (
            r#"console_requests_total{route="create_users",connection="cp",method="POST",status="500"}"#,
            1.0,
        ),
        (
            r#"console_request_duration_seconds_count{route="list_users",connection="cp"}"#,
            2.0,
        ),
        (
            r#"console_upstream_errors_total{connection="cp",kind="status_5xx"}"#,
            1.0,
        ),
    ] {
        assert_eq!(
            series(&text, series_name),
            Some(expected),
            "{series_name} in\n{text}"
        );
    }
    assert!(
        !text.contains("who"),
        "browser-chosen names became labels:\n{text}"
    );
}
