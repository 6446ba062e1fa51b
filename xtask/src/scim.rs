//! `cargo xtask bench scim`: the lookup an identity provider sends before every push,
//! `GET {base}/scim/v2/liveperson/Users?filter=userName eq "…"`, against a sandbox of N
//! LivePerson users (a process of its own, as the vendor is), measured beside a read of one
//! user through the console's API in the same run; and the memory the proxy's list cache
//! takes, from its RSS before the first lookup and after it.
//!
//! The proxy is the `release` build, not `bench proxy`'s `production` (fat LTO, about five
//! minutes more of build on two cores): what is measured here is a lookup in the cache and the
//! vendor's revalidation of it, not the forwarder's instructions per request.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use serde_json::Value;

use crate::bench::{Running, free_port, median, memory_kb, wait_for_within};
use crate::step;

const ACCOUNT_ID: &str = "12345678";
const LP_TOKEN: &str = "bench-liveperson-token";
/// The identity provider's token: the proxy refuses one shorter than 16 characters.
const SCIM_TOKEN: &str = "bench-scim-token-0123456789abcdef";
const CONNECTION: &str = "liveperson";

/// The targets for the lookup once the cache is warm.
const MAX_LOOKUP_MEDIAN_MS: f64 = 20.0;
const MAX_LOOKUP_VS_READ: f64 = 5.0;

pub fn scim(root: &Path, users: usize, requests: usize) -> anyhow::Result<()> {
    ensure!(
        users > 0 && requests > 0,
        "--users and --requests must be > 0"
    );
    crate::build_release_servers()?;
    let bin = root.join("target").join("release");
    let work_dir = tempfile::tempdir()?;
    let work = work_dir.path();

    let sandbox_port = free_port()?;
    let _sandbox = step(&format!("starting the sandbox with {users} users"), || {
        let child = Running(
            Command::new(bin.join("sandbox"))
                .args([
                    "--listen",
                    &format!("127.0.0.1:{sandbox_port}"),
                    "--account-id",
                    ACCOUNT_ID,
                    "--users",
                    &users.to_string(),
                ])
                .env("SANDBOX_BEARER_TOKEN", LP_TOKEN)
                .env("SANDBOX_TRINTECH_TOKEN", "bench")
                .env("SANDBOX_COMMPEAK_PASSWORD", "bench")
                .env("RUST_LOG", "warn")
                .spawn()
                .context("starting the sandbox")?,
        );
        wait_for_within(sandbox_port, Duration::from_secs(300))?;
        Ok(child)
    })?;

    // Who is looked up: read from the vendor itself, so that the proxy has read nothing yet.
    let people = step("reading the users' ids and logins from the sandbox", || {
        let mut vendor = Http::open(sandbox_port)?;
        let (status, body) = vendor.get(
            &format!(
                "/api/account/{ACCOUNT_ID}/configuration/le-users/users?v=4.0&select=id,loginName"
            ),
            &[("authorization", &format!("Bearer {LP_TOKEN}"))],
        )?;
        ensure!(status == 200, "the sandbox's list answered {status}");
        let listed: Vec<Value> = serde_json::from_slice(&body)?;
        listed
            .iter()
            .map(|u| {
                Some((
                    u.get("id")?.as_i64()?.to_string(),
                    u.get("loginName")?.as_str()?.to_owned(),
                ))
            })
            .collect::<Option<Vec<_>>>()
            .context("a listed user without id or loginName")
    })?;
    ensure!(
        people.len() == users,
        "the sandbox lists {} users, not {users}",
        people.len()
    );
    // Spread over the whole list, a different user each time; the warm-up's is another one.
    let warm_up = &people[people.len() - 1];
    let measured: Vec<&(String, String)> = (0..requests)
        .map(|i| &people[i * people.len().saturating_sub(1).max(1) / requests % people.len()])
        .collect();

    let dist = work.join("dist");
    std::fs::create_dir_all(&dist)?;
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><html><head><title>bench</title></head><body></body></html>",
    )?;
    // SCIM's defaults are the embedded default's (the sandbox's seeded agent profile); the
    // lookups create no one, but the proxy checks them at start.
    let config = work.join("console.toml");
    std::fs::write(
        &config,
        format!(
            "[connections.{CONNECTION}]\nkind = \"liveperson\"\naccount_id = \"{ACCOUNT_ID}\"\n\
             domain = \"http://127.0.0.1:{sandbox_port}\"\nversion = \"4.0\"\n\
             auth = {{ scheme = \"bearer\", token_env = \"BENCH_LP_TOKEN\" }}\n\n\
             [scim]\nclient = \"bench\"\ntoken_env = \"BENCH_SCIM_TOKEN\"\n\
             connections = [\"{CONNECTION}\"]\n\
             defaults.{CONNECTION} = {{ profileIds = [3001], memberOf = {{ agentGroupId = -1 }}, \
             maxChats = 2 }}\n"
        ),
    )?;
    let proxy_port = free_port()?;
    let mut proxy_child = Command::new(bin.join("proxy"))
        .args(["--port", &proxy_port.to_string(), "--config"])
        .arg(&config)
        .arg("--dist")
        .arg(&dist)
        .env("BENCH_LP_TOKEN", LP_TOKEN)
        .env("BENCH_SCIM_TOKEN", SCIM_TOKEN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the proxy")?;
    let stdout = proxy_child.stdout.take().context("the proxy's stdout")?;
    let proxy_pid = proxy_child.id();
    let _proxy = Running(proxy_child);
    let mut stdout = BufReader::new(stdout);
    let mut line = String::new();
    stdout.read_line(&mut line)?;
    ensure!(
        line.starts_with("Users console:"),
        "the proxy did not start (it printed {line:?})"
    );
    // The rest of what it prints (the SCIM base URLs) is read, so that it never writes to a
    // closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    wait_for_within(proxy_port, Duration::from_secs(20))?;

    let mut console = Http::open(proxy_port)?;
    let mut idp = Http::open(proxy_port)?;
    let scim_auth = format!("Bearer {SCIM_TOKEN}");
    let mut read = |id: &str| -> anyhow::Result<f64> {
        let started = Instant::now();
        let (status, body) = console.get(
            &format!("/api/{CONNECTION}/users/{id}?v=4.0"),
            &[("sec-fetch-site", "same-origin")],
        )?;
        let took = started.elapsed();
        ensure!(
            status == 200,
            "the console's read of user {id} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
        Ok(took.as_secs_f64() * 1000.0)
    };
    let mut lookup = |login: &str| -> anyhow::Result<f64> {
        let filter = percent_encode(&format!("userName eq \"{login}\""));
        let started = Instant::now();
        let (status, body) = idp.get(
            &format!("/scim/v2/{CONNECTION}/Users?filter={filter}"),
            &[
                ("authorization", &scim_auth),
                ("accept", "application/scim+json"),
            ],
        )?;
        let took = started.elapsed();
        ensure!(
            status == 200,
            "the lookup of {login} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
        let found: Value = serde_json::from_slice(&body)?;
        let names: Vec<&str> = found["Resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["userName"].as_str())
            .collect();
        ensure!(
            found["totalResults"] == 1 && names.len() == 1 && names[0].eq_ignore_ascii_case(login),
            "the lookup of {login} found {names:?} (totalResults {})",
            found["totalResults"]
        );
        Ok(took.as_secs_f64() * 1000.0)
    };

    // The console's read first, so that the proxy's connection to the vendor is open before
    // the memory it holds without SCIM is taken.
    read(&warm_up.0)?;
    let rss_before = memory_kb(proxy_pid, "VmRSS")?;
    let cold_ms = step("warm-up: the first lookup (reads the whole list)", || {
        lookup(&warm_up.1)
    })?;
    let rss_warm = memory_kb(proxy_pid, "VmRSS")?;
    // The peak includes what reading the list took besides the cache (the vendor's answer,
    // its JSON parsed whole), freed since.
    let peak_warm = memory_kb(proxy_pid, "VmHWM")?;

    let (mut lookups, mut reads) = (Vec::new(), Vec::new());
    step(
        &format!("{requests} lookups and {requests} reads, interleaved"),
        || {
            for (id, login) in &measured {
                lookups.push(lookup(login)?);
                reads.push(read(id)?);
            }
            Ok(())
        },
    )?;
    let rss_after = memory_kb(proxy_pid, "VmRSS")?;

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let (lookup_median, lookup_p90) = (median(lookups.clone()), percentile(lookups, 0.9));
    let (read_median, read_p90) = (median(reads.clone()), percentile(reads, 0.9));
    println!(
        "\n`cargo xtask bench scim --users {users} --requests {requests}` on {cores} cores: \
         {users} LivePerson users in the sandbox (a process of its own), the proxy a release \
         build; sequential requests on one keep-alive connection each, interleaved.\n"
    );
    println!("| Request | Median ms | p90 ms |\n|---|---|---|");
    println!(
        "| SCIM lookup `GET /scim/v2/{CONNECTION}/Users?filter=userName eq \"…\"` ({requests}, warm) \
         | {lookup_median:.2} | {lookup_p90:.2} |"
    );
    println!(
        "| Console API read `GET /api/{CONNECTION}/users/{{id}}?v=4.0` ({requests}) \
         | {read_median:.2} | {read_p90:.2} |"
    );
    println!(
        "| Ratio lookup / read | {:.2}x | {:.2}x |",
        lookup_median / read_median,
        lookup_p90 / read_p90
    );
    println!("| First lookup (cold: reads and maps the whole list) | {cold_ms:.1} | |");
    let mb = |kb: f64| kb / 1024.0;
    let cache_kb = rss_warm - rss_before;
    println!(
        "\nProxy RSS (VmRSS): {:.1} MB before the first lookup, {:.1} MB after the warm-up \
         ({:+.1} MB, {:.0} bytes per user; peak {:.1} MB while the list was read), {:.1} MB \
         after the run ({:+.1} MB).",
        mb(rss_before),
        mb(rss_warm),
        mb(cache_kb),
        cache_kb * 1024.0 / users as f64,
        mb(peak_warm),
        mb(rss_after),
        mb(rss_after - rss_before)
    );
    let verdict = |ok: bool| if ok { "met" } else { "missed" };
    println!("\nThe lookup against the issue's targets (this run):");
    println!(
        "* median ≤ {MAX_LOOKUP_MEDIAN_MS} ms once warm: {lookup_median:.2} ms, {}",
        verdict(lookup_median <= MAX_LOOKUP_MEDIAN_MS)
    );
    println!(
        "* median ≤ {MAX_LOOKUP_VS_READ}x the console's read of one user: {:.2}x, {}",
        lookup_median / read_median,
        verdict(lookup_median / read_median <= MAX_LOOKUP_VS_READ)
    );
    Ok(())
}

/// The nearest-rank percentile `q` (0 < q ≤ 1) of `values`.
fn percentile(mut values: Vec<f64>, q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let rank = (q * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

/// A query parameter's value percent-encoded: everything but RFC 3986's unreserved characters.
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One keep-alive HTTP/1.1 connection to a local server, as an identity provider's client
/// holds one: requests are sequential, so what is timed is the server's answer, with no pool
/// or client library in between.
struct Http {
    port: u16,
    reader: Option<BufReader<TcpStream>>,
}

impl Http {
    fn open(port: u16) -> anyhow::Result<Self> {
        let mut http = Self { port, reader: None };
        http.connection()?;
        Ok(http)
    }

    fn connection(&mut self) -> anyhow::Result<&mut BufReader<TcpStream>> {
        if self.reader.is_none() {
            let stream = TcpStream::connect(("127.0.0.1", self.port))?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(Duration::from_secs(120)))?;
            self.reader = Some(BufReader::new(stream));
        }
        Ok(self.reader.as_mut().expect("just opened"))
    }

    /// `GET path` with `headers`: the status and the whole body. A connection the server
    /// closed while idle is opened again, once.
    fn get(&mut self, path: &str, headers: &[(&str, &str)]) -> anyhow::Result<(u16, Vec<u8>)> {
        let mut request = format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1:{}\r\n", self.port);
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        for attempt in 0..2 {
            let reader = self.connection()?;
            let sent = reader.get_mut().write_all(request.as_bytes());
            let mut status_line = String::new();
            let read = sent.and_then(|()| reader.read_line(&mut status_line));
            if matches!(read, Ok(0) | Err(_)) && attempt == 0 {
                self.reader = None;
                continue;
            }
            read.with_context(|| format!("GET {path}"))?;
            return self.answer(&status_line);
        }
        bail!("the server on port {} closed the connection", self.port)
    }

    fn answer(&mut self, status_line: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("not an HTTP status line: {status_line:?}"))?;
        let reader = self.connection()?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim();
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = Some(value.parse::<usize>()?),
                    "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                    "connection" => close = value.eq_ignore_ascii_case("close"),
                    _ => {}
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                let mut size = String::new();
                reader.read_line(&mut size)?;
                let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16)
                    .context("a chunk without its size")?;
                // The chunk and its CRLF; the last one (0) is followed by the empty trailer's.
                let mut chunk = vec![0; size + 2];
                reader.read_exact(&mut chunk)?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else if let Some(length) = length {
            body.resize(length, 0);
            reader.read_exact(&mut body)?;
        } else {
            reader.read_to_end(&mut body)?;
            close = true;
        }
        if close {
            self.reader = None;
        }
        Ok((status, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_percent_encoded() {
        assert_eq!(
            percent_encode("userName eq \"ada.lovelace2\""),
            "userName%20eq%20%22ada.lovelace2%22"
        );
    }

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=200).map(f64::from).collect();
        assert_eq!(percentile(values.clone(), 0.9), 180.0);
        assert_eq!(percentile(values, 1.0), 200.0);
        assert_eq!(percentile(vec![7.0], 0.9), 7.0);
    }
}
