//! Headless Chromium through Debian's chromedriver, with a screenshot kept on failure.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fantoccini::{Client, ClientBuilder, Locator};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver process (killed on drop) and a WebDriver session in it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    /// Where the browser saves downloads.
    pub downloads: tempfile::TempDir,
}

/// A Chrome DevTools Protocol command sent through chromedriver's `goog/cdp/execute`
/// endpoint: what WebDriver itself has no command for (network emulation, the cache).
#[derive(Debug)]
struct DevTools {
    command: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.command, "params": self.params });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// A network as the browser sees it, emulated by Chromium.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub down_mbit: f64,
    pub up_mbit: f64,
    pub round_trip_ms: f64,
}

impl Link {
    /// A remote admin's link: home or a branch office, through the gateway.
    pub const REMOTE: Link = Link {
        down_mbit: 20.0,
        up_mbit: 5.0,
        round_trip_ms: 40.0,
    };
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Browser {
    pub async fn start() -> anyhow::Result<Self> {
        for binary in [CHROMEDRIVER, CHROMIUM] {
            anyhow::ensure!(
                std::path::Path::new(binary).exists(),
                "{binary} is missing: run `cargo xtask test`, which installs Debian's chromium and chromium-driver"
            );
        }
        let port = free_port()?;
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting chromedriver")?;
        let profile = tempfile::tempdir()?;
        let downloads = tempfile::tempdir()?;
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "prefs": {
                    "download.default_directory": downloads.path(),
                    "download.prompt_for_download": false,
                },
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            match ClientBuilder::native()
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if Instant::now() > deadline => {
                    return Err(e).context("connecting to chromedriver");
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Ok(Self {
            client,
            driver,
            _profile: profile,
            downloads,
        })
    }

    /// Waits for the element an XPath expression names (by role, label or text).
    /// Sends a DevTools command to the page's browser.
    pub async fn devtools(
        &self,
        command: &'static str,
        params: serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        self.client
            .issue_cmd(DevTools { command, params })
            .await
            .with_context(|| format!("DevTools {command}"))
    }

    /// Emulates `link` (or, with `None`, the machine's own network) and, on a link, starts
    /// every page cold: no cached file, as on a remote admin's first visit.
    pub async fn emulate(&self, link: Option<Link>) -> anyhow::Result<()> {
        self.devtools("Network.enable", serde_json::json!({}))
            .await?;
        let bytes_per_second = |mbit: f64| mbit * 1e6 / 8.0;
        let conditions = match link {
            Some(link) => serde_json::json!({
                "offline": false,
                "latency": link.round_trip_ms,
                "downloadThroughput": bytes_per_second(link.down_mbit),
                "uploadThroughput": bytes_per_second(link.up_mbit),
            }),
            // -1: no throttling.
            None => serde_json::json!({
                "offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1,
            }),
        };
        self.devtools("Network.emulateNetworkConditions", conditions)
            .await?;
        self.devtools(
            "Network.setCacheDisabled",
            serde_json::json!({ "cacheDisabled": link.is_some() }),
        )
        .await?;
        Ok(())
    }

    pub async fn find(&self, xpath: &str) -> anyhow::Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::XPath(xpath))
            .await
            .with_context(|| format!("no element matches {xpath}"))
    }

    /// The input labelled `label` (its `<label for>` text).
    pub async fn input_labelled(
        &self,
        label: &str,
    ) -> anyhow::Result<fantoccini::elements::Element> {
        self.find(&format!(
            "//input[@id = //label[normalize-space(.) = {}]/@for]",
            xpath_literal(label)
        ))
        .await
    }

    /// Types each value into the input labelled with its label.
    pub async fn fill(&self, fields: &[(&str, &str)]) -> anyhow::Result<()> {
        for (label, value) in fields {
            self.input_labelled(label).await?.send_keys(value).await?;
        }
        Ok(())
    }

    /// Clicks the enabled button whose visible text is `name`.
    pub async fn click_button(&self, name: &str) -> anyhow::Result<()> {
        // Only an enabled one, as a person would: a disabled button may be a placeholder
        // that the page replaces once it can act (the bulk panel, loaded on demand).
        self.find(&format!(
            "//button[normalize-space(.) = {} and not(@disabled)]",
            xpath_literal(name)
        ))
        .await?
        .click()
        .await?;
        Ok(())
    }

    /// Chooses `path` in the file input labelled `label`.
    pub async fn choose_file(&self, label: &str, path: &std::path::Path) -> anyhow::Result<()> {
        self.find(&format!(
            "//input[@type='file' and @id=//label[normalize-space(.)={}]/@for]",
            xpath_literal(label)
        ))
        .await?
        .send_keys(&path.display().to_string())
        .await?;
        Ok(())
    }

    /// Waits for a status (`role=status`) whose text contains `text`.
    pub async fn status(&self, text: &str) -> anyhow::Result<fantoccini::elements::Element> {
        self.find(&format!(
            "//*[@role='status' and contains(normalize-space(.), {})]",
            xpath_literal(text)
        ))
        .await
    }

    /// Clicks the link whose visible text is `name`.
    pub async fn click_link(&self, name: &str) -> anyhow::Result<()> {
        self.find(&format!(
            "//a[normalize-space(.) = {}]",
            xpath_literal(name)
        ))
        .await?
        .click()
        .await?;
        Ok(())
    }

    /// Waits until the focused element has this id (the page may move focus a frame later).
    pub async fn wait_for_focus(&self, id: &str) -> anyhow::Result<fantoccini::elements::Element> {
        self.wait_for_focus_where("id", id).await
    }

    /// Whether `element` is wholly inside the window, as the admin sees it.
    pub async fn in_view(&self, element: &fantoccini::elements::Element) -> anyhow::Result<bool> {
        let inside = self
            .client
            .execute(
                "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;",
                vec![serde_json::to_value(element)?],
            )
            .await?;
        Ok(inside == serde_json::Value::Bool(true))
    }

    /// Waits until the focused element's visible text is `text`.
    pub async fn wait_for_text_focus(&self, text: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let focused = self.client.active_element().await?.text().await?;
            if focused == text {
                return Ok(());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "the focus is on {focused:?}, not {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the focused element's `attribute` is `value`.
    pub async fn wait_for_focus_where(
        &self,
        attribute: &str,
        value: &str,
    ) -> anyhow::Result<fantoccini::elements::Element> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let active = self.client.active_element().await?;
            let focused = active.attr(attribute).await?;
            if focused.as_deref() == Some(value) {
                return Ok(active);
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "the focus is on an element whose {attribute} is {focused:?}, not {value}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until an element with exactly this visible text exists.
    pub async fn text(&self, text: &str) -> anyhow::Result<fantoccini::elements::Element> {
        self.find(&format!(
            "//*[normalize-space(text()) = {}]",
            xpath_literal(text)
        ))
        .await
    }

    /// Runs axe-core (from npm, injected into the page) and returns its serious and critical
    /// violations, one line each naming the rule and the first elements concerned.
    pub async fn accessibility_problems(&self) -> anyhow::Result<Vec<String>> {
        let path = std::env::var_os("AXE_CORE_JS").context(
            "AXE_CORE_JS is not set: run `cargo xtask test`, which installs axe-core and points the tests at it",
        )?;
        let script = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", PathBuf::from(&path).display()))?;
        self.client.execute(&script, vec![]).await?;
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then(r => done(r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at '
                       + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe did not run: ' + e]));",
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(found)?)
    }

    /// Waits for a downloaded file and returns its text.
    pub async fn downloaded(&self, name: &str) -> anyhow::Result<String> {
        let path = self.downloads.path().join(name);
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(text) = std::fs::read_to_string(&path) {
                return Ok(text);
            }
            anyhow::ensure!(Instant::now() < deadline, "{name} was not downloaded");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element an XPath names is gone (or never was).
    pub async fn gone(&self, xpath: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if self
                .client
                .find_all(Locator::XPath(xpath))
                .await?
                .is_empty()
            {
                return Ok(());
            }
            anyhow::ensure!(Instant::now() < deadline, "{xpath} is still there");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Replaces the value of the input labelled `label`.
    pub async fn retype(&self, label: &str, value: &str) -> anyhow::Result<()> {
        let input = self.input_labelled(label).await?;
        input.clear().await?;
        input.send_keys(value).await?;
        Ok(())
    }

    /// Runs a scenario in two browsers at once (two admins); on failure saves a screenshot
    /// of each under `target/browser-failures/`.
    pub async fn run_pair<F>(
        name: &str,
        scenario: impl FnOnce(Browser, Browser) -> F,
    ) -> anyhow::Result<()>
    where
        F: std::future::Future<Output = (Browser, Browser, anyhow::Result<()>)>,
    {
        let (first, second) = (Browser::start().await?, Browser::start().await?);
        let (first, second, outcome) = scenario(first, second).await;
        if let Err(error) = &outcome {
            for (browser, which) in [(&first, "first"), (&second, "second")] {
                browser
                    .keep_screenshot(&format!("{name}-{which}"), error)
                    .await?;
            }
        }
        for browser in [first, second] {
            let _ = browser.client.clone().close().await;
        }
        if let Err(error) = outcome {
            bail!("{name}: {error:#}");
        }
        Ok(())
    }

    async fn keep_screenshot(&self, name: &str, error: &anyhow::Error) -> anyhow::Result<()> {
        let dir = crate::workspace_root().join("target/browser-failures");
        std::fs::create_dir_all(&dir)?;
        let path: PathBuf = dir.join(format!("{name}.png"));
        match self.client.screenshot().await {
            Ok(png) => {
                std::fs::write(&path, png)?;
                eprintln!("{name} failed: {error:#}\nscreenshot: {}", path.display());
            }
            Err(e) => eprintln!("{name} failed: {error:#}\n(no screenshot: {e})"),
        }
        Ok(())
    }

    /// Runs a browser scenario; on failure saves a screenshot under `target/browser-failures/`.
    pub async fn run<F>(name: &str, scenario: impl FnOnce(Browser) -> F) -> anyhow::Result<()>
    where
        F: std::future::Future<Output = (Browser, anyhow::Result<()>)>,
    {
        let browser = Browser::start().await?;
        let (browser, outcome) = scenario(browser).await;
        if let Err(error) = &outcome {
            browser.keep_screenshot(name, error).await?;
        }
        let _ = browser.client.clone().close().await;
        if let Err(error) = outcome {
            bail!("{name}: {error:#}");
        }
        Ok(())
    }
}

/// Quotes a string for XPath 1.0, which has no escape sequences.
pub fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else if !s.contains('"') {
        format!("\"{s}\"")
    } else {
        let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}
