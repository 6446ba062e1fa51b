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
            "deleted is read-only",
            json!([with(base.clone(), json!({"deleted": false}))]),
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
