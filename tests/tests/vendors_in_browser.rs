//! CommPeak and Trintech in a real headless Chromium, against the sandbox through the
//! proxy: the same console over each vendor's description. Elements are found by role,
//! label or visible text only. Needs `dist/` built (`cargo xtask test` builds it first).

use std::path::PathBuf;

use proxy::config::Upstream;
use shared::format::{thousands, user_count};
use tests::Stack;
use tests::browser::Browser;

fn dist() -> PathBuf {
    let dist = tests::workspace_root().join("dist");
    assert!(
        dist.join("index.html").is_file(),
        "{} has no built console: run `cargo xtask test`, which builds it before the tests",
        dist.display()
    );
    dist
}

/// A connection's users as the proxy lists them to an API client (CommPeak's every scalar
/// as text).
async fn listed(stack: &Stack, connection: &str) -> anyhow::Result<Vec<serde_json::Value>> {
    Ok(tests::console_client()
        .get(format!("{}/api/{connection}/users", stack.proxy_url))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

async fn commpeak_users(stack: &Stack) -> anyhow::Result<Vec<serde_json::Value>> {
    listed(stack, "commpeak").await
}

/// Creates one Trintech user through the proxy, as an API client would.
async fn trintech_create(stack: &Stack, user: serde_json::Value) -> anyhow::Result<()> {
    tests::console_client()
        .post(format!("{}/api/trintech/users", stack.proxy_url))
        .json(&[user])
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

fn text<'a>(user: &'a serde_json::Value, field: &str) -> &'a str {
    user[field].as_str().unwrap_or_default()
}

#[tokio::test]
async fn commpeak_users_are_listed_searched_and_filtered_and_a_trintech_connection_without_a_list_says_so()
 {
    let stack = Stack::start_with(40, Some(dist()), |config| {
        for connection in &mut config.connections {
            if let Upstream::Trintech(trintech) = &mut connection.upstream {
                trintech.has_list = false;
            }
        }
    })
    .await
    .unwrap();
    let users = commpeak_users(&stack).await.unwrap();
    let inactive = users.iter().filter(|u| text(u, "is_active") == "0").count();
    let sought = users[7].clone();
    // The list leaves the SIP password out; the admin's read of one user has it.
    let one: Vec<serde_json::Value> = tests::console_client()
        .get(format!(
            "{}/api/commpeak/users/{}",
            stack.proxy_url,
            text(&sought, "id")
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sip_password = text(&one[0], "registration_password").to_owned();
    assert!(!sip_password.is_empty(), "{one:?}");
    Browser::run("commpeak_users_are_listed", |browser| async move {
        let outcome = async {
            browser
                .client
                .goto(&format!("{}/c/commpeak/", stack.proxy_url))
                .await?;
            browser
                .find("//h2[normalize-space(.)='CommPeak (sandbox) users']")
                .await?;
            browser.status(&user_count(users.len())).await?;
            // Its own columns, from its description; flags sent as "1" read as what they mean.
            for header in ["User name", "First name", "Last name", "Email", "Active"] {
                browser
                    .find(&format!("//th[@role='columnheader' and normalize-space(.)='{header}']"))
                    .await?;
            }
            browser
                .fill(&[("Search", text(&sought, "username"))])
                .await?;
            browser
                .status(&format!("1 of {}", user_count(users.len())))
                .await?;
            let row = browser
                .find(&format!(
                    "//tr[@role='row' and td/a[normalize-space(.)='{}']]",
                    text(&sought, "username")
                ))
                .await?;
            let cells = row.text().await?;
            anyhow::ensure!(
                cells.contains(text(&sought, "email"))
                    && cells.contains(if text(&sought, "is_active") == "1" { "Yes" } else { "No" }),
                "the row shows {cells:?}"
            );
            // The SIP password is never in the list.
            let page = browser.find("//body").await?.text().await?;
            anyhow::ensure!(
                !page.contains(&sip_password),
                "the list shows a SIP password"
            );
            let backspaces = fantoccini::key::Key::Backspace
                .to_string()
                .repeat(text(&sought, "username").chars().count());
            browser
                .input_labelled("Search")
                .await?
                .send_keys(&backspaces)
                .await?;
            browser.status(&user_count(users.len())).await?;
            browser
                .find("//select[@id=//label[normalize-space(.)='Status']/@for]")
                .await?
                .select_by_label("Inactive")
                .await?;
            browser
                .status(&format!("{} of {}", thousands(inactive), user_count(users.len())))
                .await?;

            // Trintech publishes no list; this connection declares none.
            browser
                .client
                .goto(&format!("{}/c/trintech/", stack.proxy_url))
                .await?;
            browser
                .text("This connection declares no list of users: the vendor publishes none, so the console cannot show, search or open its users here.")
                .await?;
            browser.gone("//table[@role='grid']").await?;
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}

/// One CommPeak user as the admin's API read answers it (the vendor's list of one).
async fn commpeak_user(stack: &Stack, id: &str) -> anyhow::Result<serde_json::Value> {
    let mut users: Vec<serde_json::Value> = tests::console_client()
        .get(format!("{}/api/commpeak/users/{id}", stack.proxy_url))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    anyhow::ensure!(users.len() == 1, "{users:?}");
    Ok(users.remove(0))
}

#[tokio::test]
async fn a_commpeak_user_is_saved_partially_its_sip_password_shown_on_demand_and_a_concurrent_change_settled()
 {
    let stack = Stack::start(10, Some(dist())).await.unwrap();
    let listed = commpeak_users(&stack).await.unwrap();
    let id = text(&listed[3], "id").to_owned();
    let before = commpeak_user(&stack, &id).await.unwrap();
    let (login, sip_password) = (
        text(&before, "username").to_owned(),
        text(&before, "registration_password").to_owned(),
    );
    Browser::run("a_commpeak_user_is_saved_partially", |browser| async move {
        let outcome = async {
            let page = format!("{}/c/commpeak/users/{id}", stack.proxy_url);
            browser.client.goto(&page).await?;
            browser
                .find(&format!("//h2[normalize-space(.)='User {login}']"))
                .await?;
            // The SIP password is not in the page until the admin asks for it.
            let body = browser.find("//body").await?.text().await?;
            anyhow::ensure!(
                !body.contains(&sip_password),
                "the SIP password shows unasked"
            );
            browser
                .click_button("Show SIP registration password")
                .await?;
            browser.text(&sip_password).await?;
            browser
                .click_button("Hide SIP registration password")
                .await?;
            browser
                .gone(&format!("//code[normalize-space(.)='{sip_password}']"))
                .await?;

            // A change sends only what changed; reloaded, it is there.
            browser.retype("First name", "Zelda").await?;
            browser.click_button("Save").await?;
            browser.status(&format!("Saved {login}.")).await?;
            let sent = stack
                .received
                .write_bodies(&format!("/api/commpeak/users/{id}"));
            let last: serde_json::Value = serde_json::from_slice(sent.last().expect("a save"))?;
            anyhow::ensure!(
                last == serde_json::json!({"first_name": "Zelda"}),
                "the save sent {last}"
            );
            browser.client.goto(&page).await?;
            anyhow::ensure!(
                browser
                    .input_labelled("First name")
                    .await?
                    .prop("value")
                    .await?
                    .as_deref()
                    == Some("Zelda"),
                "the saved first name did not come back"
            );
            let after = commpeak_user(&stack, &id).await?;
            anyhow::ensure!(
                after["email"] == before["email"] && after["first_name"] == "Zelda",
                "the record is now {after}"
            );

            // Someone else changes the same field between this admin's read and save: the
            // console reads the user again before saving and shows the conflict.
            browser.retype("Last name", "Mine").await?;
            tests::console_client()
                .put(format!("{}/api/commpeak/users/{id}", stack.proxy_url))
                .json(&serde_json::json!({"last_name": "Theirs"}))
                .send()
                .await?
                .error_for_status()?;
            browser.click_button("Save").await?;
            browser.text("Someone else changed this user").await?;
            browser.find("//td[normalize-space(.)='Theirs']").await?;
            browser.text("Keep mine (Last name)").await?.click().await?;
            browser.click_button("Save with these choices").await?;
            browser
                .status(&format!("Saved {login} with your choices."))
                .await?;
            let settled = commpeak_user(&stack, &id).await?;
            anyhow::ensure!(
                settled["last_name"] == "Mine",
                "the record is now {settled}"
            );
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_trintech_user_opens_by_its_user_name_and_saves_its_whole_record() {
    let stack = Stack::start(5, Some(dist())).await.unwrap();
    let jane = serde_json::json!({
        "userName": "jane.doe", "password": "Str0ng#pass",
        "name": {"firstName": "Jane", "lastName": "Doe"},
        "email": "jane.doe@example.com", "phoneNumber": "+44 20 7946 0001",
        "roles": [{"type": "Close", "value": "Preparer"}],
        "userAccess": {"AccessAutomation": true},
        "departmentId": "FIN", "locationId": "LON", "lockedOut": false
    });
    trintech_create(&stack, jane).await.unwrap();
    Browser::run(
        "a_trintech_user_opens_by_its_user_name",
        |browser| async move {
            let outcome = async {
                let page = format!("{}/c/trintech/users/jane.doe", stack.proxy_url);
                browser.client.goto(&page).await?;
                browser
                    .find("//h2[normalize-space(.)='User jane.doe']")
                    .await?;
                browser.retype("Phone number", "+44 20 7946 0002").await?;
                browser.click_button("Save").await?;
                browser.status("Saved jane.doe.").await?;
                // The update is Trintech's batch of one: the whole record, without what an update
                // refuses.
                let sent = stack.received.write_bodies("/api/trintech/users");
                let last: serde_json::Value = serde_json::from_slice(sent.last().expect("a save"))?;
                anyhow::ensure!(
                    last[0]["phoneNumber"] == "+44 20 7946 0002"
                        && last[0]["departmentId"] == "FIN"
                        && last[0].get("password").is_none()
                        && last[0].get("userAccess").is_none(),
                    "the save sent {last}"
                );
                browser.client.goto(&page).await?;
                anyhow::ensure!(
                    browser
                        .input_labelled("Phone number")
                        .await?
                        .prop("value")
                        .await?
                        .as_deref()
                        == Some("+44 20 7946 0002"),
                    "the saved phone number did not come back"
                );

                // Locking a user out is a save that asks first; Cancel saves nothing.
                let locked = |users: Vec<serde_json::Value>| {
                    users
                        .iter()
                        .find(|u| u["userName"] == "jane.doe")
                        .map(|u| u["lockedOut"] == true)
                };
                browser.input_labelled("Locked out").await?.click().await?;
                browser.click_button("Save").await?;
                browser
                    .find("//dialog[@open]//*[normalize-space(.)='Lock out jane.doe?']")
                    .await?;
                browser.click_button("Cancel").await?;
                browser.gone("//dialog[@open]").await?;
                anyhow::ensure!(
                    locked(trintech_users(&stack).await?) == Some(false),
                    "Cancel locked jane.doe out"
                );
                browser.click_button("Save").await?;
                browser.click_button("Lock out and save").await?;
                browser.status("Saved jane.doe.").await?;
                anyhow::ensure!(
                    locked(trintech_users(&stack).await?) == Some(true),
                    "jane.doe is not locked out"
                );
                Ok(())
            }
            .await;
            (browser, outcome)
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn commpeak_and_trintech_users_are_created_through_the_same_form_with_each_vendors_rules() {
    let stack = Stack::start(5, Some(dist())).await.unwrap();
    Browser::run(
        "users_are_created_through_the_same_form",
        |browser| async move {
            let outcome = async {
                browser
                    .client
                    .goto(&format!("{}/c/commpeak/", stack.proxy_url))
                    .await?;
                browser.click_link("Create a user").await?;
                // An empty submit shows CommPeak's own required fields and focuses the first.
                browser.click_button("Create user").await?;
                browser.text("User name is required.").await?;
                browser.text("Password is required.").await?;
                browser.wait_for_focus("field-username").await?;
                browser
                    .fill(&[
                        ("User name", "new.agent"),
                        ("Email", "new.agent@dialer.example.com"),
                        ("Password", "pw-new-7"),
                    ])
                    .await?;
                browser.click_button("Create user").await?;
                browser.status("Created user new.agent.").await?;
                let created = commpeak_users(&stack)
                    .await?
                    .into_iter()
                    .find(|u| text(u, "username") == "new.agent")
                    .ok_or_else(|| anyhow::anyhow!("new.agent was not created"))?;
                // The form's start (Active) went with it.
                anyhow::ensure!(text(&created, "is_active") == "1", "created {created}");
                browser.click_link("Open new.agent").await?;
                browser
                    .find("//h2[normalize-space(.)='User new.agent']")
                    .await?;

                // Trintech: created through its batch; a refusal of the record is told by field.
                let trintech = format!("{}/c/trintech/new", stack.proxy_url);
                browser.client.goto(&trintech).await?;
                let john = [
                    ("User name", "john.roe"),
                    ("Password", "Str0ng#pass"),
                    ("Email", "john.roe@example.com"),
                ];
                browser.fill(&john).await?;
                // Trintech's name is an object, one part of which must be filled: said once.
                browser.click_button("Create user").await?;
                let said = browser
                    .client
                    .find_all(fantoccini::Locator::XPath(
                        "//*[normalize-space(text())='Name is required.']",
                    ))
                    .await?;
                anyhow::ensure!(
                    said.len() == 1,
                    "the name's problem is said {} times",
                    said.len()
                );
                browser.fill(&[("First name", "John")]).await?;
                browser.click_button("Create user").await?;
                browser.status("Created user john.roe.").await?;
                // The same user name again: Trintech refuses the record, and says why.
                browser.fill(&john).await?;
                browser.fill(&[("First name", "John")]).await?;
                browser.click_button("Create user").await?;
                let refusal = browser
                    .find("//p[@role='alert' and contains(., 'The vendor refused this user')]")
                    .await?
                    .text()
                    .await?;
                anyhow::ensure!(refusal.contains("john.roe"), "the refusal says {refusal:?}");
                Ok(())
            }
            .await;
            (browser, outcome)
        },
    )
    .await
    .unwrap();
}

/// The rows of the table of rows not created: (row, login, why).
fn not_created(row: u32, login: &str, why: &str) -> String {
    format!(
        "//table[starts-with(caption, 'Rows not ')]//tr[td[1]='{row}' and td[2]='{login}' and contains(td[3], '{why}')]"
    )
}

#[tokio::test]
async fn imports_check_every_row_first_and_trintech_tells_each_records_outcome_beside_its_row() {
    let stack = Stack::start(5, Some(dist())).await.unwrap();
    // An email a Trintech user already has.
    let trintech_users: Vec<serde_json::Value> = tests::console_client()
        .get(format!("{}/api/trintech/users", stack.proxy_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let taken = text(&trintech_users[0], "email").to_owned();
    let dir = tempfile::tempdir().unwrap();
    // CommPeak: one row without its password is refused here, before anything is sent.
    let commpeak = dir.path().join("dialer.csv");
    std::fs::write(
        &commpeak,
        "username,email,password,is_active\n\
         imp.one,imp.one@dialer.example.com,pw-one-1,1\n\
         imp.two,imp.two@dialer.example.com,,1\n\
         imp.three,imp.three@dialer.example.com,pw-three-3,0\n",
    )
    .unwrap();
    // Trintech: three rows, the second's email belongs to another user (the vendor's refusal).
    let trintech = dir.path().join("iam.csv");
    std::fs::write(
        &trintech,
        format!(
            "userName,password,email,First name\n\
             iam.one,Str0ng#pass,iam.one@example.com,Ivy\n\
             iam.two,Str0ng#pass,{taken},Ian\n\
             iam.three,Str0ng#pass,iam.three@example.com,Ira\n"
        ),
    )
    .unwrap();
    Browser::run("imports_check_every_row_first", |browser| async move {
        let outcome = async {
            browser
                .client
                .goto(&format!("{}/c/commpeak/import", stack.proxy_url))
                .await?;
            browser.choose_file("CSV or JSON file", &commpeak).await?;
            browser
                .status("dialer.csv: 3 rows. 2 ready to create, 1 with errors.")
                .await?;
            browser
                .find(&not_created(3, "imp.two", "Password is required."))
                .await?;
            anyhow::ensure!(
                stack.received.api_writes() == 0,
                "something was sent before the admin said so"
            );
            browser.click_button("Create 2 users").await?;
            browser
                .status("Import finished. 2 users created in all.")
                .await?;
            let names: Vec<String> = commpeak_users(&stack)
                .await?
                .iter()
                .map(|u| text(u, "username").to_owned())
                .collect();
            for (login, created) in [("imp.one", true), ("imp.two", false), ("imp.three", true)] {
                anyhow::ensure!(
                    names.iter().any(|n| n == login) == created,
                    "{login}: created {created}? {names:?}"
                );
            }

            browser
                .client
                .goto(&format!("{}/c/trintech/import", stack.proxy_url))
                .await?;
            browser.choose_file("CSV or JSON file", &trintech).await?;
            browser
                .status("iam.csv: 3 rows. 3 ready to create, 0 with errors.")
                .await?;
            browser.click_button("Create 3 users").await?;
            browser
                .status("Import finished. 2 users created in all.")
                .await?;
            browser
                .status("2 created, 1 failed, 0 already existed.")
                .await?;
            browser
                .find(&not_created(
                    3,
                    "iam.two",
                    "already belongs to another user",
                ))
                .await?;
            browser.click_button("Retry 1 user not created").await?;
            browser
                .find(&not_created(
                    3,
                    "iam.two",
                    "already belongs to another user",
                ))
                .await?;
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_trintech_update_from_a_file_refuses_what_an_update_cannot_change_before_sending() {
    let stack = Stack::start(5, Some(dist())).await.unwrap();
    let jane = serde_json::json!({
        "userName": "jane.doe", "password": "Str0ng#pass",
        "name": {"firstName": "Jane", "lastName": "Doe"},
        "email": "jane.doe@example.com", "departmentId": "FIN", "lockedOut": false
    });
    trintech_create(&stack, jane).await.unwrap();
    let writes_before = stack.received.api_writes();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("iam-update.csv");
    std::fs::write(
        &path,
        "userName,First name,Last name,email,password\n\
         jane.doe,Janet,Doe,jane.doe@example.com,\n\
         john.roe,John,Roe,john.roe@example.com,N3w#password\n",
    )
    .unwrap();
    Browser::run("a_trintech_update_from_a_file", |browser| async move {
        let outcome = async {
            browser
                .client
                .goto(&format!("{}/c/trintech/import", stack.proxy_url))
                .await?;
            browser
                .text("Update the users it names")
                .await?
                .click()
                .await?;
            browser
                .find("//p[@role='note' and contains(., 'replaces the whole user')]")
                .await?;
            browser.choose_file("CSV or JSON file", &path).await?;
            browser
                .status("iam-update.csv: 2 rows. 1 ready to update, 1 with errors.")
                .await?;
            browser
                .find(&not_created(
                    3,
                    "john.roe",
                    "password cannot be changed by an update",
                ))
                .await?;
            anyhow::ensure!(
                stack.received.api_writes() == writes_before,
                "something was sent"
            );
            browser.click_button("Update 1 user").await?;
            browser
                .status("Import finished. 1 user updated in all.")
                .await?;
            let users: Vec<serde_json::Value> = tests::console_client()
                .get(format!("{}/api/trintech/users", stack.proxy_url))
                .send()
                .await?
                .json()
                .await?;
            let jane = users
                .iter()
                .find(|u| u["userName"] == "jane.doe")
                .ok_or_else(|| anyhow::anyhow!("jane.doe is gone"))?;
            // Replaced whole, as the screen said: the department the file left out is cleared.
            anyhow::ensure!(
                jane["name"]["firstName"] == "Janet"
                    && jane.get("departmentId").is_none_or(|d| d.is_null()),
                "jane.doe is now {jane}"
            );
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn every_vendors_screens_pass_an_accessibility_audit() {
    let stack = Stack::start(10, Some(dist())).await.unwrap();
    let id = text(&commpeak_users(&stack).await.unwrap()[0], "id").to_owned();
    Browser::run(
        "every_vendors_screens_accessibility",
        |browser| async move {
            let outcome = async {
                let at = |path: String| format!("{}/{path}", stack.proxy_url);
                for (screen, path, ready) in [
                    (
                        "CommPeak list",
                        at("c/commpeak/".into()),
                        "//table[@role='grid']//a",
                    ),
                    (
                        "CommPeak user",
                        at(format!("c/commpeak/users/{id}")),
                        "//h2[starts-with(., 'User ')]",
                    ),
                    (
                        "CommPeak create",
                        at("c/commpeak/new".into()),
                        "//h2[starts-with(., 'Create')]",
                    ),
                    (
                        "Trintech list",
                        at("c/trintech/".into()),
                        "//table[@role='grid']//a",
                    ),
                    (
                        "Trintech create",
                        at("c/trintech/new".into()),
                        "//h2[starts-with(., 'Create')]",
                    ),
                    (
                        "Trintech import",
                        at("c/trintech/import".into()),
                        "//h2[starts-with(., 'Import')]",
                    ),
                ] {
                    browser.client.goto(&path).await?;
                    browser.find(ready).await?;
                    let problems = browser.accessibility_problems().await?;
                    anyhow::ensure!(problems.is_empty(), "{screen}: {}", problems.join("\n"));
                }
                // A Trintech user, opened from its list (it has no read of one user).
                browser.client.goto(&at("c/trintech/".into())).await?;
                browser
                    .find("//table[@role='grid']//a")
                    .await?
                    .click()
                    .await?;
                browser.find("//h2[starts-with(., 'User ')]").await?;
                let problems = browser.accessibility_problems().await?;
                anyhow::ensure!(
                    problems.is_empty(),
                    "Trintech user: {}",
                    problems.join("\n")
                );
                Ok(())
            }
            .await;
            (browser, outcome)
        },
    )
    .await
    .unwrap();
}

/// Chooses `option` in the select labelled `label`.
async fn choose(browser: &Browser, label: &str, option: &str) -> anyhow::Result<()> {
    browser
        .find(&format!(
            "//select[@id=//label[normalize-space(.)='{label}']/@for]"
        ))
        .await?
        .select_by_label(option)
        .await?;
    Ok(())
}

async fn trintech_users(stack: &Stack) -> anyhow::Result<Vec<serde_json::Value>> {
    listed(stack, "trintech").await
}

#[tokio::test]
async fn commpeak_users_are_changed_in_bulk_one_partial_update_each_undone_once_and_deleted_by_their_flag()
 {
    let stack = Stack::start(12, Some(dist())).await.unwrap();
    let users = commpeak_users(&stack).await.unwrap();
    let active: Vec<serde_json::Value> = users
        .iter()
        .filter(|u| text(u, "is_active") == "1")
        .cloned()
        .collect();
    let n = active.len();
    assert!(n > 2, "the seed has active users: {users:?}");
    Browser::run("commpeak_users_are_changed_in_bulk", |browser| async move {
        let outcome = async {
            browser
                .client
                .goto(&format!("{}/c/commpeak/", stack.proxy_url))
                .await?;
            browser.status(&user_count(users.len())).await?;
            choose(&browser, "Status", "Active").await?;
            browser
                .status(&format!("{n} of {}", user_count(users.len())))
                .await?;
            browser.input_labelled("Select all shown users").await?.click().await?;
            browser.click_button(&format!("Edit {n} users selected")).await?;
            browser.wait_for_focus("bulk-enabled").await?;
            // CommPeak's own words, and its own fields.
            choose(&browser, "Set active", "Deactivate").await?;
            choose(&browser, "Set WebRTC", "Yes").await?;
            browser.click_button("Preview changes").await?;
            browser
                .status(&format!("{n} users will change; 0 users already as asked."))
                .await?;
            browser.click_button(&format!("Apply to {n} users")).await?;
            browser
                .status(&format!("{n} users changed, 0 users not."))
                .await?;
            // One update per user, carrying only what the batch changes.
            for user in &active {
                let id = text(user, "id");
                let sent = stack.received.write_bodies(&format!("/api/commpeak/users/{id}"));
                let body: serde_json::Value =
                    serde_json::from_slice(sent.last().ok_or_else(|| anyhow::anyhow!("no update of {id}"))?)?;
                let fields: Vec<&String> = body.as_object().map(|o| o.keys().collect()).unwrap_or_default();
                anyhow::ensure!(
                    body["is_active"] == 0
                        && fields.iter().all(|f| ["is_active", "use_webrtc"].contains(&f.as_str())),
                    "user {id} was sent {body}"
                );
            }
            let after = commpeak_users(&stack).await?;
            for user in &active {
                let now = after.iter().find(|u| u["id"] == user["id"]).expect("still listed");
                anyhow::ensure!(
                    text(now, "is_active") == "0"
                        && text(now, "use_webrtc") == "1"
                        && now["email"] == user["email"],
                    "after the batch: {now}"
                );
            }

            // Another admin activates one again: the undo leaves that user as they made it.
            let touched = text(&active[0], "id").to_owned();
            tests::console_client()
                .put(format!("{}/api/commpeak/users/{touched}", stack.proxy_url))
                .json(&serde_json::json!({"is_active": 1}))
                .send()
                .await?
                .error_for_status()?;
            browser.click_button("Undo this batch").await?;
            browser
                .status(&format!(
                    "Batch undone: {} restored, 1 user not. This batch cannot be undone again.",
                    user_count(n - 1)
                ))
                .await?;
            browser.gone("//button[normalize-space(.)='Undo this batch']").await?;
            let undone = commpeak_users(&stack).await?;
            for user in &active {
                let now = undone.iter().find(|u| u["id"] == user["id"]).expect("still listed");
                let expected_webrtc = if text(user, "id") == touched {
                    "1"
                } else {
                    text(user, "use_webrtc")
                };
                anyhow::ensure!(
                    text(now, "is_active") == "1" && text(now, "use_webrtc") == expected_webrtc,
                    "after the undo: {now} (was {user})"
                );
            }

            // A bulk delete sets CommPeak's deleted flag, after the typed phrase; the list
            // then hides them.
            browser.click_button(&format!("Delete {n} users selected")).await?;
            let phrase = format!("delete {n} users");
            browser.retype(&format!("Type \"{phrase}\""), &phrase).await?;
            browser
                .find(&format!("//dialog[@open]//button[normalize-space(.)='Delete {n} users' and not(@disabled)]"))
                .await?
                .click()
                .await?;
            browser.text(&format!("Deleted {n} users.")).await?;
            let left = commpeak_users(&stack).await?;
            for user in &active {
                let now = left.iter().find(|u| u["id"] == user["id"]).expect("flagged, not gone");
                anyhow::ensure!(text(now, "is_deleted") == "1", "not flagged: {now}");
            }
            choose(&browser, "Status", "Any").await?;
            browser
                .status(&user_count(users.len() - n))
                .await?;
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn trintech_users_are_locked_out_in_bulk_by_batches_skipping_one_another_admin_changed() {
    let stack = Stack::start(4, Some(dist())).await.unwrap();
    let users = trintech_users(&stack).await.unwrap();
    let n = users.len();
    assert!(n >= 3, "{users:?}");
    Browser::run("trintech_users_are_locked_out_in_bulk", |browser| async move {
        let outcome = async {
            browser
                .client
                .goto(&format!("{}/c/trintech/", stack.proxy_url))
                .await?;
            browser.status(&user_count(n)).await?;
            browser.input_labelled("Select all shown users").await?.click().await?;
            browser.click_button(&format!("Edit {n} users selected")).await?;
            // Trintech publishes no delete: locking out is how a user is stopped.
            browser.gone("//button[starts-with(normalize-space(.), 'Delete')]").await?;
            choose(&browser, "Set locked out", "Lock out").await?;
            browser.fill(&[("Set location code", "PAR")]).await?;
            browser.click_button("Preview changes").await?;
            browser
                .status(&format!("{n} users will change; 0 users already as asked."))
                .await?;
            // Between the preview and the send another admin moves one user: the console reads
            // them again before sending and leaves that one as they made it.
            let mut theirs = users[1].clone();
            theirs["locationId"] = "ZRH".into();
            if let Some(fields) = theirs.as_object_mut() {
                fields.remove("password");
                fields.remove("userAccess");
            }
            tests::console_client()
                .put(format!("{}/api/trintech/users", stack.proxy_url))
                .json(&[&theirs])
                .send()
                .await?
                .error_for_status()?;
            browser.click_button(&format!("Apply to {n} users")).await?;
            browser
                .status(&format!("{} changed, 1 user not.", user_count(n - 1)))
                .await?;
            browser
                .find("//table[caption=\"Each user's result\"]//td[contains(., 'Someone else changed or deleted this user meanwhile')]")
                .await?;
            // Whole users in one batch, each with everything else it had.
            let sent = stack.received.write_bodies("/api/trintech/users");
            let batch: Vec<serde_json::Value> = serde_json::from_slice(sent.last().expect("a batch"))?;
            anyhow::ensure!(batch.len() == n - 1, "the batch held {}", batch.len());
            let after = trintech_users(&stack).await?;
            for user in &users {
                let now = after.iter().find(|u| u["userName"] == user["userName"]).expect("listed");
                if user["userName"] == theirs["userName"] {
                    anyhow::ensure!(now["locationId"] == "ZRH" && now["lockedOut"] == user["lockedOut"], "{now}");
                } else {
                    anyhow::ensure!(
                        now["locationId"] == "PAR" && now["lockedOut"] == true && now["email"] == user["email"],
                        "after the batch: {now}"
                    );
                }
            }
            browser.click_button("Undo this batch").await?;
            browser
                .status(&format!(
                    "Batch undone: {} restored, 0 users not. This batch cannot be undone again.",
                    user_count(n - 1)
                ))
                .await?;
            let undone = trintech_users(&stack).await?;
            for user in &users {
                let now = undone.iter().find(|u| u["userName"] == user["userName"]).expect("listed");
                if user["userName"] != theirs["userName"] {
                    anyhow::ensure!(
                        now["locationId"] == user["locationId"] && now["lockedOut"] == user["lockedOut"],
                        "after the undo: {now} (was {user})"
                    );
                }
            }
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}
