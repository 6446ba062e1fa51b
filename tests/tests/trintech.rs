//! Conformance of the emulated Trintech IAM users API (`users-apis.md` §2) over HTTP, and the
//! console's proxy forwarding to it. Every published rule and bad case has a row here.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::Stack;

fn valid_user(name: &str) -> Value {
    json!({
        "userName": name, "password": "Str0ng#pass",
        "name": {"firstName": "Ada", "lastName": "Lovelace"},
        "email": format!("{name}@example.com"), "phoneNumber": "+44 20 7946 0000",
        "roles": [{"type": "Close", "value": "Preparer"}],
        "userAccess": {"AccessAutomation": true, "AccessCertification": true},
        "departmentId": "FIN", "locationId": "LON", "lockedOut": false
    })
}

fn as_update(mut user: Value) -> Value {
    let object = user.as_object_mut().unwrap();
    object.remove("password");
    object.remove("userAccess");
    user
}

async fn call(
    stack: &Stack,
    method: reqwest::Method,
    body: Option<Value>,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let mut request =
        tests::console_client().request(method, format!("{}/users", stack.sandbox.trintech_url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn list(stack: &Stack) -> Vec<Value> {
    let (status, body) = call(
        stack,
        reqwest::Method::GET,
        None,
        Some(&stack.config.trintech.bearer_token),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    body.as_array().unwrap().clone()
}

fn find<'a>(users: &'a [Value], name: &str) -> Option<&'a Value> {
    users.iter().find(|u| {
        u["userName"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}

#[tokio::test]
async fn refuses_missing_or_wrong_credentials_with_the_documented_body() {
    let stack = Stack::start(5, None).await.unwrap();
    for token in [None, Some("wrong")] {
        for method in [
            reqwest::Method::GET,
            reqwest::Method::POST,
            reqwest::Method::PUT,
        ] {
            let (status, body) = call(
                &stack,
                method.clone(),
                Some(json!([valid_user("x1")])),
                token,
            )
            .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {token:?}");
            assert_eq!(body["code"], "401");
            assert!(
                body["message"].is_string()
                    && body["description"].as_str().unwrap().contains("Bearer")
            );
        }
    }
    assert!(
        find(&list(&stack).await, "x1").is_none(),
        "an unauthenticated create went through"
    );
}

#[tokio::test]
async fn create_reports_every_record_and_applies_the_valid_ones() {
    let stack = Stack::start(20, None).await.unwrap();
    let token = stack.config.trintech.bearer_token.clone();
    let seeded = list(&stack).await;
    let taken = seeded[0]["userName"].as_str().unwrap().to_owned();

    let (status, body) = call(
        &stack,
        reqwest::Method::POST,
        Some(json!([valid_user("ada.l"), valid_user("grace.h")])),
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["totalProcessed"], 2);
    assert_eq!(body["successCount"], 2);
    assert_eq!(body["failureCount"], 0);
    assert_eq!(body["successResults"][1]["userName"], "grace.h");
    assert_eq!(body["failedResults"], json!([]));
    let users = list(&stack).await;
    let created = find(&users, "ada.l").expect("created user listed");
    assert!(created.get("password").is_none(), "a password was returned");
    assert_eq!(created["userAccess"]["AccessAutomation"], true);

    let mut bad_email = valid_user("bad.email");
    bad_email["email"] = json!("bad@");
    let mut weak = valid_user("weak.pw");
    weak["password"] = json!("password");
    let mut second_email = valid_user("second.email");
    second_email["email"] = json!("ADA.L@example.com");
    let batch = json!([
        valid_user("fine.one"),
        bad_email,
        valid_user(&taken),
        weak,
        second_email,
        valid_user("fine.one"),
    ]);
    let (status, body) = call(&stack, reqwest::Method::POST, Some(batch), Some(&token)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["totalProcessed"], 6);
    assert_eq!(body["successCount"], 1);
    assert_eq!(body["failureCount"], 5);
    let failed = body["failedResults"].as_array().unwrap();
    let indexes: Vec<u64> = failed
        .iter()
        .map(|f| f["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, [1, 2, 3, 4, 5]);
    assert_eq!(failed[0]["fieldErrors"][0]["path"], "/1/email");
    assert_eq!(failed[0]["fieldErrors"][0]["code"], "invalid_email");
    assert!(
        failed[1]["message"]
            .as_str()
            .unwrap()
            .contains("already belongs to another user"),
        "{}",
        failed[1]
    );
    assert_eq!(failed[2]["fieldErrors"][0]["code"], "invalid_format");
    assert!(
        failed[3]["message"]
            .as_str()
            .unwrap()
            .contains("Email \"ADA.L@example.com\" already belongs"),
        "{}",
        failed[3]
    );
    assert_eq!(failed[4]["fieldErrors"][0]["code"], "duplicate");
    let users = list(&stack).await;
    assert!(find(&users, "fine.one").is_some());
    for refused in ["bad.email", "weak.pw", "second.email"] {
        assert!(find(&users, refused).is_none(), "{refused} was created");
    }
}

#[tokio::test]
async fn whole_request_refusals_process_nothing() {
    let stack = Stack::start(5, None).await.unwrap();
    let token = stack.config.trintech.bearer_token.clone();
    let too_many: Vec<Value> = (0..1001).map(|i| valid_user(&format!("bulk{i}"))).collect();
    for (case, body) in [
        ("1001 users", json!(too_many)),
        ("empty list", json!([])),
        ("not a list of objects", json!("users")),
    ] {
        let (status, answer) = call(&stack, reqwest::Method::POST, Some(body), Some(&token)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}");
        assert_eq!(answer["totalProcessed"], 0, "{case}");
        assert_eq!(answer["successCount"], 0, "{case}");
        assert!(
            !answer["failedResults"][0]["message"]
                .as_str()
                .unwrap()
                .is_empty(),
            "{case}"
        );
    }
    assert_eq!(list(&stack).await.len(), 5);
    let exactly_1000: Vec<Value> = (0..1000).map(|i| valid_user(&format!("bulk{i}"))).collect();
    let (status, answer) = call(
        &stack,
        reqwest::Method::POST,
        Some(json!(exactly_1000)),
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["successCount"], 1000);
}

#[tokio::test]
async fn update_replaces_updatable_fields_and_refuses_the_rest() {
    let stack = Stack::start(5, None).await.unwrap();
    let token = stack.config.trintech.bearer_token.clone();
    let (status, _) = call(
        &stack,
        reqwest::Method::POST,
        Some(json!([valid_user("ada.l"), valid_user("grace.h")])),
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let mut change = as_update(valid_user("ada.l"));
    change["email"] = json!("countess@example.com");
    change["name"] = json!({"displayName": "Countess"});
    change.as_object_mut().unwrap().remove("phoneNumber");
    let (status, body) = call(
        &stack,
        reqwest::Method::PUT,
        Some(json!([change])),
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["successResults"][0]["userName"], "ada.l");
    let users = list(&stack).await;
    let ada = find(&users, "ada.l").unwrap();
    assert_eq!(ada["email"], "countess@example.com");
    assert_eq!(ada["name"], json!({"displayName": "Countess"}));
    assert!(
        ada.get("phoneNumber").is_none(),
        "a field left out of the update survived"
    );
    assert_eq!(
        ada["userAccess"]["AccessAutomation"], true,
        "user access is not updatable"
    );

    let mut with_password = as_update(valid_user("grace.h"));
    with_password["password"] = json!("N3w#password");
    let mut with_access = as_update(valid_user("grace.h"));
    with_access["userAccess"] = json!({"AccessComplete": true});
    let mut email_taken = as_update(valid_user("grace.h"));
    email_taken["email"] = json!("countess@example.com");
    // One record per request: within one request a second record of the same user would
    // itself be refused as a duplicate.
    for (case, record, path, code, message) in [
        (
            "password",
            with_password,
            "/0/password",
            "not_updatable",
            "password",
        ),
        (
            "user access",
            with_access,
            "/0/userAccess/AccessComplete",
            "not_updatable",
            "AccessComplete",
        ),
        (
            "unknown user",
            as_update(valid_user("nobody.here")),
            "",
            "",
            "No user named \"nobody.here\"",
        ),
        (
            "email of another user",
            email_taken,
            "",
            "",
            "already belongs to another user",
        ),
    ] {
        let (status, body) = call(
            &stack,
            reqwest::Method::PUT,
            Some(json!([record])),
            Some(&token),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {body}");
        assert_eq!(body["failureCount"], 1, "{case}");
        let failed = &body["failedResults"][0];
        assert_eq!(failed["index"], 0, "{case}");
        assert!(
            failed["message"].as_str().unwrap().contains(message),
            "{case}: {failed}"
        );
        if !path.is_empty() {
            assert_eq!(failed["fieldErrors"][0]["path"], path, "{case}");
            assert_eq!(failed["fieldErrors"][0]["code"], code, "{case}");
        }
    }
    let grace = find(&list(&stack).await, "grace.h").unwrap().clone();
    assert_eq!(
        grace["email"], "grace.h@example.com",
        "a refused update changed the user"
    );
}

#[tokio::test]
async fn an_instance_without_a_list_endpoint_refuses_the_list() {
    let mut config =
        sandbox::Config::with_random_credentials(sandbox::Database::InMemory, tests::ACCOUNT_ID, 3);
    config.trintech.list_enabled = false;
    let running = sandbox::spawn(&config).await.unwrap();
    let response = tests::console_client()
        .get(format!("{}/users", running.trintech_url()))
        .bearer_auth(&config.trintech.bearer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);

    // The proxy, told the upstream has no list, does not forward one.
    let connections = proxy::embedded::sandbox_connections(&running, &config, "4.0").unwrap();
    let app = proxy::app(proxy::Config::new(connections, None)).unwrap();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let _server = tokio::spawn(async move {
        axum::serve(listener, axum::ServiceExt::into_make_service(app)).await
    });
    let response = tests::console_client()
        .get(format!("{url}/api/trintech/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("accepts POST, PUT"),
        "{body}"
    );
}

#[tokio::test]
async fn the_proxy_forwards_both_writes_with_its_own_credential() {
    let stack = Stack::start(5, None).await.unwrap();
    let client = tests::console_client();
    let users = format!("{}/api/trintech/users", stack.proxy_url);
    let response = client
        .post(&users)
        .bearer_auth("the-browser-must-not-choose-this")
        .json(&json!([valid_user("via.proxy")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = client
        .put(&users)
        .json(&json!([as_update(valid_user("via.proxy"))]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let listed: Vec<Value> = client
        .get(&users)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(find(&listed, "via.proxy").is_some());

    // The proxy refuses what the vendor would, before sending anything.
    let mut bad = as_update(valid_user("via.proxy"));
    bad["password"] = json!("N3w#password");
    let response = client.put(&users).json(&json!([bad])).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["fieldErrors"][0]["code"], "not_updatable");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Nothing was sent to the vendor")
    );
}

/// Every published create constraint over HTTP: the record fails with its field error.
#[tokio::test]
async fn every_field_rule_fails_its_record() {
    let stack = Stack::start(3, None).await.unwrap();
    let token = stack.config.trintech.bearer_token.clone();
    let long = |n: usize| "x".repeat(n);
    let patch = |patch: Value| {
        let mut user = valid_user("rule.check");
        for (key, value) in patch.as_object().unwrap() {
            if value.is_null() {
                user.as_object_mut().unwrap().remove(key);
            } else {
                user[key] = value.clone();
            }
        }
        user
    };
    for (rule, user, path, code) in [
        (
            "user name required",
            patch(json!({"userName": null})),
            "/0/userName",
            "required",
        ),
        (
            "user name of one character",
            patch(json!({"userName": "a"})),
            "/0/userName",
            "invalid_format",
        ),
        (
            "user name of 61",
            patch(json!({"userName": long(61)})),
            "/0/userName",
            "invalid_format",
        ),
        (
            "user name with two dots",
            patch(json!({"userName": "a..b"})),
            "/0/userName",
            "invalid_format",
        ),
        (
            "user name ending with a dot",
            patch(json!({"userName": "ab."})),
            "/0/userName",
            "invalid_format",
        ),
        (
            "password required",
            patch(json!({"password": null})),
            "/0/password",
            "required",
        ),
        (
            "password of 7",
            patch(json!({"password": "Ab1!xyz"})),
            "/0/password",
            "too_short",
        ),
        (
            "password without a special",
            patch(json!({"password": "Abcdefg1"})),
            "/0/password",
            "invalid_format",
        ),
        (
            "password without a letter",
            patch(json!({"password": "1234567!"})),
            "/0/password",
            "invalid_format",
        ),
        (
            "name required",
            patch(json!({"name": null})),
            "/0/name",
            "required",
        ),
        (
            "email required",
            patch(json!({"email": null})),
            "/0/email",
            "required",
        ),
        (
            "email over 128",
            patch(json!({"email": format!("{}@{}.example.com", long(60), long(56))})),
            "/0/email",
            "too_long",
        ),
        (
            "phone over 20",
            patch(json!({"phoneNumber": long(21)})),
            "/0/phoneNumber",
            "too_long",
        ),
        (
            "department over 15",
            patch(json!({"departmentId": long(16)})),
            "/0/departmentId",
            "too_long",
        ),
        (
            "location over 15",
            patch(json!({"locationId": long(16)})),
            "/0/locationId",
            "too_long",
        ),
        (
            "program admin role over 15",
            patch(json!({"programAdminRoleId": long(16)})),
            "/0/programAdminRoleId",
            "too_long",
        ),
        (
            "role without a type",
            patch(json!({"roles": [{"value": "Preparer"}]})),
            "/0/roles/0/type",
            "required",
        ),
        (
            "locked out not a boolean",
            patch(json!({"lockedOut": "maybe"})),
            "/0/lockedOut",
            "invalid_type",
        ),
    ] {
        let (status, body) = call(
            &stack,
            reqwest::Method::POST,
            Some(json!([user])),
            Some(&token),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{rule}: {body}");
        assert_eq!(body["successCount"], 0, "{rule}");
        let error = &body["failedResults"][0]["fieldErrors"][0];
        assert_eq!(error["path"], path, "{rule}: {body}");
        assert_eq!(error["code"], code, "{rule}: {body}");
        assert!(!error["message"].as_str().unwrap().is_empty(), "{rule}");
    }
    assert_eq!(list(&stack).await.len(), 3, "a refused record was created");
}
