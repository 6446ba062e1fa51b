//! The console in a real headless Chromium, against the sandbox through the proxy. Elements
//! are found by role, label or visible text only. Needs `dist/` built (`cargo xtask test`
//! builds it first).

use std::path::PathBuf;

use tests::Stack;
use tests::browser::{Browser, xpath_literal};

fn dist() -> PathBuf {
    let dist = tests::workspace_root().join("dist");
    assert!(
        dist.join("index.html").is_file(),
        "{} has no built console: run `cargo xtask test`, which builds it before the tests",
        dist.display()
    );
    dist
}

#[tokio::test]
async fn the_list_is_a_searchable_sortable_keyboard_grid_that_renders_only_what_is_seen() {
    let stack = Stack::start(1000, Some(dist())).await.unwrap();
    let mut logins = stack.sandbox_login_names().await.unwrap();
    logins.sort_by_key(|l| l.to_lowercase());
    Browser::run("the_list_is_a_searchable_sortable_keyboard_grid", |browser| async move {
        let outcome = async {
            browser.client.goto(&stack.proxy_url).await?;
            browser.text("1,000 users").await?;
            let grid = browser
                .find("//table[@role='grid' and caption[normalize-space(.)='Users of this account']]")
                .await?;
            anyhow::ensure!(
                grid.attr("aria-rowcount").await?.as_deref() == Some("1001"),
                "aria-rowcount is not the full count"
            );
            let rendered = grid
                .find_all(fantoccini::Locator::XPath("./tbody/tr[@role='row']"))
                .await?;
            anyhow::ensure!(
                !rendered.is_empty() && rendered.len() < 100,
                "{} rows rendered for 1,000 users: the list is not virtualized",
                rendered.len()
            );
            let login_header = "//th[@role='columnheader' and normalize-space(.)='Login name']";
            let sorted = |order: &'static str| {
                let browser = &browser;
                async move {
                    browser
                        .find(&format!("{login_header}[@aria-sort={}]", xpath_literal(order)))
                        .await
                }
            };
            sorted("ascending").await?;
            // The first cell holds the row's selection box; the login name is the second.
            let first_cell = || browser.find("//tr[@aria-rowindex='2']/td[2]");
            anyhow::ensure!(
                first_cell().await?.text().await? == logins[0],
                "not sorted by login name"
            );

            // Keyboard: into the grid, then Ctrl+End to the last cell of the last row, which
            // is rendered and focused although it was far out of view.
            // (The login name is a link to the user; the full name next to it is not.)
            browser
                .find("//tr[@aria-rowindex='2']/td[3]")
                .await?
                .click()
                .await?;
            let active = browser.client.active_element().await?;
            active
                .send_keys(&(fantoccini::key::Key::Control + &fantoccini::key::Key::End))
                .await?;
            let last_row = browser.find("//tr[@aria-rowindex='1001']/td[2]").await?;
            anyhow::ensure!(
                last_row.text().await? == logins[999],
                "the last row is not the last login"
            );
            // Ctrl+End focuses the last cell; ArrowUp moves a row up.
            let focused = browser.wait_for_focus("user-cell-999-7").await?;
            focused
                .send_keys(&fantoccini::key::Key::Up.to_string())
                .await?;
            browser.wait_for_focus("user-cell-998-7").await?;

            // A click on the header sorts the other way.
            browser.click_button("Login name").await?;
            sorted("descending").await?;
            browser
                .find(&format!(
                    "//tr[@aria-rowindex='2']/td[2][normalize-space(.)={}]",
                    xpath_literal(&logins[999])
                ))
                .await?;

            // Search narrows the list and says by how much.
            let wanted = &logins[500];
            browser.fill(&[("Search", wanted.as_str())]).await?;
            let status = browser
                .find("//*[@role='status' and contains(., ' of 1,000 users')]")
                .await?
                .text()
                .await?;
            anyhow::ensure!(!status.starts_with("0 "), "{status}");
            browser
                .find(&format!("//td[normalize-space(.)={}]", xpath_literal(wanted)))
                .await?;
            let search = browser.input_labelled("Search").await?;
            search.clear().await?;
            search.send_keys("no-such-user-anywhere").await?;
            browser.text("0 of 1,000 users").await?;
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn creating_a_user_through_the_form_lists_it() {
    let stack = Stack::start(25, Some(dist())).await.unwrap();
    Browser::run(
        "creating_a_user_through_the_form_lists_it",
        |browser| async move {
            let outcome = async {
                browser.client.goto(&stack.proxy_url).await?;
                browser.text("25 users").await?;
                browser.click_link("Create a user").await?;
                browser
                    .fill(&[
                        ("Login name", "grace.hopper"),
                        ("Full name", "Grace Hopper"),
                        ("Nickname", "Grace"),
                        ("Email", "grace.hopper@example.com"),
                        ("Password", "C0bol!rules"),
                        ("Profile ids (comma-separated)", "3001"),
                    ])
                    .await?;
                let max_chats = browser.input_labelled("Max chats").await?;
                max_chats.clear().await?;
                max_chats.send_keys("4").await?;
                browser.click_button("Create user").await?;

                browser.text("Created user grace.hopper.").await?;
                // The form is cleared for the next user.
                let login = browser.input_labelled("Login name").await?;
                anyhow::ensure!(
                    login.prop("value").await?.as_deref() == Some(""),
                    "the form was not cleared"
                );
                browser.click_link("Back to the list").await?;
                browser.text("26 users").await?;
                // Found in the list (which renders only the rows in view) by searching.
                browser.fill(&[("Search", "grace.hopper")]).await?;
                browser.text("1 of 26 users").await?;
                browser
                    .find("//table//td[normalize-space(.)='grace.hopper']")
                    .await?;
                browser
                    .find("//table//td[normalize-space(.)='grace.hopper@example.com']")
                    .await?;
                let writes = stack.received.api_writes();
                anyhow::ensure!(writes == 1, "the page sent {writes} writes, not 1");
                anyhow::ensure!(
                    stack.sandbox_revision().await? == 2,
                    "the sandbox did not record one write"
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
async fn an_invalid_email_shows_a_field_error_and_sends_nothing() {
    let stack = Stack::start(25, Some(dist())).await.unwrap();
    Browser::run(
        "an_invalid_email_shows_a_field_error_and_sends_nothing",
        |browser| async move {
            let outcome = async {
                browser.client.goto(&stack.proxy_url).await?;
                browser.text("25 users").await?;
                browser.click_link("Create a user").await?;
                browser
                    .fill(&[
                        ("Login name", "bad.email"),
                        ("Full name", "Bad Email"),
                        ("Nickname", "Bad"),
                        ("Email", "bad.email@"),
                        ("Password", "Pa55word!"),
                        ("Profile ids (comma-separated)", "3001"),
                    ])
                    .await?;
                browser.click_button("Create user").await?;

                let message =
                    "\"bad.email@\" is not a valid email address (expected name@example.com).";
                let error = browser.text(message).await?;
                // The error is tied to the Email input: it describes it and marks it invalid.
                let email = browser.input_labelled("Email").await?;
                let described_by = email.attr("aria-describedby").await?.unwrap_or_default();
                anyhow::ensure!(
                    error.attr("id").await?.as_deref() == Some(described_by.as_str()),
                    "the error does not describe the Email input"
                );
                anyhow::ensure!(
                    email.attr("aria-invalid").await?.as_deref() == Some("true"),
                    "Email is not marked invalid"
                );
                // What was typed is kept.
                anyhow::ensure!(
                    email.prop("value").await?.as_deref() == Some("bad.email@"),
                    "the typed email was lost"
                );

                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                anyhow::ensure!(
                    stack.received.api_writes() == 0,
                    "the page sent the invalid user to the proxy"
                );
                anyhow::ensure!(
                    stack.sandbox_revision().await? == 1,
                    "something was written to the sandbox"
                );
                // Leaving with what was typed asks first; dropping it returns to the list.
                browser.click_link("Back to the list").await?;
                browser.text("Leave without saving?").await?;
                browser.click_button("Leave and drop my changes").await?;
                browser.text("25 users").await?;
                let created = browser
                    .client
                    .find_all(fantoccini::Locator::XPath(&format!(
                        "//td[normalize-space(.)={}]",
                        xpath_literal("bad.email")
                    )))
                    .await?;
                anyhow::ensure!(created.is_empty(), "the invalid user is listed");
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
async fn a_vendor_refusal_is_shown_and_keeps_the_form() {
    let stack = Stack::start(25, Some(dist())).await.unwrap();
    let taken = stack.sandbox_login_names().await.unwrap().remove(3);
    Browser::run(
        "a_vendor_refusal_is_shown_and_keeps_the_form",
        |browser| async move {
            let outcome = async {
                browser.client.goto(&stack.proxy_url).await?;
                browser.text("25 users").await?;
                browser.click_link("Create a user").await?;
                // Valid for the page and the proxy; only the vendor knows the name is taken.
                browser
                    .fill(&[
                        ("Login name", taken.as_str()),
                        ("Full name", "Second Holder"),
                        ("Nickname", "Second"),
                        ("Email", "second.holder@example.com"),
                        ("Password", "Pa55word!"),
                        ("Profile ids (comma-separated)", "3001"),
                    ])
                    .await?;
                browser.click_button("Create user").await?;

                let alert = browser
                    .find(&format!(
                        "//*[@role='alert' and contains(., {})]",
                        xpath_literal("already belongs to another user")
                    ))
                    .await?;
                let message = alert.text().await?;
                anyhow::ensure!(
                    message.contains(&format!("\"{taken}\"")) && message.contains("request id"),
                    "the alert does not name the login and the request id: {message}"
                );
                anyhow::ensure!(
                    stack.received.api_writes() == 1,
                    "the page did not send exactly one write"
                );
                anyhow::ensure!(
                    stack.sandbox_revision().await? == 1,
                    "the refused user changed the sandbox"
                );
                // Nothing typed is lost, so the admin can correct the name and retry.
                let login = browser.input_labelled("Login name").await?;
                anyhow::ensure!(
                    login.prop("value").await?.as_deref() == Some(taken.as_str()),
                    "the typed login name was lost"
                );
                let email = browser.input_labelled("Email").await?;
                anyhow::ensure!(
                    email.prop("value").await?.as_deref() == Some("second.holder@example.com"),
                    "the typed email was lost"
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
async fn the_console_works_behind_a_gateway_prefix() {
    let stack = Stack::start_with(25, Some(dist()), |config| {
        config.base_path = proxy::base_path("/admin/users/").unwrap();
    })
    .await
    .unwrap();
    Browser::run(
        "the_console_works_behind_a_gateway_prefix",
        |browser| async move {
            let outcome = async {
                // A deep link: the page, its assets and its API calls all resolve under the
                // prefix, whatever the path the page was opened at.
                browser
                    .client
                    .goto(&format!("{}/admin/users/c/liveperson/new", stack.proxy_url))
                    .await?;
                browser
                    .fill(&[
                        ("Login name", "ada.lovelace"),
                        ("Full name", "Ada Lovelace"),
                        ("Nickname", "Ada"),
                        ("Email", "ada.lovelace@example.com"),
                        ("Password", "Engine!1843"),
                        ("Profile ids (comma-separated)", "3001"),
                    ])
                    .await?;
                browser.click_button("Create user").await?;
                browser.text("Created user ada.lovelace.").await?;
                browser.click_link("Back to the list").await?;
                browser.text("26 users").await?;
                let url = browser.client.current_url().await?;
                anyhow::ensure!(
                    url.path() == "/admin/users/c/liveperson/",
                    "the list is at {url}, not under the prefix"
                );
                let writes = stack.received.api_writes();
                anyhow::ensure!(writes == 1, "the page sent {writes} writes, not 1");
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
async fn login_mode_signs_in_through_the_page_and_out_again() {
    let account = proxy::login::Account {
        password_hash: proxy::login::hash_password("analytical engine").unwrap(),
        role: proxy::access::Role::Admin,
    };
    let login = proxy::login::Login::new(
        std::collections::HashMap::from([("ada".to_owned(), account)]),
        None,
        std::time::Duration::from_secs(3600),
    )
    .unwrap();
    let stack = Stack::start_with(25, Some(dist()), |config| {
        config.access = proxy::access::Access::Login(std::sync::Arc::new(login));
    })
    .await
    .unwrap();
    Browser::run(
        "login_mode_signs_in_through_the_page_and_out_again",
        |browser| async move {
            let outcome = async {
                browser.client.goto(&stack.proxy_url).await?;
                browser.text("Sign in to the users console").await?;
                browser
                    .fill(&[("Name", "ada"), ("Password", "wrong password")])
                    .await?;
                browser.click_button("Sign in").await?;
                browser.text("The name or the password is wrong.").await?;
                browser.fill(&[("Password", "analytical engine")]).await?;
                browser.click_button("Sign in").await?;
                browser.text("Signed in as ada (admin)").await?;
                browser.text("25 users").await?;
                browser.click_button("Sign out").await?;
                browser.text("Sign in to the users console").await?;
                // The session is gone: the console sends the browser back to sign in.
                browser.client.goto(&stack.proxy_url).await?;
                browser.text("Sign in to the users console").await?;
                Ok(())
            }
            .await;
            (browser, outcome)
        },
    )
    .await
    .unwrap();
}
