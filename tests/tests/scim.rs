//! The SCIM 2.0 face (`{base}/scim/v2/{connection}/`) over HTTP, for each of the three
//! vendors where a case applies: discovery, the token as the only authority, what identity
//! providers send (Okta's PUT and path-less PATCH, Entra's capitalised ops and string
//! booleans, value-path filters), validation before anything is sent, deprovisioning, ETags,
//! secrets and the audit trail. Every write is checked in the vendor's own store, read
//! straight from the sandbox, not only in SCIM's answer.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tests::scim::{
    ENTERPRISE_SCHEMA, LIST_SCHEMA, PATCH_SCHEMA, SEARCH_SCHEMA, Scim, TOKEN, USER_SCHEMA, VENDORS,
    Vendor, read, text,
};

/// A user as an identity provider sends it: mapped attributes, and unmapped ones (locale,
/// groups, the enterprise extension) that are accepted and ignored. The password passes
/// every vendor's rule.
fn idp_user(user_name: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "userName": user_name,
        "externalId": format!("ext-{user_name}"),
        "name": {"givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada Lovelace"},
        "displayName": "Ada L",
        "emails": [{"value": format!("{user_name}@example.com"), "type": "work", "primary": true}],
        "phoneNumbers": [{"value": "+44 20 7946 0000", "type": "work"}],
        "active": true,
        "locale": "en-GB",
        "preferredLanguage": "en",
        "title": "Analyst",
        "groups": [],
        "password": "Xy9!secretpass1",
        ENTERPRISE_SCHEMA: {"department": "Engines", "employeeNumber": "1815"}
    })
}

/// What the vendor should hold for a SCIM user.
struct Stored<'a> {
    user_name: &'a str,
    email: &'a str,
    given: &'a str,
    family: &'a str,
    formatted: &'a str,
    display: &'a str,
    phone: &'a str,
    active: bool,
}

/// What the vendor should hold for [`idp_user`].
fn idp_stored<'a>(user_name: &'a str, email: &'a str) -> Stored<'a> {
    Stored {
        user_name,
        email,
        given: "Ada",
        family: "Lovelace",
        formatted: "Ada Lovelace",
        display: "Ada L",
        phone: "+44 20 7946 0000",
        active: true,
    }
}

/// Asserts the vendor's record holds what SCIM mapped, field by field, in the vendor's own
/// terms.
#[track_caller]
fn assert_stored(vendor: Vendor, record: &Value, expected: &Stored<'_>, case: &str) {
    let field = |path: &str| {
        let mut value = record;
        for part in path.split('/') {
            value = &value[part];
        }
        text(value)
    };
    let mut checks: Vec<(&str, &str)> = vec![
        (vendor.user_name_field(), expected.user_name),
        ("email", expected.email),
    ];
    match vendor {
        Vendor::Liveperson => {
            checks.push(("fullName", expected.formatted));
            checks.push(("nickname", expected.display));
        }
        Vendor::Commpeak => {
            checks.push(("first_name", expected.given));
            checks.push(("last_name", expected.family));
        }
        Vendor::Trintech => {
            checks.push(("name/firstName", expected.given));
            checks.push(("name/lastName", expected.family));
            checks.push(("name/displayName", expected.formatted));
            checks.push(("phoneNumber", expected.phone));
        }
    }
    for (path, want) in checks {
        assert_eq!(field(path), want, "{vendor:?} {case}: {path} of {record}");
    }
    assert_eq!(
        vendor.disabled(record),
        !expected.active,
        "{vendor:?} {case}: enabled flag of {record}"
    );
}

/// A seeded user of the vendor (the `n`th, in the vendor's order) and its SCIM id.
async fn seeded(scim: &Scim, vendor: Vendor, n: usize) -> (String, Value) {
    let users = scim.vendor_users(vendor).await;
    let user = users[n].clone();
    (vendor.id(&user), user)
}

#[tokio::test]
async fn discovery_documents_answer_for_each_connection() {
    let scim = Scim::start(2).await;
    let mut unlocated = Vec::new();
    for vendor in VENDORS {
        let config = scim.get(vendor, "/ServiceProviderConfig").await;
        assert_eq!(config.status, StatusCode::OK, "{vendor:?}: {}", config.text);
        assert_eq!(
            config.body["schemas"],
            json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]),
            "{vendor:?}"
        );
        for feature in ["patch", "filter"] {
            assert_eq!(
                config.body[feature]["supported"], true,
                "{vendor:?} {feature}: {}",
                config.text
            );
        }
        assert_eq!(
            config.body["etag"]["supported"],
            vendor == Vendor::Liveperson,
            "{vendor:?}: only LivePerson has versions: {}",
            config.text
        );
        assert!(
            config.body["authenticationSchemes"]
                .as_array()
                .is_some_and(|s| !s.is_empty()),
            "{vendor:?}: {}",
            config.text
        );

        let types = scim.get(vendor, "/ResourceTypes").await;
        assert_eq!(types.status, StatusCode::OK, "{vendor:?}: {}", types.text);
        let listed = types.body["Resources"]
            .as_array()
            .or_else(|| types.body.as_array())
            .unwrap_or_else(|| panic!("{vendor:?}: no resource types: {}", types.text))
            .clone();
        assert_eq!(listed.len(), 1, "{vendor:?}: User only: {}", types.text);
        assert_eq!(listed[0]["id"], "User");
        assert_eq!(listed[0]["endpoint"], "/Users");
        assert_eq!(listed[0]["schema"], USER_SCHEMA);
        let user_type = scim.get(vendor, "/ResourceTypes/User").await;
        assert_eq!(user_type.status, StatusCode::OK, "{}", user_type.text);
        assert_eq!(user_type.body["id"], "User");

        let schemas = scim.get(vendor, "/Schemas").await;
        assert_eq!(schemas.status, StatusCode::OK, "{}", schemas.text);
        let schema = scim.get(vendor, &format!("/Schemas/{USER_SCHEMA}")).await;
        assert_eq!(schema.status, StatusCode::OK, "{vendor:?}: {}", schema.text);
        assert_eq!(schema.body["id"], USER_SCHEMA);
        let attributes: Vec<&str> = schema.body["attributes"]
            .as_array()
            .unwrap_or_else(|| panic!("{vendor:?}: {}", schema.text))
            .iter()
            .filter_map(|a| a["name"].as_str())
            .collect();
        for mapped in ["userName", "emails", "active", "name"] {
            assert!(
                attributes.contains(&mapped),
                "{vendor:?}: {mapped} in {attributes:?}"
            );
        }
        let unknown = scim.get(vendor, "/Schemas/urn:example:Nope").await;
        unknown.assert_error(StatusCode::NOT_FOUND, None, "unknown schema");

        // Each document says where it is (RFC 7643 §5-7 `meta.location`), absolutely.
        for (path, document) in [
            ("/ServiceProviderConfig", &config.body),
            ("/ResourceTypes/User", &user_type.body),
            ("/ResourceTypes/User", &listed[0]),
            (&*format!("/Schemas/{USER_SCHEMA}"), &schema.body),
        ] {
            let location = document["meta"]["location"].as_str();
            if location != Some(scim.url(vendor.connection(), path).as_str()) {
                unlocated.push(format!("{vendor:?} {path}: {location:?}"));
            }
        }
    }
    assert!(
        unlocated.is_empty(),
        "meta.location missing or wrong: {unlocated:?}"
    );
}

#[tokio::test]
async fn only_the_scim_token_authorises() {
    let scim = Scim::start(2).await;
    let client = reqwest::Client::new();
    for vendor in VENDORS {
        let before = scim.vendor_users(vendor).await;
        let users = scim.url(vendor.connection(), "/Users");
        let new_user = idp_user("not.authorised").to_string();
        for (case, authorization) in [
            ("none", None),
            (
                "wrong token",
                Some("Bearer wrong-token-0123456789abcdef".to_owned()),
            ),
            ("token as Basic", Some(format!("Basic {TOKEN}"))),
            ("token without a scheme", Some(TOKEN.to_owned())),
            (
                "the vendor's own credential",
                Some(format!("Bearer {}", scim.config.trintech.bearer_token)),
            ),
        ] {
            for (method, url, body) in [
                (Method::GET, users.clone(), None),
                (Method::POST, users.clone(), Some(new_user.clone())),
                (
                    Method::GET,
                    scim.url(vendor.connection(), "/ServiceProviderConfig"),
                    None,
                ),
                // Nothing is told about what exists before the token is checked.
                (Method::GET, scim.url("no-such-connection", "/Users"), None),
                (Method::DELETE, format!("{users}/1"), None),
            ] {
                let mut request = client.request(method.clone(), &url);
                if let Some(authorization) = &authorization {
                    request = request.header("authorization", authorization);
                }
                if let Some(body) = body {
                    request = request
                        .header("content-type", "application/scim+json")
                        .body(body);
                }
                let answer = read(request.send().await.unwrap()).await;
                answer.assert_error(
                    StatusCode::UNAUTHORIZED,
                    None,
                    &format!("{vendor:?} {case} {method} {url}"),
                );
                assert!(
                    answer
                        .header("www-authenticate")
                        .is_some_and(|c| c.to_ascii_lowercase().starts_with("bearer")),
                    "{case}: {:?}",
                    answer.headers
                );
            }
        }
        assert_eq!(
            scim.vendor_users(vendor).await,
            before,
            "{vendor:?}: an unauthorised request changed the vendor"
        );
        assert!(scim.vendor_named(vendor, "not.authorised").await.is_none());
    }
    assert!(scim.audit().is_empty(), "{:?}", scim.audit());
}

#[tokio::test]
async fn a_console_session_never_authorises_scim() {
    use proxy::access::{Access, Role};
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<head><title>console</title></head>",
    )
    .unwrap();
    let accounts = std::collections::HashMap::from([(
        "ada".to_owned(),
        proxy::login::Account {
            password_hash: proxy::login::hash_password("analytical engine").unwrap(),
            role: Role::Admin,
        },
    )]);
    let login =
        proxy::login::Login::new(accounts, None, std::time::Duration::from_secs(3600)).unwrap();
    let scim = Scim::start_with(
        2,
        |_| (),
        |config| {
            config.access = Access::Login(std::sync::Arc::new(login));
            config.dist = Some(dist.path().to_owned());
        },
    )
    .await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = client
        .post(format!("{}/login", scim.proxy_url))
        .header("sec-fetch-site", "same-origin")
        .form(&[("name", "ada"), ("password", "analytical engine")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    // The session is good for the console…
    let me = client
        .get(format!("{}/api/me", scim.proxy_url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK, "the session is valid");

    for vendor in VENDORS {
        let before = scim.vendor_users(vendor).await;
        // …and nothing for SCIM, read or write, even as a same-origin browser request.
        for (method, body) in [
            (Method::GET, None),
            (Method::POST, Some(idp_user("by.cookie").to_string())),
        ] {
            let mut request = client
                .request(method.clone(), scim.url(vendor.connection(), "/Users"))
                .header("cookie", &cookie)
                .header("sec-fetch-site", "same-origin");
            if let Some(body) = body {
                request = request
                    .header("content-type", "application/scim+json")
                    .body(body);
            }
            let answer = read(request.send().await.unwrap()).await;
            answer.assert_error(
                StatusCode::UNAUTHORIZED,
                None,
                &format!("{vendor:?} {method} with a session cookie"),
            );
        }
        assert_eq!(scim.vendor_users(vendor).await, before, "{vendor:?}");
        // The token works whatever the console's access mode.
        let with_token = scim.list(vendor, &[]).await;
        assert_eq!(with_token.status, StatusCode::OK, "{}", with_token.text);
        assert_eq!(with_token.body["totalResults"], json!(before.len()));
    }
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_scim_errors() {
    let scim = Scim::start(2).await;
    for vendor in VENDORS {
        let before = scim.vendor_users(vendor).await;
        for (method, path, status, allow) in [
            (Method::GET, "/Groups", StatusCode::NOT_FOUND, None),
            (Method::GET, "/Bulk", StatusCode::NOT_FOUND, None),
            (Method::GET, "/", StatusCode::NOT_FOUND, None),
            (Method::GET, "/Users/x/y", StatusCode::NOT_FOUND, None),
            (Method::GET, "/Users/1/extra", StatusCode::NOT_FOUND, None),
            (
                Method::GET,
                "/Users/no-such-user-99",
                StatusCode::NOT_FOUND,
                None,
            ),
            (Method::GET, "/Users/999999999", StatusCode::NOT_FOUND, None),
            (
                Method::GET,
                "/ResourceTypes/Group",
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                Method::DELETE,
                "/Users",
                StatusCode::METHOD_NOT_ALLOWED,
                Some("POST"),
            ),
            (
                Method::PUT,
                "/Users",
                StatusCode::METHOD_NOT_ALLOWED,
                Some("GET"),
            ),
            (
                Method::POST,
                "/ServiceProviderConfig",
                StatusCode::METHOD_NOT_ALLOWED,
                Some("GET"),
            ),
            (
                Method::GET,
                "/Users/.search",
                StatusCode::METHOD_NOT_ALLOWED,
                Some("POST"),
            ),
            (
                Method::POST,
                "/Users/123",
                StatusCode::METHOD_NOT_ALLOWED,
                Some("PATCH"),
            ),
        ] {
            let answer = scim
                .call(method.clone(), vendor, path, Some(json!({})))
                .await;
            let case = format!("{vendor:?} {method} {path}");
            answer.assert_error(status, None, &case);
            if let Some(allowed) = allow {
                let header = answer
                    .header("allow")
                    .unwrap_or_else(|| panic!("{case}: no Allow"));
                assert!(header.contains(allowed), "{case}: Allow {header}");
                assert!(!header.contains(method.as_str()), "{case}: Allow {header}");
            }
        }
        assert_eq!(scim.vendor_users(vendor).await, before, "{vendor:?}");
    }
    let client = reqwest::Client::new();
    for path in [
        "/scim/v2/no-such-connection/Users",
        "/scim/v1/liveperson/Users",
        "/scim/v2",
        "/scim",
    ] {
        let answer = read(
            client
                .get(format!("{}{path}", scim.proxy_url))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap(),
        )
        .await;
        answer.assert_error(StatusCode::NOT_FOUND, None, path);
    }
}

#[tokio::test]
async fn create_maps_every_attribute_to_the_vendor_field() {
    let scim = Scim::start(3).await;
    for vendor in VENDORS {
        let count = scim.vendor_users(vendor).await.len();
        let user_name = format!("ada.{}", vendor.connection());
        let answer = scim
            .call(Method::POST, vendor, "/Users", Some(idp_user(&user_name)))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{vendor:?}: {}",
            answer.text
        );
        let created = &answer.body;
        let id = text(&created["id"]);
        let location = answer
            .header("location")
            .unwrap_or_else(|| panic!("{vendor:?}: no Location"))
            .to_owned();
        // The id may be percent-encoded in the URL (Trintech's is a user name).
        assert_eq!(
            location.replace("%2E", "."),
            scim.url(vendor.connection(), &format!("/Users/{id}")),
            "{vendor:?}"
        );
        let at_location = read(
            reqwest::Client::new()
                .get(&location)
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            at_location.status,
            StatusCode::OK,
            "{location}: {}",
            at_location.text
        );
        assert_eq!(at_location.body["id"], json!(id));
        assert_eq!(created["meta"]["location"], json!(location));
        if vendor == Vendor::Liveperson {
            let etag = format!("W/\"{}\"", scim.liveperson_revision().await);
            assert_eq!(
                answer.header("etag"),
                Some(etag.as_str()),
                "{:?}",
                answer.headers
            );
            assert_eq!(created["meta"]["version"], json!(etag));
        }
        assert_eq!(created["meta"]["resourceType"], "User");
        assert_eq!(created["userName"], json!(user_name));
        assert_eq!(created["active"], true);
        assert_eq!(
            created["emails"][0]["value"],
            json!(format!("{user_name}@example.com"))
        );
        assert!(created.get("password").is_none());

        let record = scim
            .vendor_record(vendor, &id)
            .await
            .unwrap_or_else(|| panic!("{vendor:?}: the vendor has no user {id}"));
        let email = format!("{user_name}@example.com");
        assert_stored(vendor, &record, &idp_stored(&user_name, &email), "created");
        assert_eq!(scim.vendor_users(vendor).await.len(), count + 1);
        if vendor == Vendor::Trintech {
            assert_eq!(id, user_name, "Trintech's SCIM id is its userName");
        } else {
            assert_eq!(id, text(&record["id"]));
        }
        if vendor == Vendor::Liveperson {
            // externalId is LivePerson's employeeId, and found by a filter.
            assert_eq!(
                record["employeeId"],
                json!(format!("ext-{user_name}")),
                "{record}"
            );
            assert_eq!(created["externalId"], json!(format!("ext-{user_name}")));
            let found = scim
                .list(
                    vendor,
                    &[("filter", &format!("externalId eq \"ext-{user_name}\""))],
                )
                .await;
            assert_eq!(found.ids(), vec![id.clone()], "{}", found.text);
            // The connection's defaults supply what SCIM cannot.
            assert_eq!(record["profileIds"], json!([3001]), "{record}");
            assert_eq!(record["maxChats"], json!(2), "{record}");
        }

        // Read back, it is the same resource.
        let got = scim.get(vendor, &format!("/Users/{id}")).await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.text);
        assert_eq!(got.body, answer.body, "{vendor:?}: GET after POST");
        // Read as the vendor stores it: a change made in the vendor shows.
        let listed = scim
            .list(
                vendor,
                &[("filter", &format!("userName eq \"{user_name}\""))],
            )
            .await;
        assert_eq!(
            listed.ids(),
            vec![id.clone()],
            "{vendor:?}: {}",
            listed.text
        );
    }
}

#[tokio::test]
async fn create_without_a_password_or_names_works() {
    let scim = Scim::start(2).await;
    for vendor in VENDORS {
        for (case, body) in [
            (
                "no password",
                json!({"schemas": [USER_SCHEMA], "userName": format!("nopw.{}", vendor.connection()),
                    "name": {"givenName": "No", "familyName": "Password"},
                    "emails": [{"value": format!("nopw.{}@example.com", vendor.connection()), "primary": true}]}),
            ),
            (
                "Entra: a primary email among others, active as a string",
                json!({"schemas": [USER_SCHEMA], "userName": format!("entra.{}", vendor.connection()),
                    "active": "True", "displayName": "Entra User",
                    "name": {"givenName": "Entra", "familyName": "User", "formatted": "Entra User"},
                    "emails": [{"value": "home@example.org", "type": "home"},
                               {"value": format!("entra.{}@example.com", vendor.connection()), "type": "work", "primary": true}]}),
            ),
        ] {
            let user_name = body["userName"].as_str().unwrap().to_owned();
            let answer = scim.call(Method::POST, vendor, "/Users", Some(body)).await;
            assert_eq!(
                answer.status,
                StatusCode::CREATED,
                "{vendor:?} {case}: {}",
                answer.text
            );
            let record = scim
                .vendor_named(vendor, &user_name)
                .await
                .unwrap_or_else(|| panic!("{vendor:?} {case}: not created"));
            assert_eq!(vendor.id(&record), text(&answer.body["id"]));
            assert_eq!(
                text(&record["email"]),
                format!("{user_name}@example.com"),
                "{vendor:?} {case}: the primary email is kept"
            );
            assert!(
                !vendor.disabled(&record),
                "{vendor:?} {case}: active by default"
            );
        }
    }
}

#[tokio::test]
async fn invalid_values_are_refused_before_anything_is_sent() {
    let scim = Scim::start(3).await;
    for vendor in VENDORS {
        let (id, _) = seeded(&scim, vendor, 1).await;
        let before = scim.vendor_records(vendor).await;
        let revision = scim.liveperson_revision().await;
        let mut bad_email = idp_user("bad.email");
        bad_email["emails"] = json!([{"value": "not-an-email", "type": "work", "primary": true}]);
        let mut replaced = scim.get(vendor, &format!("/Users/{id}")).await.body;
        replaced["emails"] = json!([{"value": "ada@", "primary": true}]);
        for (case, method, path, body, scim_type) in [
            (
                "create, bad email",
                Method::POST,
                "/Users".to_owned(),
                bad_email,
                "invalidValue",
            ),
            (
                "replace, bad email",
                Method::PUT,
                format!("/Users/{id}"),
                replaced,
                "invalidValue",
            ),
            (
                "patch, bad email",
                Method::PATCH,
                format!("/Users/{id}"),
                json!({"schemas": [PATCH_SCHEMA], "Operations": [
                    {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "x@@example"}]}),
                "invalidValue",
            ),
            (
                "create without a userName",
                Method::POST,
                "/Users".to_owned(),
                json!({"schemas": [USER_SCHEMA], "emails": [{"value": "a@example.com"}]}),
                "invalidValue",
            ),
            (
                "not JSON",
                Method::POST,
                "/Users".to_owned(),
                json!("{"),
                "invalidSyntax",
            ),
        ] {
            let answer = scim.call(method, vendor, &path, Some(body)).await;
            let case = format!("{vendor:?} {case}");
            answer.assert_error(StatusCode::BAD_REQUEST, Some(scim_type), &case);
            if scim_type == "invalidValue" && !case.contains("userName") {
                assert!(
                    answer.detail().contains("emails"),
                    "{case}: the detail names the SCIM attribute: {}",
                    answer.text
                );
            }
        }
        assert_eq!(
            scim.vendor_records(vendor).await,
            before,
            "{vendor:?}: a refused write reached the vendor"
        );
        assert!(scim.vendor_named(vendor, "bad.email").await.is_none());
        if vendor == Vendor::Liveperson {
            assert_eq!(
                scim.liveperson_revision().await,
                revision,
                "LivePerson was written"
            );
        }
    }
    assert!(
        scim.audit().is_empty(),
        "a refused write was sent: {:?}",
        scim.audit()
    );
}

#[tokio::test]
async fn a_taken_user_name_is_409_uniqueness() {
    let scim = Scim::start(3).await;
    for vendor in VENDORS {
        let (first_id, first) = seeded(&scim, vendor, 0).await;
        let (_, second) = seeded(&scim, vendor, 1).await;
        let taken = vendor.user_name(&first);
        let before = scim.vendor_records(vendor).await;
        let mut body = idp_user(&taken.to_uppercase());
        body["emails"] = json!([{"value": "fresh.address@example.com", "primary": true}]);
        let answer = scim.call(Method::POST, vendor, "/Users", Some(body)).await;
        answer.assert_error(
            StatusCode::CONFLICT,
            Some("uniqueness"),
            &format!("{vendor:?}: create {taken} again"),
        );
        if vendor != Vendor::Trintech {
            // Renaming the first user to the second's name.
            let patch = json!({"schemas": [PATCH_SCHEMA], "Operations": [
                {"op": "replace", "path": "userName", "value": vendor.user_name(&second)}]});
            let answer = scim
                .call(
                    Method::PATCH,
                    vendor,
                    &format!("/Users/{first_id}"),
                    Some(patch),
                )
                .await;
            answer.assert_error(
                StatusCode::CONFLICT,
                Some("uniqueness"),
                &format!("{vendor:?}: rename onto another user"),
            );
        }
        assert_eq!(scim.vendor_records(vendor).await, before, "{vendor:?}");
    }
}

#[tokio::test]
async fn trintech_user_names_cannot_change() {
    let scim = Scim::start(2).await;
    let vendor = Vendor::Trintech;
    let (id, _) = seeded(&scim, vendor, 0).await;
    let before = scim.vendor_records(vendor).await;
    let patch = json!({"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "replace", "path": "userName", "value": "renamed.user"}]});
    let answer = scim
        .call(Method::PATCH, vendor, &format!("/Users/{id}"), Some(patch))
        .await;
    answer.assert_error(StatusCode::BAD_REQUEST, Some("mutability"), "rename");
    assert_eq!(scim.vendor_records(vendor).await, before);
}

#[tokio::test]
async fn filters_identity_providers_send_find_the_vendors_users() {
    let scim = Scim::start(6).await;
    for vendor in VENDORS {
        let (id, record) = seeded(&scim, vendor, 3).await;
        let name = vendor.user_name(&record);
        let email = text(&record["email"]);
        let mut cases = vec![
            (format!("userName eq \"{name}\""), vec![id.clone()]),
            (
                format!("userName eq \"{}\"", name.to_uppercase()),
                vec![id.clone()],
            ),
            (
                format!("USERNAME Eq \"{}\"", name.to_lowercase()),
                vec![id.clone()],
            ),
            ("userName eq \"nobody.at.all\"".to_owned(), vec![]),
            (
                format!("emails[type eq \"work\"].value eq \"{email}\""),
                vec![id.clone()],
            ),
            (format!("emails.value eq \"{email}\""), vec![id.clone()]),
            (
                format!(
                    "userName eq \"{name}\" and active eq {}",
                    !vendor.disabled(&record)
                ),
                vec![id.clone()],
            ),
            (
                format!(
                    "userName eq \"{name}\" and active eq {}",
                    vendor.disabled(&record)
                ),
                vec![],
            ),
        ];
        let all: Vec<Value> = scim.vendor_users(vendor).await;
        let starting: String = name.chars().take(2).collect();
        let mut sw: Vec<String> = all
            .iter()
            .filter(|u| {
                vendor
                    .user_name(u)
                    .to_lowercase()
                    .starts_with(&starting.to_lowercase())
            })
            .map(|u| vendor.id(u))
            .collect();
        sw.sort();
        cases.push((format!("userName sw \"{starting}\""), sw));
        for (filter, expected) in cases {
            for via_search in [false, true] {
                let answer = if via_search {
                    scim.call(
                        Method::POST,
                        vendor,
                        "/Users/.search",
                        Some(json!({"schemas": [SEARCH_SCHEMA], "filter": filter})),
                    )
                    .await
                } else {
                    scim.list(vendor, &[("filter", &filter)]).await
                };
                let case = format!("{vendor:?} {filter} (search: {via_search})");
                assert_eq!(answer.status, StatusCode::OK, "{case}: {}", answer.text);
                assert_eq!(answer.body["schemas"], json!([LIST_SCHEMA]), "{case}");
                assert_eq!(
                    answer.body["totalResults"],
                    json!(expected.len()),
                    "{case}: {}",
                    answer.text
                );
                let mut ids = answer.ids();
                ids.sort();
                let mut want = expected.clone();
                want.sort();
                assert_eq!(ids, want, "{case}");
            }
        }
        for bad in ["userName eq", "userName zz \"x\"", "(userName eq \"x\""] {
            let answer = scim.list(vendor, &[("filter", bad)]).await;
            answer.assert_error(StatusCode::BAD_REQUEST, Some("invalidFilter"), bad);
        }
    }
}

#[tokio::test]
async fn paging_counts_every_user_of_the_vendor() {
    let scim = Scim::start(7).await;
    for vendor in VENDORS {
        let mut stored: Vec<String> = scim
            .vendor_users(vendor)
            .await
            .iter()
            .map(|u| vendor.id(u))
            .collect();
        let total = stored.len();
        assert!(total >= 7, "{vendor:?}");
        let whole = scim.list(vendor, &[]).await;
        assert_eq!(whole.status, StatusCode::OK, "{}", whole.text);
        assert_eq!(whole.body["totalResults"], json!(total), "{vendor:?}");
        assert_eq!(whole.body["startIndex"], json!(1));
        let everyone = whole.ids();
        assert_eq!(everyone.len(), total);

        let mut paged = Vec::new();
        let mut start = 1;
        while start <= total {
            let answer = scim
                .list(
                    vendor,
                    &[("startIndex", &start.to_string()), ("count", "3")],
                )
                .await;
            let case = format!("{vendor:?} from {start}");
            assert_eq!(answer.status, StatusCode::OK, "{case}: {}", answer.text);
            assert_eq!(answer.body["totalResults"], json!(total), "{case}");
            assert_eq!(answer.body["startIndex"], json!(start), "{case}");
            let page = answer.ids();
            assert_eq!(page.len(), 3.min(total + 1 - start), "{case}");
            assert_eq!(answer.body["itemsPerPage"], json!(page.len()), "{case}");
            assert_eq!(page, everyone[start - 1..start - 1 + page.len()], "{case}");
            paged.extend(page);
            start += 3;
        }
        assert_eq!(
            paged, everyone,
            "{vendor:?}: pages are the whole list, once"
        );
        let mut listed = everyone.clone();
        listed.sort();
        stored.sort();
        assert_eq!(
            listed, stored,
            "{vendor:?}: SCIM lists what the vendor stores"
        );

        let counted = scim.list(vendor, &[("count", "0")]).await;
        assert_eq!(
            counted.body["totalResults"],
            json!(total),
            "{}",
            counted.text
        );
        assert!(counted.ids().is_empty());
        let beyond = scim
            .list(vendor, &[("startIndex", &(total + 5).to_string())])
            .await;
        assert_eq!(beyond.status, StatusCode::OK);
        assert_eq!(beyond.body["totalResults"], json!(total));
        assert!(beyond.ids().is_empty(), "{}", beyond.text);
        // Out-of-range values are taken as the RFC says: below 1 is 1, negative count is 0.
        let low = scim
            .list(vendor, &[("startIndex", "0"), ("count", "2")])
            .await;
        assert_eq!(low.ids(), everyone[..2], "{}", low.text);
        let searched = scim
            .call(
                Method::POST,
                vendor,
                "/Users/.search",
                Some(json!({"schemas": [SEARCH_SCHEMA], "startIndex": 2, "count": 2})),
            )
            .await;
        assert_eq!(searched.ids(), everyone[1..3], "{}", searched.text);
        assert_eq!(searched.body["totalResults"], json!(total));
    }
}

#[tokio::test]
async fn attributes_and_excluded_attributes_shape_the_answer() {
    let scim = Scim::start(3).await;
    for vendor in VENDORS {
        let (id, record) = seeded(&scim, vendor, 0).await;
        let only = scim
            .list(vendor, &[("attributes", "userName"), ("count", "2")])
            .await;
        assert_eq!(only.status, StatusCode::OK, "{}", only.text);
        for resource in only.body["Resources"].as_array().unwrap() {
            assert!(
                resource.get("id").is_some(),
                "id is always returned: {resource}"
            );
            assert!(resource.get("userName").is_some(), "{resource}");
            assert!(resource.get("emails").is_none(), "{vendor:?}: {resource}");
            assert!(resource.get("active").is_none(), "{vendor:?}: {resource}");
        }
        let without = scim
            .get(
                vendor,
                &format!("/Users/{id}?excludedAttributes=emails,name"),
            )
            .await;
        assert_eq!(without.status, StatusCode::OK, "{}", without.text);
        assert_eq!(without.body["userName"], json!(vendor.user_name(&record)));
        assert!(without.body.get("emails").is_none(), "{}", without.text);
        assert!(without.body.get("name").is_none(), "{}", without.text);
        let sub = scim
            .get(vendor, &format!("/Users/{id}?attributes=emails.value"))
            .await;
        assert_eq!(
            sub.body["emails"][0]["value"],
            json!(text(&record["email"])),
            "{}",
            sub.text
        );
        assert!(sub.body.get("userName").is_none(), "{}", sub.text);
    }
}

#[tokio::test]
async fn put_replaces_the_user_as_okta_sends_it() {
    let scim = Scim::start(2).await;
    for vendor in VENDORS {
        let user_name = format!("okta.{}", vendor.connection());
        let created = scim.create(vendor, idp_user(&user_name)).await;
        let id = text(&created["id"]);
        let before = scim.vendor_record(vendor, &id).await.unwrap();
        let mut replacement = created.clone();
        replacement.as_object_mut().unwrap().remove("meta");
        replacement["name"] =
            json!({"givenName": "Augusta", "familyName": "King", "formatted": "Augusta King"});
        replacement["displayName"] = json!("Augusta");
        replacement["emails"] =
            json!([{"value": "augusta.king@example.com", "type": "work", "primary": true}]);
        replacement["phoneNumbers"] = json!([{"value": "+44 20 0000 0001", "type": "work"}]);
        replacement["active"] = json!(true);
        replacement["locale"] = json!("en-US");
        let answer = scim
            .call(
                Method::PUT,
                vendor,
                &format!("/Users/{id}"),
                Some(replacement),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{vendor:?}: {}", answer.text);
        assert_eq!(answer.body["id"], json!(id));
        assert_eq!(
            answer.body["emails"][0]["value"],
            "augusta.king@example.com"
        );
        let record = scim.vendor_record(vendor, &id).await.unwrap();
        assert_stored(
            vendor,
            &record,
            &Stored {
                user_name: &user_name,
                email: "augusta.king@example.com",
                given: "Augusta",
                family: "King",
                formatted: "Augusta King",
                display: "Augusta",
                phone: "+44 20 0000 0001",
                active: true,
            },
            "after PUT",
        );
        // What SCIM does not map is left as the vendor had it.
        let kept: &[&str] = match vendor {
            Vendor::Liveperson => &["profileIds", "maxChats", "memberOf", "skillIds"],
            Vendor::Commpeak => &["roles", "timezone_id", "registration_password"],
            Vendor::Trintech => &["roles", "userAccess"],
        };
        for field in kept {
            assert_eq!(
                record[field], before[field],
                "{vendor:?}: {field} of {record}"
            );
        }
        // A PUT with the id of another user in the body is refused.
        let mut wrong = answer.body.clone();
        wrong["id"] = json!("someone-else");
        let refused = scim
            .call(Method::PUT, vendor, &format!("/Users/{id}"), Some(wrong))
            .await;
        refused.assert_error(StatusCode::BAD_REQUEST, Some("mutability"), "id in body");
        let missing = scim
            .call(
                Method::PUT,
                vendor,
                "/Users/999999999",
                Some(idp_user("nobody.here")),
            )
            .await;
        missing.assert_error(StatusCode::NOT_FOUND, None, "PUT of no user");
        assert_eq!(scim.vendor_record(vendor, &id).await.unwrap(), record);
    }
}

/// The PATCH forms identity providers send, each with what the vendor must then hold.
#[tokio::test]
async fn patch_in_every_form_identity_providers_send() {
    let scim = Scim::start(2).await;
    for vendor in VENDORS {
        let user_name = format!("patched.{}", vendor.connection());
        let created = scim.create(vendor, idp_user(&user_name)).await;
        let id = text(&created["id"]);
        // (case, operations, check of the vendor record, check of the answer)
        type Check = fn(Vendor, &Value) -> bool;
        let cases: Vec<(&str, Value, Check)> = vec![
            (
                "Entra: Replace, a path, a string boolean",
                json!([{"op": "Replace", "path": "active", "value": "False"}]),
                |v, r| v.disabled(r),
            ),
            (
                "Okta: replace without a path",
                json!([{"op": "replace", "value": {"active": true}}]),
                |v, r| !v.disabled(r),
            ),
            (
                "value-path filter on emails",
                json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "second@example.com"}]),
                |_, r| text(&r["email"]) == "second@example.com",
            ),
            (
                "add to a filter nothing matches creates the entry",
                json!([
                    {"op": "remove", "path": "emails"},
                    {"op": "add", "path": "emails[type eq \"work\"].value", "value": "third@example.com"}
                ]),
                |_, r| text(&r["email"]) == "third@example.com",
            ),
            (
                "REPLACE in capitals with a value object, booleans as strings",
                json!([{"op": "REPLACE", "value": {"active": "false", "emails": [{"value": "fourth@example.com", "type": "work", "primary": "true"}]}}]),
                |v, r| v.disabled(r) && text(&r["email"]) == "fourth@example.com",
            ),
            (
                "Entra: several ops in one request",
                json!([
                    {"op": "Replace", "path": "active", "value": "True"},
                    {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "fifth@example.com"},
                    {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Ignored"}
                ]),
                |v, r| !v.disabled(r) && text(&r["email"]) == "fifth@example.com",
            ),
        ];
        for (case, operations, stored) in cases {
            let answer = scim
                .call(
                    Method::PATCH,
                    vendor,
                    &format!("/Users/{id}"),
                    Some(json!({"schemas": [PATCH_SCHEMA], "Operations": operations})),
                )
                .await;
            let case = format!("{vendor:?} {case}");
            assert_eq!(answer.status, StatusCode::OK, "{case}: {}", answer.text);
            assert_eq!(
                answer.body["id"],
                json!(id),
                "{case}: the resource is answered"
            );
            let record = scim.vendor_record(vendor, &id).await.unwrap();
            assert!(stored(vendor, &record), "{case}: the vendor holds {record}");
            assert_eq!(
                answer.body["active"],
                json!(!vendor.disabled(&record)),
                "{case}: the answer says what the vendor holds"
            );
            assert_eq!(
                answer.body["emails"][0]["value"],
                json!(text(&record["email"])),
                "{case}"
            );
        }
        // Names, per vendor mapping.
        let (path, value, field): (&str, &str, &str) = match vendor {
            Vendor::Liveperson => ("name.formatted", "Ada King", "fullName"),
            Vendor::Commpeak => ("name.givenName", "Augusta", "first_name"),
            Vendor::Trintech => ("name.familyName", "King", "lastName"),
        };
        let answer = scim
            .call(
                Method::PATCH,
                vendor,
                &format!("/Users/{id}"),
                Some(json!({"schemas": [PATCH_SCHEMA], "Operations": [
                    {"op": "replace", "path": path, "value": value}]})),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{vendor:?} {path}: {}",
            answer.text
        );
        let record = scim.vendor_record(vendor, &id).await.unwrap();
        let stored = if vendor == Vendor::Trintech {
            &record["name"][field]
        } else {
            &record[field]
        };
        assert_eq!(text(stored), value, "{vendor:?} {path}: {record}");

        // Bad PATCHes change nothing.
        let before = scim.vendor_record(vendor, &id).await.unwrap();
        for (case, body, scim_type) in [
            (
                "unknown op",
                json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "merge", "path": "active", "value": false}]}),
                "invalidSyntax",
            ),
            (
                "bad path",
                json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "emails[type eq", "value": "x"}]}),
                "invalidPath",
            ),
            (
                "active not a boolean",
                json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "active", "value": "maybe"}]}),
                "invalidValue",
            ),
        ] {
            let answer = scim
                .call(Method::PATCH, vendor, &format!("/Users/{id}"), Some(body))
                .await;
            answer.assert_error(
                StatusCode::BAD_REQUEST,
                Some(scim_type),
                &format!("{vendor:?} {case}"),
            );
        }
        assert_eq!(
            scim.vendor_record(vendor, &id).await.unwrap(),
            before,
            "{vendor:?}"
        );
        let missing = scim
            .call(
                Method::PATCH,
                vendor,
                "/Users/999999999",
                Some(json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "active", "value": false}]})),
            )
            .await;
        missing.assert_error(StatusCode::NOT_FOUND, None, "PATCH of no user");
    }
}

#[tokio::test]
async fn deprovisioning_disables_then_deletes_in_the_vendor() {
    let scim = Scim::start(2).await;
    for vendor in VENDORS {
        // Deactivate (Okta's path-less form), then DELETE.
        let created = scim
            .create(vendor, idp_user(&format!("leaver.{}", vendor.connection())))
            .await;
        let id = text(&created["id"]);
        let answer = scim
            .call(
                Method::PATCH,
                vendor,
                &format!("/Users/{id}"),
                Some(json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "value": {"active": false}}]})),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{vendor:?}: {}", answer.text);
        assert_eq!(answer.body["active"], false);
        let record = scim.vendor_record(vendor, &id).await.unwrap();
        assert!(
            vendor.disabled(&record),
            "{vendor:?}: not disabled: {record}"
        );
        let got = scim.get(vendor, &format!("/Users/{id}")).await;
        assert_eq!(got.body["active"], false, "{}", got.text);
        // Filtered lists show deactivated users too (IdPs look them up before deleting).
        let found = scim.list(vendor, &[("filter", "active eq false")]).await;
        assert!(found.ids().contains(&id), "{vendor:?}: {}", found.text);

        // DELETE, directly on an active user too.
        let active = scim
            .create(
                vendor,
                idp_user(&format!("removed.{}", vendor.connection())),
            )
            .await;
        for id in [id.clone(), text(&active["id"])] {
            let count = scim.vendor_users(vendor).await.len();
            let deleted = scim
                .call(Method::DELETE, vendor, &format!("/Users/{id}"), None)
                .await;
            assert_eq!(
                deleted.status,
                StatusCode::NO_CONTENT,
                "{vendor:?}: {}",
                deleted.text
            );
            assert!(deleted.text.is_empty());
            let after = scim.get(vendor, &format!("/Users/{id}")).await;
            let record = scim.vendor_record(vendor, &id).await;
            match vendor {
                Vendor::Liveperson => {
                    after.assert_error(StatusCode::NOT_FOUND, None, "LivePerson GET after DELETE");
                    let record = record.expect("kept, soft-deleted");
                    assert_eq!(record["deleted"], true, "{record}");
                    assert_eq!(scim.vendor_users(vendor).await.len(), count - 1);
                }
                Vendor::Commpeak => {
                    after.assert_error(StatusCode::NOT_FOUND, None, "CommPeak GET after DELETE");
                    let record = record.expect("kept, flagged deleted");
                    assert_eq!(text(&record["is_deleted"]), "1", "{record}");
                    assert_eq!(scim.vendor_users(vendor).await.len(), count - 1);
                }
                Vendor::Trintech => {
                    // No delete in Trintech: locked out with every role taken away, which
                    // SCIM then reads as gone.
                    after.assert_error(StatusCode::NOT_FOUND, None, "Trintech GET after DELETE");
                    let record = record.expect("Trintech keeps the user");
                    assert_eq!(record["lockedOut"], true, "{record}");
                    assert_eq!(record["roles"], json!([]), "{record}");
                }
            }
            // Gone from lists and lookups, and a second DELETE finds nothing.
            let listed = scim.list(vendor, &[]).await;
            assert!(!listed.ids().contains(&id), "{vendor:?}: {}", listed.text);
            let again = scim
                .call(Method::DELETE, vendor, &format!("/Users/{id}"), None)
                .await;
            again.assert_error(StatusCode::NOT_FOUND, None, "second DELETE");
            let patch = scim
                .call(
                    Method::PATCH,
                    vendor,
                    &format!("/Users/{id}"),
                    Some(json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "active", "value": true}]})),
                )
                .await;
            patch.assert_error(StatusCode::NOT_FOUND, None, "PATCH after DELETE");
        }
        let missing = scim
            .call(Method::DELETE, vendor, "/Users/999999999", None)
            .await;
        missing.assert_error(StatusCode::NOT_FOUND, None, "DELETE of no user");
    }
}

#[tokio::test]
async fn liveperson_revisions_are_etags_and_a_stale_if_match_is_412() {
    let scim = Scim::start(3).await;
    let vendor = Vendor::Liveperson;
    let (id, _) = seeded(&scim, vendor, 0).await;
    let revision = scim.liveperson_revision().await;
    let etag = format!("W/\"{revision}\"");
    let got = scim.get(vendor, &format!("/Users/{id}")).await;
    assert_eq!(got.header("etag"), Some(etag.as_str()), "{:?}", got.headers);
    assert_eq!(got.body["meta"]["version"], json!(etag));
    let listed = scim.list(vendor, &[("count", "1")]).await;
    assert_eq!(listed.body["Resources"][0]["meta"]["version"], json!(etag));

    // Another admin's change moves the account's revision: the ETag read is stale.
    scim.liveperson_create_other("someone.else").await;
    let before = scim.vendor_record(vendor, &id).await.unwrap();
    let moved = scim.liveperson_revision().await;
    assert_ne!(moved, revision);
    let deactivate = json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "active", "value": false}]});
    for (method, body) in [
        (Method::PATCH, Some(deactivate.clone())),
        (
            Method::PUT,
            Some({
                let mut user = got.body.clone();
                user["displayName"] = json!("Stale Write");
                user
            }),
        ),
        (Method::DELETE, None),
    ] {
        let mut request = scim
            .request(method.clone(), vendor, &format!("/Users/{id}"))
            .header("if-match", &etag);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let answer = read(request.send().await.unwrap()).await;
        answer.assert_error(
            StatusCode::PRECONDITION_FAILED,
            None,
            &format!("{method} with a stale If-Match"),
        );
        assert_eq!(
            scim.vendor_record(vendor, &id).await.unwrap(),
            before,
            "{method}"
        );
        assert_eq!(scim.liveperson_revision().await, moved, "{method}: written");
    }

    // The current version, and "*", are taken; the answer carries the new version.
    let current = format!("W/\"{moved}\"");
    for if_match in [current.as_str(), "*"] {
        let answer = read(
            scim.request(Method::PATCH, vendor, &format!("/Users/{id}"))
                .header("if-match", if_match)
                .header("content-type", "application/scim+json")
                .body(
                    json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "active", "value": if_match == "*"}]})
                        .to_string(),
                )
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "If-Match {if_match}: {}",
            answer.text
        );
        let now = scim.liveperson_revision().await;
        assert_eq!(answer.header("etag"), Some(format!("W/\"{now}\"").as_str()));
        assert_eq!(
            answer.body["meta"]["version"],
            json!(format!("W/\"{now}\""))
        );
        let record = scim.vendor_record(vendor, &id).await.unwrap();
        assert_eq!(
            vendor.disabled(&record),
            if_match != "*",
            "{if_match}: {record}"
        );
    }

    // Without If-Match, a write made after the revision moved still goes through.
    scim.liveperson_create_other("someone.else.again").await;
    let answer = scim
        .call(
            Method::PATCH,
            vendor,
            &format!("/Users/{id}"),
            Some(deactivate),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(vendor.disabled(&scim.vendor_record(vendor, &id).await.unwrap()));

    // Vendors without versions publish none.
    for vendor in [Vendor::Commpeak, Vendor::Trintech] {
        let (id, _) = seeded(&scim, vendor, 0).await;
        let got = scim.get(vendor, &format!("/Users/{id}")).await;
        assert!(
            got.header("etag").is_none(),
            "{vendor:?}: {:?}",
            got.headers
        );
        assert!(got.body["meta"].get("version").is_none(), "{}", got.text);
    }
}

#[tokio::test]
async fn secrets_stay_out_of_answers_and_the_audit_names_the_client() {
    let scim = Scim::start(2).await;
    let password = "Xy9!secretpass1";
    let mut sip_passwords = Vec::new();
    let mut answers = Vec::new();
    let mut changes = Vec::new();
    for vendor in VENDORS {
        let answer = scim
            .call(
                Method::POST,
                vendor,
                "/Users",
                Some(idp_user(&format!("secret.{}", vendor.connection()))),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        let id = text(&answer.body["id"]);
        changes.push((vendor, id.clone()));
        answers.push(answer.text);
        let patched = scim
            .call(
                Method::PATCH,
                vendor,
                &format!("/Users/{id}"),
                Some(json!({"schemas": [PATCH_SCHEMA], "Operations": [
                    {"op": "replace", "path": "active", "value": false},
                    {"op": "add", "path": "password", "value": "An0ther!secret"}]})),
            )
            .await;
        assert_eq!(
            patched.status,
            StatusCode::OK,
            "{vendor:?}: {}",
            patched.text
        );
        answers.push(patched.text);
        for path in [
            format!("/Users/{id}"),
            "/Users".to_owned(),
            format!(
                "/Users?filter=userName%20eq%20%22secret.{}%22",
                vendor.connection()
            ),
        ] {
            answers.push(scim.get(vendor, &path).await.text);
        }
        let deleted = scim
            .call(Method::DELETE, vendor, &format!("/Users/{id}"), None)
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        if vendor == Vendor::Commpeak {
            for user in scim.vendor_records(vendor).await {
                let sip = text(&user["registration_password"]);
                assert!(!sip.is_empty(), "the sandbox keeps SIP passwords: {user}");
                sip_passwords.push(sip);
            }
        }
    }
    let audit = scim.audit_text();
    let secrets: Vec<&str> = [
        TOKEN,
        password,
        "An0ther!secret",
        scim.config.liveperson.bearer_token.as_str(),
        scim.config.trintech.bearer_token.as_str(),
        scim.config.commpeak.password.as_str(),
    ]
    .into_iter()
    .chain(sip_passwords.iter().map(String::as_str))
    .collect();
    for secret in &secrets {
        for answer in &answers {
            assert!(!answer.contains(secret), "{secret} in an answer: {answer}");
        }
        assert!(
            !audit.contains(secret),
            "{secret} in the audit file: {audit}"
        );
    }
    for answer in &answers {
        for field in ["\"password\"", "registration_password", "passwordSh"] {
            assert!(!answer.contains(field), "{field} in an answer: {answer}");
        }
    }

    // Each change is audited, as made by the SCIM client, with the vendor's status.
    let events = scim.audit();
    for (vendor, _) in &changes {
        let of_user: Vec<&Value> = events
            .iter()
            .filter(|e| e["connection"] == vendor.connection())
            .collect();
        assert!(
            of_user.len() >= 3,
            "{vendor:?}: create, patch and delete are each audited: {of_user:?}"
        );
        for event in &of_user {
            assert_eq!(event["who"], "scim:scim", "{event}");
            let status = event["status"]
                .as_u64()
                .unwrap_or_else(|| panic!("{event}"));
            assert!((200..300).contains(&status), "{vendor:?}: {event}");
            assert!(event["operation"].is_string(), "{event}");
            assert!(event["time"].is_string(), "{event}");
        }
    }
    // A refused write is no change: nothing more is audited.
    let count = events.len();
    let answer = scim
        .call(
            Method::POST,
            Vendor::Commpeak,
            "/Users",
            Some({
                let mut user = idp_user("refused.user");
                user["emails"] = json!([{"value": "nope"}]);
                user
            }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(scim.audit().len(), count);
    // The request id an IdP sends is recorded.
    let answer = read(
        scim.request(Method::POST, Vendor::Commpeak, "/Users")
            .header("x-request-id", "idp-req-42")
            .header("content-type", "application/scim+json")
            .body(idp_user("traced.user").to_string())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let traced: Vec<Value> = scim
        .audit()
        .into_iter()
        .filter(|e| e["request_id"] == "idp-req-42")
        .collect();
    assert!(!traced.is_empty(), "{:?}", scim.audit());
    assert_eq!(traced[0]["status"], 201, "{traced:?}");
    // Every event names the user it changed: its id, or (a create, before the vendor has
    // given one) its user name, as the console's audit does.
    let mut unnamed = Vec::new();
    for (vendor, id) in &changes {
        let name = format!("secret.{}", vendor.connection());
        for event in events
            .iter()
            .filter(|e| e["connection"] == vendor.connection())
        {
            let names = event["users"]
                .as_array()
                .is_some_and(|u| u.iter().any(|u| text(u) == *id || text(u) == name));
            if !names {
                unnamed.push(format!("{vendor:?} {}", event["operation"]));
            }
        }
    }
    assert!(
        unnamed.is_empty(),
        "audit events naming no user: {unnamed:?}"
    );
}

#[tokio::test]
async fn a_deployment_under_a_base_path_serves_scim_under_it() {
    let scim = Scim::start_with(
        3,
        |_| (),
        |config| config.base_path = proxy::base_path("/admin").unwrap(),
    )
    .await;
    let vendor = Vendor::Liveperson;
    let url = scim.url(vendor.connection(), "/Users");
    assert!(url.contains("/admin/scim/v2/liveperson/Users"), "{url}");
    let stored = scim.vendor_users(vendor).await;
    let listed = scim.list(vendor, &[]).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.body["totalResults"], json!(stored.len()));
    let location = listed.body["Resources"][0]["meta"]["location"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        location.starts_with(&format!(
            "{}/admin/scim/v2/liveperson/Users/",
            scim.proxy_url
        )),
        "{location}"
    );
    let created = scim
        .call(
            Method::POST,
            vendor,
            "/Users",
            Some(idp_user("under.prefix")),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert!(
        created
            .header("location")
            .is_some_and(|l| l.starts_with(&format!("{}/admin/scim/v2/", scim.proxy_url))),
        "{:?}",
        created.headers
    );
    assert!(scim.vendor_named(vendor, "under.prefix").await.is_some());
    // Sent as plain JSON, as some clients do.
    let plain = read(
        scim.request(Method::POST, vendor, "/Users")
            .json(&idp_user("plain.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(plain.status, StatusCode::CREATED, "{}", plain.text);
    assert!(scim.vendor_named(vendor, "plain.json").await.is_some());
    let config = scim.get(vendor, "/ServiceProviderConfig").await;
    assert_eq!(config.status, StatusCode::OK, "{}", config.text);
    // Nothing outside the prefix.
    let outside = reqwest::Client::new()
        .get(format!("{}/scim/v2/liveperson/Users", scim.proxy_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn trintech_is_provisioned_only_when_it_declares_a_list() {
    let scim = Scim::start_with(2, |sandbox| sandbox.trintech.list_enabled = false, |_| ()).await;
    let answer = scim.list(Vendor::Trintech, &[]).await;
    answer.assert_error(StatusCode::NOT_FOUND, None, "Trintech without a list");
    for vendor in [Vendor::Liveperson, Vendor::Commpeak] {
        assert_eq!(scim.list(vendor, &[]).await.status, StatusCode::OK);
    }
    // A configuration naming it anyway does not start.
    let mut config =
        sandbox::Config::with_random_credentials(sandbox::Database::InMemory, tests::ACCOUNT_ID, 1);
    config.trintech.list_enabled = false;
    let sandbox = sandbox::spawn(&config).await.unwrap();
    let connections = proxy::embedded::sandbox_connections(&sandbox, &config, "4.0").unwrap();
    let mut proxy_config = proxy::Config::new(connections, None);
    proxy_config.scim = Some(proxy::scim::Settings {
        client: "okta".into(),
        token: TOKEN.to_owned().into(),
        connections: vec!["trintech".into()],
        defaults: Default::default(),
    });
    assert!(
        proxy::app(proxy_config).is_err(),
        "SCIM over a Trintech without a list"
    );
}

/// What independent conformance testers (scim2-tester, scim-sanity) asked of the face: a
/// replace that changes nothing answers the user, the root's `.search` is the Users'
/// search, a PATCH may not remove what the vendor cannot be without, and `/Schemas` marks
/// as required what a create needs.
#[tokio::test]
async fn what_conformance_testers_expect() {
    let scim = Scim::start(2).await;
    for vendor in VENDORS {
        let created = scim
            .create(vendor, idp_user(&format!("steady.{}", vendor.connection())))
            .await;
        let id = text(&created["id"]);
        let before = scim.vendor_record(vendor, &id).await.unwrap();

        // PUT back what was read: 200, the same user, nothing written.
        let mut same = created.clone();
        same.as_object_mut().unwrap().remove("meta");
        let put = scim
            .call(Method::PUT, vendor, &format!("/Users/{id}"), Some(same))
            .await;
        assert_eq!(put.status, StatusCode::OK, "{vendor:?}: {}", put.text);
        assert_eq!(put.body["userName"], created["userName"], "{vendor:?}");
        assert_eq!(
            scim.vendor_record(vendor, &id).await.unwrap(),
            before,
            "{vendor:?}"
        );

        // The base URL as printed, with its trailing slash, joined with "/Users".
        let doubled = scim.get(vendor, "//Users").await;
        assert_eq!(
            doubled.status,
            StatusCode::OK,
            "{vendor:?}: {}",
            doubled.text
        );

        // POST /.search at the connection's root.
        let search = scim
            .call(
                Method::POST,
                vendor,
                "/.search",
                Some(json!({"schemas": [SEARCH_SCHEMA],
                    "filter": format!("userName eq \"{}\"", created["userName"].as_str().unwrap())})),
            )
            .await;
        assert_eq!(search.status, StatusCode::OK, "{vendor:?}: {}", search.text);
        assert_eq!(search.ids(), vec![id.clone()], "{vendor:?}");

        // Removing what the vendor requires: 400 mutability, and nothing written.
        for path in ["active", "emails"] {
            let removed = scim
                .call(
                    Method::PATCH,
                    vendor,
                    &format!("/Users/{id}"),
                    Some(json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "remove", "path": path}]})),
                )
                .await;
            removed.assert_error(
                StatusCode::BAD_REQUEST,
                Some("mutability"),
                &format!("{vendor:?}: remove {path}"),
            );
            assert!(removed.detail().starts_with(path), "{}", removed.detail());
            assert_eq!(
                scim.vendor_record(vendor, &id).await.unwrap(),
                before,
                "{vendor:?}"
            );
        }

        // A create with only what /Schemas calls required succeeds.
        let schema = scim
            .get(
                vendor,
                "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
            )
            .await;
        let mut minimal = json!({"schemas": [USER_SCHEMA]});
        for attribute in schema.body["attributes"].as_array().unwrap() {
            if attribute["required"] != true {
                continue;
            }
            let name = attribute["name"].as_str().unwrap();
            let value = match name {
                "userName" => json!(format!("minimal.{}", vendor.connection())),
                "name" => json!({"formatted": "Min Imal"}),
                "emails" => {
                    json!([{"value": format!("minimal.{}@example.com", vendor.connection())}])
                }
                other => panic!("{vendor:?}: a required attribute the test does not know: {other}"),
            };
            minimal[name] = value;
        }
        let made = scim
            .call(Method::POST, vendor, "/Users", Some(minimal))
            .await;
        assert_eq!(
            made.status,
            StatusCode::CREATED,
            "{vendor:?}: {}",
            made.text
        );
    }
}

/// The LivePerson list behind lookups, as the vendor sees it asked: read once, then
/// revalidated (304) however many lookups follow; SCIM's own writes change it in place, so
/// the lookup after a push is still a 304; another admin's change is read again, once,
/// however many lookups arrive together.
#[tokio::test]
async fn lookups_revalidate_the_list_kept_rather_than_read_it_again() {
    let scim = Scim::start(20).await;
    let vendor = Vendor::Liveperson;
    let record = |recording: bool| {
        let url = format!(
            "{}{}",
            scim.sandbox.base_url(),
            sandbox::faults::REQUESTS_PATH
        );
        async move {
            let answer = reqwest::Client::new()
                .put(url)
                .json(&json!({"recording": recording}))
                .send()
                .await
                .unwrap();
            assert!(answer.status().is_success());
        }
    };
    // The list reads since recording started, by status.
    let list_reads = || {
        let url = format!(
            "{}{}",
            scim.sandbox.base_url(),
            sandbox::faults::REQUESTS_PATH
        );
        let collection = shared::liveperson::ops::users_path(tests::ACCOUNT_ID);
        async move {
            let record: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
            let mut statuses: Vec<u64> = record["requests"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["method"] == "GET" && r["path"] == collection.as_str())
                .map(|r| r["status"].as_u64().unwrap())
                .collect();
            statuses.sort_unstable();
            statuses
        }
    };
    let lookup = |name: String| {
        let scim = &scim;
        async move {
            let filter = format!("userName eq \"{name}\"");
            scim.list(vendor, &[("filter", filter.as_str())]).await
        }
    };
    let first = scim.vendor_users(vendor).await;
    let name = vendor.user_name(&first[0]);

    record(true).await;
    assert_eq!(lookup(name.clone()).await.ids().len(), 1);
    assert_eq!(lookup(name.clone()).await.ids().len(), 1);
    assert_eq!(
        list_reads().await,
        vec![200, 304],
        "read once, then revalidated"
    );

    // A push through SCIM: the next lookup finds the new user without reading the list.
    record(true).await;
    let created = scim.create(vendor, idp_user("pushed.user")).await;
    let found = lookup("PUSHED.USER".into()).await;
    assert_eq!(found.ids(), vec![text(&created["id"])], "{}", found.text);
    assert!(
        list_reads().await.iter().all(|&status| status == 304),
        "{:?}",
        list_reads().await
    );

    // Another admin's change: read again, once for twenty lookups at the same time.
    scim.liveperson_create_other("someone.else").await;
    record(true).await;
    let lookups = (0..20).map(|_| lookup("someone.else".into()));
    for answer in futures_util::future::join_all(lookups).await {
        assert_eq!(answer.ids().len(), 1, "{}", answer.text);
    }
    let reads = list_reads().await;
    let full = reads.iter().filter(|&&status| status == 200).count();
    assert_eq!(full, 1, "one full read for the burst: {reads:?}");
}

/// Trintech keeps the name's parts and a display name: a PATCH of the family name alone
/// (Entra's shape) carries the display name along when it was the parts joined.
#[tokio::test]
async fn a_family_name_patched_alone_carries_the_display_name() {
    let scim = Scim::start(1).await;
    let vendor = Vendor::Trintech;
    let created = scim.create(vendor, idp_user("renamed.person")).await;
    let id = text(&created["id"]);
    assert_eq!(created["name"]["formatted"], "Ada Lovelace");
    let patched = scim
        .call(
            Method::PATCH,
            vendor,
            &format!("/Users/{id}"),
            Some(json!({"schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "Replace", "path": "name.familyName", "value": "King"}]})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(
        patched.body["name"]["formatted"], "Ada King",
        "{}",
        patched.text
    );
    let record = scim.vendor_record(vendor, &id).await.unwrap();
    assert_eq!(record["name"]["lastName"], "King", "{record}");
    assert_eq!(record["name"]["displayName"], "Ada King", "{record}");
}
