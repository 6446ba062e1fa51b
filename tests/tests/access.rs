//! Who may use the console: gateway identity trusted only from its address or with its
//! secret, roles from groups, a viewer's writes refused before anything is sent, `GET /api/me`,
//! and the audit trail of every change.

use std::time::Duration;

use axum::http::HeaderName;
use proxy::access::{Access, Gateway};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{ACCOUNT_ID, CountedSandbox, console_client, start_configured_proxy};

fn gateway(trusted: &[&str], secret: Option<&str>) -> Access {
    Access::Gateway(Gateway {
        user_header: HeaderName::from_static("x-forwarded-user"),
        groups_header: HeaderName::from_static("x-forwarded-groups"),
        trusted_sources: trusted.iter().map(|n| n.parse().unwrap()).collect(),
        shared_secret: secret.map(|s| {
            (
                HeaderName::from_static("x-gateway-secret"),
                s.to_owned().into(),
            )
        }),
        admin_groups: vec!["console-admins".into()],
        viewer_groups: vec!["support".into()],
    })
}

async fn console(
    access: Access,
    audit_file: Option<std::path::PathBuf>,
) -> (CountedSandbox, String, tokio::task::JoinHandle<()>) {
    console_serving(access, audit_file, None).await
}

async fn console_serving(
    access: Access,
    audit_file: Option<std::path::PathBuf>,
    dist: Option<std::path::PathBuf>,
) -> (CountedSandbox, String, tokio::task::JoinHandle<()>) {
    let config =
        sandbox::Config::with_random_credentials(sandbox::Database::InMemory, ACCOUNT_ID, 4);
    let sandbox = CountedSandbox::start(&config).await.unwrap();
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
    let mut proxy_config = proxy::Config::new(vec![connection], dist);
    proxy_config.access = access;
    proxy_config.audit_file = audit_file;
    let (url, _, task) = start_configured_proxy(proxy_config).await.unwrap();
    (sandbox, url, task)
}

fn as_user(
    request: reqwest::RequestBuilder,
    user: Option<&str>,
    groups: &str,
) -> reqwest::RequestBuilder {
    let request = request.header("x-forwarded-groups", groups);
    match user {
        Some(user) => request.header("x-forwarded-user", user),
        None => request,
    }
}

#[tokio::test]
async fn gateway_identities_and_roles() {
    let (sandbox, proxy, _task) = console(gateway(&["127.0.0.1/32"], None), None).await;
    let client = console_client();
    let me = |user: Option<&'static str>, groups: &'static str| {
        as_user(client.get(format!("{proxy}/api/me")), user, groups).send()
    };
    let admin: Value = me(Some("ada"), "staff,console-admins")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        admin,
        json!({"name": "ada", "role": "admin", "mode": "gateway"})
    );
    let viewer: Value = me(Some("bob"), "support")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(viewer["role"], "viewer");
    assert_eq!(
        me(None, "console-admins").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let nobody = me(Some("eve"), "staff").await.unwrap();
    assert_eq!(nobody.status(), StatusCode::FORBIDDEN);
    let body: Value = nobody.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("eve has no role"),
        "{body}"
    );

    let users = format!("{proxy}/api/cp/users");
    let new_user = json!([{"username": "by.viewer", "password": "p", "email": "v@example.com"}]);
    let read = as_user(client.get(&users), Some("bob"), "support")
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK, "a viewer reads");
    let write = as_user(client.post(&users), Some("bob"), "support")
        .json(&new_user)
        .send()
        .await
        .unwrap();
    assert_eq!(
        write.status(),
        StatusCode::FORBIDDEN,
        "a viewer does not write"
    );
    let body: Value = write.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("bob may only read"),
        "{body}"
    );
    assert_eq!(
        sandbox.count("POST "),
        0,
        "the viewer's write reached the vendor"
    );
    let write = as_user(client.post(&users), Some("ada"), "console-admins")
        .json(&new_user)
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), StatusCode::CREATED, "an admin writes");
}

#[tokio::test]
async fn gateway_identity_is_trusted_only_from_the_gateway() {
    let client = console_client();
    // The test's requests come from 127.0.0.1, which is not the configured gateway.
    let (sandbox, proxy, _task) = console(gateway(&["10.0.0.0/8"], None), None).await;
    let response = as_user(
        client.get(format!("{proxy}/api/cp/users")),
        Some("ada"),
        "console-admins",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(sandbox.count("GET "), 0);

    let (_sandbox, proxy, _task) = console(gateway(&[], Some("gw-s3cret")), None).await;
    for (case, secret, status) in [
        ("the gateway's secret", Some("gw-s3cret"), StatusCode::OK),
        ("a wrong secret", Some("gw-s3cre"), StatusCode::UNAUTHORIZED),
        ("no secret", None, StatusCode::UNAUTHORIZED),
    ] {
        let mut request = as_user(
            client.get(format!("{proxy}/api/cp/users")),
            Some("ada"),
            "console-admins",
        );
        if let Some(secret) = secret {
            request = request.header("x-gateway-secret", secret);
        }
        assert_eq!(request.send().await.unwrap().status(), status, "{case}");
    }
}

#[tokio::test]
async fn every_change_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let trail = dir.path().join("audit.jsonl");
    let (_sandbox, proxy, _task) =
        console(gateway(&["127.0.0.1/32"], None), Some(trail.clone())).await;
    let client = console_client();
    let users = format!("{proxy}/api/cp/users");
    let created: Value = as_user(client.post(&users), Some("ada"), "console-admins")
        .header("x-request-id", "req-audit-1")
        .json(&json!([{"username": "audited", "password": "p", "email": "a@example.com"}]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created[0]["id"].as_str().unwrap().to_owned();
    let updated = as_user(
        client.put(format!("{users}/{id}")),
        Some("ada"),
        "console-admins",
    )
    .json(&json!({"first_name": "Audited"}))
    .send()
    .await
    .unwrap();
    assert_eq!(updated.status(), StatusCode::OK);
    // Refused writes reach no vendor and so change nothing: not audited.
    let refused = as_user(client.post(&users), Some("bob"), "support")
        .json(&json!([{"username": "x", "password": "p", "email": "x@example.com"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let _ = as_user(client.get(&users), Some("ada"), "console-admins")
        .send()
        .await
        .unwrap();

    tokio::time::sleep(Duration::from_millis(50)).await;
    let lines: Vec<Value> = std::fs::read_to_string(&trail)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "one event per change: {lines:?}");
    let first = &lines[0];
    assert_eq!(first["who"], "ada");
    assert_eq!(first["role"], "admin");
    assert_eq!(first["connection"], "cp");
    assert_eq!(first["operation"], "create_users");
    assert_eq!(first["users"], json!(["audited"]));
    assert_eq!(first["status"], 201);
    assert_eq!(first["request_id"], "req-audit-1");
    assert!(first["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(lines[1]["operation"], "update_user");
    assert_eq!(lines[1]["users"], json!([id]));
    assert!(lines[1]["request_id"].is_string(), "a generated request id");
}

#[tokio::test]
async fn with_access_off_everyone_is_the_local_admin() {
    let (_sandbox, proxy, _task) = console(Access::Off, None).await;
    let me: Value = reqwest::get(format!("{proxy}/api/me"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me, json!({"name": "local", "role": "admin", "mode": "off"}));
}

/// Login mode with two configured users (argon2 hashes), serving a page.
fn login_access() -> Access {
    let account = |password: &str, role| proxy::login::Account {
        password_hash: proxy::login::hash_password(password).unwrap(),
        role,
    };
    let accounts = std::collections::HashMap::from([
        (
            "ada".to_owned(),
            account("analytical engine", proxy::access::Role::Admin),
        ),
        (
            "bob".to_owned(),
            account("read only please", proxy::access::Role::Viewer),
        ),
    ]);
    Access::Login(std::sync::Arc::new(
        proxy::login::Login::new(accounts, None, Duration::from_secs(3600)).unwrap(),
    ))
}

/// The `name=value` part of a response's session cookie.
fn session_cookie(response: &reqwest::Response) -> String {
    let set = response.headers()["set-cookie"].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn login_mode_signs_in_scopes_roles_and_signs_out() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<head><title>console</title></head>",
    )
    .unwrap();
    let (sandbox, proxy, _task) =
        console_serving(login_access(), None, Some(dist.path().to_owned())).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let same_origin =
        |request: reqwest::RequestBuilder| request.header("sec-fetch-site", "same-origin");

    // Nobody signed in: the API says 401, the page sends the browser to the sign-in page.
    let me = client.get(format!("{proxy}/api/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let page = client
        .get(format!("{proxy}/users/42"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(page.headers()["location"], "/login");
    let form = client.get(format!("{proxy}/login")).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let html = form.text().await.unwrap();
    for labelled in [
        r#"<label for="name">Name</label>"#,
        r#"<label for="password">Password</label>"#,
    ] {
        assert!(html.contains(labelled), "{labelled}: {html}");
    }

    let sign_in = |name: &'static str, password: &'static str| {
        same_origin(client.post(format!("{proxy}/login")))
            .form(&[("name", name), ("password", password)])
            .send()
    };
    let wrong = sign_in("ada", "difference engine").await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get("set-cookie").is_none());
    let html = wrong.text().await.unwrap();
    assert!(
        html.contains(r#"role="alert""#) && html.contains("wrong"),
        "{html}"
    );
    assert!(html.contains(r#"value="ada""#), "the name is kept: {html}");
    let forged = client
        .post(format!("{proxy}/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "ada"), ("password", "analytical engine")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "login CSRF");
    assert!(forged.headers().get("set-cookie").is_none());

    // The viewer reads and may not write.
    let signed_in = sign_in("bob", "read only please").await.unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers()["location"], "/");
    let set_cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{attribute}: {set_cookie}");
    }
    let bob = session_cookie(&signed_in);
    let me: Value = client
        .get(format!("{proxy}/api/me"))
        .header("cookie", &bob)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me,
        json!({"name": "bob", "role": "viewer", "mode": "login"})
    );
    let page = client
        .get(format!("{proxy}/users/42"))
        .header("cookie", &bob)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let users = format!("{proxy}/api/cp/users");
    let new_user = json!([{"username": "by.login", "password": "p", "email": "l@example.com"}]);
    let read = client
        .get(&users)
        .header("cookie", &bob)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let write = console_client()
        .post(&users)
        .header("cookie", &bob)
        .json(&new_user)
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), StatusCode::FORBIDDEN);
    assert_eq!(sandbox.count("POST "), 0);

    // The admin writes.
    let ada = session_cookie(&sign_in("ada", "analytical engine").await.unwrap());
    let write = console_client()
        .post(&users)
        .header("cookie", &ada)
        .json(&new_user)
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), StatusCode::CREATED);

    // Signing out clears the cookie and revokes the session: replaying it is refused.
    let out = same_origin(client.post(format!("{proxy}/logout")))
        .header("cookie", &ada)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(out.headers()["location"], "/login");
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let replayed = client
        .get(format!("{proxy}/api/me"))
        .header("cookie", &ada)
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
    // A cookie the browser made up is no session.
    let made_up = client
        .get(format!("{proxy}/api/me"))
        .header("cookie", "console_session=x.admin.99999999999.ada")
        .send()
        .await
        .unwrap();
    assert_eq!(made_up.status(), StatusCode::UNAUTHORIZED);
}
