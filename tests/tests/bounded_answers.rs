//! Hostile input gets a bounded answer: a write of more users than the connection takes is
//! refused whole, in one small 400, before any record is checked and with nothing sent; and
//! a refusal lists at most 100 field errors, with how many there were.

use proxy::{
    CommpeakUpstream, Connection, Domain, LivepersonAuth, LivepersonUpstream, TrintechUpstream,
    Upstream,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{ACCOUNT_ID, CountedSandbox, start_configured_proxy};

/// One connection of each vendor to `sandbox`, as the embedded mode makes them.
fn connections(sandbox: &CountedSandbox, config: &sandbox::Config) -> Vec<Connection> {
    let connection = |id: &str, upstream| Connection {
        id: id.into(),
        label: id.into(),
        chunk_size: proxy::config::DEFAULT_CHUNK_SIZE,
        max_users: None,
        upstream,
    };
    let at = |prefix: &str| format!("{}{prefix}", sandbox.base_url).parse().unwrap();
    vec![
        connection(
            "lp",
            Upstream::Liveperson(LivepersonUpstream {
                domain: Domain::Fixed(at("")),
                account_id: ACCOUNT_ID.into(),
                version: "4.0".into(),
                auth: LivepersonAuth::Bearer(config.liveperson.bearer_token.clone().into()),
                method_override: false,
                profiles: Vec::new(),
            }),
        ),
        connection(
            "tt",
            Upstream::Trintech(TrintechUpstream {
                base_url: at(sandbox::TRINTECH_PREFIX),
                bearer_token: config.trintech.bearer_token.clone().into(),
                has_list: false,
            }),
        ),
        connection(
            "cp",
            Upstream::Commpeak(CommpeakUpstream {
                base_url: at(sandbox::COMMPEAK_PREFIX),
                username: config.commpeak.username.clone(),
                password: config.commpeak.password.clone().into(),
            }),
        ),
    ]
}

async fn start(
    adjust: impl FnOnce(&mut [Connection]),
) -> (CountedSandbox, String, tokio::task::JoinHandle<()>) {
    let config =
        sandbox::Config::with_random_credentials(sandbox::Database::InMemory, ACCOUNT_ID, 2);
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let mut connections = connections(&sandbox, &config);
    adjust(&mut connections);
    let (proxy, _, task) = start_configured_proxy(proxy::Config::new(connections, None))
        .await
        .unwrap();
    (sandbox, proxy, task)
}

async fn send(method: reqwest::Method, url: String, body: &Value) -> (StatusCode, usize, Value) {
    let answer = tests::console_client()
        .request(method, url)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let bytes = answer.bytes().await.unwrap();
    (status, bytes.len(), serde_json::from_slice(&bytes).unwrap())
}

fn many(count: usize, user: Value) -> Value {
    Value::Array(vec![user; count])
}

#[tokio::test]
async fn a_write_of_more_users_than_the_connection_takes_is_one_small_400() {
    let (sandbox, proxy, _task) = start(|connections| {
        // CommPeak's limit lowered, as an operator would (chunks of 5, at most 10).
        connections[2].chunk_size = 5;
        connections[2].max_users = Some(10);
    })
    .await;
    use reqwest::Method;
    for (case, method, path, body, limit, count) in [
        // 5,001 empty users: 15 kB that answered 3.2 MB listing 40,008 field errors.
        (
            "LivePerson create",
            Method::POST,
            "lp/users",
            many(5_001, json!({})),
            "1,000",
            "5,001",
        ),
        (
            "LivePerson update",
            Method::PUT,
            "lp/users",
            many(1_001, json!({})),
            "1,000",
            "1,001",
        ),
        (
            "LivePerson delete of ids",
            Method::DELETE,
            "lp/users",
            many(2_000, json!("1")),
            "1,000",
            "2,000",
        ),
        (
            "Trintech's documented cap",
            Method::POST,
            "tt/users",
            many(5_001, json!({})),
            "1,000",
            "5,001",
        ),
        (
            "CommPeak's configured limit",
            Method::POST,
            "cp/users",
            many(11, json!({})),
            "10",
            "11",
        ),
    ] {
        let request_size = body.to_string().len();
        let (status, size, answer) = send(method, format!("{proxy}/api/{path}"), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {answer}");
        let message = answer["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("At most {limit} users"))
                && message.contains(&format!("holds {count}")),
            "{case}: {message}"
        );
        let errors = answer["fieldErrors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{case}: one refusal, no record checked");
        assert_eq!(errors[0]["code"], "too_many", "{case}");
        // Whatever the request held: one message, well under a kilobyte.
        assert!(
            size < 1024,
            "{case}: {size} bytes answered to {request_size}"
        );
    }
    assert_eq!(sandbox.count("/"), 0, "nothing was sent to the vendor");

    // At the limit, the request goes through to the checks and the vendor.
    let users: Vec<Value> = (0..10)
        .map(|i| json!({"username": format!("bulk{i}"), "password": "S3cret!pw1", "email": format!("bulk{i}@example.com")}))
        .collect();
    let (status, _, answer) = send(
        Method::POST,
        format!("{proxy}/api/cp/users"),
        &Value::Array(users),
    )
    .await;
    assert!(status.is_success(), "{status}: {answer}");
    assert_eq!(sandbox.count("POST "), 1);
}

#[tokio::test]
async fn a_refusal_lists_the_first_100_field_errors_and_counts_them_all() {
    let (sandbox, proxy, _task) = start(|_| ()).await;
    for (case, path) in [
        ("LivePerson", "lp/users"),
        ("Trintech", "tt/users"),
        ("CommPeak", "cp/users"),
    ] {
        let url = format!("{proxy}/api/{path}");
        // What one empty user costs: every error of one record, all listed.
        let (status, _, one) = send(reqwest::Method::POST, url.clone(), &many(1, json!({}))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {one}");
        let per_user = one["fieldErrors"].as_array().unwrap().len();
        assert!(per_user >= 1, "{case}: {one}");
        assert!(
            one.get("fieldErrorCount").is_none(),
            "{case}: a complete list: {one}"
        );

        let (status, size, answer) = send(reqwest::Method::POST, url, &many(150, json!({}))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}");
        let listed = answer["fieldErrors"].as_array().unwrap();
        assert_eq!(listed.len(), 100, "{case}");
        assert_eq!(listed[0], one["fieldErrors"][0], "{case}: the first ones");
        assert_eq!(
            answer["fieldErrorCount"],
            150 * per_user,
            "{case}: every error counted"
        );
        let message = answer["message"].as_str().unwrap();
        assert!(
            message.contains(&format!(
                "{} invalid fields; only the first 100 are listed",
                shared::format::thousands(150 * per_user)
            )),
            "{case}: {message}"
        );
        assert!(size < 32 * 1024, "{case}: {size} bytes answered");
    }
    assert_eq!(sandbox.count("/"), 0, "nothing was sent to the vendor");
}
