//! The console's browser benchmark, run by `cargo xtask bench console [vendor]` (which builds
//! `dist/` and prints the bundle's sizes first): 50,000 seeded users of every vendor, headless
//! Chromium, the proxy serving the release build. The vendor whose list is measured comes in
//! `CONSOLE_BENCH_VENDOR` (`liveperson`, the default, `commpeak` or `trintech`); another
//! vendor than LivePerson is measured beside LivePerson's list in the same run, its loads
//! interleaved with LivePerson's, so the two compare on the same machine at the same moment.
//! Then the same loads on an emulated remote admin's link (`tests::browser::Link::REMOTE`,
//! Chromium's network emulation, cache disabled), for the bytes on the wire and what they
//! cost. Ignored by `cargo test`; figures are printed, never asserted.

use std::time::Duration;

use serde_json::{Value, json};
use tests::Stack;
use tests::browser::Browser;

const USERS: usize = 50_000;
const ROUNDS: usize = 5;
/// Loads per vendor on the emulated remote link (each seconds long: the list's transfer).
const REMOTE_ROUNDS: usize = 3;
/// Fetches of the list without the browser, per vendor.
const FETCHES: usize = 3;

/// One vendor's list as the benchmark drives it.
struct Vendor {
    /// The name `CONSOLE_BENCH_VENDOR` and `cargo xtask bench console` take.
    kind: &'static str,
    label: &'static str,
    /// The connection (the embedded sandbox's: one per vendor, named after it).
    connection: &'static str,
    /// Where its list is, under the console's root. LivePerson's is the root itself (the
    /// first connection's list), which is what the benchmark has always loaded.
    path: &'static str,
    /// Column headers clicked in turn, each sorting ascending: three other columns, then the
    /// login column back (the list's first order).
    sorts: [&'static str; 4],
    /// The list operation sent straight to the sandbox as the proxy sends it (credentials,
    /// and for LivePerson the API version), with the query the console sent the proxy.
    upstream: fn(&Stack, &str) -> reqwest::RequestBuilder,
}

const LIVEPERSON: Vendor = Vendor {
    kind: "liveperson",
    label: "LivePerson",
    connection: "liveperson",
    path: "",
    sorts: ["Email", "Full name", "Max chats", "Login name"],
    upstream: |stack, query| {
        let path = shared::liveperson::ops::users_path(tests::ACCOUNT_ID);
        let base = stack.sandbox.base_url();
        reqwest::Client::new()
            .get(format!("{base}{path}?v=4.0&{query}"))
            .bearer_auth(&stack.token)
    },
};

const VENDORS: [Vendor; 3] = [
    LIVEPERSON,
    Vendor {
        kind: "commpeak",
        label: "CommPeak",
        connection: "commpeak",
        path: "c/commpeak/",
        sorts: ["Email", "Last name", "Active", "User name"],
        upstream: |stack, _| {
            let commpeak = &stack.config.commpeak;
            reqwest::Client::new()
                .get(format!("{}/api/users/", stack.sandbox.commpeak_url()))
                .basic_auth(&commpeak.username, Some(&commpeak.password))
        },
    },
    // Listed only where the connection declares the list; the embedded sandbox does.
    Vendor {
        kind: "trintech",
        label: "Trintech",
        connection: "trintech",
        path: "c/trintech/",
        sorts: ["Email", "Last name", "Locked out", "User name"],
        upstream: |stack, _| {
            reqwest::Client::new()
                .get(format!("{}/users", stack.sandbox.trintech_url()))
                .bearer_auth(&stack.config.trintech.bearer_token)
        },
    },
];

/// What is typed into the search box, one keystroke each (`""` clears it). Every vendor's
/// generated users (`sandbox::seed`) are named from the same first and last names, and every
/// searched email has an "a" in its domain, so each word narrows every vendor's list to some
/// users: "a" to all of them, "ana" to the Tanakas, "mar" to the Martins.
const SEARCHES: [&str; 8] = ["a", "an", "ana", "", "mar", "ma", "m", ""];

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

/// Times the page's first drawing of the list after a load, from the marks the list sets
/// (`users-console:list-*`) and Resource Timing.
const LOAD_FIGURES: &str = r#"
const connection = arguments[0];
const mark = step => performance.getEntriesByName('users-console:list-' + step)
  .map(e => e.startTime)[0] ?? null;
const drawn = mark('rendered');
const answer = performance.getEntriesByType('resource')
  .find(e => new URL(e.name).pathname.endsWith('/api/' + connection + '/users'));
// What the browser fetched to show the list (what started before the list was drawn), as
// sent (compressed), the API's answers aside: the on-demand modules must not be among it.
// (The names' module comes after the list.)
const entries = [...performance.getEntriesByType('navigation'),
  ...performance.getEntriesByType('resource')]
  .filter(e => !new URL(e.name).pathname.includes('/api/') && e.startTime <= drawn);
return {
  rendered: drawn,
  read: mark('read'), prepared: mark('prepared'), built: mark('built'),
  url: answer ? answer.name : null,
  sent: answer ? answer.startTime : null,
  answered: answer ? answer.responseEnd : null,
  answer_sent_bytes: answer ? answer.encodedBodySize : null,
  answer_bytes: answer ? answer.decodedBodySize : null,
  heap: performance.memory.usedJSHeapSize,
  first_load: entries.reduce((sum, e) => sum + e.encodedBodySize, 0),
  on_demand: entries.filter(e => /split_|chunk_/.test(e.name)).length,
};
"#;

/// One vendor's figures over the run.
#[derive(Default)]
struct Measured {
    loads: Vec<f64>,
    sent: Vec<f64>,
    answered: Vec<f64>,
    read: Vec<f64>,
    prepared: Vec<f64>,
    built: Vec<f64>,
    answer_sent_mb: Vec<f64>,
    answer_mb: Vec<f64>,
    heaps: Vec<f64>,
    first_load_kb: Vec<f64>,
    /// The list's URL as the console asked the proxy for it.
    url: String,
    /// The list fetched without the browser, straight from the sandbox and through the
    /// proxy: (milliseconds to the last byte, megabytes).
    upstream: Vec<(f64, f64)>,
    proxied: Vec<(f64, f64)>,
    handlers: Vec<f64>,
    searches: Vec<f64>,
    sorts: Vec<f64>,
    frames: Vec<f64>,
    work: Vec<f64>,
}

impl Measured {
    /// The median over the loads of the time between two of each load's moments.
    fn between(&self, from: &[f64], to: &[f64]) -> f64 {
        median(to.iter().zip(from).map(|(to, from)| to - from).collect())
    }
    fn scroll_mean(&self) -> f64 {
        self.frames.iter().sum::<f64>() / self.frames.len() as f64
    }
}

fn worst(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max)
}

fn number(value: &Value, name: &str) -> f64 {
    value[name].as_f64().unwrap_or(f64::NAN)
}

/// Loads `vendor`'s list and records how long it took to draw.
async fn load(
    browser: &Browser,
    stack: &Stack,
    vendor: &Vendor,
    measured: &mut Measured,
) -> anyhow::Result<()> {
    browser
        .client
        .goto(&format!("{}/{}", stack.proxy_url, vendor.path))
        .await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let figures = loop {
        let figures = browser
            .client
            .execute(LOAD_FIGURES, vec![json!(vendor.connection)])
            .await?;
        if figures["rendered"].is_number() {
            break figures;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "{}'s list was not drawn within a minute",
            vendor.label
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    browser
        .find(&format!(
            "//h2[normalize-space(.)='{} (sandbox) users']",
            vendor.label
        ))
        .await?;
    browser.text("50,000 users").await?;
    anyhow::ensure!(
        figures["on_demand"].as_u64() == Some(0),
        "{}'s first load fetched on-demand module(s): {figures}",
        vendor.label
    );
    measured.loads.push(number(&figures, "rendered"));
    measured.read.push(number(&figures, "read"));
    measured.prepared.push(number(&figures, "prepared"));
    measured.built.push(number(&figures, "built"));
    measured.sent.push(number(&figures, "sent"));
    measured.answered.push(number(&figures, "answered"));
    measured
        .answer_sent_mb
        .push(number(&figures, "answer_sent_bytes") / 1e6);
    measured
        .answer_mb
        .push(number(&figures, "answer_bytes") / 1e6);
    measured.heaps.push(number(&figures, "heap") / 1_048_576.0);
    measured.url = figures["url"].as_str().unwrap_or_default().to_owned();
    measured
        .first_load_kb
        .push(number(&figures, "first_load") / 1000.0);
    Ok(())
}

/// Fetches the list without the browser: what the sandbox (standing for the vendor) takes to
/// answer, and what the proxy adds to it.
async fn fetch_without_browser(
    stack: &Stack,
    vendor: &Vendor,
    measured: &mut Measured,
) -> anyhow::Result<()> {
    let url = reqwest::Url::parse(&measured.url)
        .map_err(|e| anyhow::anyhow!("{}'s list URL {:?}: {e}", vendor.label, measured.url))?;
    let query = url.query().unwrap_or_default().to_owned();
    let timed = |request: reqwest::RequestBuilder| async move {
        let started = std::time::Instant::now();
        let response = request.send().await?.error_for_status()?;
        let bytes = response.bytes().await?;
        anyhow::Ok((
            started.elapsed().as_secs_f64() * 1000.0,
            bytes.len() as f64 / 1e6,
        ))
    };
    measured
        .upstream
        .push(timed((vendor.upstream)(stack, &query)).await?);
    measured
        .proxied
        .push(timed(tests::console_client().get(url)).await?);
    Ok(())
}

/// With `vendor`'s list loaded: search keystrokes, header clicks, scrolling.
async fn interact(
    browser: &Browser,
    vendor: &Vendor,
    measured: &mut Measured,
) -> anyhow::Result<()> {
    for text in SEARCHES {
        let timing = browser
            .client
            .execute_async(KEYSTROKE, vec![json!(text)])
            .await?;
        let status = timing["status"].as_str().unwrap_or_default();
        anyhow::ensure!(
            text.is_empty() || (status.contains(" of ") && !status.starts_with("0 of")),
            "searching {}'s list for {text:?} found nobody or did not narrow it: {timing}",
            vendor.label
        );
        measured.handlers.push(number(&timing, "handler"));
        measured.searches.push(number(&timing, "updated"));
    }

    for label in vendor.sorts {
        let timing: Value = browser
            .client
            .execute_async(SORT, vec![json!(label)])
            .await?;
        anyhow::ensure!(
            timing["sort"] == "ascending",
            "{}'s {label} header did not sort: {timing}",
            vendor.label
        );
        measured.sorts.push(number(&timing, "updated"));
    }

    let scrolled = browser.client.execute_async(SCROLL, vec![]).await?;
    let values = |name: &str| -> Vec<f64> {
        scrolled[name]
            .as_array()
            .map(|f| f.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default()
    };
    measured.frames = values("frames");
    measured.work = values("work");
    anyhow::ensure!(
        !measured.frames.is_empty(),
        "no frame was timed: {scrolled}"
    );
    Ok(())
}

/// A row of the results: what each vendor shows, and the figure compared against the
/// reference (LivePerson, measured in the same run), when one is.
type Show = fn(&Measured) -> String;
type Figure = fn(&Measured) -> f64;

fn rows() -> Vec<(&'static str, Show, Option<Figure>)> {
    vec![
        (
            "Navigation to the list rendered (median of the loads)",
            |m| {
                let loads: Vec<String> = m.loads.iter().map(|ms| format!("{ms:.0}")).collect();
                format!(
                    "{:.0} ms (loads: {} ms)",
                    median(m.loads.clone()),
                    loads.join(", ")
                )
            },
            Some(|m| median(m.loads.clone())),
        ),
        (
            "of which: the list request sent at, answered by (proxy and sandbox)",
            |m| {
                format!(
                    "{:.0} ms, {:.0} ms",
                    median(m.sent.clone()),
                    median(m.answered.clone())
                )
            },
            Some(|m| median(m.answered.clone())),
        ),
        (
            "the list's answer, as sent / decoded by the browser",
            |m| {
                format!(
                    "{:.1} MB / {:.1} MB",
                    median(m.answer_sent_mb.clone()),
                    median(m.answer_mb.clone())
                )
            },
            Some(|m| median(m.answer_mb.clone())),
        ),
        (
            "the list without the browser: straight from the sandbox (median of the fetches)",
            |m| {
                format!(
                    "{:.0} ms, {:.1} MB",
                    median(m.upstream.iter().map(|f| f.0).collect()),
                    median(m.upstream.iter().map(|f| f.1).collect())
                )
            },
            Some(|m| median(m.upstream.iter().map(|f| f.0).collect())),
        ),
        (
            "the list without the browser: through the proxy",
            |m| {
                format!(
                    "{:.0} ms, {:.1} MB",
                    median(m.proxied.iter().map(|f| f.0).collect()),
                    median(m.proxied.iter().map(|f| f.1).collect())
                )
            },
            Some(|m| median(m.proxied.iter().map(|f| f.0).collect())),
        ),
        (
            "then: decoded by, search prepared by, grid built by",
            |m| {
                format!(
                    "{:.0} ms, {:.0} ms, {:.0} ms",
                    median(m.read.clone()),
                    median(m.prepared.clone()),
                    median(m.built.clone())
                )
            },
            None,
        ),
        (
            "waiting for the answer (request sent to answered)",
            |m| format!("{:.0} ms", m.between(&m.sent, &m.answered)),
            Some(|m| m.between(&m.sent, &m.answered)),
        ),
        (
            "decoding (answered to the list-read mark)",
            |m| format!("{:.0} ms", m.between(&m.answered, &m.read)),
            Some(|m| m.between(&m.answered, &m.read)),
        ),
        (
            "preparing the search and building the grid (read to built)",
            |m| format!("{:.0} ms", m.between(&m.read, &m.built)),
            Some(|m| m.between(&m.read, &m.built)),
        ),
        (
            "painting (built to rendered)",
            |m| format!("{:.0} ms", m.between(&m.built, &m.loads)),
            Some(|m| m.between(&m.built, &m.loads)),
        ),
        (
            "Search keystroke: input handler (typing waits for this)",
            |m| {
                format!(
                    "{:.1} ms median, {:.1} ms worst",
                    median(m.handlers.clone()),
                    worst(&m.handlers)
                )
            },
            Some(|m| median(m.handlers.clone())),
        ),
        (
            "Search keystroke to the table updated",
            |m| {
                format!(
                    "{:.1} ms median, {:.1} ms worst",
                    median(m.searches.clone()),
                    worst(&m.searches)
                )
            },
            Some(|m| median(m.searches.clone())),
        ),
        (
            "Header click to the table re-sorted",
            |m| {
                format!(
                    "{:.1} ms median, {:.1} ms worst",
                    median(m.sorts.clone()),
                    worst(&m.sorts)
                )
            },
            Some(|m| median(m.sorts.clone())),
        ),
        (
            "Scrolling top to bottom, per frame",
            |m| {
                format!(
                    "mean {:.1} ms, p95 {:.1} ms ({} frames)",
                    m.scroll_mean(),
                    percentile(m.frames.clone(), 0.95),
                    m.frames.len()
                )
            },
            Some(Measured::scroll_mean),
        ),
        (
            "of which: the page's work per scrolled frame",
            |m| {
                format!(
                    "{:.1} ms median, {:.1} ms p95",
                    median(m.work.clone()),
                    percentile(m.work.clone(), 0.95)
                )
            },
            Some(|m| median(m.work.clone())),
        ),
        (
            "JS heap after load",
            |m| format!("{:.1} MiB", median(m.heaps.clone())),
            Some(|m| median(m.heaps.clone())),
        ),
        (
            "First load as fetched (compressed, the API's answers aside)",
            |m| format!("{:.1} kB", m.first_load_kb[0]),
            Some(|m| m.first_load_kb[0]),
        ),
    ]
}

/// The rows measured on the emulated link: what the wire costs.
fn remote_rows() -> Vec<(&'static str, Show, Option<Figure>)> {
    let wanted = [
        "Navigation to the list rendered (median of the loads)",
        "of which: the list request sent at, answered by (proxy and sandbox)",
        "the list's answer, as sent / decoded by the browser",
        "First load as fetched (compressed, the API's answers aside)",
    ];
    rows()
        .into_iter()
        .filter(|(name, ..)| wanted.contains(name))
        .collect()
}

/// One table: a column per vendor, and the ratio against the reference when there is one.
fn print_table(
    title: &str,
    vendors: &[&Vendor],
    measured: &[Measured],
    rows: Vec<(&'static str, Show, Option<Figure>)>,
) {
    println!("{title}\n");
    let mut header = String::from("| Measure |");
    let mut rule = String::from("|---|");
    for vendor in vendors {
        header.push_str(&format!(" {} |", vendor.label));
        rule.push_str("---|");
    }
    if let [vendor, reference] = vendors {
        header.push_str(&format!(" {} / {} |", vendor.label, reference.label));
        rule.push_str("---|");
    }
    println!("{header}\n{rule}");
    for (name, show, figure) in rows {
        let mut line = format!("| {name} |");
        for m in measured {
            line.push_str(&format!(" {} |", show(m)));
        }
        if let [m, reference] = measured {
            match figure {
                Some(figure) => line.push_str(&format!(" {:.2}× |", figure(m) / figure(reference))),
                None => line.push_str(" |"),
            }
        }
        println!("{line}");
    }
    println!();
}

/// The vendor `CONSOLE_BENCH_VENDOR` names (LivePerson when unset).
fn chosen_vendor() -> &'static Vendor {
    let kind = std::env::var("CONSOLE_BENCH_VENDOR").unwrap_or_default();
    let kind = if kind.is_empty() { "liveperson" } else { &kind };
    VENDORS.iter().find(|v| v.kind == kind).unwrap_or_else(|| {
        panic!("CONSOLE_BENCH_VENDOR={kind}: expected liveperson, commpeak or trintech")
    })
}

#[tokio::test]
#[ignore = "a benchmark: run by `cargo xtask bench console`"]
async fn console_with_50000_users() {
    let dist = tests::workspace_root().join("dist");
    assert!(
        dist.join("index.html").is_file(),
        "run `cargo xtask bench console`, which builds dist/ first"
    );
    let chosen = chosen_vendor();
    // The chosen vendor, then LivePerson as the reference when it is another.
    let vendors: Vec<&Vendor> = if chosen.kind == LIVEPERSON.kind {
        vec![chosen]
    } else {
        vec![chosen, &LIVEPERSON]
    };
    let stack = Stack::start(USERS, Some(dist)).await.unwrap();
    Browser::run("console_bench", |browser| async move {
        let outcome = async {
            let mut measured: Vec<Measured> = vendors.iter().map(|_| Measured::default()).collect();
            // The loads interleaved between the vendors, so that a slow spell of this shared
            // machine hits each alike. The first load of a run is cold: the browser compiles
            // the wasm, and the sandbox reads its stored records.
            for _ in 0..ROUNDS {
                for (vendor, measured) in vendors.iter().zip(&mut measured) {
                    load(&browser, &stack, vendor, measured).await?;
                }
            }
            // The list without the browser, interleaved the same way.
            for _ in 0..FETCHES {
                for (vendor, measured) in vendors.iter().zip(&mut measured) {
                    fetch_without_browser(&stack, vendor, measured).await?;
                }
            }
            // Then each vendor's list is loaded once more and worked with.
            for (vendor, measured) in vendors.iter().zip(&mut measured) {
                let mut unused = Measured::default();
                load(&browser, &stack, vendor, &mut unused).await?;
                interact(&browser, vendor, measured).await?;
            }

            // The same loads as a remote admin makes them: an emulated link, a cold cache.
            let link = tests::browser::Link::REMOTE;
            browser.emulate(Some(link)).await?;
            let mut remote: Vec<Measured> = vendors.iter().map(|_| Measured::default()).collect();
            for _ in 0..REMOTE_ROUNDS {
                for (vendor, measured) in vendors.iter().zip(&mut remote) {
                    load(&browser, &stack, vendor, measured).await?;
                }
            }
            browser.emulate(None).await?;

            print_table(
                &format!(
                    "Console with {USERS} users of each vendor, headless Chromium on loopback ({ROUNDS} loads each{}):",
                    if vendors.len() > 1 { ", interleaved" } else { "" }
                ),
                &vendors,
                &measured,
                rows(),
            );
            print_table(
                &format!(
                    "The same on an emulated remote link ({} Mbit/s down, {} up, {} ms round trip), every file fetched cold ({REMOTE_ROUNDS} loads each):",
                    link.down_mbit, link.up_mbit, link.round_trip_ms
                ),
                &vendors,
                &remote,
                remote_rows(),
            );
            Ok(())
        }
        .await;
        (browser, outcome)
    })
    .await
    .unwrap();
}
