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

/// The CommPeak users as the proxy answers an API client (every scalar as text).
async fn commpeak_users(stack: &Stack) -> anyhow::Result<Vec<serde_json::Value>> {
    Ok(tests::console_client()
        .get(format!("{}/api/commpeak/users", stack.proxy_url))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
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
