//! The proxy and the sandbox over real loopback HTTP: forwarding, revisions, validation,
//! header hygiene and error answers.

use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{ACCOUNT_ID, CONNECTION, CountedSandbox, Stack, start_proxy};

fn client() -> reqwest::Client {
    tests::console_client()
}

fn new_user(login: &str) -> Value {
    json!({
        "loginName": login, "fullName": "Test User", "nickname": "Test",
        "email": format!("{login}@example.com"), "isEnabled": true, "maxChats": 2,
        "profileIds": [3001], "passwordSh": "S3cret!pw", "memberOf": {"agentGroupId": -1}
    })
}

async fn list(stack: &Stack, query: &str) -> (StatusCode, HeaderMap, Value) {
    let response = client()
        .get(format!("{}/api/{CONNECTION}/users{query}", stack.proxy_url))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn connections_are_listed_without_secrets() {
    let stack = Stack::start(10, None).await.unwrap();
    let response = client()
        .get(format!("{}/api/connections", stack.proxy_url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let lp = [
        "list_users",
        "get_user",
        "create_users",
        "update_users",
        "update_user",
        "delete_user",
        "delete_users",
        "reset_password",
        "list_skills",
        "get_skill",
        "list_agent_groups",
        "get_agent_group",
        "list_profiles",
        "get_profile",
    ];
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!([
                    {"id": "liveperson", "kind": "liveperson", "label": "LivePerson (sandbox)", "operations": lp,
                     "chunkSize": 100,
                    "profiles": [
                        {"id": 3001, "name": "Agent", "role": "agent"},
                        {"id": 3002, "name": "Agent Manager", "role": "agentManager"},
                        {"id": 3003, "name": "Administrator", "role": "admin"},
                        {"id": 3004, "name": "Campaign Manager", "role": "campaignManager"}
                    ]
        },
                    {"id": "trintech", "kind": "trintech", "label": "Trintech (sandbox)",
                     "operations": ["list_users", "create_users", "update_users"], "chunkSize": 100},
                    {"id": "commpeak", "kind": "commpeak", "label": "CommPeak (sandbox)",
                     "operations": ["list_users", "get_user", "create_users", "update_user"], "chunkSize": 100},
                ])
    );
    let secrets = [
        &stack.config.liveperson.bearer_token,
        &stack.config.trintech.bearer_token,
        &stack.config.commpeak.password,
    ];
    for secret in secrets {
        assert!(!text.contains(secret.as_str()), "a secret was listed");
    }
    assert!(!text.contains(&stack.sandbox.base_url()));
}

#[tokio::test]
async fn list_returns_seeded_users_with_selected_fields_and_revision() {
    let stack = Stack::start(1000, None).await.unwrap();
    let (status, headers, body) = list(&stack, "?select=id,loginName").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["ac-revision"], "1");
    let users = body.as_array().unwrap();
    assert_eq!(users.len(), 1000);
    for user in users {
        let keys: Vec<&str> = user
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["id", "loginName"]);
    }
    // Without select the whole record comes back (nested objects included).
    let (_, _, body) = list(&stack, "").await;
    assert!(body[0].get("email").is_some() && body[0].get("profileIds").is_some());
    // Nested selection.
    let (_, _, body) = list(&stack, "?select=memberOf(agentGroupId)").await;
    assert!(body.as_array().unwrap().iter().any(|u| {
        u.get("memberOf")
            .is_some_and(|m| m.as_object().unwrap().keys().eq(["agentGroupId"]))
    }));
}

#[tokio::test]
async fn create_then_list_then_update_with_revisions() {
    let stack = Stack::start(20, None).await.unwrap();
    let users_url = format!("{}/api/{CONNECTION}/users", stack.proxy_url);

    let created = client()
        .post(&users_url)
        .json(&json!([new_user("new.person")]))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["ac-revision"], "2");
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = created.json().await.unwrap();
    let id = body[0]["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/{CONNECTION}/users/{id}"));
    assert!(
        body[0].get("passwordSh").is_none(),
        "a password is never returned"
    );

    let (_, headers, listed) = list(&stack, "?select=id,loginName").await;
    assert_eq!(headers["ac-revision"], "2");
    assert!(
        listed
            .as_array()
            .unwrap()
            .contains(&json!({"id": id, "loginName": "new.person"}))
    );

    // A full record, as an edit sends it: passwordSh null keeps the password.
    let mut edited = new_user("new.person");
    edited["id"] = id.into();
    edited["passwordSh"] = Value::Null;
    edited["nickname"] = "Renamed".into();
    edited["description"] = "Night shift".into();
    let put = |if_match: &'static str, body: Value| {
        client()
            .put(&users_url)
            .header("If-Match", if_match)
            .json(&json!([body]))
            .send()
    };
    let stale = put("1", edited.clone()).await.unwrap();
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert_eq!(
        stack.sandbox_revision().await.unwrap(),
        2,
        "a refused write changes nothing"
    );

    let current = put("2", edited.clone()).await.unwrap();
    assert_eq!(current.status(), StatusCode::OK);
    assert_eq!(current.headers()["ac-revision"], "3");
    let updated: Value = current.json().await.unwrap();
    assert_eq!(updated[0]["nickname"], "Renamed");

    let skip = put("-1", edited.clone()).await.unwrap();
    assert_eq!(skip.status(), StatusCode::OK);
    assert_eq!(skip.headers()["ac-revision"], "4");

    // Full replacement: a field left out of the body is gone afterwards.
    let mut without_description = edited;
    without_description
        .as_object_mut()
        .unwrap()
        .remove("description");
    assert_eq!(
        put("-1", without_description).await.unwrap().status(),
        StatusCode::OK
    );
    let (_, _, listed) = list(&stack, "?select=id,description").await;
    let stored = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .unwrap();
    assert_eq!(stored, &json!({"id": id}));
}

#[tokio::test]
async fn invalid_writes_are_refused_before_reaching_the_vendor() {
    let stack = Stack::start(5, None).await.unwrap();
    let users_url = format!("{}/api/{CONNECTION}/users", stack.proxy_url);
    let mut bad = new_user("bad.email");
    bad["email"] = "not-an-email".into();
    let cases = [
        (
            "POST",
            json!([new_user("fine"), bad]),
            vec![("/1/email", "invalid_email")],
        ),
        (
            "POST",
            json!([{"loginName": "x"}]),
            vec![
                ("/0/fullName", "required"),
                ("/0/nickname", "required"),
                ("/0/email", "required"),
                ("/0/isEnabled", "required"),
                ("/0/maxChats", "required"),
                ("/0/profileIds", "required"),
                ("/0/passwordSh", "required"),
            ],
        ),
        (
            "POST",
            json!([new_user("twin"), new_user("twin")]),
            vec![("/1/loginName", "duplicate")],
        ),
        (
            "POST",
            json!([{"maxChats": "lots"}]),
            vec![("/0/maxChats", "invalid_type")],
        ),
        (
            "PUT",
            json!([new_user("no.id")]),
            vec![("/0/id", "required")],
        ),
    ];
    for (method, body, expected) in cases {
        let response = client()
            .request(method.parse().unwrap(), &users_url)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let request_id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let error: shared::ApiError = response.json().await.unwrap();
        let got: Vec<(String, String)> = error
            .field_errors
            .iter()
            .map(|e| {
                (
                    e.path.clone(),
                    serde_json::to_value(e.code)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
            .collect();
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
            .collect();
        assert_eq!(got, expected, "{body}");
        assert_eq!(error.request_id.as_deref(), Some(request_id.as_str()));
    }
    assert_eq!(
        stack.sandbox_revision().await.unwrap(),
        1,
        "nothing reached the sandbox"
    );
}

/// The fields of a LivePerson user the vendor sets itself, as `shared` names them.
fn without_server_set(user: &Value) -> Value {
    let mut user = user.clone();
    shared::liveperson::strip_server_set(&mut user);
    user
}

/// The plainest client: GET a user, PUT the very same JSON back with the revision it was read
/// at. The server-set fields it carries are accepted, and the vendor receives the record
/// without them (and keeps its own values).
#[tokio::test]
async fn a_user_read_and_written_back_as_is_is_saved_without_what_the_vendor_sets() {
    let config =
        sandbox::Config::with_random_credentials(sandbox::Database::InMemory, ACCOUNT_ID, 20);
    let sandbox = CountedSandbox::start(&config).await.unwrap();
    let (proxy, _task) = start_proxy(&sandbox.base_url, &config.liveperson.bearer_token, None)
        .await
        .unwrap();
    let users = format!("{proxy}/api/{CONNECTION}/users");
    let listed: Vec<Value> = client()
        .get(&users)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // An agent with a password: every server-set field is there, nested ones included.
    let id = listed
        .iter()
        .find(|u| u["memberOf"]["assignmentDate"].is_string() && u["lastPwdChangeDate"].is_string())
        .expect("the seed has agents with a password")["id"]
        .as_i64()
        .unwrap();

    let read = client().get(format!("{users}/{id}")).send().await.unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let revision = read.headers()["ac-revision"].to_str().unwrap().to_owned();
    let text = read.text().await.unwrap();
    let original: Value = serde_json::from_str(&text).unwrap();
    for field in ["id", "pid", "deleted", "dateUpdated", "lastPwdChangeDate"] {
        assert!(original.get(field).is_some(), "the read has no {field}");
    }

    let written = client()
        .put(format!("{users}/{id}"))
        .header("if-match", &revision)
        .body(text)
        .send()
        .await
        .unwrap();
    let status = written.status();
    let answer: Value = written.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{answer}");

    let forwarded = sandbox.bodies("PUT /api/account/");
    assert_eq!(forwarded.len(), 1);
    let forwarded: Value = serde_json::from_slice(&forwarded[0]).unwrap();
    for field in ["pid", "deleted", "dateUpdated", "lastPwdChangeDate"] {
        assert!(forwarded.get(field).is_none(), "{field} reached the vendor");
    }
    assert!(forwarded["memberOf"].get("assignmentDate").is_none());
    assert_eq!(
        forwarded,
        without_server_set(&original),
        "every other field reached the vendor as read"
    );

    // The vendor's own values stand: only the time of the change moved.
    let after: Value = client()
        .get(format!("{users}/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let but_the_time = |user: &Value| {
        let mut user = user.clone();
        user.as_object_mut().unwrap().remove("dateUpdated");
        user
    };
    assert_eq!(but_the_time(&after), but_the_time(&original));
    assert_eq!(after, answer);
}

/// `deleted: false` is what every user that can be updated has, so it passes; `true` would be
/// a change no update can make, and is refused naming the field, before the vendor sees it.
#[tokio::test]
async fn an_update_may_carry_deleted_false_but_never_deleted_true() {
    let stack = Stack::start(5, None).await.unwrap();
    let users = format!("{}/api/{CONNECTION}/users", stack.proxy_url);
    let (_, _, listed) = list(&stack, "").await;
    let mut user = listed[0].clone();
    let id = user["id"].as_i64().unwrap();

    user["deleted"] = json!(true);
    let refused = client()
        .put(format!("{users}/{id}"))
        .header("if-match", "1")
        .json(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let error: shared::ApiError = refused.json().await.unwrap();
    let errors: Vec<(&str, Value)> = error
        .field_errors
        .iter()
        .map(|e| (e.path.as_str(), serde_json::to_value(e.code).unwrap()))
        .collect();
    assert_eq!(errors, [("/deleted", json!("read_only"))]);
    assert!(
        error.field_errors[0].message.contains("delete operation"),
        "{}",
        error.field_errors[0].message
    );
    assert_eq!(
        stack.sandbox_revision().await.unwrap(),
        1,
        "it reached the vendor"
    );

    user["deleted"] = json!(false);
    let saved = client()
        .put(format!("{users}/{id}"))
        .header("if-match", "1")
        .json(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    assert_eq!(stack.sandbox_revision().await.unwrap(), 2);
}

/// A DELETE has nothing to type when it has no body (`curl -X DELETE`): it needs only the
/// same-origin evidence. A body still needs JSON, and no write passes without the evidence.
#[tokio::test]
async fn a_delete_without_a_body_needs_no_content_type_but_still_same_origin() {
    let stack = Stack::start(5, None).await.unwrap();
    let users = format!("{}/api/{CONNECTION}/users", stack.proxy_url);
    let (_, _, listed) = list(&stack, "?select=id").await;
    let id = listed[0]["id"].as_i64().unwrap();
    let one = format!("{users}/{id}");
    // No default headers at all: what each request carries is what the case says.
    let plain = reqwest::Client::new();
    for (case, request) in [
        (
            "a body typed as text",
            plain
                .delete(&one)
                .header("sec-fetch-site", "same-origin")
                .header("content-type", "text/plain")
                .body(format!("[\"{id}\"]")),
        ),
        (
            "a list typed as text",
            plain
                .delete(&users)
                .header("sec-fetch-site", "same-origin")
                .header("content-type", "text/plain")
                .body(format!("[\"{id}\"]")),
        ),
        ("no body and no evidence of origin", plain.delete(&one)),
        (
            "no body, from another site",
            plain.delete(&one).header("sec-fetch-site", "cross-site"),
        ),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{case}");
    }
    assert_eq!(
        stack.sandbox_revision().await.unwrap(),
        1,
        "a refused delete reached the vendor"
    );

    let deleted = plain
        .delete(&one)
        .header("sec-fetch-site", "same-origin")
        .header("if-match", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    let (_, _, left) = list(&stack, "?select=id").await;
    assert!(
        left.as_array().unwrap().iter().all(|u| u["id"] != id),
        "{left}"
    );
}

#[tokio::test]
async fn vendor_errors_pass_through() {
    let stack = Stack::start(5, None).await.unwrap();
    let users_url = format!("{}/api/{CONNECTION}/users", stack.proxy_url);
    let (_, _, listed) = list(&stack, "?select=loginName").await;
    let taken = listed[0]["loginName"].as_str().unwrap();
    let response = client()
        .post(&users_url)
        .json(&json!([new_user(taken)]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("already belongs"),
        "{body}"
    );

    let response = client()
        .get(format!("{users_url}?select=id,,x"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("position 3"),
        "{body}"
    );
}

/// A stand-in upstream that records what reaches it, to check the proxy's header hygiene.
async fn recording_upstream() -> (String, Arc<Mutex<Vec<(String, HeaderMap)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = axum::Router::new().fallback({
        let seen = seen.clone();
        move |uri: axum::http::Uri, headers: HeaderMap| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push((uri.to_string(), headers));
                (
                    [
                        ("ac-revision", "7"),
                        ("set-cookie", "upstream=1"),
                        ("x-upstream-secret", "s"),
                    ],
                    "[]",
                )
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test]
async fn only_safe_headers_cross_and_credentials_are_injected() {
    let (upstream, seen) = recording_upstream().await;
    let (proxy_url, _task) = start_proxy(&upstream, "the-real-token", None)
        .await
        .unwrap();
    let response = client()
        .get(format!(
            "{proxy_url}/api/{CONNECTION}/users?select=id&include_deleted=true"
        ))
        .header("Authorization", "Bearer browser-token")
        .header("Cookie", "session=abc")
        .header("X-Forwarded-For", "10.0.0.1")
        .header("Proxy-Authorization", "Basic eA==")
        .header("If-Match", "6")
        .header("X-Request-Id", "req-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["ac-revision"], "7");
    assert_eq!(response.headers()["x-request-id"], "req-123");
    assert!(response.headers().get("set-cookie").is_none());
    assert!(response.headers().get("x-upstream-secret").is_none());

    let seen = seen.lock().unwrap();
    let (uri, headers) = &seen[0];
    assert_eq!(
        uri,
        &format!(
            "/api/account/{ACCOUNT_ID}/configuration/le-users/users?v=4.0&select=id&include_deleted=true"
        )
    );
    assert_eq!(headers["authorization"], "Bearer the-real-token");
    assert_eq!(headers["if-match"], "6");
    assert_eq!(headers["x-request-id"], "req-123");
    for absent in ["cookie", "x-forwarded-for", "proxy-authorization"] {
        assert!(headers.get(absent).is_none(), "{absent} was forwarded");
    }
}

#[tokio::test]
async fn proxy_errors_are_json_with_a_request_id() {
    // With a page to serve, so that a path the API does not know could wrongly fall back to it.
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<title>console</title>").unwrap();
    let stack = Stack::start(1, Some(dist.path().to_owned())).await.unwrap();
    let cases = [
        ("GET", "/api/nope/users", StatusCode::NOT_FOUND),
        ("GET", "/api/unknown/path/here", StatusCode::NOT_FOUND),
        // Paths under /api that name no route are the API's 404, never the console's page.
        ("GET", "/api", StatusCode::NOT_FOUND),
        ("GET", "/api/", StatusCode::NOT_FOUND),
        ("GET", "/api/nope", StatusCode::NOT_FOUND),
        ("POST", "/api/nope/", StatusCode::NOT_FOUND),
        ("GET", "/api/me/", StatusCode::NOT_FOUND),
        // An empty connection id is an unknown one, not a path outside the API.
        ("GET", "/api//users", StatusCode::NOT_FOUND),
    ];
    for (method, path, status) in cases {
        let response = client()
            .request(
                method.parse().unwrap(),
                format!("{}{path}", stack.proxy_url),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
        let error: shared::ApiError = response.json().await.unwrap();
        assert!(error.request_id.is_some(), "{path}");
    }
    // No vendor operation is a PATCH: the path exists, the method does not.
    let response = client()
        .patch(format!("{}/api/{CONNECTION}/users", stack.proxy_url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let error: shared::ApiError = response.json().await.unwrap();
    assert!(
        error
            .message
            .contains("accepts GET, HEAD, POST, PUT, DELETE"),
        "{}",
        error.message
    );

    // An upstream nobody listens on: 502, not a hang or a 500.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (proxy_url, _task) = start_proxy(&format!("http://127.0.0.1:{port}"), "t", None)
        .await
        .unwrap();
    let response = client()
        .get(format!("{proxy_url}/api/{CONNECTION}/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let error: shared::ApiError = response.json().await.unwrap();
    assert!(error.request_id.is_some());
    assert!(
        !error.message.contains(&port.to_string()),
        "the upstream address is not disclosed"
    );
}

#[tokio::test]
async fn sandbox_checks_auth_version_and_conditional_get() {
    let stack = Stack::start(3, None).await.unwrap();
    let url = format!(
        "{}{}",
        stack.sandbox.base_url(),
        shared::liveperson::ops::users_path(ACCOUNT_ID)
    );
    let other_account = format!(
        "{}{}",
        stack.sandbox.base_url(),
        shared::liveperson::ops::users_path("999")
    );
    let cases: Vec<(&str, Option<String>, Option<&str>, StatusCode)> = vec![
        (url.as_str(), None, None, StatusCode::UNAUTHORIZED),
        (
            url.as_str(),
            Some("Bearer wrong".into()),
            None,
            StatusCode::UNAUTHORIZED,
        ),
        (
            url.as_str(),
            Some(format!("Bearer {}", stack.token)),
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            &other_account,
            Some(format!("Bearer {}", stack.token)),
            Some("v=4.0"),
            StatusCode::FORBIDDEN,
        ),
        (
            url.as_str(),
            Some(format!("Bearer {}", stack.token)),
            Some("v=4.0"),
            StatusCode::OK,
        ),
        (
            url.as_str(),
            Some(format!("Bearer {}", stack.token)),
            Some("v=4.0&include_deleted=maybe"),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (url, auth, query, expected) in cases {
        let mut request = client().get(format!("{url}?{}", query.unwrap_or_default()));
        if let Some(auth) = &auth {
            request = request.header("Authorization", auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), expected, "{auth:?} {query:?}");
        if expected != StatusCode::OK {
            let body: Value = response.json().await.unwrap();
            assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
    }
    let conditional = |revision: &'static str| {
        client()
            .get(format!("{url}?v=4.0"))
            .bearer_auth(&stack.token)
            .header("If-Match", revision)
            .send()
    };
    assert_eq!(
        conditional("1").await.unwrap().status(),
        StatusCode::NOT_MODIFIED
    );
    assert_eq!(conditional("0").await.unwrap().status(), StatusCode::OK);
    assert_eq!(conditional("-1").await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn serves_the_spa_with_a_fallback_to_index() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<title>console</title>").unwrap();
    std::fs::write(dist.path().join("app.js"), "console.log(1)").unwrap();
    let stack = Stack::start(1, Some(dist.path().to_owned())).await.unwrap();
    for (path, body) in [
        ("/", "<title>console</title>"),
        ("/users/42", "<title>console</title>"),
        ("/app.js", "console.log(1)"),
    ] {
        let response = client()
            .get(format!("{}{path}", stack.proxy_url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.text().await.unwrap(), body, "{path}");
    }
    // A file that is not there is not answered with the page.
    let icon = client()
        .get(format!("{}/favicon.ico", stack.proxy_url))
        .header("accept", "image/avif,image/webp,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(icon.status(), StatusCode::NOT_FOUND);
    assert!(
        icon.headers()
            .get_all("vary")
            .iter()
            .flat_map(|v| v.to_str().unwrap().split(','))
            .any(|v| v.trim().eq_ignore_ascii_case("accept")),
        "{:?}",
        icon.headers()
    );
    let missing = tempfile::tempdir().unwrap();
    let Err(error) = proxy::app(proxy::Config::new(vec![], Some(missing.path().to_owned()))) else {
        panic!("a dist with no index.html was accepted");
    };
    assert!(error.to_string().contains("index.html"), "{error}");
}

#[tokio::test]
async fn the_console_is_served_compressed_cached_and_locked_down() {
    let dist = tempfile::tempdir().unwrap();
    let loader = "import init from '/app-0123456789abcdef.js';\nawait init();\n";
    // Large enough to be compressed (a real page is), the loader's hash unchanged.
    let padding = "x".repeat(usize::from(proxy::COMPRESS_ABOVE));
    let index = format!("<head><!-- {padding} --><script type=\"module\">{loader}</script></head>");
    std::fs::write(dist.path().join("index.html"), &index).unwrap();
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
    let stack = Stack::start(1, Some(dist.path().to_owned())).await.unwrap();
    // reqwest would decode a body it asked to be compressed; a plain client sees the bytes.
    let plain = reqwest::Client::builder()
        .no_brotli()
        .no_gzip()
        .build()
        .unwrap();
    let get = |path: &str, encoding: &str| {
        plain
            .get(format!("{}{path}", stack.proxy_url))
            .header("accept-encoding", encoding)
            .send()
    };

    let asset = get("/app-0123456789abcdef.js", "br, gzip").await.unwrap();
    assert_eq!(asset.headers()["content-encoding"], "br");
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(asset.text().await.unwrap(), "brotli bytes");
    let identity = get("/app-0123456789abcdef.js", "identity").await.unwrap();
    assert!(identity.headers().get("content-encoding").is_none());
    assert_eq!(identity.text().await.unwrap(), "console.log(1)");

    for path in ["/", "/users/42"] {
        let compressed = get(path, "br").await.unwrap();
        assert_eq!(compressed.headers()["content-encoding"], "br", "{path}");
        let page = get(path, "identity").await.unwrap();
        assert_eq!(page.headers()["cache-control"], "no-cache", "{path}");
        let policy = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(policy.contains("'wasm-unsafe-eval'"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(
            !policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"),
            "{policy}"
        );
        use base64::Engine;
        use sha2::Digest;
        let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(loader));
        assert!(
            policy.contains(&format!("'sha256-{hash}'")),
            "the loader's hash: {policy}"
        );
        assert_eq!(page.headers()["x-content-type-options"], "nosniff");
        assert_eq!(page.headers()["referrer-policy"], "no-referrer");
        assert!(
            page.headers().get("strict-transport-security").is_none(),
            "HSTS is opt-in"
        );
    }
    let api = get("/api/connections", "identity").await.unwrap();
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_a_request_id() {
    for hsts in [false, true] {
        let stack = Stack::start_with(1, None, |config| config.hsts = hsts)
            .await
            .unwrap();
        for (path, status) in [
            ("/api/liveperson/users", StatusCode::OK),
            ("/api/connections", StatusCode::OK),
            ("/api/nowhere/users", StatusCode::NOT_FOUND),
            (
                "/api/liveperson/users/1/changePassword",
                StatusCode::NOT_FOUND,
            ),
            ("/api/x/", StatusCode::NOT_FOUND),
            ("/api//users", StatusCode::NOT_FOUND),
            ("/nowhere", StatusCode::NOT_FOUND),
            ("/livez", StatusCode::OK),
        ] {
            let answer = client()
                .get(format!("{}{path}", stack.proxy_url))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), status, "{path}");
            let headers = answer.headers();
            assert_eq!(
                headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'",
                "{path}"
            );
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
            assert_eq!(headers["x-frame-options"], "DENY", "{path}");
            assert_eq!(
                headers.get("strict-transport-security").is_some(),
                hsts,
                "{path}: HSTS only when configured"
            );
            assert_eq!(headers["x-request-id"].len(), 36, "{path}");
        }
    }
}

#[tokio::test]
async fn behind_a_gateway_prefix_everything_moves_under_it_but_the_probes() {
    let dist = tempfile::tempdir().unwrap();
    let loader = "import init from './app-0123456789abcdef.js';\nawait init();\n";
    std::fs::write(
        dist.path().join("index.html"),
        format!("<head><base href=\"/\" /><script type=\"module\">{loader}</script></head>"),
    )
    .unwrap();
    std::fs::write(dist.path().join("app-0123456789abcdef.js"), "1").unwrap();
    let stack = Stack::start_with(2, Some(dist.path().to_owned()), |config| {
        config.base_path = proxy::base_path("/admin/users/").unwrap();
    })
    .await
    .unwrap();
    let status = |path: &'static str| {
        let url = format!("{}{path}", stack.proxy_url);
        async move { client().get(url).send().await.unwrap().status() }
    };
    for (path, expected) in [
        ("/admin/users/", StatusCode::OK),
        ("/admin/users/index.html", StatusCode::OK),
        ("/admin/users/users/42", StatusCode::OK),
        ("/admin/users/app-0123456789abcdef.js", StatusCode::OK),
        ("/admin/users/api/connections", StatusCode::OK),
        ("/admin/users/api/liveperson/users", StatusCode::OK),
        ("/livez", StatusCode::OK),
        ("/readyz", StatusCode::OK),
        // Nothing of the console outside the prefix.
        ("/", StatusCode::NOT_FOUND),
        ("/api/connections", StatusCode::NOT_FOUND),
        ("/app-0123456789abcdef.js", StatusCode::NOT_FOUND),
        ("/admin/other/api/connections", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(status(path).await, expected, "{path}");
    }

    // The page names the prefix as its base, so its relative URLs (assets, API) resolve
    // under it; the loader is still allowed by its hash.
    for path in [
        "/admin/users/",
        "/admin/users/users/42",
        "/admin/users/index.html",
    ] {
        let page = client()
            .get(format!("{}{path}", stack.proxy_url))
            .send()
            .await
            .unwrap();
        let policy = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(page.headers()["cache-control"], "no-cache", "{path}");
        let html = page.text().await.unwrap();
        assert!(
            html.contains(r#"<base href="/admin/users/" />"#),
            "{path}: {html}"
        );
        use base64::Engine;
        use sha2::Digest;
        let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(loader));
        assert!(policy.contains(&format!("'sha256-{hash}'")), "{policy}");
        assert!(policy.contains("base-uri 'self'"), "{policy}");
    }

    // A created user's location points under the prefix too.
    let created = tests::console_client()
        .post(format!(
            "{}/admin/users/api/{CONNECTION}/users",
            stack.proxy_url
        ))
        .json(&json!([new_user("prefixed.user")]))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("/admin/users/api/{CONNECTION}/users/")),
        "{location}"
    );
    assert_eq!(
        client()
            .get(format!("{}{location}", stack.proxy_url))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn probes_tell_liveness_and_each_connections_readiness() {
    let stack = Stack::start(2, None).await.unwrap();
    let live = reqwest::get(format!("{}/livez", stack.proxy_url))
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    let ready = reqwest::get(format!("{}/readyz", stack.proxy_url))
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let report: Value = ready.json().await.unwrap();
    let ids: Vec<&str> = report["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["liveperson", "trintech", "commpeak"]);
    assert_eq!(
        stack.sandbox_revision().await.unwrap(),
        1,
        "a probe changed data"
    );

    // Credentials the vendor refuses make the console unready, naming the connection.
    let (proxy_url, _task) = start_proxy(&stack.sandbox.base_url(), "not-the-token", None)
        .await
        .unwrap();
    let ready = reqwest::get(format!("{proxy_url}/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let report: Value = ready.json().await.unwrap();
    assert_eq!(report["connections"][0]["ready"], false);
    assert!(
        report["connections"][0]["problem"]
            .as_str()
            .unwrap()
            .contains("refused the credentials"),
        "{report}"
    );
    assert!(!report.to_string().contains("not-the-token"));
}

#[tokio::test]
async fn the_openapi_document_lists_exactly_what_is_served() {
    let stack = Stack::start(3, None).await.unwrap();
    let document: Value = client()
        .get(format!("{}/api/openapi.json", stack.proxy_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();

    // Every operation of every connection is in it, under its own id.
    let connections: Vec<shared::ConnectionInfo> = client()
        .get(format!("{}/api/connections", stack.proxy_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut documented: Vec<String> = paths
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap().to_owned())
        .collect();
    documented.sort();
    for connection in &connections {
        for operation in &connection.operations {
            let id = format!("{}_{}", connection.id, operation);
            assert!(documented.contains(&id), "{id} is not documented");
        }
    }

    // And everything in it is served: no documented path and method meets the proxy's 404
    // or 405 (the vendor may still refuse the empty body or the made-up id).
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let url = format!("{}{}", stack.proxy_url, path.replace("{id}", "1"));
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let response = tests::console_client()
                .request(method.clone(), &url)
                .body("[]")
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert!(
                !body.contains("No such API endpoint"),
                "{method} {path}: {status} {body}"
            );
        }
    }
    // Nothing undocumented is served: a method the document does not list for a path is 405.
    let lp_users = &paths["/api/liveperson/users/{id}"];
    assert!(lp_users.get("post").is_none());
    let refused = tests::console_client()
        .post(format!("{}/api/liveperson/users/1", stack.proxy_url))
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::METHOD_NOT_ALLOWED);
    // RFC 9110: a 405 says which methods the path takes.
    assert_eq!(
        refused.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("GET, HEAD, PUT, DELETE"),
    );
}
