//! The console's browser benchmark, run by `cargo xtask bench console` (which builds `dist/`
//! and prints the bundle's sizes first): 50,000 seeded users, headless Chromium, the proxy
//! serving the release build. Ignored by `cargo test`; figures are printed, never asserted.

use std::time::Duration;

use serde_json::{Value, json};
use tests::Stack;
use tests::browser::Browser;

const USERS: usize = 50_000;
const ROUNDS: usize = 5;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn percentile(mut values: Vec<f64>, p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let rank = ((values.len() as f64 - 1.0) * p).round() as usize;
    values[rank]
}

/// Changes the search box to `text` as one keystroke would, and times it: the input handler
/// alone (what typing waits for), and until every update it caused is in the page.
const KEYSTROKE: &str = r#"
const [text, done] = [arguments[0], arguments[arguments.length - 1]];
const input = document.getElementById('user-search');
const t0 = performance.now();
input.value = text;
input.dispatchEvent(new Event('input', { bubbles: true }));
const handler = performance.now() - t0;
setTimeout(() => done({ handler, updated: performance.now() - t0,
  status: input.parentElement.querySelector('[role=status]').textContent }), 0);
"#;

/// Clicks a column header's sort button and times it until the page is updated.
const SORT: &str = r#"
const [label, done] = [arguments[0], arguments[arguments.length - 1]];
const button = [...document.querySelectorAll('th[role=columnheader] button')]
  .find(b => b.textContent.trim() === label);
const t0 = performance.now();
button.click();
setTimeout(() => done({ updated: performance.now() - t0,
  sort: button.parentElement.getAttribute('aria-sort') }), 0);
"#;

/// Scrolls the list from top to bottom, one step per frame, and returns each frame's time and
/// the page's own work in it: from the frame's start to its animation-frame callback, which
/// the browser runs after the scroll event and the work it caused (the rows redrawn).
const SCROLL: &str = r#"
const done = arguments[arguments.length - 1];
const list = document.querySelector('[role=region][aria-label="User list"]');
list.scrollTop = 0;
const frames = [];
const step = (list.scrollHeight - list.clientHeight) / 300;
const work = [];
let last = null;
function tick(now) {
  if (last !== null) {
    frames.push(now - last);
    work.push(performance.now() - now);
  }
  last = now;
  if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1 || frames.length >= 400) {
    done({ frames, work, rows: list.querySelectorAll('tbody tr[role=row]').length });
    return;
  }
  list.scrollTop += step;
  requestAnimationFrame(tick);
}
requestAnimationFrame(tick);
"#;

#[tokio::test]
#[ignore = "a benchmark: run by `cargo xtask bench console`"]
async fn console_with_50000_users() {
    let dist = tests::workspace_root().join("dist");
    assert!(
        dist.join("index.html").is_file(),
        "run `cargo xtask bench console`, which builds dist/ first"
    );
    let stack = Stack::start(USERS, Some(dist)).await.unwrap();
    Browser::run("console_bench", |browser| async move {
        let outcome = async {
            let mut loads = Vec::new();
            let (mut fetch_starts, mut fetch_ends) = (Vec::new(), Vec::new());
            let (mut reads, mut prepares, mut builds) = (Vec::new(), Vec::new(), Vec::new());
            let mut heaps = Vec::new();
            let mut first_load = Vec::new();
            for _ in 0..ROUNDS {
                browser.client.goto(&stack.proxy_url).await?;
                browser.text("50,000 users").await?;
                let mark = loop {
                    let found = browser
                        .client
                        .execute(
                            "return performance.getEntriesByName('users-console:list-rendered')\
                             .map(e => e.startTime)[0] ?? null",
                            vec![],
                        )
                        .await?;
                    if let Some(ms) = found.as_f64() {
                        break ms;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                };
                loads.push(mark);
                let steps = browser
                    .client
                    .execute(
                        "return ['read', 'prepared', 'built'].map(step => performance\
                         .getEntriesByName('users-console:list-' + step).map(e => e.startTime)[0])",
                        vec![],
                    )
                    .await?;
                for (i, list) in [&mut reads, &mut prepares, &mut builds].into_iter().enumerate() {
                    list.push(steps[i].as_f64().unwrap_or(f64::NAN));
                }
                let fetch = browser
                    .client
                    .execute(
                        "return performance.getEntriesByType('resource')\
                         .filter(e => e.name.includes('/users?'))\
                         .map(e => [e.startTime, e.responseEnd])[0] ?? null",
                        vec![],
                    )
                    .await?;
                let at = |i: usize| fetch[i].as_f64().unwrap_or(f64::NAN);
                fetch_starts.push(at(0));
                fetch_ends.push(at(1));
                let heap = browser
                    .client
                    .execute("return performance.memory.usedJSHeapSize", vec![])
                    .await?;
                heaps.push(heap.as_f64().unwrap_or(0.0) / 1_048_576.0);
                // What the browser fetched to show the list (what started before the list
                // was drawn), as sent (compressed), the API's answers aside: the on-demand
                // modules must not be among it. (The names' module comes after the list.)
                let fetched = browser
                    .client
                    .execute(
                        "const drawn = performance.getEntriesByName('users-console:list-rendered')[0].startTime;\
                         const entries = [...performance.getEntriesByType('navigation'),\
                         ...performance.getEntriesByType('resource')]\
                         .filter(e => !new URL(e.name).pathname.includes('/api/') && e.startTime <= drawn);\
                         return [entries.reduce((sum, e) => sum + e.encodedBodySize, 0),\
                         entries.filter(e => /split_|chunk_/.test(e.name)).length];",
                        vec![],
                    )
                    .await?;
                first_load.push((fetched[0].as_f64().unwrap_or(f64::NAN), fetched[1].as_u64()));
            }

            let mut handlers = Vec::new();
            let mut searches = Vec::new();
            for text in ["a", "an", "ana", "", "mar", "ma", "m", ""] {
                let timing = browser
                    .client
                    .execute_async(KEYSTROKE, vec![json!(text)])
                    .await?;
                let field = |name: &str| timing[name].as_f64().unwrap_or(f64::NAN);
                handlers.push(field("handler"));
                searches.push(field("updated"));
            }

            let mut sorts = Vec::new();
            for label in ["Email", "Full name", "Max chats", "Login name"] {
                let timing: Value = browser
                    .client
                    .execute_async(SORT, vec![json!(label)])
                    .await?;
                anyhow::ensure!(
                    timing["sort"] == "ascending",
                    "the {label} header did not sort: {timing}"
                );
                sorts.push(timing["updated"].as_f64().unwrap_or(f64::NAN));
            }

            let scrolled = browser.client.execute_async(SCROLL, vec![]).await?;
            let frames: Vec<f64> = scrolled["frames"]
                .as_array()
                .map(|f| f.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default();
            anyhow::ensure!(!frames.is_empty(), "no frame was timed: {scrolled}");
            let mean = frames.iter().sum::<f64>() / frames.len() as f64;
            let work: Vec<f64> = scrolled["work"]
                .as_array()
                .map(|w| w.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default();

            println!("Console with {USERS} users, headless Chromium (medians of {ROUNDS} loads):\n");
            println!("| Measure | Result |\n|---|---|");
            println!(
                "| Navigation to the list rendered | {:.0} ms (loads: {}) |",
                median(loads.clone()),
                loads
                    .iter()
                    .map(|ms| format!("{ms:.0} ms"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!(
                "| of which: the list request sent, answered (proxy and sandbox) | at {:.0} ms, by {:.0} ms |",
                median(fetch_starts),
                median(fetch_ends)
            );
            println!(
                "| then: decoded by, search prepared by, grid built by | {:.0} ms, {:.0} ms, {:.0} ms |",
                median(reads),
                median(prepares),
                median(builds)
            );
            println!(
                "| Search keystroke: input handler (typing waits for this) | {:.1} ms median, {:.1} ms worst |",
                median(handlers.clone()),
                handlers.iter().copied().fold(0.0, f64::max)
            );
            println!(
                "| Search keystroke to the table updated | {:.1} ms median, {:.1} ms worst |",
                median(searches.clone()),
                searches.iter().copied().fold(0.0, f64::max)
            );
            println!(
                "| Header click to the table re-sorted | {:.1} ms median, {:.1} ms worst |",
                median(sorts.clone()),
                sorts.iter().copied().fold(0.0, f64::max)
            );
            println!(
                "| Scrolling top to bottom ({} frames) | mean {:.1} ms, p95 {:.1} ms per frame |",
                frames.len(),
                mean,
                percentile(frames, 0.95)
            );
            println!(
                "| of which: the page's work per scrolled frame | {:.1} ms median, {:.1} ms p95 |",
                median(work.clone()),
                percentile(work, 0.95)
            );
            println!("| JS heap after load | {:.1} MiB |", median(heaps));
            let (bytes, on_demand) = first_load[0];
            anyhow::ensure!(
                on_demand == Some(0),
                "the list's first load fetched {on_demand:?} on-demand module(s)"
            );
            println!(
                "| First load as fetched (compressed, the API's answers aside) | {:.1} kB |",
                bytes / 1000.0
            );
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}
