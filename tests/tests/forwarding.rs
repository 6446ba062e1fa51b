//! What the proxy refuses to forward and how it rewrites what it does: paths that try to
//! leave the described operations, and `X-HTTP-Method-Override` both ways.

use proxy::{Connection, Domain, LivepersonAuth, LivepersonUpstream, Upstream};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{ACCOUNT_ID, CountedSandbox, start_proxy_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn config() -> sandbox::Config {
    sandbox::Config::with_random_credentials(sandbox::Database::InMemory, ACCOUNT_ID, 6)
}

fn lp(sandbox: &CountedSandbox, config: &sandbox::Config, method_override: bool) -> Connection {
    Connection {
        id: "lp".into(),
        label: "LivePerson".into(),
        chunk_size: proxy::config::DEFAULT_CHUNK_SIZE,
        max_users: None,
        upstream: Upstream::Liveperson(LivepersonUpstream {
            domain: Domain::Fixed(sandbox.base_url.parse().unwrap()),
            account_id: ACCOUNT_ID.into(),
            version: "4.0".into(),
            auth: LivepersonAuth::Bearer(config.liveperson.bearer_token.clone().into()),
            method_override,
            profiles: Vec::new(),
        }),
    }
}

/// Sends a request line exactly as written (an HTTP client library would normalise `..` and
/// percent-encoding away) and returns the status code.
async fn raw_status(proxy: &str, target: &str) -> u16 {
    let address = proxy.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"))
}

#[tokio::test]
async fn paths_outside_the_described_operations_never_reach_the_vendor() {
    let config = config();
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let (proxy, _task) = start_proxy_with(vec![lp(&sandbox, &config, false)])
        .await
        .unwrap();
    let long = format!("/api/lp/users/{}", "1".repeat(3000));
    for (case, target, status) in [
        ("dot segments", "/api/lp/users/../../connections", 404),
        ("encoded dots", "/api/lp/users/%2e%2e/%2e%2e/x", 404),
        ("encoded slash in an id", "/api/lp/users/1%2F2", 404),
        ("encoded backslash", "/api/lp/users/1%5C2", 404),
        ("encoded bytes that are not UTF-8", "/api/lp/users/%FF", 404),
        ("a connection id that is not UTF-8", "/api/l%FEp/users", 404),
        ("id with a dot", "/api/lp/users/1.2", 404),
        (
            "a path no vendor operation has",
            "/api/lp/users/1/changePassword",
            404,
        ),
        (
            "another account's path",
            "/api/lp/api/account/999/configuration/le-users/users",
            404,
        ),
        ("overlong path", long.as_str(), 414),
    ] {
        assert_eq!(raw_status(&proxy, target).await, status, "{case}");
    }
    assert_eq!(
        sandbox.count("le-users"),
        0,
        "a refused path reached the vendor"
    );

    // An absolute-form target names another host: the proxy still sends only to the
    // connection's own upstream.
    let status = raw_status(&proxy, &format!("http://evil.example{}", "/api/lp/users")).await;
    assert_eq!(status, 200);
    assert_eq!(sandbox.count("GET /api/account/"), 1);

    // Percent-encoded letters are those letters (RFC 3986 §2.3), in the connection and the
    // path alike: decoded before routing, as the encoded dots and slashes above were.
    for target in ["/api/lp/us%65rs", "/api/%6Cp/users"] {
        assert_eq!(raw_status(&proxy, target).await, 200, "{target}");
    }
    assert_eq!(sandbox.count("GET /api/account/"), 3);
}

#[tokio::test]
async fn method_override_is_honoured_from_the_browser_only_as_put_or_delete() {
    let config = config();
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let (proxy, _task) = start_proxy_with(vec![lp(&sandbox, &config, false)])
        .await
        .unwrap();
    let client = tests::console_client();
    let users = format!("{proxy}/api/lp/users");
    let listed: Vec<Value> = client
        .get(&users)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut user = listed[0].clone();
    for server_owned in ["deleted", "pid", "dateUpdated", "lastPwdChangeDate"] {
        user.as_object_mut().unwrap().remove(server_owned);
    }
    user["passwordSh"] = Value::Null;
    user["nickname"] = json!("Overridden");
    let id = user["id"].as_i64().unwrap();

    let put = client
        .post(&users)
        .header("x-http-method-override", "PUT")
        .header("if-match", "-1")
        .json(&json!([user]))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let delete = client
        .post(format!("{users}/{id}"))
        .header("x-http-method-override", "delete")
        .header("if-match", "-1")
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), StatusCode::OK);
    assert_eq!(
        sandbox.count("PUT /api/account/"),
        1,
        "the update went as a PUT"
    );
    assert_eq!(
        sandbox.count("DELETE /api/account/"),
        1,
        "the delete went as a DELETE"
    );

    for (case, request) in [
        (
            "GET with an override",
            client
                .get(&users)
                .header("x-http-method-override", "DELETE"),
        ),
        (
            "POST as PATCH",
            client
                .post(&users)
                .header("x-http-method-override", "PATCH"),
        ),
        (
            "PUT as DELETE",
            client
                .put(&users)
                .header("x-http-method-override", "DELETE"),
        ),
    ] {
        let response = request.json(&json!([])).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("X-HTTP-Method-Override"),
            "{case}"
        );
    }
}

#[tokio::test]
async fn a_connection_can_send_puts_and_deletes_as_overridden_posts() {
    let config = config();
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let (proxy, _task) = start_proxy_with(vec![lp(&sandbox, &config, true)])
        .await
        .unwrap();
    let client = tests::console_client();
    let users = format!("{proxy}/api/lp/users");
    let listed: Vec<Value> = client
        .get(&users)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<String> = listed.iter().take(2).map(|u| u["id"].to_string()).collect();
    let response = client
        .delete(&users)
        .header("if-match", "-1")
        .json(&ids)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = client
        .delete(format!("{users}/{}", listed[2]["id"]))
        .header("if-match", "-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(sandbox.count("DELETE "), 0, "no DELETE went out");
    assert_eq!(sandbox.count("POST /api/account/"), 2, "both went as POST");
    let left: Vec<Value> = client
        .get(&users)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(left.len(), 3, "the vendor deleted what the overrides named");
}

#[tokio::test]
async fn cross_site_writes_are_refused_before_anything_is_read() {
    let config = config();
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let (proxy, _task) = start_proxy_with(vec![lp(&sandbox, &config, false)])
        .await
        .unwrap();
    let users = format!("{proxy}/api/lp/users");
    let plain = reqwest::Client::new();
    let body = json!([{"loginName": "csrf"}]).to_string();
    for (case, request) in [
        (
            "another site's page",
            plain
                .post(&users)
                .header("sec-fetch-site", "cross-site")
                .header("content-type", "application/json")
                .body(body.clone()),
        ),
        (
            "another origin",
            plain
                .post(&users)
                .header("origin", "https://evil.example")
                .header("content-type", "application/json")
                .body(body.clone()),
        ),
        (
            "a form, same origin",
            plain
                .post(&users)
                .header("sec-fetch-site", "same-origin")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("loginName=csrf"),
        ),
        (
            "no evidence of origin",
            plain
                .delete(format!("{users}/1"))
                .header("content-type", "application/json"),
        ),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{case}");
        let error: Value = response.json().await.unwrap();
        assert!(
            error["message"].as_str().unwrap().starts_with("Refused:"),
            "{case}: {error}"
        );
        assert!(error["requestId"].is_string(), "{case}");
    }
    assert_eq!(
        sandbox.count("le-users"),
        0,
        "a refused write reached the vendor"
    );

    // Reads need no such evidence; an Origin naming this host is enough for a write.
    assert_eq!(
        plain.get(&users).send().await.unwrap().status(),
        StatusCode::OK
    );
    let host = proxy.trim_start_matches("http://");
    let refused_user = plain
        .post(&users)
        .header("origin", format!("http://{host}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused_user.status(),
        StatusCode::BAD_REQUEST,
        "passed the guard, refused as invalid"
    );
}
