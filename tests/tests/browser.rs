//! The console in a real headless Chromium, against the sandbox through the proxy. Elements
//! are found by role, label or visible text only. Needs `dist/` built (`cargo xtask test`
//! builds it first).

use std::path::PathBuf;

use shared::format::{thousands, user_count};
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

            // Scrolling rewrites the rendered rows in place: the middle row shows its own
            // user (and names it on its selection box); the focus, whose cell left the
            // window, rests on the grid, never on a cell that now shows someone else, and the
            // grid's keys still work from there.
            browser.client.execute(SCROLL_TO_MIDDLE, vec![]).await?;
            let middle = browser.find("//tr[@aria-rowindex='502']/td[2]").await?;
            anyhow::ensure!(
                middle.text().await? == logins[500],
                "the middle row does not show its user after a scroll"
            );
            browser
                .find(&format!(
                    "//tr[@aria-rowindex='502']//input[@type='checkbox' and @aria-label={}]",
                    xpath_literal(&format!("Select {}", logins[500]))
                ))
                .await?;
            // (Never on a cell that now shows someone else: on the grid.)
            browser.wait_for_focus_where("role", "grid").await?;
            browser
                .find("//table[@role='grid' and @tabindex='0']")
                .await?;
            browser
                .client
                .active_element()
                .await?
                .send_keys(&fantoccini::key::Key::Up.to_string())
                .await?;
            let focused = browser.wait_for_focus("user-cell-997-7").await?;
            // The grid was the tab stop while that cell was away; the cell is again.
            browser
                .find("//table[@role='grid' and @tabindex='-1']")
                .await?;
            // Down past the bottom edge of the view: the grid scrolls a row at a time and the
            // focus stays on the cell it moved to.
            focused
                .send_keys(&(fantoccini::key::Key::Control + &fantoccini::key::Key::Home))
                .await?;
            let focused = browser.wait_for_focus("user-cell-0-0").await?;
            focused
                .send_keys(&fantoccini::key::Key::Down.to_string().repeat(25))
                .await?;
            browser.wait_for_focus("user-cell-25-0").await?;

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

            // After a scroll, a row's login name still leads to that row's user.
            // (Typed away, not cleared: clearing fires no input event.)
            search
                .send_keys(&(fantoccini::key::Key::Control + "a"))
                .await?;
            search
                .send_keys(&fantoccini::key::Key::Backspace.to_string())
                .await?;
            browser.text("1,000 users").await?;
            browser.client.execute(SCROLL_TO_MIDDLE, vec![]).await?;
            let link = browser.find("//tr[@aria-rowindex='502']/td[2]/a").await?;
            let login = link.text().await?;
            let href = link
                .attr("href")
                .await?
                .ok_or_else(|| anyhow::anyhow!("the link of {login} has no address"))?;
            link.click().await?;
            let field = browser.input_labelled("Login name").await?;
            anyhow::ensure!(
                field.prop("value").await?.as_deref() == Some(login.as_str()),
                "the link of {login} opened another user"
            );
            // Its address (for a new tab, or to copy) is that user's too.
            let url = browser.client.current_url().await?;
            anyhow::ensure!(
                url.as_str().ends_with(&href),
                "the link of {login} points at {href}, but it opened {url}"
            );
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}

/// Scrolls the list so that its 501st row is at the top.
const SCROLL_TO_MIDDLE: &str = r#"
const list = document.querySelector('[role=region][aria-label="User list"]');
list.scrollTop = 500 * 33;
list.dispatchEvent(new Event('scroll'));
"#;

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
                        ("Profiles", "Agent"),
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
                // An empty form opens without errors; a submit shows them all and puts the
                // focus on the first field to fix.
                anyhow::ensure!(
                    browser
                        .client
                        .find_all(fantoccini::Locator::XPath(
                            "//*[normalize-space(text())='Login name is required.']"
                        ))
                        .await?
                        .is_empty(),
                    "the empty form opens with errors"
                );
                browser.click_button("Create user").await?;
                browser.text("Login name is required.").await?;
                browser.wait_for_focus("field-loginName").await?;
                // Checked as the admin types: a filled field's error goes at once.
                browser.fill(&[("Login name", "bad.email")]).await?;
                browser
                    .gone("//*[normalize-space(text())='Login name is required.']")
                    .await?;
                browser.text("Full name is required.").await?;
                browser
                    .fill(&[
                        ("Full name", "Bad Email"),
                        ("Nickname", "Bad"),
                        ("Email", "bad.email@"),
                        ("Password", "Pa55word!"),
                        ("Profiles", "Agent"),
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
                        ("Profiles", "Agent"),
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
                        ("Profiles", "Agent"),
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

/// The `<select>` labelled `label`.
async fn select_labelled(
    browser: &Browser,
    label: &str,
) -> anyhow::Result<fantoccini::elements::Element> {
    browser
        .find(&format!(
            "//select[@id = //label[normalize-space(.) = {}]/@for]",
            xpath_literal(label)
        ))
        .await
}

fn header(label: &str) -> String {
    format!(
        "//th[@role='columnheader' and normalize-space(.)={}]",
        xpath_literal(label)
    )
}

#[tokio::test]
async fn the_list_filters_chooses_columns_selects_exports_and_keeps_its_view_in_the_url() {
    let stack = Stack::start(200, Some(dist())).await.unwrap();
    let users = stack
        .sandbox_records("id,loginName,isEnabled")
        .await
        .unwrap();
    let mut disabled: Vec<String> = users
        .iter()
        .filter(|u| u.is_enabled == Some(false))
        .filter_map(|u| u.login_name.clone())
        .collect();
    disabled.sort();
    assert!(
        !disabled.is_empty() && disabled.len() < 200,
        "the seed should have both"
    );
    Browser::run("the_list_filters_chooses_columns", |browser| async move {
        let outcome = async {
            browser.client.goto(&stack.proxy_url).await?;
            browser.text("200 users").await?;

            // A filter narrows the list and says by how much.
            select_labelled(&browser, "Status")
                .await?
                .select_by_label("Disabled")
                .await?;
            let narrowed = format!("{} of 200 users", disabled.len());
            browser.text(&narrowed).await?;

            // Columns: one fewer, one more; only the shown fields are fetched.
            browser
                .find("//summary[normalize-space(.)='Columns']")
                .await?
                .click()
                .await?;
            browser.input_labelled("Nickname").await?.click().await?;
            browser.input_labelled("Max chats").await?.click().await?;
            browser.input_labelled("Skills").await?.click().await?;
            browser.find(&header("Skills")).await?;
            browser.gone(&header("Nickname")).await?;
            browser.gone(&header("Max chats")).await?;
            let lists: Vec<String> = stack
                .received
                .all()
                .into_iter()
                .filter(|(m, p)| m == axum::http::Method::GET && p.contains("/users?"))
                .map(|(_, p)| p)
                .collect();
            let last = lists.last().cloned().unwrap_or_default();
            // What a hidden column shows is not fetched, unless search reads it (nickname).
            anyhow::ensure!(
                last.contains("skillIds")
                    && !last.contains("maxChats")
                    && last.contains("nickname"),
                "the list was last fetched with {last}"
            );

            // The view is in the URL: opening it again brings it all back.
            let url = browser.client.current_url().await?;
            let query = url.query().unwrap_or_default().to_owned();
            anyhow::ensure!(
                query.contains("enabled=no") && query.contains("columns="),
                "the URL does not hold the view: {url}"
            );
            browser.client.goto(url.as_str()).await?;
            browser.text(&narrowed).await?;
            browser.find(&header("Skills")).await?;
            anyhow::ensure!(
                select_labelled(&browser, "Status")
                    .await?
                    .prop("value")
                    .await?
                    .as_deref()
                    == Some("no"),
                "the Status filter was not restored"
            );

            // Without a view in the URL, the chosen columns are remembered by the browser.
            browser.client.goto(&stack.proxy_url).await?;
            browser.text("200 users").await?;
            browser.find(&header("Skills")).await?;
            browser.gone(&header("Nickname")).await?;

            // Selection: a click, then Shift+Space three rows down selects the range.
            let first_login = browser
                .find("//tr[@aria-rowindex='2']/td[2]")
                .await?
                .text()
                .await?;
            browser
                .find(&format!(
                    "//input[@type='checkbox' and @aria-label={}]",
                    xpath_literal(&format!("Select {first_login}"))
                ))
                .await?
                .click()
                .await?;
            browser.text("1 user selected").await?;
            browser
                .find("//tr[@aria-rowindex='5']/td[3]")
                .await?
                .click()
                .await?;
            browser
                .client
                .active_element()
                .await?
                .send_keys(&(fantoccini::key::Key::Shift + " "))
                .await?;
            browser.text("4 users selected").await?;
            browser
                .find("//tr[@aria-rowindex='4' and @aria-selected='true']")
                .await?;
            browser
                .input_labelled("Select all shown users")
                .await?
                .click()
                .await?;
            browser.text("200 users selected").await?;
            browser.click_button("Clear selection").await?;
            browser.text("No user selected").await?;

            // Export: the filtered view, in the shown columns.
            browser
                .client
                .goto(&format!(
                    "{}/c/liveperson/?enabled=no&columns=loginName,isEnabled",
                    stack.proxy_url
                ))
                .await?;
            browser.text(&narrowed).await?;
            browser
                .click_button(&format!("Export {} shown", user_count(disabled.len())))
                .await?;
            browser
                .text(&format!("Exported {} users to users.csv.", disabled.len()))
                .await?;
            let csv = browser.downloaded("users.csv").await?;
            let mut lines = csv.lines();
            anyhow::ensure!(lines.next() == Some("Login name,Enabled"), "header: {csv}");
            let mut exported: Vec<String> = lines
                .map(|line| {
                    let (login, enabled) = line.rsplit_once(',').unwrap_or((line, ""));
                    anyhow::ensure!(enabled == "No", "an enabled user was exported: {line}");
                    Ok(login.to_owned())
                })
                .collect::<anyhow::Result<_>>()?;
            exported.sort();
            anyhow::ensure!(exported == disabled, "exported {exported:?}");
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn two_admins_editing_one_user_settle_the_conflict_field_by_field() {
    let stack = Stack::start(25, Some(dist())).await.unwrap();
    let agent = stack.an_agent("id,loginName,profileIds").await.unwrap();
    let (id, login) = (agent.id.unwrap(), agent.login_name.unwrap());
    let before = stack.sandbox_user(id).await.unwrap();
    let page = format!("{}/c/liveperson/users/{id}", stack.proxy_url);
    let heading = format!("User {login}");
    Browser::run_pair("two_admins_editing_one_user", |first, second| async move {
        let outcome = async {
            // The first admin finds the user in the list; the second has a link.
            first.client.goto(&stack.proxy_url).await?;
            first.fill(&[("Search", login.as_str())]).await?;
            first.click_link(&login).await?;
            first.text(&heading).await?;
            second.client.goto(&page).await?;
            second.text(&heading).await?;

            first.retype("Nickname", "Countess").await?;
            first.retype("Max chats", "7").await?;
            first.click_button("Save").await?;
            first.text(&format!("Saved {login}.")).await?;
            let saved = stack.sandbox_user(id).await?;
            anyhow::ensure!(
                saved["nickname"] == "Countess" && saved["maxChats"] == 7,
                "not saved: {saved}"
            );
            // The whole record was sent: what the form does not show is unchanged.
            for kept in ["skillIds", "profileIds", "memberOf", "email", "lastPwdChangeDate"] {
                anyhow::ensure!(saved[kept] == before[kept], "{kept} changed: {saved}");
            }

            // Validation as the second admin types: no save while the email is wrong.
            second.retype("Email", "not-an-email").await?;
            second
                .text("\"not-an-email\" is not a valid email address (expected name@example.com).")
                .await?;
            second
                .find("//button[normalize-space(.)='Save' and @disabled]")
                .await?;
            second.retype("Email", "agent@new.example").await?;
            second.retype("Max chats", "2").await?;
            second.click_button("Save").await?;

            // Nothing was overwritten: the conflict is shown field by field.
            second.text("Someone else changed this user").await?;
            // The outcome is told beside Save, and the focus moves to the panel (above the
            // long form), which brings it into view.
            second
                .text("Not saved: someone else changed this user. Choose per field above, then save again.")
                .await?;
            let focused = second.client.active_element().await?;
            anyhow::ensure!(
                focused.text().await? == "Someone else changed this user",
                "the conflict panel did not take the focus"
            );
            second.text("1 field still to decide.").await?;
            for field in ["Nickname", "Max chats", "Email"] {
                second
                    .find(&format!(
                        "//table[caption='Changed fields']//th[@scope='row' and normalize-space(.)={}]",
                        xpath_literal(field)
                    ))
                    .await?;
            }
            second
                .find("//button[normalize-space(.)='Save with these choices' and @disabled]")
                .await?;
            anyhow::ensure!(
                stack.sandbox_user(id).await?["email"] == before["email"],
                "the conflicting save changed the record"
            );
            second.text("Keep mine (Max chats)").await?.click().await?;
            second.click_button("Save with these choices").await?;
            second
                .text(&format!("Saved {login} with your choices."))
                .await?;
            let settled = stack.sandbox_user(id).await?;
            anyhow::ensure!(
                settled["nickname"] == "Countess"
                    && settled["maxChats"] == 2
                    && settled["email"] == "agent@new.example",
                "theirs, mine, mine was not what was saved: {settled}"
            );

            // Another user changes (the account's revision moves on), not this one: the save
            // goes through at the new revision without asking.
            stack
                .sandbox_create(serde_json::json!([{
                    "loginName": "someone.else", "fullName": "Someone Else", "nickname": "Some",
                    "email": "someone@example.com", "isEnabled": true, "maxChats": 0,
                    "profileIds": [3003], "passwordSh": "Pa55word!"
                }]))
                .await?;
            second.retype("Employee id", "E-1843").await?;
            second.click_button("Save").await?;
            second
                .text(&format!(
                    "Saved {login}. The account had changed since you opened this user, but not this user."
                ))
                .await?;
            anyhow::ensure!(
                stack.sandbox_user(id).await?["employeeId"] == "E-1843",
                "the rebased save did not land"
            );

            // Leaving an agent's profiles warns which fields LivePerson will clear.
            // Profiles are chosen by name.
            second.find("//button[@aria-label='Remove Agent']").await?.click().await?;
            second.fill(&[("Profiles", "Administrator")]).await?;
            second
                .text("With these profiles, LivePerson will clear these fields when you save:")
                .await?;
            second.text("Max chats (leaves the Agent role)").await?;
            // Leaving with unsaved edits asks first; staying keeps them.
            second.click_link("Back to the list").await?;
            second.text("Leave without saving?").await?;
            second.click_button("Stay on this page").await?;
            second
                .find("//ul[@aria-label='Chosen: Profiles']/li[normalize-space(span)='Administrator']")
                .await
                .map_err(|e| e.context("staying lost the edit"))?;
            second.click_button("Undo my changes").await?;
            second
                .gone("//*[normalize-space(text())='Max chats (leaves the Agent role)']")
                .await?;
            second.click_link("Back to the list").await?;
            second.text("26 users").await?;
            Ok(())
        }
        .await;
        (first, second, outcome)
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_screen_whose_module_cannot_be_fetched_says_so_and_the_console_goes_on() {
    // The console as it is after an upgrade under an open page: the user page's module (made
    // by wasm-split, fetched on demand) is gone.
    let served = tempfile::tempdir().unwrap();
    let mut removed = 0;
    for entry in std::fs::read_dir(dist()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("split_user_screen") {
            removed += 1;
        } else if path.is_file() {
            std::fs::copy(&path, served.path().join(&name)).unwrap();
        }
    }
    assert!(removed > 0, "dist/ has no on-demand user page module");
    let stack = Stack::start(12, Some(served.path().to_owned()))
        .await
        .unwrap();
    let user = stack
        .sandbox_records("id,loginName")
        .await
        .unwrap()
        .remove(2);
    let login = user.login_name.unwrap();
    Browser::run(
        "a_screen_whose_module_cannot_be_fetched",
        |browser| async move {
            let outcome = async {
                browser.client.goto(&stack.proxy_url).await?;
                browser.text("12 users").await?;
                browser.click_link(&login).await?;
                browser
                    .find(
                        "//*[@role='alert' and starts-with(normalize-space(.), \
                     'This part of the console could not be loaded')]",
                    )
                    .await?;
                // The console itself still runs: the list comes back and answers.
                browser.client.back().await?;
                browser.text("12 users").await?;
                browser.fill(&[("Search", &login)]).await?;
                browser.text("1 of 12 users").await?;
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
async fn a_user_gets_a_new_password_and_is_deleted_after_confirmation() {
    let stack = Stack::start(25, Some(dist())).await.unwrap();
    let user = stack
        .sandbox_records("id,loginName")
        .await
        .unwrap()
        .remove(4);
    let (id, login) = (user.id.unwrap(), user.login_name.unwrap());
    Browser::run(
        "a_user_gets_a_new_password_and_is_deleted",
        |browser| async move {
            let outcome = async {
                browser
                    .client
                    .goto(&format!("{}/c/liveperson/users/{id}", stack.proxy_url))
                    .await?;
                browser.text(&format!("User {login}")).await?;
                // The same rule as a new user's password, before anything is sent.
                browser.click_button("Reset password").await?;
                browser.text("The password needs at least 8 characters; this one has 0.").await?;
                browser.fill(&[("New password", "abc")]).await?;
                browser.text("The password needs at least 8 characters; this one has 3.").await?;
                browser.click_button("Reset password").await?;
                anyhow::ensure!(
                    browser.client.find_all(fantoccini::Locator::XPath("//dialog[@open]")).await?.is_empty(),
                    "a refused password asked for confirmation"
                );
                browser.retype("New password", "N3w-secret!").await?;
                browser.gone("//*[contains(text(), 'The password needs')]").await?;
                // A reset asks first; cancelling sends nothing.
                browser.click_button("Reset password").await?;
                browser.text(&format!("Reset the password of {login}?")).await?;
                browser.click_button("Cancel").await?;
                browser.gone("//dialog[@open]").await?;
                anyhow::ensure!(stack.received.api_writes() == 0, "a password was sent unconfirmed");
                browser.click_button("Reset password").await?;
                browser.click_button("Reset the password").await?;
                browser.text(&format!("The password of {login} was reset.")).await?;
                anyhow::ensure!(stack.received.api_writes() == 1, "the reset was not sent once");

                // The confirmation is a modal dialog: focus moves into it, Escape closes it and
                // gives focus back.
                browser.click_button("Delete user").await?;
                browser.text(&format!("Delete {login}?")).await?;
                let focused = browser.client.active_element().await?;
                anyhow::ensure!(
                    focused.text().await? == format!("Delete {login}"),
                    "the dialog does not hold the focus"
                );
                focused
                    .send_keys(&fantoccini::key::Key::Escape.to_string())
                    .await?;
                browser.gone("//dialog[@open]").await?;
                anyhow::ensure!(
                    browser.client.active_element().await?.text().await? == "Delete user",
                    "the focus did not return to the Delete button"
                );
                anyhow::ensure!(
                    stack.sandbox_login_names().await?.contains(&login),
                    "dismissing the dialog deleted the user"
                );

                browser.click_button("Delete user").await?;
                browser.click_button(&format!("Delete {login}")).await?;
                browser.text(&format!("Deleted user {login}.")).await?;
                browser.text("24 users").await?;
                anyhow::ensure!(
                    !stack.sandbox_login_names().await?.contains(&login),
                    "the user is still listed by the sandbox"
                );
                // Deleted users are listed on request, marked as such.
                browser
                    .input_labelled("Include deleted users")
                    .await?
                    .click()
                    .await?;
                browser.text("25 users").await?;
                browser.fill(&[("Search", login.as_str())]).await?;
                // A deleted user opens, read-only, saying so.
                browser.click_link(&format!("{login} (deleted)")).await?;
                browser
                    .text(&format!(
                        "{login} was deleted. It is shown read-only: a deleted user cannot be edited, get a new password or be deleted again."
                    ))
                    .await?;
                for gone in ["Save", "Reset password", "Delete user"] {
                    browser.gone(&format!("//button[normalize-space(.)={}]", xpath_literal(gone))).await?;
                }
                anyhow::ensure!(
                    browser.input_labelled("Email").await?.attr("readonly").await?.is_some(),
                    "a deleted user's fields can be typed in"
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
async fn a_viewer_sees_no_write_controls() {
    let account = proxy::login::Account {
        password_hash: proxy::login::hash_password("read only").unwrap(),
        role: proxy::access::Role::Viewer,
    };
    let login = proxy::login::Login::new(
        std::collections::HashMap::from([("vic".to_owned(), account)]),
        None,
        std::time::Duration::from_secs(3600),
    )
    .unwrap();
    let stack = Stack::start_with(25, Some(dist()), |config| {
        config.access = proxy::access::Access::Login(std::sync::Arc::new(login));
    })
    .await
    .unwrap();
    let id = stack.sandbox_records("id").await.unwrap()[0].id.unwrap();
    Browser::run("a_viewer_sees_no_write_controls", |browser| async move {
        let outcome = async {
            browser.client.goto(&stack.proxy_url).await?;
            browser
                .fill(&[("Name", "vic"), ("Password", "read only")])
                .await?;
            browser.click_button("Sign in").await?;
            browser.text("Signed in as vic (viewer)").await?;
            browser.text("25 users").await?;
            browser
                .gone("//a[normalize-space(.)='Create a user']")
                .await?;
            browser
                .client
                .goto(&format!("{}/c/liveperson/users/{id}", stack.proxy_url))
                .await?;
            let nickname = browser.input_labelled("Nickname").await?;
            anyhow::ensure!(
                nickname.attr("readonly").await?.is_some(),
                "a viewer can type into the form"
            );
            for control in ["Save", "Reset password", "Delete user"] {
                browser
                    .gone(&format!(
                        "//button[normalize-space(.)={}]",
                        xpath_literal(control)
                    ))
                    .await?;
            }
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}

/// Sets the sandbox's faults (`{}` clears them).
async fn sandbox_faults(stack: &Stack, faults: serde_json::Value) -> anyhow::Result<()> {
    reqwest::Client::new()
        .put(format!(
            "{}{}",
            stack.sandbox.base_url(),
            sandbox::faults::CONTROL_PATH
        ))
        .json(&faults)
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

#[tokio::test]
async fn an_import_of_2500_rows_checks_them_sends_in_chunks_and_retries_without_duplicates() {
    let stack = Stack::start(25, Some(dist())).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("users.csv");
    let mut csv =
        "loginName,fullName,nickname,email,password,profileIds,maxChats,isEnabled\n".to_owned();
    for i in 0..2500 {
        // One row in a hundred has an email the rules refuse.
        let email = if i % 100 == 7 {
            format!("imported.{i}@")
        } else {
            format!("imported.{i}@example.com")
        };
        csv.push_str(&format!(
            "imported.{i:04},Imported {i},Imp{i},{email},Pa55word!{i},3003,0,true\n"
        ));
    }
    std::fs::write(&path, csv).unwrap();
    let status = |text: &str| {
        format!(
            "//*[@role='status' and contains(normalize-space(.), {})]",
            xpath_literal(text)
        )
    };
    Browser::run("an_import_of_2500_rows", |browser| async move {
        let outcome = async {
            browser.client.goto(&stack.proxy_url).await?;
            browser.click_link("Import users").await?;
            browser
                .find("//input[@type='file' and @id=//label[normalize-space(.)='CSV or JSON file']/@for]")
                .await?
                .send_keys(&path.display().to_string())
                .await?;
            browser
                .find(&status("users.csv: 2,500 rows. 2,475 ready to create, 25 with errors."))
                .await?;
            browser
                .find("//table[caption='Preview: the first users to create']//td[.='imported.0000']")
                .await?;
            // Row 9 of the file (after the header) is the first bad one, named with its problem.
            browser
                .find("//table[caption='Rows not created']//tr[td[1]='9' and td[2]='imported.0007' and contains(td[3], 'not a valid email')]")
                .await?;
            anyhow::ensure!(
                stack.received.api_writes() == 0,
                "something was sent before the admin said so"
            );

            // Every chunk fails: nothing is created, and the rows say so.
            sandbox_faults(&stack, serde_json::json!({"errorRate": 1.0, "writesOnly": true})).await?;
            browser.click_button("Create 2,475 users").await?;
            browser.find(&status("Import finished. 0 users created in all.")).await?;
            sandbox_faults(&stack, serde_json::json!({})).await?;
            // Suppose one chunk had in fact landed: its user exists now.
            stack
                .sandbox_create(serde_json::json!([{
                    "loginName": "imported.0001", "fullName": "Imported 1", "nickname": "Imp1",
                    "email": "imported.1@example.com", "isEnabled": true, "maxChats": 0,
                    "profileIds": [3003], "passwordSh": "Pa55word!1"
                }]))
                .await?;

            // A retry, slowed down, then cancelled part-way.
            sandbox_faults(&stack, serde_json::json!({"latencyMs": 400})).await?;
            browser.click_button("Retry 2,475 users not created").await?;
            browser.find(&status("100 of 2,474 sent.")).await?;
            browser.click_button("Cancel import").await?;
            browser.find(&status("Import cancelled.")).await?;
            sandbox_faults(&stack, serde_json::json!({})).await?;
            let created_so_far = stack.sandbox_login_names().await?.len() - 26;
            anyhow::ensure!(
                created_so_far > 0 && created_so_far < 2474,
                "cancelling did not stop part-way: {created_so_far} created"
            );

            // The rest: whatever exists by now is not created twice.
            let left = 2474 - created_so_far;
            browser
                .click_button(&format!("Retry {} users not created", thousands(left)))
                .await?;
            browser
                .find(&status("Import finished. 2,474 users created in all."))
                .await?;
            let logins = stack.sandbox_login_names().await?;
            let unique: std::collections::HashSet<&String> = logins.iter().collect();
            anyhow::ensure!(
                logins.len() == 25 + 2475 && unique.len() == logins.len(),
                "{} users, {} distinct login names",
                logins.len(),
                unique.len()
            );

            // What did not make it, as a file to fix and import again.
            browser.click_button("Download failures").await?;
            let failures = browser.downloaded("users-failures.csv").await?;
            let lines: Vec<&str> = failures.lines().collect();
            anyhow::ensure!(
                lines.len() == 26
                    && lines[0]
                        == "import row,loginName,fullName,nickname,email,password,profileIds,maxChats,isEnabled,import problem"
                    && lines[1].starts_with("9,imported.0007,Imported 7,Imp7,imported.7@,,3003,")
                    && !failures.contains("Pa55word!"),
                "failures file:\n{failures}"
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
async fn a_bulk_edit_is_previewed_applied_and_undone_and_a_bulk_delete_needs_the_typed_phrase() {
    let stack = Stack::start(30, Some(dist())).await.unwrap();
    let agents: Vec<i64> = stack
        .sandbox_records("id,profileIds")
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.profile_ids.as_deref() == Some(&[3001]))
        .filter_map(|u| u.id)
        .collect();
    let mut before = std::collections::HashMap::new();
    for id in &agents {
        before.insert(*id, stack.sandbox_user(*id).await.unwrap());
    }
    let n = agents.len();
    assert!(n > 3, "the seed has agents");
    let status = |text: String| {
        format!(
            "//*[@role='status' and normalize-space(.)={}]",
            xpath_literal(&text)
        )
    };
    Browser::run("a_bulk_edit_is_previewed_applied_and_undone", |browser| async move {
        let outcome = async {
            browser.client.goto(&stack.proxy_url).await?;
            browser.text("30 users").await?;
            // Once the account's names are read (the Skill filter becomes a choice), so the
            // options do not change order under the click.
            select_labelled(&browser, "Skill").await?;
            select_labelled(&browser, "Profile")
                .await?
                .select_by_label("Agent")
                .await?;
            browser.text(&format!("{n} of 30 users")).await?;
            browser.input_labelled("Select all shown users").await?.click().await?;
            browser.text(&format!("{n} users selected")).await?;

            // The export names what it exports, and exports just that.
            browser.click_button(&format!("Export {n} users selected")).await?;
            let exported = browser.downloaded("users.csv").await?;
            anyhow::ensure!(exported.lines().count() == n + 1, "the export of {n} selected:\n{exported}");

            browser.click_button(&format!("Edit {n} users selected")).await?;
            // Opening the panel puts the focus in it.
            let focused = browser.client.active_element().await?;
            anyhow::ensure!(
                focused.attr("id").await?.as_deref() == Some("bulk-enabled"),
                "the bulk panel did not take the focus"
            );
            select_labelled(&browser, "Set enabled")
                .await?
                .select_by_label("Disable")
                .await?;
            browser
                // Skills by name (the seed's 5030 is "Feedback").
                .fill(&[("Set max chats", "5"), ("Skills to add", "Feedback")])
                .await?;
            browser.click_button("Preview changes").await?;
            browser
                .find(&status(format!(
                    "{n} users will change; 0 users already as asked."
                )))
                .await?;
            browser
                .find("//table[caption=\"Each user's change\"]//td[contains(., 'Enabled: Yes → No')]")
                .await?;
            anyhow::ensure!(
                stack.received.api_writes() == 0,
                "the preview wrote something"
            );
            browser.click_button(&format!("Apply to {n} users")).await?;
            browser
                .find(&status(format!("{n} users changed, 0 users not.")))
                .await?;
            for id in &agents {
                let now = stack.sandbox_user(*id).await?;
                let was = &before[id];
                anyhow::ensure!(
                    now["isEnabled"] == false
                        && now["maxChats"] == 5
                        && now["skillIds"].as_array().is_some_and(|s| s.contains(&5030.into()))
                        && now["email"] == was["email"]
                        && now["memberOf"] == was["memberOf"],
                    "user {id} after the batch: {now}"
                );
            }

            // Another admin enables again one the batch disabled: the undo leaves that user
            // alone rather than overwrite their change.
            let touched = *agents
                .iter()
                .find(|id| before[*id]["isEnabled"] == true)
                .expect("an enabled agent");
            let mut theirs = stack.sandbox_user(touched).await?;
            theirs["isEnabled"] = true.into();
            for read_only in ["pid", "deleted", "dateUpdated", "lastPwdChangeDate"] {
                theirs.as_object_mut().map(|o| o.remove(read_only));
            }
            stack.sandbox_update(touched, theirs).await?;
            browser.click_button("Undo this batch").await?;
            browser
                .find(&status(format!(
                    "Batch undone: {} restored, 1 user not. This batch cannot be undone again.",
                    user_count(n - 1)
                )))
                .await?;
            // An undone batch cannot be undone (or re-applied) by a second press.
            browser.gone("//button[normalize-space(.)='Undo this batch']").await?;
            browser
                .find("//table[caption=\"Each user's result\"]//td[contains(., 'someone changed Enabled since the batch')]")
                .await?;
            for id in &agents {
                let now = stack.sandbox_user(*id).await?;
                let was = &before[id];
                if *id == touched {
                    anyhow::ensure!(
                        now["isEnabled"] == true && now["maxChats"] == 5,
                        "the undo overwrote another admin's change: {now}"
                    );
                } else {
                    for field in ["isEnabled", "maxChats", "skillIds", "memberOf", "email"] {
                        anyhow::ensure!(now[field] == was[field], "user {id} {field} not restored: {now}");
                    }
                }
            }

            // A bulk delete waits for the typed phrase.
            browser.click_button(&format!("Delete {n} users selected")).await?;
            let phrase = format!("delete {n} users");
            let delete = format!("//dialog[@open]//button[normalize-space(.)='Delete {n} users']");
            browser
                .fill(&[(format!("Type \"{phrase}\"").as_str(), "delete them")])
                .await?;
            anyhow::ensure!(
                browser.find(&delete).await?.attr("disabled").await?.is_some(),
                "the delete is offered before the phrase is typed"
            );
            // Enter in the phrase confirms, once the phrase is right.
            browser.retype(&format!("Type \"{phrase}\""), &phrase).await?;
            browser.find(&format!("{delete}[not(@disabled)]")).await?;
            browser
                .input_labelled(&format!("Type \"{phrase}\""))
                .await?
                .send_keys(&fantoccini::key::Key::Enter.to_string())
                .await?;
            browser.text(&format!("Deleted {n} users.")).await?;
            // (The Agent filter is still on, and no agent is left.)
            browser.text(&format!("0 of {} users", 30 - n)).await?;
            let left = stack.sandbox_records("id").await?;
            anyhow::ensure!(
                left.len() == 30 - n && left.iter().all(|u| !agents.contains(&u.id.unwrap_or(0))),
                "the sandbox still has some of them"
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
async fn the_list_user_page_and_import_screen_pass_an_accessibility_audit() {
    let stack = Stack::start(25, Some(dist())).await.unwrap();
    let id = stack.sandbox_records("id").await.unwrap()[0].id.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("few.csv");
    std::fs::write(
        &file,
        "loginName,fullName,nickname,email,password,profileIds,maxChats,isEnabled\n\
         new.one,New One,One,one@example.com,Pa55word!,3003,0,true\n\
         new.two,New Two,Two,two@,Pa55word!,3003,0,true\n",
    )
    .unwrap();
    Browser::run("accessibility_audit", |browser| async move {
        let outcome = async {
            let audit = |screen: &'static str| {
                let browser = &browser;
                async move {
                    let problems = browser.accessibility_problems().await?;
                    anyhow::ensure!(problems.is_empty(), "{screen}: {}", problems.join("\n"));
                    Ok(())
                }
            };
            browser.client.goto(&stack.proxy_url).await?;
            browser.text("25 users").await?;
            browser
                .find("//summary[normalize-space(.)='Columns']")
                .await?
                .click()
                .await?;
            browser
                .input_labelled("Select all shown users")
                .await?
                .click()
                .await?;
            audit("the list").await?;

            browser
                .client
                .goto(&format!("{}/c/liveperson/users/{id}", stack.proxy_url))
                .await?;
            browser.find("//h2[starts-with(., 'User ')]").await?;
            browser.retype("Email", "broken@").await?;
            audit("the user page").await?;
            browser.click_button("Undo my changes").await?;
            browser.click_button("Delete user").await?;
            audit("the delete dialog").await?;

            browser
                .client
                .goto(&format!("{}/c/liveperson/import", stack.proxy_url))
                .await?;
            browser
                .find("//input[@type='file']")
                .await?
                .send_keys(&file.display().to_string())
                .await?;
            browser
                .find("//*[@role='status' and contains(., '1 ready to create, 1 with errors.')]")
                .await?;
            audit("the import screen").await?;

            // The audit can fail: an input without a label is reported.
            browser
                .client
                .execute(
                    "document.querySelector('main').appendChild(document.createElement('input'))",
                    vec![],
                )
                .await?;
            let problems = browser.accessibility_problems().await?;
            anyhow::ensure!(
                problems.iter().any(|p| p.contains("label")),
                "axe missed an unlabelled input: {problems:?}"
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
async fn keyboard_and_tablet_use_the_skip_link_the_connection_switcher_and_a_narrow_window() {
    let stack = Stack::start(25, Some(dist())).await.unwrap();
    Browser::run("keyboard_and_tablet", |browser| async move {
        let outcome = async {
            // A tablet held upright.
            browser.client.set_window_size(800, 1100).await?;
            browser.client.goto(&stack.proxy_url).await?;
            browser.text("25 users").await?;
            // The home page is the first connection's list, under its own URL.
            anyhow::ensure!(
                browser.client.current_url().await?.path() == "/c/liveperson/",
                "/ did not become the first connection's list"
            );
            let overflow = browser
                .client
                .execute(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                    vec![],
                )
                .await?;
            anyhow::ensure!(
                overflow.as_f64() == Some(0.0),
                "the page is {overflow} px wider than an 800 px window"
            );

            // The first Tab reaches the skip link, which takes the focus to the content.
            browser
                .find("//body")
                .await?
                .send_keys(&fantoccini::key::Key::Tab.to_string())
                .await?;
            let skip = browser.client.active_element().await?;
            anyhow::ensure!(
                skip.text().await? == "Skip to content",
                "the first Tab does not reach the skip link"
            );
            skip.send_keys(&fantoccini::key::Key::Enter.to_string())
                .await?;
            browser.wait_for_focus("main").await?;

            // Several connections: a switcher, labelled, that changes the screen; each
            // connection keeps its own view.
            browser.fill(&[("Search", "ana")]).await?;
            select_labelled(&browser, "Connection")
                .await?
                .select_by_label("CommPeak (sandbox)")
                .await?;
            browser.find("//h2[normalize-space(.)='CommPeak (sandbox) users']").await?;
            browser.find("//table[@role='grid']//a[normalize-space(.)!='']").await?;
            anyhow::ensure!(
                browser.client.current_url().await?.path() == "/c/commpeak/",
                "the switcher did not change the URL"
            );
            select_labelled(&browser, "Connection")
                .await?
                .select_by_label("LivePerson (sandbox)")
                .await?;
            browser.find("//p[@role='status' and contains(., ' of 25 users')]").await?;
            anyhow::ensure!(
                browser.input_labelled("Search").await?.prop("value").await?.as_deref() == Some("ana"),
                "switching connections lost the list's search"
            );
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}

/// Deletes one user straight in the sandbox (another admin's delete, as the console sees it).
async fn sandbox_delete(stack: &Stack, id: i64) -> anyhow::Result<()> {
    let response = tests::console_client()
        .delete(format!("{}/api/liveperson/users/{id}", stack.proxy_url))
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "delete: {}",
        response.status()
    );
    Ok(())
}

#[tokio::test]
async fn an_import_reports_existing_users_gives_each_row_its_own_refusal_and_reimports_its_failures()
 {
    let stack = Stack::start(25, Some(dist())).await.unwrap();
    let users = stack.sandbox_records("id,loginName").await.unwrap();
    let existing = users[2].login_name.clone().unwrap();
    // A deleted user keeps its login name, which the console's check of live users does not
    // see: only the vendor refuses it.
    let (deleted_id, deleted) = (users[5].id.unwrap(), users[5].login_name.clone().unwrap());
    sandbox_delete(&stack, deleted_id).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("again.csv");
    let row = |login: &str, n: u32| {
        format!("{login},Again {n},Again{n},again.{n}@example.com,Pa55word!{n},3003,0,true\n")
    };
    let csv = format!(
        "loginName,fullName,nickname,email,password,profileIds,maxChats,isEnabled\n{}{}{}{}",
        row("ux.import1", 1),
        row(&existing, 2),
        row(&deleted, 3),
        row("ux.import4", 4),
    );
    std::fs::write(&path, csv).unwrap();
    let why = |line: u32, login: &str, text: &str| {
        format!(
            "//table[caption='Rows not created']//tr[td[1]='{line}' and td[2]={} and contains(td[3], {})]",
            xpath_literal(login),
            xpath_literal(text)
        )
    };
    Browser::run("an_import_reports_existing_users", |browser| async move {
        let outcome = async {
            browser
                .client
                .goto(&format!("{}/c/liveperson/import", stack.proxy_url))
                .await?;
            browser.choose_file("CSV or JSON file", &path).await?;
            browser
                .status("again.csv: 4 rows. 4 ready to create, 0 with errors.")
                .await?;
            browser.click_button("Create 4 users").await?;
            browser
                .status("Import finished. 2 users created in all.")
                .await?;
            browser
                .status("2 created, 1 failed, 1 already existed.")
                .await?;
            // Each row says what is its own: the existing user was not sent, and the vendor's
            // refusal stands beside the row it is about, not its chunk's neighbours.
            browser
                .find(&why(
                    3,
                    &existing,
                    "a user with this login name already exists",
                ))
                .await?;
            browser
                .find(&why(4, &deleted, "already belongs to another user"))
                .await?;
            let logins = stack.sandbox_login_names().await?;
            for created in ["ux.import1", "ux.import4"] {
                anyhow::ensure!(
                    logins.iter().filter(|l| *l == created).count() == 1,
                    "{created} is not there exactly once: {logins:?}"
                );
            }

            // The failures file holds no password and imports as it is once fixed.
            browser.click_button("Download failures").await?;
            let failures = browser.downloaded("again-failures.csv").await?;
            anyhow::ensure!(
                !failures.contains("Pa55word!") && failures.starts_with("import row,loginName,"),
                "failures file:\n{failures}"
            );
            let fixed = failures
                .replace(&format!("{deleted},"), "ux.import3,")
                .replace(",,3003,", ",Pa55word!3,3003,");
            let fixed_path = dir.path().join("again-fixed.csv");
            std::fs::write(&fixed_path, fixed)?;
            browser.client.refresh().await?;
            browser.choose_file("CSV or JSON file", &fixed_path).await?;
            browser
                .status("again-fixed.csv: 1 row. 1 ready to create, 0 with errors.")
                .await?;
            browser.click_button("Create 1 user").await?;
            browser
                .status("Import finished. 1 user created in all.")
                .await?;
            anyhow::ensure!(
                stack
                    .sandbox_login_names()
                    .await?
                    .contains(&"ux.import3".to_owned()),
                "the fixed row was not created"
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
async fn back_from_a_user_the_list_keeps_its_selection_and_focus() {
    let stack = Stack::start(25, Some(dist())).await.unwrap();
    Browser::run("back_from_a_user", |browser| async move {
        let outcome = async {
            browser.client.goto(&stack.proxy_url).await?;
            browser.text("25 users").await?;
            // Nothing selected: the bulk buttons say what they would act on, not "0 users".
            browser
                .find("//button[normalize-space(.)='Edit selected users' and @disabled]")
                .await?;
            browser
                .input_labelled("Select all shown users")
                .await?
                .click()
                .await?;
            browser.text("25 users selected").await?;
            // Into the grid on the first row (not on its link), left to the login name, down
            // to the third row, and into that user with Enter. (The grid moves the page's
            // focus a frame after each key, so the keys go to the cell clicked, in one go.)
            let cell = browser
                .find("//table[@role='grid']//tr[@aria-rowindex='2']/td[3]")
                .await?;
            cell.click().await?;
            let keys: String = [
                fantoccini::key::Key::Left,
                fantoccini::key::Key::Down,
                fantoccini::key::Key::Down,
            ]
            .iter()
            .map(|k| k.to_string())
            .collect();
            cell.send_keys(&keys).await?;
            let third = browser
                .find("//table[@role='grid']//tr[@aria-rowindex='4']/td[2]")
                .await?
                .text()
                .await?;
            browser.wait_for_text_focus(&third).await?;
            let login = browser.client.active_element().await?.text().await?;
            browser
                .client
                .active_element()
                .await?
                .send_keys(&fantoccini::key::Key::Enter.to_string())
                .await?;
            browser.text(&format!("User {login}")).await?;
            browser.click_link("Back to the list").await?;
            browser.text("25 users selected").await?;
            // Back on the list, that user's row has the focus again.
            browser.wait_for_text_focus(&login).await?;
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}

/// Whether the page scrolls sideways, and by how much.
async fn sideways_overflow(browser: &Browser) -> anyhow::Result<f64> {
    let overflow = browser
        .client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await?;
    Ok(overflow.as_f64().unwrap_or(f64::MAX))
}

#[tokio::test]
async fn the_list_and_the_user_page_hold_on_a_phone_a_laptop_and_a_wide_screen() {
    let stack = Stack::start(25, Some(dist())).await.unwrap();
    let user = stack
        .sandbox_records("id,loginName")
        .await
        .unwrap()
        .remove(0);
    let shots = tests::workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    Browser::run("the_list_and_the_user_page_hold", |browser| async move {
        let outcome = async {
            for (width, height) in [(390, 844), (1280, 900), (1920, 1080)] {
                browser.client.set_window_size(width, height).await?;
                browser.client.goto(&stack.proxy_url).await?;
                browser.text("25 users").await?;
                let overflow = sideways_overflow(&browser).await?;
                anyhow::ensure!(overflow <= 0.0, "the list is {overflow} px wider than a {width} px window");
                std::fs::write(shots.join(format!("list-{width}.png")), browser.client.screenshot().await?)?;
                // One scrollbar: the grid's; the page itself fits the window (on a phone
                // too: the filters fold away there).
                let page = browser
                    .client
                    .execute("return document.documentElement.scrollHeight - document.documentElement.clientHeight", vec![])
                    .await?;
                anyhow::ensure!(page.as_f64() == Some(0.0), "at {width} px the page scrolls {page} px besides the grid");
                if width >= 1280 {
                    // Login names and emails have room to show whole.
                    let cut = browser
                        .client
                        .execute(
                            "const heads = [...document.querySelectorAll('table[role=grid] thead th')].map(th => th.textContent);\
                             const columns = ['Login name', 'Email'].map(l => heads.findIndex(h => h.startsWith(l)));\
                             return [...document.querySelectorAll('table[role=grid] tbody tr[role=row]')]\
                               .flatMap(tr => columns.map(c => tr.cells[c]))\
                               .filter(td => td && td.scrollWidth > td.clientWidth).length;",
                            vec![],
                        )
                        .await?;
                    anyhow::ensure!(cut.as_u64() == Some(0), "at {width} px {cut} login or email cells are cut");
                }

                browser
                    .client
                    .goto(&format!("{}/c/liveperson/users/{}", stack.proxy_url, user.id.unwrap()))
                    .await?;
                browser.text(&format!("User {}", user.login_name.as_deref().unwrap_or_default())).await?;
                browser.retype("Employee id", "E-42").await?;
                let overflow = sideways_overflow(&browser).await?;
                anyhow::ensure!(overflow <= 0.0, "the user page is {overflow} px wider than a {width} px window");
                // Save stays in view on the long form.
                let save = browser.find("//button[normalize-space(.)='Save']").await?;
                let in_view = browser.in_view(&save).await?;
                anyhow::ensure!(in_view, "Save is out of view at {width} px");
                std::fs::write(shots.join(format!("user-{width}.png")), browser.client.screenshot().await?)?;
                browser.click_button("Undo my changes").await?;
            }
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn skills_groups_and_profiles_are_shown_and_chosen_by_name_and_unknown_ids_are_refused() {
    let stack = Stack::start(25, Some(dist())).await.unwrap();
    let agent = stack
        .an_agent("id,loginName,profileIds,skillIds")
        .await
        .unwrap();
    let has = |skill: i64| agent.skill_ids.as_ref().is_some_and(|s| s.contains(&skill));
    // A skill of the seed's catalog that this agent lacks.
    let (skill, skill_name) = if has(5001) {
        (5030, "Feedback")
    } else {
        (5001, "Billing")
    };
    let (id, login) = (agent.id.unwrap(), agent.login_name.unwrap());
    Browser::run("names_not_ids", |browser| async move {
        let outcome = async {
            browser
                .client
                .goto(&format!(
                    "{}/c/liveperson/?columns=loginName,skillIds,memberOf",
                    stack.proxy_url
                ))
                .await?;
            browser.text("25 users").await?;
            // The list names skills and groups (the seed's catalog: 5001 Billing, 101 Sales…).
            // (The names come after the list has drawn.)
            browser
                .find("//table[@role='grid']//td[contains(., 'Billing') or contains(., 'Sales')]")
                .await
                .map_err(|e| e.context("no skill or group is shown by name"))?;
            // Filters choose by name.
            select_labelled(&browser, "Skill")
                .await?
                .select_by_label("Billing")
                .await?;
            browser
                .find("//p[@role='status' and contains(., ' of 25 users')]")
                .await?;
            select_labelled(&browser, "Skill")
                .await?
                .select_by_label("Any")
                .await?;

            browser
                .client
                .goto(&format!("{}/c/liveperson/users/{id}", stack.proxy_url))
                .await?;
            browser.text(&format!("User {login}")).await?;
            // Profiles are chips by name, and an unknown id is refused with a clear message.
            browser
                .find("//ul[@aria-label='Chosen: Profiles']/li[normalize-space(span)='Agent']")
                .await?;
            let skills = browser.input_labelled("Skills").await?;
            skills.send_keys("9999").await?;
            skills
                .send_keys(&fantoccini::key::Key::Enter.to_string())
                .await?;
            browser
                .text("There is no skill 9999 on this account; choose one by name.")
                .await?;
            browser.retype("Skills", skill_name).await?;
            browser
                .find(&format!(
                    "//ul[@aria-label='Chosen: Skills']/li[normalize-space(span)='{skill_name}']"
                ))
                .await?;
            browser
                .find("//ul[@aria-label='Chosen: Manager of']")
                .await?;
            browser.click_button("Save").await?;
            browser.text(&format!("Saved {login}.")).await?;
            let saved = stack.sandbox_user(id).await?;
            anyhow::ensure!(
                saved["skillIds"]
                    .as_array()
                    .is_some_and(|s| s.contains(&skill.into())),
                "{skill_name} was not saved as skill {skill}: {saved}"
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
async fn a_refused_save_is_told_beside_save_where_the_admin_is_looking() {
    let stack = Stack::start(25, Some(dist())).await.unwrap();
    let users = stack.sandbox_records("id,loginName").await.unwrap();
    let (id, taken) = (users[0].id.unwrap(), users[1].login_name.clone().unwrap());
    Browser::run("a_refused_save_is_told", |browser| async move {
        let outcome = async {
            browser
                .client
                .goto(&format!("{}/c/liveperson/users/{id}", stack.proxy_url))
                .await?;
            // Valid for the page; only the vendor knows the name is taken.
            browser.retype("Login name", &taken).await?;
            browser.click_button("Save").await?;
            let alert = browser
                .find("//*[@role='alert' and contains(., 'already belongs to another user')]")
                .await?;
            let in_view = browser.in_view(&alert).await?;
            anyhow::ensure!(in_view, "the refusal is out of view");
            // Nothing typed is lost.
            anyhow::ensure!(
                browser
                    .input_labelled("Login name")
                    .await?
                    .prop("value")
                    .await?
                    .as_deref()
                    == Some(taken.as_str()),
                "the typed login name was lost"
            );
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}
