//! The sandbox's injected faults, straight and through the proxy: what the console must cope
//! with when a vendor throttles, fails, cuts an answer short or sends garbage.

use reqwest::StatusCode;
use sandbox::Faults;
use serde_json::{Value, json};
use tests::{ACCOUNT_ID, Stack};

fn lp_users(base: &str) -> String {
    format!(
        "{base}{}?v=4.0",
        shared::liveperson::ops::users_path(ACCOUNT_ID)
    )
}

async fn set_faults(stack: &Stack, faults: Value) -> StatusCode {
    tests::console_client()
        .put(format!(
            "{}{}",
            stack.sandbox.base_url(),
            sandbox::faults::CONTROL_PATH
        ))
        .json(&faults)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn throttling_reaches_the_browser_with_its_retry_after() {
    let mut config =
        sandbox::Config::with_random_credentials(sandbox::Database::InMemory, ACCOUNT_ID, 5);
    config.faults = Faults {
        throttle_rate: 1.0,
        retry_after_seconds: 7,
        ..Faults::default()
    };
    let running = sandbox::spawn(&config).await.unwrap();
    let direct = tests::console_client()
        .get(lp_users(&running.base_url()))
        .bearer_auth(&config.liveperson.bearer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(direct.headers()["retry-after"], "7");

    let connections = proxy::embedded::sandbox_connections(&running, &config, "4.0").unwrap();
    let app = proxy::app(proxy::Config::new(connections, None)).unwrap();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let _server = tokio::spawn(async move {
        axum::serve(listener, axum::ServiceExt::into_make_service(app)).await
    });
    for connection in ["liveperson", "trintech", "commpeak"] {
        let proxied = reqwest::get(format!("{url}/api/{connection}/users"))
            .await
            .unwrap();
        assert_eq!(
            proxied.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{connection}"
        );
        assert_eq!(proxied.headers()["retry-after"], "7", "{connection}");
    }
}

#[tokio::test]
async fn the_control_endpoint_switches_faults_on_and_off() {
    let stack = Stack::start(5, None).await.unwrap();
    let proxied = format!("{}/api/commpeak/users", stack.proxy_url);
    assert_eq!(
        reqwest::get(&proxied).await.unwrap().status(),
        StatusCode::OK
    );

    assert_eq!(
        set_faults(&stack, json!({"errorRate": 1})).await,
        StatusCode::OK
    );
    let failed = reqwest::get(&proxied).await.unwrap();
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = failed.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("Injected fault"));
    let control = format!(
        "{}{}",
        stack.sandbox.base_url(),
        sandbox::faults::CONTROL_PATH
    );
    let now: Value = reqwest::get(&control).await.unwrap().json().await.unwrap();
    assert_eq!(now["errorRate"], 1.0);

    for refused in [json!({"errorRate": 2}), json!({"eror_rate": 1}), json!([1])] {
        assert_eq!(
            set_faults(&stack, refused.clone()).await,
            StatusCode::BAD_REQUEST,
            "{refused}"
        );
    }
    assert_eq!(set_faults(&stack, json!({})).await, StatusCode::OK);
    assert_eq!(
        reqwest::get(&proxied).await.unwrap().status(),
        StatusCode::OK
    );

    // The proxy never forwards to the control endpoint: it is not a vendor operation.
    let through_proxy = tests::console_client()
        .put(format!(
            "{}/api/liveperson/_sandbox/faults",
            stack.proxy_url
        ))
        .json(&json!({"errorRate": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(through_proxy.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_cut_or_malformed_answer_is_not_mistaken_for_data() {
    let stack = Stack::start(50, None).await.unwrap();
    let direct = || {
        tests::console_client()
            .get(lp_users(&stack.sandbox.base_url()))
            .bearer_auth(&stack.token)
            .send()
    };
    let proxied = || reqwest::get(format!("{}/api/liveperson/users", stack.proxy_url));

    set_faults(&stack, json!({"resetRate": 1})).await;
    let cut = direct().await.unwrap();
    assert_eq!(cut.status(), StatusCode::OK, "the status line was sent");
    assert!(cut.bytes().await.is_err(), "the body was cut short");
    let cut = proxied().await.unwrap();
    assert!(
        cut.bytes().await.is_err(),
        "the proxy passed a cut answer off as complete"
    );

    set_faults(&stack, json!({"malformedRate": 1})).await;
    let garbage = direct().await.unwrap();
    assert_eq!(garbage.status(), StatusCode::OK);
    assert!(garbage.json::<Value>().await.is_err());
}

#[tokio::test]
async fn latency_is_added() {
    let stack = Stack::start(5, None).await.unwrap();
    set_faults(&stack, json!({"latencyMs": 300})).await;
    let started = std::time::Instant::now();
    let response = reqwest::get(format!("{}/api/commpeak/users", stack.proxy_url))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // A lower bound on a deliberate delay (a sleep), not a performance figure.
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}
