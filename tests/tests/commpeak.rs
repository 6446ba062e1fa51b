//! Conformance of the emulated CommPeak users API (`users-apis.md` §3) over HTTP, and the
//! console's proxy forwarding to it.

use axum::http::HeaderName;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tests::Stack;

struct Api<'a> {
    stack: &'a Stack,
}

impl Api<'_> {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let commpeak = &self.stack.config.commpeak;
        self.call_as(
            method,
            path,
            body,
            Some((&commpeak.username, &commpeak.password)),
        )
        .await
    }

    async fn call_as(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        credentials: Option<(&str, &str)>,
    ) -> (StatusCode, Value) {
        let mut request = tests::console_client().request(
            method,
            format!("{}{path}", self.stack.sandbox.commpeak_url()),
        );
        if let Some((user, password)) = credentials {
            request = request.basic_auth(user, Some(password));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// Every scalar of a read user is a string (§3.5); flags are "0" or "1".
fn assert_vendor_strings(user: &Value) {
    for (field, value) in user.as_object().unwrap() {
        assert!(
            value.is_string() || value.is_array() || value.is_object(),
            "{field} is {value}, not a string"
        );
    }
    for flag in ["is_active", "is_deleted", "use_webrtc", "member_all_desks"] {
        assert!(
            matches!(user[flag].as_str(), Some("0" | "1")),
            "{flag}: {}",
            user[flag]
        );
    }
    assert!(user["roles"].is_object(), "roles is an object");
}

#[tokio::test]
async fn refuses_missing_or_wrong_credentials() {
    let stack = Stack::start(3, None).await.unwrap();
    let api = Api { stack: &stack };
    for credentials in [
        None,
        Some(("console-api", "wrong")),
        Some(("other", stack.config.commpeak.password.as_str())),
    ] {
        let (status, body) = api
            .call_as(Method::GET, "/api/users/", None, credentials)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{credentials:?}");
        assert!(body["message"].as_str().unwrap().contains("Basic"));
    }
    let response = reqwest::get(format!("{}/api/users/", stack.sandbox.commpeak_url()))
        .await
        .unwrap();
    assert_eq!(
        response.headers()["www-authenticate"],
        "Basic realm=\"api\""
    );
}

#[tokio::test]
async fn lists_and_gets_users_with_every_scalar_as_a_string() {
    let stack = Stack::start(30, None).await.unwrap();
    let api = Api { stack: &stack };
    let (status, users) = api.call(Method::GET, "/api/users/", None).await;
    assert_eq!(status, StatusCode::OK);
    let users = users.as_array().unwrap();
    assert_eq!(users.len(), 30);
    users.iter().for_each(assert_vendor_strings);
    let (status, without_slash) = api.call(Method::GET, "/api/users", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(without_slash.as_array().unwrap().len(), 30);

    let id = users[4]["id"].as_str().unwrap();
    let (status, one) = api
        .call(Method::GET, &format!("/api/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        one,
        json!([users[4]]),
        "get answers an array holding the user"
    );
    for missing in ["999999", "0", "abc"] {
        let (status, body) = api
            .call(Method::GET, &format!("/api/users/{missing}"), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        assert!(
            body["message"].as_str().unwrap().contains(missing),
            "{body}"
        );
    }
}

#[tokio::test]
async fn creates_users_with_the_vendor_defaults() {
    let stack = Stack::start(3, None).await.unwrap();
    let api = Api { stack: &stack };
    let new = json!([
        {"username": "agent.new", "password": "pw-1", "email": "agent.new@example.com", "is_active": "1", "roles": ["1"]},
        {"username": "agent.two", "password": "pw-2", "email": "agent.two@example.com", "is_active": 0}
    ]);
    let (status, created) = api.call(Method::POST, "/api/users/", Some(new)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let created = created.as_array().unwrap();
    created.iter().for_each(assert_vendor_strings);
    assert_eq!(created[0]["username"], "agent.new");
    assert_eq!(created[0]["roles"], json!({"1": "Agent"}));
    assert_eq!(created[1]["is_active"], "0");
    assert!(
        created[0].get("password").is_none(),
        "the password was returned"
    );
    assert_eq!(
        created[0]["registration_password"].as_str().unwrap().len(),
        16
    );
    let id = created[0]["id"].as_str().unwrap();
    let (status, fetched) = api
        .call(Method::GET, &format!("/api/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched[0], created[0]);
}

#[tokio::test]
async fn refuses_invalid_new_users_and_creates_none_of_the_batch() {
    let stack = Stack::start(3, None).await.unwrap();
    let api = Api { stack: &stack };
    let (_, seeded) = api.call(Method::GET, "/api/users/", None).await;
    let taken = seeded[0]["username"].as_str().unwrap().to_owned();
    for (case, body, status, fragment) in [
        (
            "missing password, bad email",
            json!([{"username": "x", "email": "x@"}]),
            StatusCode::BAD_REQUEST,
            "/0/password",
        ),
        (
            "flag of the wrong kind",
            json!([{"username": "x", "password": "p", "email": "x@example.com", "is_active": "yes"}]),
            StatusCode::BAD_REQUEST,
            "/0/is_active",
        ),
        (
            "user name taken",
            json!([{"username": "fresh", "password": "p", "email": "f@example.com"},
                   {"username": taken.to_uppercase(), "password": "p", "email": "t@example.com"}]),
            StatusCode::BAD_REQUEST,
            "already belongs to another user",
        ),
        (
            "not JSON",
            json!("nope"),
            StatusCode::BAD_REQUEST,
            "not a JSON list",
        ),
    ] {
        let (got, answer) = api.call(Method::POST, "/api/users/", Some(body)).await;
        assert_eq!(got, status, "{case}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(fragment),
            "{case}: {answer}"
        );
    }
    let (_, users) = api.call(Method::GET, "/api/users/", None).await;
    assert_eq!(
        users.as_array().unwrap().len(),
        3,
        "a refused batch created users"
    );
}

#[tokio::test]
async fn update_changes_only_the_fields_sent() {
    let stack = Stack::start(5, None).await.unwrap();
    let api = Api { stack: &stack };
    let (_, users) = api.call(Method::GET, "/api/users/", None).await;
    let before = users[2].clone();
    let id = before["id"].as_str().unwrap().to_owned();
    let path = format!("/api/users/{id}");

    let (status, after) = api
        .call(
            Method::PUT,
            &path,
            Some(json!({"first_name": "Renamed", "is_active": "0", "twofa_type": "google"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    let after = &after[0];
    assert_vendor_strings(after);
    assert_eq!(after["first_name"], "Renamed");
    assert_eq!(after["is_active"], "0");
    assert_eq!(after["twofa_type"], "google");
    for unchanged in [
        "username",
        "email",
        "last_name",
        "registration_password",
        "default_language",
    ] {
        assert_eq!(after[unchanged], before[unchanged], "{unchanged} changed");
    }

    let other = users[3]["username"].as_str().unwrap();
    for (case, body, status, fragment) in [
        (
            "unknown language",
            json!({"default_language": "fr_FR"}),
            StatusCode::BAD_REQUEST,
            "en_US",
        ),
        (
            "other id in body",
            json!({"id": 1, "first_name": "X"}),
            StatusCode::BAD_REQUEST,
            "path names user",
        ),
        (
            "nothing to change",
            json!({}),
            StatusCode::BAD_REQUEST,
            "changes no field",
        ),
        (
            "user name taken",
            json!({"username": other}),
            StatusCode::BAD_REQUEST,
            "already belongs",
        ),
    ] {
        let (got, answer) = api.call(Method::PUT, &path, Some(body)).await;
        assert_eq!(got, status, "{case}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(fragment),
            "{case}: {answer}"
        );
    }
    let (status, _) = api
        .call(
            Method::PUT,
            "/api/users/999999",
            Some(json!({"first_name": "X"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, now) = api.call(Method::GET, &path, None).await;
    assert_eq!(now[0], *after, "a refused update changed the user");
}

/// The sandbox keeps the list it last read (50,000 users are mostly parsing): every write,
/// a create or an update, is in the very next list, and a refused one changes nothing.
#[tokio::test]
async fn a_write_is_seen_by_the_next_list() {
    let stack = Stack::start(4, None).await.unwrap();
    let api = Api { stack: &stack };
    let list = || async {
        let (status, users) = api.call(Method::GET, "/api/users/", None).await;
        assert_eq!(status, StatusCode::OK);
        users.as_array().unwrap().clone()
    };
    let before = list().await;
    assert_eq!(list().await, before, "a list read twice");

    let (status, created) = api
        .call(
            Method::POST,
            "/api/users/",
            Some(json!([{"username": "next.list", "password": "pw", "email": "next@example.com"}])),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let listed = list().await;
    assert_eq!(listed.len(), before.len() + 1);
    assert_eq!(listed.last().unwrap(), &created[0], "a create");

    let id = created[0]["id"].as_str().unwrap();
    let (status, updated) = api
        .call(
            Method::PUT,
            &format!("/api/users/{id}"),
            Some(json!({"first_name": "Listed", "is_active": 0})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let listed = list().await;
    assert_eq!(listed.last().unwrap(), &updated[0], "an update");
    assert_eq!(listed.last().unwrap()["first_name"], "Listed");
    assert_eq!(listed.last().unwrap()["is_active"], "0");
    listed.iter().for_each(assert_vendor_strings);
    assert_eq!(listed[..before.len()], before[..], "the others unchanged");

    let (status, _) = api
        .call(
            Method::PUT,
            &format!("/api/users/{id}"),
            Some(json!({"username": before[0]["username"]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(list().await, listed, "a refused update");
}

#[tokio::test]
async fn the_proxy_forwards_every_operation_with_basic_auth() {
    let stack = Stack::start(4, None).await.unwrap();
    let client = tests::console_client();
    let users = format!("{}/api/commpeak/users", stack.proxy_url);
    let created: Value = client
        .post(&users)
        .json(&json!([{"username": "via.proxy", "password": "pw", "email": "via@example.com"}]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created[0]["id"].as_str().unwrap();
    let response = client
        .put(format!("{users}/{id}"))
        .json(&json!({"last_name": "Proxied"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let fetched: Value = client
        .get(format!("{users}/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched[0]["last_name"], "Proxied");
    let listed: Vec<Value> = client
        .get(&users)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 5);

    // Refused by the proxy with the shared rules, before the vendor sees it.
    let response = client
        .put(format!("{users}/{id}"))
        .json(&json!({"twofa_type": "sms"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["fieldErrors"][0]["path"], "/twofa_type");
    // An operation CommPeak does not describe is not forwarded.
    let response = client.delete(format!("{users}/{id}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// The SIP registration password the vendor returns in clear reaches an admin's read of one
/// user only (for the user page to reveal when asked): never a list, never a viewer. Every
/// other field passes as the vendor sent it.
#[tokio::test]
async fn the_registration_password_reaches_only_an_admin_reading_one_user() {
    let stack = Stack::start_with(6, None, |config| {
        config.access = proxy::access::Access::Gateway(proxy::access::Gateway {
            user_header: HeaderName::from_static("x-forwarded-user"),
            groups_header: HeaderName::from_static("x-forwarded-groups"),
            trusted_sources: vec!["127.0.0.1/32".parse().unwrap()],
            shared_secret: None,
            admin_groups: vec!["console-admins".into()],
            viewer_groups: vec!["support".into()],
        });
    })
    .await
    .unwrap();
    let api = Api { stack: &stack };
    // What the vendor answers, straight: the proxy's answers are compared to it.
    let (_, listed) = api.call(Method::GET, "/api/users/", None).await;
    let id = listed[2]["id"].as_str().unwrap().to_owned();
    let (_, one) = api
        .call(Method::GET, &format!("/api/users/{id}"), None)
        .await;
    let password = one[0]["registration_password"].as_str().unwrap().to_owned();
    assert!(!password.is_empty());
    let without = |users: &Value| {
        let mut users = users.clone();
        for user in users.as_array_mut().unwrap() {
            assert!(user["registration_password"].is_string(), "{user}");
            user.as_object_mut()
                .unwrap()
                .remove("registration_password");
        }
        users
    };

    let users = format!("{}/api/commpeak/users", stack.proxy_url);
    for (case, groups, url, expected) in [
        (
            "an admin's get-one keeps it",
            "console-admins",
            format!("{users}/{id}"),
            one.clone(),
        ),
        (
            "an admin's list",
            "console-admins",
            users.clone(),
            without(&listed),
        ),
        (
            "a viewer's get-one",
            "support",
            format!("{users}/{id}"),
            without(&one),
        ),
        (
            "a viewer's list",
            "support",
            users.clone(),
            without(&listed),
        ),
    ] {
        let response = tests::console_client()
            .get(&url)
            .header("x-forwarded-user", "someone")
            .header("x-forwarded-groups", groups)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{case}");
        let length = response.content_length();
        let bytes = response.bytes().await.unwrap();
        assert_eq!(length, Some(bytes.len() as u64), "{case}: content-length");
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body, expected, "{case}");
        let keeps = expected[0].get("registration_password").is_some();
        assert_eq!(
            String::from_utf8_lossy(&bytes).contains(&password),
            keeps,
            "{case}: the password's value"
        );
    }

    // An answer that must lose it and cannot be read is refused, never passed on as it came.
    for (fault, fragment) in [("resetRate", "cut short"), ("malformedRate", "not JSON")] {
        let status = tests::console_client()
            .put(format!(
                "{}{}",
                stack.sandbox.base_url(),
                sandbox::faults::CONTROL_PATH
            ))
            .json(&json!({ fault: 1 }))
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success(), "{fault}: {status}");
        let response = tests::console_client()
            .get(&users)
            .header("x-forwarded-user", "someone")
            .header("x-forwarded-groups", "console-admins")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY, "{fault}");
        let body = response.text().await.unwrap();
        assert!(body.contains(fragment), "{fault}: {body}");
        assert!(!body.contains("registration_password"), "{fault}: {body}");
    }
}

/// A list above a megabyte is rewritten off the proxy's runtime threads, to the same effect:
/// every user without the password, every other member as the vendor sent it, in its order.
#[tokio::test]
async fn a_large_list_loses_the_registration_password_too() {
    let stack = Stack::start(2_500, None).await.unwrap();
    let straight = tests::console_client()
        .get(format!("{}/api/users/", stack.sandbox.commpeak_url()))
        .basic_auth(
            &stack.config.commpeak.username,
            Some(&stack.config.commpeak.password),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(straight.len() > 1024 * 1024, "{} bytes", straight.len());
    let response = tests::console_client()
        .get(format!("{}/api/commpeak/users", stack.proxy_url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let proxied = response.text().await.unwrap();
    assert!(!proxied.contains("registration_password"));
    // The sandbox writes compact JSON, the password never first of a user's members and
    // written without escapes: that member taken out, bytes and all, is what the proxy must
    // have sent.
    let mut expected = String::with_capacity(straight.len());
    let mut rest = straight.as_str();
    while let Some(start) = rest.find(",\"registration_password\":\"") {
        expected.push_str(&rest[..start]);
        let value = start + ",\"registration_password\":\"".len();
        rest = &rest[value + rest[value..].find('"').unwrap() + 1..];
    }
    expected.push_str(rest);
    assert_eq!(proxied.len(), expected.len());
    assert!(
        proxied == expected,
        "the proxied list differs from the sandbox's"
    );
}
