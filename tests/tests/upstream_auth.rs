//! The proxy authenticating to LivePerson each way the vendor allows, against the sandbox,
//! which verifies every credential: OAuth 1.0 signatures (query included), OAuth 2.0 tokens
//! from Sentinel (fetched once, refreshed when due, one refresh for many waiting requests),
//! and the CSDS domain lookup.

use proxy::{Connection, Domain, LivepersonAuth};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{ACCOUNT_ID, CountedSandbox, start_proxy_with};

fn lp(domain: Domain, auth: LivepersonAuth) -> Connection {
    tests::liveperson_connection(domain, auth)
}

fn config(users: usize) -> sandbox::Config {
    sandbox::Config::with_random_credentials(sandbox::Database::InMemory, ACCOUNT_ID, users)
}

fn oauth2(config: &sandbox::Config, secret: Option<&str>) -> LivepersonAuth {
    let client = &config.liveperson.oauth_clients[0];
    LivepersonAuth::OAuth2 {
        client_id: client.client_id.clone(),
        client_secret: secret.unwrap_or(&client.client_secret).to_owned().into(),
        sentinel: None,
    }
}

fn new_user(login: &str) -> Value {
    json!([{
        "loginName": login, "fullName": "Signed User", "nickname": "Signed",
        "email": format!("{login}@example.com"), "isEnabled": true, "maxChats": 1,
        "profileIds": [3003], "passwordSh": "S3cret!pw"
    }])
}

#[tokio::test]
async fn oauth1_signs_every_request_with_its_query() {
    let config = config(12);
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let key = config.liveperson.app_keys[0].clone();
    let auth = |consumer_secret: &str| LivepersonAuth::OAuth1 {
        consumer_key: key.consumer_key.clone(),
        consumer_secret: consumer_secret.to_owned().into(),
        token: key.token.clone(),
        token_secret: key.token_secret.clone().into(),
    };
    let domain = || Domain::Fixed(sandbox.base_url.parse().unwrap());
    let (proxy, _task) = start_proxy_with(vec![lp(domain(), auth(&key.consumer_secret))])
        .await
        .unwrap();
    let client = tests::console_client();
    let users = format!("{proxy}/api/lp/users");
    let listed = client
        .get(format!("{users}?select=id,loginName&include_deleted=false"))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    assert_eq!(listed.json::<Vec<Value>>().await.unwrap().len(), 12);
    let created = client
        .post(&users)
        .json(&new_user("signed.user"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);

    let (wrong, _task) = start_proxy_with(vec![lp(domain(), auth("not-the-secret"))])
        .await
        .unwrap();
    let refused = client
        .get(format!("{wrong}/api/lp/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("signature does not match"),
        "{body}"
    );
}

#[tokio::test]
async fn oauth2_tokens_are_fetched_once_for_many_requests_and_found_through_csds() {
    let config = config(5);
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let proxy_config = proxy::Config::new(
        vec![lp(
            Domain::Csds(sandbox.base_url.parse().unwrap()),
            oauth2(&config, None),
        )],
        None,
    );
    let metrics = proxy_config.metrics.clone();
    let (proxy, _, _task) = tests::start_configured_proxy(proxy_config).await.unwrap();
    let client = tests::console_client();
    let url = format!("{proxy}/api/lp/users?select=id");
    let requests = (0..20).map(|_| client.get(&url).send());
    for response in futures_util::future::join_all(requests).await {
        assert_eq!(response.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(
        sandbox.count("/app/token"),
        1,
        "one token for twenty waiting requests"
    );
    assert!(
        metrics
            .render()
            .contains(r#"console_token_refreshes_total{connection="lp",outcome="fetched"} 1"#),
        "{}",
        metrics.render()
    );
    assert_eq!(
        sandbox.count("baseURI.json"),
        2,
        "the users domain and Sentinel's, each once"
    );
    assert_eq!(sandbox.count("/le-users/users"), 20);
}

#[tokio::test]
async fn oauth2_tokens_are_refreshed_when_due() {
    let mut config = config(3);
    // Tokens that live a second are due for refresh at once: each request fetches one.
    config.liveperson.token_lifetime = std::time::Duration::from_secs(1);
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let sentinel = sandbox.base_url.parse().unwrap();
    let mut auth = oauth2(&config, None);
    if let LivepersonAuth::OAuth2 { sentinel: s, .. } = &mut auth {
        *s = Some(sentinel);
    }
    let (proxy, _task) = start_proxy_with(vec![lp(
        Domain::Fixed(sandbox.base_url.parse().unwrap()),
        auth,
    )])
    .await
    .unwrap();
    for _ in 0..3 {
        let response = reqwest::get(format!("{proxy}/api/lp/users")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(sandbox.count("/app/token"), 3);
    assert_eq!(
        sandbox.count("baseURI.json"),
        0,
        "a fixed domain needs no lookup"
    );
}

#[tokio::test]
async fn credential_and_domain_failures_are_clean_502s_without_secrets() {
    let config = config(3);
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let csds = || Domain::Csds(sandbox.base_url.parse().unwrap());
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let wrong_secret = "wrong-client-secret-value";
    for (case, connection, fragment) in [
        (
            "Sentinel refuses",
            lp(csds(), oauth2(&config, Some(wrong_secret))),
            "Sentinel refused",
        ),
        (
            "domain API unreachable",
            lp(
                Domain::Csds(format!("http://{closed}").parse().unwrap()),
                oauth2(&config, None),
            ),
            "could not be found",
        ),
    ] {
        let (proxy, _task) = start_proxy_with(vec![connection]).await.unwrap();
        let response = reqwest::get(format!("{proxy}/api/lp/users")).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY, "{case}");
        let text = response.text().await.unwrap();
        assert!(text.contains(fragment), "{case}: {text}");
        assert!(text.contains("requestId"), "{case}: {text}");
        assert!(
            !text.contains(wrong_secret),
            "{case}: a secret was answered"
        );
        assert!(
            !text.contains(&config.liveperson.oauth_clients[0].client_secret),
            "{case}"
        );
    }
}
