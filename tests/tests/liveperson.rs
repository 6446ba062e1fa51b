//! Conformance of the emulated LivePerson Users API (`users-apis.md` §1) for the operations
//! beyond list/create/update-list: get one, update one with the role-change resets, soft
//! delete, password reset, and the agent rule. Straight to the sandbox over HTTP.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tests::{ACCOUNT_ID, Stack};

const AGENT: i64 = 3001;
const ADMIN: i64 = 3003;

struct Api<'a> {
    stack: &'a Stack,
}

impl Api<'_> {
    async fn call(
        &self,
        method: Method,
        path: &str,
        if_match: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Option<i64>, Value) {
        let url = format!(
            "{}{}{path}",
            self.stack.sandbox.base_url(),
            shared::liveperson::ops::users_path(ACCOUNT_ID)
        );
        let mut request = tests::console_client()
            .request(method, url)
            .query(&[("v", "4.0")])
            .bearer_auth(&self.stack.token);
        if let Some(revision) = if_match {
            request = request.header("if-match", revision);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let revision = response
            .headers()
            .get("ac-revision")
            .and_then(|r| r.to_str().ok()?.parse().ok());
        (
            status,
            revision,
            response.json().await.unwrap_or(Value::Null),
        )
    }

    async fn seeded_with_profile(&self, profile: i64) -> Value {
        let (_, _, users) = self.call(Method::GET, "", None, None).await;
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["profileIds"] == json!([profile]) && u["isApiUser"] == false)
            .unwrap()
            .clone()
    }
}

/// A stored user as an edit sends it back: without the fields the vendor owns.
fn editable(stored: &Value) -> Value {
    let mut user = stored.clone();
    for server_owned in ["deleted", "pid", "dateUpdated", "lastPwdChangeDate"] {
        user.as_object_mut().unwrap().remove(server_owned);
    }
    user
}

#[tokio::test]
async fn get_one_user_or_404() {
    let stack = Stack::start(50, None).await.unwrap();
    let api = Api { stack: &stack };
    let agent = api.seeded_with_profile(AGENT).await;
    let id = agent["id"].as_i64().unwrap();
    let (status, revision, user) = api.call(Method::GET, &format!("/{id}"), None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(revision, Some(1));
    assert_eq!(user, agent);
    let (status, _, user) = api
        .call(
            Method::GET,
            &format!("/{id}?select=id,memberOf(agentGroupId)"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        user,
        json!({"id": id, "memberOf": {"agentGroupId": agent["memberOf"]["agentGroupId"]}})
    );
    let (status, _, _) = api
        .call(Method::GET, &format!("/{id}"), Some("1"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    for missing in ["1", "0", "abc"] {
        let (status, _, body) = api
            .call(Method::GET, &format!("/{missing}"), None, None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        assert!(
            body["message"].as_str().unwrap().contains(missing),
            "{body}"
        );
    }
}

#[tokio::test]
async fn update_one_replaces_the_record_and_applies_the_role_change() {
    let stack = Stack::start(50, None).await.unwrap();
    let api = Api { stack: &stack };
    let agent = api.seeded_with_profile(AGENT).await;
    let id = agent["id"].as_i64().unwrap();

    // Same user, now an admin; the body still carries the agent-only fields.
    let mut admin = editable(&agent);
    let object = admin.as_object_mut().unwrap();
    object.remove("mobileNumber");
    object.insert("profileIds".into(), json!([ADMIN]));
    object.insert("passwordSh".into(), Value::Null);
    object.insert("skillIds".into(), json!([5001]));
    object.insert("maxAsyncChats".into(), json!(3));
    let (status, revision, updated) = api
        .call(Method::PUT, &format!("/{id}"), Some("1"), Some(admin))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(revision, Some(2));
    assert_eq!(updated["profileIds"], json!([ADMIN]));
    assert_eq!(updated["maxChats"], 0, "leaving Agent resets maxChats");
    for reset in ["maxAsyncChats", "memberOf", "skillIds"] {
        assert!(updated.get(reset).is_none(), "leaving Agent keeps {reset}");
    }
    assert!(
        updated.get("mobileNumber").is_none(),
        "PUT replaces: a field left out survived"
    );
    assert_eq!(updated["loginName"], agent["loginName"]);

    let valid = editable(&updated);
    let (status, _, body) = api
        .call(Method::PUT, &format!("/{id}"), Some("1"), Some(valid))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a stale If-Match must be refused: {body}"
    );
    let mut other = updated.clone();
    other["id"] = json!(id + 1);
    let (status, _, body) = api
        .call(Method::PUT, &format!("/{id}"), Some("-1"), Some(other))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("path names user"),
        "{body}"
    );
}

#[tokio::test]
async fn agents_need_an_agent_group() {
    let stack = Stack::start(5, None).await.unwrap();
    let api = Api { stack: &stack };
    let user = json!({
        "loginName": "new.agent", "fullName": "New Agent", "nickname": "New",
        "email": "new.agent@example.com", "isEnabled": true, "maxChats": 2,
        "profileIds": [AGENT], "passwordSh": "S3cret!pw"
    });
    let (status, _, body) = api.call(Method::POST, "", None, Some(json!([user]))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("/0/memberOf"),
        "{body}"
    );
    let mut admin = user.clone();
    admin["profileIds"] = json!([ADMIN]);
    let (status, _, body) = api.call(Method::POST, "", None, Some(json!([admin]))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn deletes_are_soft_and_listed_with_include_deleted() {
    let stack = Stack::start(10, None).await.unwrap();
    let api = Api { stack: &stack };
    let (_, _, users) = api.call(Method::GET, "?select=id", None, None).await;
    let ids: Vec<i64> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();

    let (status, revision, deleted) = api
        .call(Method::DELETE, &format!("/{}", ids[0]), Some("1"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(revision, Some(2));
    assert_eq!(deleted[0]["deleted"], true);
    let body = json!([ids[1].to_string(), ids[2].to_string()]);
    let (status, revision, _) = api.call(Method::DELETE, "", Some("-1"), Some(body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(revision, Some(3));

    let (_, _, visible) = api.call(Method::GET, "?select=id", None, None).await;
    assert_eq!(visible.as_array().unwrap().len(), 7);
    let (_, _, all) = api
        .call(
            Method::GET,
            "?select=id,deleted&include_deleted=true",
            None,
            None,
        )
        .await;
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 10);
    assert_eq!(all.iter().filter(|u| u["deleted"] == true).count(), 3);

    for (case, path, if_match, body, status) in [
        (
            "deleted again",
            format!("/{}", ids[0]),
            "-1",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            "stale revision",
            format!("/{}", ids[3]),
            "1",
            None,
            StatusCode::CONFLICT,
        ),
        (
            "list with a zero id",
            String::new(),
            "-1",
            Some(json!(["0"])),
            StatusCode::BAD_REQUEST,
        ),
        (
            "list with an unknown id",
            String::new(),
            "-1",
            Some(json!([ids[4].to_string(), "77"])),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (got, _, answer) = api.call(Method::DELETE, &path, Some(if_match), body).await;
        assert_eq!(got, status, "{case}: {answer}");
        assert!(answer["message"].is_string(), "{case}: {answer}");
    }
    let (_, _, visible) = api.call(Method::GET, "?select=id", None, None).await;
    assert_eq!(
        visible.as_array().unwrap().len(),
        7,
        "a refused delete removed a user"
    );
}

#[tokio::test]
async fn reset_password() {
    let stack = Stack::start(40, None).await.unwrap();
    let api = Api { stack: &stack };
    let agent = api.seeded_with_profile(AGENT).await;
    let id = agent["id"].as_i64().unwrap();
    let path = format!("/{id}/resetPassword");
    let (status, revision, user) = api
        .call(
            Method::PUT,
            &path,
            None,
            Some(json!({"newPassword": "N3w!passw0rd"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(revision, Some(2));
    assert_ne!(user["lastPwdChangeDate"], agent["lastPwdChangeDate"]);
    assert!(user.get("passwordSh").is_none(), "a password was returned");
    let (status, _, body) = api.call(Method::PUT, &path, None, Some(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("newPassword"),
        "{body}"
    );
}

/// The sandbox's address as a client sends it in `Host` (and signs it).
fn host(stack: &Stack) -> String {
    stack.sandbox.addr.to_string()
}

fn oauth1_header(
    key: &sandbox::lp_auth::AppKey,
    method: &str,
    host: &str,
    path_and_query: &str,
) -> String {
    let url = url::Url::parse(&format!("http://{host}{path_and_query}")).unwrap();
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let nonce = format!("n{}", std::process::id());
    let mut builder = oauth1_request::Builder::new(
        oauth1_request::Credentials::new(key.consumer_key.as_str(), key.consumer_secret.as_str()),
        oauth1_request::HMAC_SHA1,
    );
    builder
        .token(oauth1_request::Credentials::new(
            key.token.as_str(),
            key.token_secret.as_str(),
        ))
        .nonce(nonce.as_str());
    builder.authorize(
        method,
        format!("http://{host}{}", url.path()),
        &oauth1_request::ParameterList::new(query),
    )
}

#[tokio::test]
async fn oauth1_signed_requests_are_verified() {
    let stack = Stack::start(5, None).await.unwrap();
    let key = stack.config.liveperson.app_keys[0].clone();
    let path = format!(
        "{}?v=4.0&select=id,loginName",
        shared::liveperson::ops::users_path(ACCOUNT_ID)
    );
    let url = format!("{}{path}", stack.sandbox.base_url());
    let client = tests::console_client();
    let signed = oauth1_header(&key, "GET", &host(&stack), &path);
    let response = client
        .get(&url)
        .header("authorization", &signed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let users: Vec<Value> = response.json().await.unwrap();
    assert_eq!(users.len(), 5);

    let replayed = client
        .get(&url)
        .header("authorization", &signed)
        .send()
        .await
        .unwrap();
    assert_eq!(
        replayed.status(),
        StatusCode::UNAUTHORIZED,
        "a replayed nonce"
    );
    let mut wrong = key.clone();
    wrong.consumer_secret = "not-the-secret".into();
    for (case, header, fragment) in [
        (
            "wrong secret",
            oauth1_header(&wrong, "GET", &host(&stack), &path),
            "signature does not match",
        ),
        (
            "signed for another method",
            oauth1_header(&key, "PUT", &host(&stack), &path),
            "signature does not match",
        ),
        (
            "unsigned",
            "OAuth oauth_consumer_key=\"x\"".to_owned(),
            "malformed",
        ),
    ] {
        let response = client
            .get(&url)
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains(fragment),
            "{case}: {body}"
        );
    }
}

async fn sentinel_token(stack: &Stack, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = tests::console_client()
        .post(format!(
            "{}{}",
            stack.sandbox.base_url(),
            shared::liveperson::ops::sentinel_token_path(ACCOUNT_ID)
        ))
        .form(form)
        .send()
        .await
        .unwrap();
    (
        response.status(),
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn sentinel_issues_client_credentials_tokens_that_expire() {
    let stack = Stack::start(5, None).await.unwrap();
    let client = stack.config.liveperson.oauth_clients[0].clone();
    let credentials = [
        ("grant_type", "client_credentials"),
        ("client_id", client.client_id.as_str()),
        ("client_secret", client.client_secret.as_str()),
    ];
    let (status, token) = sentinel_token(&stack, &credentials).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 3600);
    let access = token["access_token"].as_str().unwrap();
    let list = |bearer: String| {
        tests::console_client()
            .get(format!(
                "{}{}?v=4.0",
                stack.sandbox.base_url(),
                shared::liveperson::ops::users_path(ACCOUNT_ID)
            ))
            .bearer_auth(bearer)
            .send()
    };
    assert_eq!(
        list(access.to_owned()).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        list("made-up".into()).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    for (case, form, status, error) in [
        (
            "wrong secret",
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", client.client_id.as_str()),
                ("client_secret", "x"),
            ],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "other grant",
            vec![
                ("grant_type", "password"),
                ("client_id", client.client_id.as_str()),
                ("client_secret", client.client_secret.as_str()),
            ],
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            "no client",
            vec![("grant_type", "client_credentials")],
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ] {
        let (got, body) = sentinel_token(&stack, &form).await;
        assert_eq!(got, status, "{case}");
        assert_eq!(body["error"], error, "{case}");
    }

    // A sandbox whose tokens live no time at all: the token is refused as expired.
    let mut config =
        sandbox::Config::with_random_credentials(sandbox::Database::InMemory, ACCOUNT_ID, 1);
    config.liveperson.token_lifetime = std::time::Duration::ZERO;
    let running = sandbox::spawn(&config).await.unwrap();
    let client = &config.liveperson.oauth_clients[0];
    let token: Value = tests::console_client()
        .post(format!(
            "{}{}",
            running.base_url(),
            shared::liveperson::ops::sentinel_token_path(ACCOUNT_ID)
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = tests::console_client()
        .get(format!(
            "{}{}?v=4.0",
            running.base_url(),
            shared::liveperson::ops::users_path(ACCOUNT_ID)
        ))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );
}

#[tokio::test]
async fn csds_tells_the_service_domains() {
    let stack = Stack::start(1, None).await.unwrap();
    let get = |path: String| reqwest::get(format!("{}{path}", stack.sandbox.base_url()));
    use shared::liveperson::ops;
    let one = get(format!(
        "{}?version=1.0",
        ops::csds_path(ACCOUNT_ID, ops::SERVICE_READ_WRITE)
    ))
    .await
    .unwrap();
    assert_eq!(one.status(), StatusCode::OK);
    let one: Value = one.json().await.unwrap();
    assert_eq!(
        one,
        json!({"service": "accountConfigReadWrite", "account": ACCOUNT_ID, "baseURI": host(&stack)})
    );
    let all: Value = get(format!(
        "/api/account/{ACCOUNT_ID}/service/baseURI.json?version=1.0"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let services: Vec<&str> = all["baseURIs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"].as_str().unwrap())
        .collect();
    assert!(
        services.contains(&"sentinel") && services.contains(&"accountConfigReadOnly"),
        "{all}"
    );
    for (case, path, status) in [
        (
            "no version",
            ops::csds_path(ACCOUNT_ID, ops::SERVICE_READ_WRITE),
            StatusCode::BAD_REQUEST,
        ),
        (
            "names are case sensitive",
            format!(
                "{}?version=1.0",
                ops::csds_path(ACCOUNT_ID, "accountconfigreadwrite")
            ),
            StatusCode::NOT_FOUND,
        ),
        (
            "other account",
            format!(
                "{}?version=1.0",
                ops::csds_path("999", ops::SERVICE_READ_WRITE)
            ),
            StatusCode::NOT_FOUND,
        ),
    ] {
        assert_eq!(get(path).await.unwrap().status(), status, "{case}");
    }
}

fn valid_user(login: &str) -> Value {
    json!({
        "loginName": login, "fullName": "Valid User", "nickname": "Valid",
        "email": format!("{login}@example.com"), "isEnabled": true, "maxChats": 2,
        "profileIds": [AGENT], "passwordSh": "S3cret!pw", "memberOf": {"agentGroupId": -1}
    })
}

fn with(mut user: Value, patch: Value) -> Value {
    for (key, value) in patch.as_object().unwrap() {
        if value.is_null() && key != "passwordSh" {
            user.as_object_mut().unwrap().remove(key);
        } else {
            user[key] = value.clone();
        }
    }
    user
}

/// Every create rule, straight to the sandbox: 400, a message naming the field, nothing
/// written.
#[tokio::test]
async fn every_create_rule_is_refused_with_a_clear_message() {
    let stack = Stack::start(5, None).await.unwrap();
    let api = Api { stack: &stack };
    let (_, _, seeded) = api.call(Method::GET, "?select=loginName", None, None).await;
    let taken = seeded[0]["loginName"].as_str().unwrap().to_owned();
    let base = valid_user("rule.check");
    let api_user = with(
        base.clone(),
        json!({"isApiUser": true, "passwordSh": null, "allowedAppKeys": "k1", "profileIds": [ADMIN], "memberOf": null}),
    );
    for (rule, body, fragment) in [
        (
            "login name required",
            json!([with(base.clone(), json!({"loginName": null}))]),
            "/0/loginName",
        ),
        (
            "full name required",
            json!([with(base.clone(), json!({"fullName": ""}))]),
            "/0/fullName",
        ),
        (
            "nickname required",
            json!([with(base.clone(), json!({"nickname": null}))]),
            "/0/nickname",
        ),
        (
            "enabled required",
            json!([with(base.clone(), json!({"isEnabled": null}))]),
            "/0/isEnabled",
        ),
        (
            "max chats required",
            json!([with(base.clone(), json!({"maxChats": null}))]),
            "/0/maxChats",
        ),
        (
            "profiles required",
            json!([with(base.clone(), json!({"profileIds": []}))]),
            "/0/profileIds",
        ),
        (
            "password required",
            json!([with(base.clone(), json!({"passwordSh": null}))]),
            "/0/passwordSh",
        ),
        (
            "id is read-only",
            json!([with(base.clone(), json!({"id": 7}))]),
            "/0/id",
        ),
        (
            "deleted cannot be set",
            json!([with(base.clone(), json!({"deleted": true}))]),
            "/0/deleted",
        ),
        (
            "email syntax",
            json!([with(base.clone(), json!({"email": "a@b"}))]),
            "/0/email",
        ),
        (
            "max chats not negative",
            json!([with(base.clone(), json!({"maxChats": -1}))]),
            "/0/maxChats",
        ),
        (
            "async chats not negative",
            json!([with(base.clone(), json!({"maxAsyncChats": -3}))]),
            "/0/maxAsyncChats",
        ),
        (
            "ids positive",
            json!([with(base.clone(), json!({"skillIds": [0]}))]),
            "/0/skillIds/0",
        ),
        (
            "dates in the vendor's form",
            json!([with(
                base.clone(),
                json!({"lastPwdChangeDate": "2024-01-01T00:00:00"})
            )]),
            "/0/lastPwdChangeDate",
        ),
        (
            "agents need a group",
            json!([with(base.clone(), json!({"memberOf": null}))]),
            "/0/memberOf",
        ),
        (
            "API users have no password",
            json!([with(api_user.clone(), json!({"passwordSh": "x"}))]),
            "/0/passwordSh",
        ),
        (
            "API users need app keys",
            json!([with(api_user.clone(), json!({"allowedAppKeys": null}))]),
            "/0/allowedAppKeys",
        ),
        (
            "only API users have app keys",
            json!([with(base.clone(), json!({"allowedAppKeys": "k1"}))]),
            "/0/allowedAppKeys",
        ),
        (
            "login names unique in a request",
            json!([
                base.clone(),
                with(base.clone(), json!({"loginName": "RULE.CHECK"}))
            ]),
            "/1/loginName",
        ),
        (
            "login names unique in the account",
            json!([with(base.clone(), json!({"loginName": taken.clone()}))]),
            "already belongs to another user",
        ),
        (
            "wrong type",
            json!([with(base.clone(), json!({"maxChats": "many"}))]),
            "/0/maxChats",
        ),
        ("empty list", json!([]), "no users"),
    ] {
        let (status, revision, body) = api.call(Method::POST, "", None, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{rule}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(fragment),
            "{rule}: {body}"
        );
        assert_eq!(
            revision, None,
            "{rule}: a refused write answered a revision"
        );
    }
    let (status, _, _) = api
        .call(Method::POST, "", None, Some(json!([api_user])))
        .await;
    assert_eq!(status, StatusCode::CREATED, "a valid API user");
    assert_eq!(
        stack.sandbox_revision().await.unwrap(),
        2,
        "only the valid user was written"
    );
}

/// Every LivePerson operation is reachable through the console's proxy.
#[tokio::test]
async fn every_operation_is_reachable_through_the_proxy() {
    let stack = Stack::start(10, None).await.unwrap();
    let users = format!("{}/api/liveperson/users", stack.proxy_url);
    let client = tests::console_client();
    let created: Value = client
        .post(&users)
        .json(&json!([valid_user("through.proxy")]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created[0]["id"].as_i64().unwrap();
    let one = format!("{users}/{id}");
    let mut full = with(
        created[0].clone(),
        json!({"nickname": "Proxied", "passwordSh": null}),
    );
    full = editable(&full);
    let steps = [
        ("get one", client.get(&one)),
        (
            "update one",
            client.put(&one).header("if-match", "-1").json(&full),
        ),
        (
            "update list",
            client
                .put(&users)
                .header("if-match", "-1")
                .json(&json!([full])),
        ),
        (
            "reset password",
            client
                .put(format!("{one}/resetPassword"))
                .json(&json!({"newPassword": "N3w!pass"})),
        ),
        ("delete one", client.delete(&one).header("if-match", "-1")),
    ];
    for (step, request) in steps {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{step}");
        assert!(response.headers().contains_key("ac-revision"), "{step}");
    }
    let seeded: Vec<Value> = client
        .get(format!("{users}?select=id"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<String> = seeded.iter().take(2).map(|u| u["id"].to_string()).collect();
    let response = client
        .delete(&users)
        .header("if-match", "-1")
        .json(&ids)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "delete list");
    let left: Vec<Value> = client
        .get(format!("{users}?select=id"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(left.len(), 8);
    let gone = client.get(&one).send().await.unwrap();
    assert_eq!(
        gone.status(),
        StatusCode::NOT_FOUND,
        "a deleted user is not found"
    );
}

// The account configuration users refer to by id: skills, agent groups and profiles (the
// Skills, Agent Groups and Profiles APIs), read only.

/// `GET` straight to the sandbox's `le-users/{what}` (a path under the account), with `query`
/// and extra headers; `None` as the token sends no credentials.
async fn sandbox_read(
    stack: &Stack,
    what: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    token: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let url = format!(
        "{}/api/account/{ACCOUNT_ID}/configuration/le-users/{what}",
        stack.sandbox.base_url()
    );
    let mut request = reqwest::Client::new().get(url).query(query);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (
        status,
        headers,
        response.json().await.unwrap_or(Value::Null),
    )
}

/// `GET {proxy}/api/liveperson/{path}` as the console sends it.
async fn proxy_read(
    stack: &Stack,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let response = tests::console_client()
        .get(format!("{}/api/liveperson/{path}", stack.proxy_url))
        .send()
        .await
        .unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn keys(entry: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = entry
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn the_catalog_names_every_id_the_seeded_users_carry() {
    use shared::liveperson::{names, ops, parse_agent_groups, parse_profiles, parse_skills};
    let stack = Stack::start(400, None).await.unwrap();

    // Through the proxy, as the console reads them: bare arrays with names.
    let (status, headers, body) =
        proxy_read(&stack, &format!("skills?select={}", ops::SKILLS_SELECT)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["ac-revision"], "1");
    let skills = parse_skills(&body).unwrap();
    assert!(
        skills
            .iter()
            .all(|s| s.name.is_some() && s.deleted == Some(false))
    );
    let (status, headers, body) = proxy_read(
        &stack,
        &format!("agentGroups?select={}", ops::AGENT_GROUPS_SELECT),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["etag"], "1",
        "the Agent Groups API's revision header passes"
    );
    let groups = parse_agent_groups(&body).unwrap();
    let roots: Vec<_> = groups
        .iter()
        .filter(|g| g.parent_group_id.is_none())
        .collect();
    assert_eq!(roots.len(), 1, "one tree");
    assert_eq!(
        (roots[0].id, roots[0].name.as_deref()),
        (Some(-1), Some("Main Group"))
    );
    let (status, headers, body) =
        proxy_read(&stack, &format!("profiles?select={}", ops::PROFILES_SELECT)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.contains_key("x-lp-last-modified"));
    let profiles = parse_profiles(&body).unwrap();
    let (skill_names, group_names, profile_names) =
        (names(&skills), names(&groups), names(&profiles));
    assert_eq!(skill_names[&5001], "Billing");
    assert_eq!(group_names[&102], "Sales EMEA");
    assert_eq!(group_names[&105], "Tier 2 Support");
    // The profiles the embedded connection configures, with the same roles.
    let configured: Vec<shared::liveperson::Profile> = sandbox::seed::PROFILES
        .iter()
        .map(|&(id, name, role)| shared::liveperson::Profile {
            id,
            name: name.into(),
            role: shared::liveperson::Role::from_type_id(role.into()).unwrap(),
        })
        .collect();
    assert_eq!(shared::liveperson::profiles_of(&profiles), configured);

    // Every id any user carries (deleted users included) has a name.
    let (_, _, body) = proxy_read(
        &stack,
        "users?select=id,skillIds,memberOf,managerOf,profileIds&include_deleted=true",
    )
    .await;
    let users = shared::liveperson::parse_users(&body).unwrap();
    assert_eq!(users.len(), 400);
    let mut seen = [0; 3];
    for user in &users {
        for id in user.skill_ids.iter().flatten() {
            assert!(skill_names.contains_key(id), "skill {id} has no name");
            seen[0] += 1;
        }
        for group in user
            .member_of
            .iter()
            .chain(user.manager_of.iter().flatten())
        {
            let id = group.agent_group_id.unwrap();
            assert!(
                group_names.contains_key(&id),
                "agent group {id} has no name"
            );
            seen[1] += 1;
        }
        for id in user.profile_ids.iter().flatten() {
            assert!(profile_names.contains_key(id), "profile {id} has no name");
            seen[2] += 1;
        }
    }
    assert!(
        seen.iter().all(|n| *n > 50),
        "the users refer to little: {seen:?}"
    );

    // One of each by id; a profile counts its users.
    let (status, _, body) = proxy_read(&stack, "skills/5005").await;
    assert_eq!(status, StatusCode::OK);
    let skill: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(skill["name"], "Tier 2 support");
    assert_eq!(skill["skillRoutingConfiguration"][0]["agentGroupId"], 105);
    let (status, _, body) = proxy_read(&stack, "agentGroups/-1").await;
    assert_eq!(status, StatusCode::OK);
    let root: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(root["parentGroupId"], Value::Null);
    let (status, _, body) = proxy_read(&stack, "profiles/3001").await;
    assert_eq!(status, StatusCode::OK);
    let agent: Value = serde_json::from_slice(&body).unwrap();
    let agents = users
        .iter()
        .filter(|u| u.profile_ids.as_deref() == Some(&[AGENT]))
        .count();
    assert_eq!(
        (
            agent["roleTypeId"].clone(),
            agent["numOfAssignedUsers"].clone()
        ),
        (json!(2), json!(agents))
    );
    let (status, _, _) = proxy_read(&stack, "skills/4242").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn catalog_reads_conform() {
    let stack = Stack::start(20, None).await.unwrap();
    let token = Some(stack.token.as_str());
    let v = ("v", "4.0");
    let paths = [
        "skills",
        "skills/5001",
        "agentGroups",
        "agentGroups/101",
        "profiles",
        "profiles/3001",
    ];
    for path in paths {
        let (status, _, body) = sandbox_read(&stack, path, &[], &[], token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} without v");
        assert!(body["message"].as_str().unwrap().contains("'v'"), "{body}");
        let (status, _, body) = sandbox_read(&stack, path, &[v], &[], None).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{path} without credentials"
        );
        assert!(body["internalCode"].is_number(), "{body}");
        let (status, _, _) = sandbox_read(&stack, path, &[v], &[], Some("not-the-token")).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{path} with a wrong token"
        );
        let (status, _, _) = sandbox_read(&stack, path, &[v], &[], token).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    let other_account = reqwest::Client::new()
        .get(format!(
            "{}/api/account/999/configuration/le-users/skills",
            stack.sandbox.base_url()
        ))
        .query(&[v])
        .bearer_auth(&stack.token)
        .send()
        .await
        .unwrap();
    assert_eq!(other_account.status(), StatusCode::FORBIDDEN);

    // select: the skills list's documented default is id,deleted,name; the others answer
    // every field; an explicit select narrows any of them.
    let (_, headers, skills) = sandbox_read(&stack, "skills", &[v], &[], token).await;
    assert_eq!(headers["ac-revision"], "1");
    assert_eq!(keys(&skills[0]), ["deleted", "id", "name"]);
    assert_eq!(skills.as_array().unwrap().len(), 30);
    let (_, _, skills) = sandbox_read(&stack, "skills", &[v, ("select", "$all")], &[], token).await;
    assert!(skills[0].get("skillRoutingConfiguration").is_some());
    let (_, _, skills) = sandbox_read(
        &stack,
        "skills",
        &[v, ("select", "id,skillRoutingConfiguration(agentGroupId)")],
        &[],
        token,
    )
    .await;
    assert_eq!(
        skills[0],
        json!({"id": 5001, "skillRoutingConfiguration": [{"agentGroupId": 104}]})
    );
    let (_, _, groups) = sandbox_read(&stack, "agentGroups", &[v], &[], token).await;
    assert!(
        groups[0].get("isEnabled").is_some(),
        "every field by default"
    );
    let (_, _, groups) = sandbox_read(
        &stack,
        "agentGroups",
        &[v, ("select", "id,parentGroupId")],
        &[],
        token,
    )
    .await;
    assert_eq!(groups[0], json!({"id": -1, "parentGroupId": null}));
    assert_eq!(groups[1], json!({"id": 101, "parentGroupId": -1}));
    let (_, _, profile) = sandbox_read(
        &stack,
        "profiles/3003",
        &[v, ("select", "name,roleTypeId")],
        &[],
        token,
    )
    .await;
    assert_eq!(profile, json!({"name": "Administrator", "roleTypeId": 1}));
    let (status, _, _) = sandbox_read(&stack, "skills", &[v, ("select", "id,(")], &[], token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a malformed select");

    // include_deleted lists the deleted skill and group; by id they are always found.
    let (_, _, skills) = sandbox_read(
        &stack,
        "skills",
        &[v, ("include_deleted", "true"), ("select", "id,deleted")],
        &[],
        token,
    )
    .await;
    assert_eq!(skills.as_array().unwrap().len(), 31);
    assert_eq!(skills[30], json!({"id": 5031, "deleted": true}));
    let (_, _, groups) = sandbox_read(
        &stack,
        "agentGroups",
        &[v, ("include_deleted", "true")],
        &[],
        token,
    )
    .await;
    assert_eq!(groups.as_array().unwrap().len(), 7);
    let (status, _, skill) = sandbox_read(&stack, "skills/5031", &[v], &[], token).await;
    assert_eq!(
        (status, skill["deleted"].clone()),
        (StatusCode::OK, json!(true))
    );
    let (status, _, _) = sandbox_read(
        &stack,
        "skills",
        &[v, ("include_deleted", "yes")],
        &[],
        token,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Unknown ids: 404, as for users.
    for path in ["skills/4999", "skills/abc", "agentGroups/0", "profiles/1"] {
        let (status, _, body) = sandbox_read(&stack, path, &[v], &[], token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            body["message"].as_str().unwrap().contains("Data Not Found"),
            "{body}"
        );
    }

    // A client's current copy: 304 with the version header, no body.
    for (path, header, value, version) in [
        ("skills", "if-match", "1", "ac-revision"),
        ("skills/5001", "if-match", "1", "ac-revision"),
        ("agentGroups", "if-match", "1", "etag"),
        (
            "profiles",
            "x-lp-last-modified",
            "1709283600000",
            "x-lp-last-modified",
        ),
    ] {
        let (status, headers, _) =
            sandbox_read(&stack, path, &[v], &[(header, value)], token).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(headers[version], value, "{path}");
    }
    let (status, _, _) = sandbox_read(&stack, "skills", &[v], &[("if-match", "7")], token).await;
    assert_eq!(status, StatusCode::OK, "an old revision gets the list");

    // Read only: the sandbox serves no write on these paths.
    for (method, path) in [
        (Method::POST, "skills"),
        (Method::PUT, "skills/5001"),
        (Method::DELETE, "agentGroups/101"),
        (Method::POST, "profiles"),
    ] {
        let status = reqwest::Client::new()
            .request(
                method.clone(),
                format!(
                    "{}/api/account/{ACCOUNT_ID}/configuration/le-users/{path}",
                    stack.sandbox.base_url()
                ),
            )
            .query(&[v])
            .bearer_auth(&stack.token)
            .json(&json!([{"name": "New"}]))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
    }
}

#[tokio::test]
async fn the_proxy_forwards_catalog_reads_only() {
    let stack = Stack::start_with(10, None, |config| {
        config.access = proxy::access::Access::Gateway(proxy::access::Gateway {
            user_header: axum::http::HeaderName::from_static("x-forwarded-user"),
            groups_header: axum::http::HeaderName::from_static("x-forwarded-groups"),
            trusted_sources: vec!["127.0.0.1/32".parse().unwrap()],
            shared_secret: None,
            admin_groups: vec!["console-admins".into()],
            viewer_groups: vec!["support".into()],
        });
    })
    .await
    .unwrap();
    let client = tests::console_client();
    let as_role = |request: reqwest::RequestBuilder, groups: &str| {
        request
            .header("x-forwarded-user", "bob")
            .header("x-forwarded-groups", groups)
    };
    let api = format!("{}/api/liveperson", stack.proxy_url);

    // Every connection says what it serves: the reads are LivePerson's alone.
    let connections: Vec<shared::ConnectionInfo> = as_role(
        client.get(format!("{}/api/connections", stack.proxy_url)),
        "support",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    for connection in &connections {
        let has = |name: &str| connection.operations.iter().any(|o| o == name);
        for read in shared::liveperson::ops::CATALOG_READS {
            assert_eq!(
                has(read),
                connection.kind == shared::VendorKind::Liveperson,
                "{} {read}",
                connection.id
            );
        }
    }

    // A viewer reads them; the proxy adds v (the connection's) and the credential.
    for path in [
        "skills",
        "skills/5001",
        "agentGroups",
        "agentGroups/-1",
        "profiles",
        "profiles/3002",
    ] {
        let response = as_role(client.get(format!("{api}/{path}")), "support")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "a viewer reads {path}");
        let body: Value = response.json().await.unwrap();
        let named = if body.is_array() { &body[0] } else { &body };
        assert!(named["name"].is_string(), "{path}: {body}");
    }
    let response = as_role(
        client.get(format!("{api}/skills?select=id&include_deleted=true")),
        "support",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let skills: Value = response.json().await.unwrap();
    assert_eq!(
        skills.as_array().unwrap().len(),
        31,
        "include_deleted passes"
    );
    assert_eq!(skills[0], json!({"id": 5001}), "select passes");
    let response = as_role(client.get(format!("{api}/skills")), "support")
        .header("if-match", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NOT_MODIFIED,
        "If-Match passes"
    );

    // No write exists on these paths, for an admin either: refused before the vendor.
    for (method, path) in [
        (Method::POST, "skills"),
        (Method::PUT, "skills/5001"),
        (Method::DELETE, "skills/5001"),
        (Method::PUT, "agentGroups"),
        (Method::POST, "profiles"),
    ] {
        let response = as_role(
            client.request(method.clone(), format!("{api}/{path}")),
            "console-admins",
        )
        .json(&json!([{"name": "New skill"}]))
        .send()
        .await
        .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        let body: Value = response.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains("GET"), "{body}");
    }
    let response = as_role(client.get(format!("{api}/skills/5001/x")), "support")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // The OpenAPI document lists them, GET only.
    let document: Value = as_role(
        client.get(format!("{}/api/openapi.json", stack.proxy_url)),
        "support",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    for path in [
        "skills",
        "skills/{id}",
        "agentGroups",
        "agentGroups/{id}",
        "profiles",
        "profiles/{id}",
    ] {
        let item = document["paths"][format!("/api/liveperson/{path}")]
            .as_object()
            .unwrap_or_else(|| panic!("{path} is not documented"));
        assert_eq!(item.keys().collect::<Vec<_>>(), ["get"], "{path}");
    }
    assert!(
        document["paths"]["/api/liveperson/agentGroups"]["get"]["responses"]["200"]["headers"]
            .get("etag")
            .is_some()
    );
}

#[tokio::test]
async fn users_from_a_file_have_their_ids_named_too() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("users.json");
    std::fs::write(
        &file,
        r#"[{"loginName": "a", "skillIds": ["5001", 777], "profileIds": [3001],
             "memberOf": {"agentGroupId": "888"}},
            {"loginName": "b", "profileIds": ["999"], "managerOf": [{"agentGroupId": 101}]}]"#,
    )
    .unwrap();
    let mut config =
        sandbox::Config::with_random_credentials(sandbox::Database::InMemory, ACCOUNT_ID, 0);
    config.liveperson.seed = sandbox::Seed::File(file);
    let sandbox = sandbox::spawn(&config).await.unwrap();
    let read = |what: &'static str| {
        reqwest::Client::new()
            .get(format!(
                "{}/api/account/{ACCOUNT_ID}/configuration/le-users/{what}",
                sandbox.base_url()
            ))
            .query(&[("v", "4.0"), ("select", "id,name,parentGroupId,roleTypeId")])
            .bearer_auth(&config.liveperson.bearer_token)
            .send()
    };
    let find = |list: &Value, id: i64| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} is not in {list}"))
    };
    let skills: Value = read("skills").await.unwrap().json().await.unwrap();
    assert_eq!(find(&skills, 5001)["name"], "Billing");
    assert_eq!(find(&skills, 777)["name"], "Skill 777");
    let groups: Value = read("agentGroups").await.unwrap().json().await.unwrap();
    assert_eq!(
        find(&groups, 888),
        json!({"id": 888, "name": "Agent group 888", "parentGroupId": -1})
    );
    assert_eq!(find(&groups, 101)["name"], "Sales");
    let profiles: Value = read("profiles").await.unwrap().json().await.unwrap();
    assert_eq!(
        find(&profiles, 999),
        json!({"id": 999, "name": "Profile 999"})
    );
    assert_eq!(find(&profiles, 3001)["roleTypeId"], 2);
}
