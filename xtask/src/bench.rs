//! `cargo xtask bench proxy`: throughput, latency and CPU per request of one small GET (a
//! CommPeak user) sent straight to the sandbox, through the proxy, through a bare hyper
//! forwarder (the floor on the proxy's stack), through nginx's `proxy_pass` (the C
//! reference) and through Caddy's `reverse_proxy` (a Go peer), measured with wrk in the same
//! interleaved run; the issue's targets as ratios, met or not, and the proxy's peak memory.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::{cargo, run, step, tools};

const PASSWORD: &str = "bench-password";
const USER_PATH: &str = "/api/users/1001";

/// A child process stopped when dropped: SIGTERM, so that a master process (nginx) takes
/// its workers down with it, which SIGKILL would orphan.
pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let stopped = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_for(port: u16) -> anyhow::Result<()> {
    wait_for_within(port, Duration::from_secs(20))
}

/// Waits until something listens on `port`, for at most `limit` (a sandbox seeding tens of
/// thousands of users takes longer than a server's start).
pub(crate) fn wait_for_within(port: u16, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("nothing listens on port {port}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// wrk's figures for one target.
#[derive(Clone, Copy)]
struct Figures {
    requests_per_second: f64,
    requests: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// Rounds per target, interleaved (direct, proxy, nginx, direct, …), so that a slow spell on
/// this shared machine hits every target alike; the median round is reported.
const ROUNDS: usize = 3;

const DIRECT: &str = "direct to the sandbox";
const PROXY: &str = "through the proxy";
const FLOOR: &str = "through a bare hyper forwarder (the floor)";
const NGINX: &str = "through nginx proxy_pass";
const CADDY: &str = "through Caddy reverse_proxy";

/// The targets, as ratios within one run (issue "Reliability you can measure", item 5).
const MAX_CPU_VS_FLOOR: f64 = 1.15;
const MIN_THROUGHPUT_VS_CADDY: f64 = 2.0;
const MIN_THROUGHPUT_VS_NGINX: f64 = 0.95;
const MAX_ADDED_P99_VS_NGINX: f64 = 1.25;

/// CPU time (user + system) a process and its threads have used so far, in seconds.
fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .context("unexpected /proc stat")?
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    Ok(ticks / clock_ticks_per_second()?)
}

fn clock_ticks_per_second() -> anyhow::Result<f64> {
    let out = Command::new("getconf").arg("CLK_TCK").output()?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}

/// The processes doing a server's work: itself, or for nginx its workers.
fn workers_of(pid: u32) -> Vec<u32> {
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    let workers: Vec<u32> = children
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    if workers.is_empty() {
        vec![pid]
    } else {
        workers
    }
}

pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn milliseconds(value: &str) -> Option<f64> {
    let (number, unit) = value.split_at(value.find(|c: char| c.is_alphabetic())?);
    let number: f64 = number.parse().ok()?;
    Some(match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        _ => return None,
    })
}

fn wrk(url: &str, auth: Option<&str>, seconds: u32) -> anyhow::Result<Figures> {
    let mut command = Command::new("wrk");
    command.args(["-t2", "-c32", &format!("-d{seconds}s"), "--latency", url]);
    if let Some(auth) = auth {
        command.args(["-H", &format!("Authorization: {auth}")]);
    }
    let out = command.output().context("running wrk")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_owned()))
    };
    let non_2xx = field("Non-2xx or 3xx responses:");
    if let Some(count) = non_2xx {
        bail!("{url} answered {count} errors under load:\n{text}");
    }
    let requests = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.parse().ok())
        .context("no request count in wrk's output")?;
    Ok(Figures {
        requests,
        requests_per_second: field("Requests/sec:")
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("no Requests/sec in wrk's output:\n{text}"))?,
        p50_ms: field("50%")
            .and_then(|v| milliseconds(&v))
            .context("no p50")?,
        p99_ms: field("99%")
            .and_then(|v| milliseconds(&v))
            .context("no p99")?,
    })
}

fn peak_rss_mb(pid: u32) -> anyhow::Result<f64> {
    Ok(memory_kb(pid, "VmHWM")? / 1024.0)
}

/// A process's memory figure from `/proc/<pid>/status` in kB: `VmRSS` (now), `VmHWM` (peak).
pub(crate) fn memory_kb(pid: u32, field: &str) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {field} in /proc/{pid}/status"))
}

pub fn proxy(root: &Path, seconds: u32, runs: u32) -> anyhow::Result<()> {
    // The load generator and the peers, from Debian (pinned by the release: nginx 1.22,
    // Caddy 2.6), so every run has the same rows.
    for (program, probe, package) in [
        ("wrk", "--version", "wrk"),
        ("nginx", "-v", "nginx-light"),
        ("caddy", "version", "caddy"),
    ] {
        if Command::new(program).arg(probe).output().is_err() {
            step(&format!("installing Debian's {package} (once)"), || {
                tools::apt_install(&[package])
            })?;
        }
    }
    // The proxy as deployed (the Dockerfile's profile); the sandbox, standing for the vendor,
    // as `cargo xtask run` builds it.
    step("building the sandbox (release)", || {
        run(cargo().args(["build", "--release", "-p", "sandbox"]))
    })?;
    step(
        "building the proxy and the bare forwarder (production profile: fat LTO)",
        || {
            run(cargo().args([
                "build",
                "--profile",
                "production",
                "-p",
                "proxy",
                "--bin",
                "proxy",
                "--example",
                "bare_forwarder",
            ]))
        },
    )?;
    let bin = root.join("target").join("release");
    let work_dir = tempfile::tempdir()?;
    let work = work_dir.path();

    let sandbox_port = free_port()?;
    let sandbox = Running(
        Command::new(bin.join("sandbox"))
            .args([
                "--listen",
                &format!("127.0.0.1:{sandbox_port}"),
                "--users",
                "1000",
            ])
            .env("SANDBOX_BEARER_TOKEN", "bench")
            .env("SANDBOX_TRINTECH_TOKEN", "bench")
            .env("SANDBOX_COMMPEAK_USER", "api")
            .env("SANDBOX_COMMPEAK_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .spawn()
            .context("starting the sandbox")?,
    );
    wait_for(sandbox_port)?;
    let commpeak = format!("http://127.0.0.1:{sandbox_port}{}", "/commpeak");

    let dist = work.join("dist");
    std::fs::create_dir_all(&dist)?;
    std::fs::write(dist.join("index.html"), "<title>bench</title>")?;
    let config = work.join("console.toml");
    std::fs::write(
        &config,
        format!(
            "[connections.cp]\nkind = \"commpeak\"\nbase_url = \"{commpeak}\"\n\
             auth = {{ scheme = \"basic\", username = \"api\", password_env = \"BENCH_PASSWORD\" }}\n"
        ),
    )?;
    let proxy_port = free_port()?;
    let mut proxy_child = Command::new(root.join("target").join("production").join("proxy"))
        .args(["--port", &proxy_port.to_string(), "--config"])
        .arg(&config)
        .arg("--dist")
        .arg(&dist)
        .env("BENCH_PASSWORD", PASSWORD)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the proxy")?;
    let mut line = String::new();
    BufReader::new(proxy_child.stdout.take().context("proxy stdout")?).read_line(&mut line)?;
    let proxy_pid = proxy_child.id();
    let _proxy = Running(proxy_child);
    wait_for(proxy_port)?;

    let basic = format!("Basic {}", STANDARD.encode(format!("api:{PASSWORD}")));
    // The floor: what any forwarder on the proxy's stack (hyper, hyper-util's client, tokio,
    // mimalloc) costs, with none of the proxy's features. See `proxy/examples/bare_forwarder.rs`.
    let floor_port = free_port()?;
    let floor = Running(
        Command::new(
            root.join("target")
                .join("production")
                .join("examples")
                .join("bare_forwarder"),
        )
        .args([
            &floor_port.to_string(),
            &format!("http://127.0.0.1:{sandbox_port}"),
            "/api/cp",
            "/commpeak/api",
        ])
        .env("BARE_FORWARDER_AUTHORIZATION", &basic)
        .spawn()
        .context("starting the bare forwarder")?,
    );
    wait_for(floor_port)?;
    // Each target with the process whose CPU time per request is reported.
    let mut targets = vec![
        (
            DIRECT,
            format!("{commpeak}{USER_PATH}"),
            Some(basic.clone()),
            sandbox.0.id(),
        ),
        (
            PROXY,
            format!("http://127.0.0.1:{proxy_port}/api/cp/users/1001"),
            None,
            proxy_pid,
        ),
        (
            FLOOR,
            format!("http://127.0.0.1:{floor_port}/api/cp/users/1001"),
            None,
            floor.0.id(),
        ),
    ];
    let nginx = {
        let port = free_port()?;
        let conf = work.join("nginx.conf");
        std::fs::write(
            &conf,
            format!(
                "worker_processes 1; pid {pid}; error_log stderr error;\n\
                 events {{ worker_connections 1024; }}\n\
                 http {{ access_log off; upstream sandbox {{ server 127.0.0.1:{sandbox_port}; keepalive 64; }}\n\
                 server {{ listen 127.0.0.1:{port};\n\
                 location /api/cp/users/ {{ proxy_pass http://sandbox/commpeak/api/users/;\n\
                 proxy_http_version 1.1; proxy_set_header Connection \"\";\n\
                 proxy_set_header Authorization \"{basic}\"; }} }} }}\n",
                pid = work.join("nginx.pid").display(),
            ),
        )?;
        let child = Command::new("nginx")
            .args(["-p", &work.display().to_string(), "-c"])
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .spawn()
            .context("starting nginx")?;
        wait_for(port)?;
        targets.push((
            NGINX,
            format!("http://127.0.0.1:{port}/api/cp/users/1001"),
            None,
            child.id(),
        ));
        Running(child)
    };
    // Caddy with the same path rewrite and header, no admin endpoint, no access log (its
    // default), so it does what nginx does.
    let caddy = {
        let port = free_port()?;
        let conf = work.join("Caddyfile");
        std::fs::write(
            &conf,
            format!(
                "{{\n  admin off\n  auto_https off\n}}\n\
                 http://127.0.0.1:{port} {{\n  bind 127.0.0.1\n\
                 \x20 uri replace /api/cp/users/ /commpeak/api/users/\n\
                 \x20 reverse_proxy 127.0.0.1:{sandbox_port} {{\n    header_up Authorization \"{basic}\"\n  }}\n}}\n"
            ),
        )?;
        let child = Command::new("caddy")
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&conf)
            .env("HOME", work)
            .env("XDG_DATA_HOME", work)
            .env("XDG_CONFIG_HOME", work)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting caddy")?;
        wait_for(port)?;
        targets.push((
            CADDY,
            format!("http://127.0.0.1:{port}/api/cp/users/1001"),
            None,
            child.id(),
        ));
        Running(child)
    };

    // A short warm-up so connection pools and caches are in their steady state.
    for (_, url, auth, _) in &targets {
        wrk(url, auth.as_deref(), 2)?;
    }
    let mut met = Vec::new();
    for run in 1..=runs {
        if runs > 1 {
            println!("\n## Run {run} of {runs}");
        }
        let results = measure(&targets, seconds)?;
        met.push(report(&results));
    }
    let rss = peak_rss_mb(proxy_pid)?;
    drop((nginx, caddy, floor, sandbox));
    if runs > 1 {
        println!("\nTargets met, of {runs} runs:");
        for (k, (name, _)) in met[0].iter().enumerate() {
            let times = met.iter().filter(|run| run[k].1).count();
            println!("* {name}: {times} of {runs}");
        }
    }
    println!("proxy peak RSS: {rss:.1} MB");
    Ok(())
}

/// One target: its name, URL, `Authorization` header, and the process whose CPU is counted.
type Target = (&'static str, String, Option<String>, u32);

/// ROUNDS interleaved rounds over every target; the median of each figure per target.
fn measure(targets: &[Target], seconds: u32) -> anyhow::Result<Vec<(&'static str, Figures, f64)>> {
    let mut rounds: Vec<Vec<(Figures, f64)>> = vec![Vec::new(); targets.len()];
    for round in 1..=ROUNDS {
        for ((name, url, auth, pid), measured) in targets.iter().zip(&mut rounds) {
            let workers = workers_of(*pid);
            let cpu = |workers: &[u32]| -> anyhow::Result<f64> {
                workers.iter().map(|w| cpu_seconds(*w)).sum()
            };
            let before = cpu(&workers)?;
            let figures = step(
                &format!("wrk {name}, round {round} of {ROUNDS} ({seconds} s)"),
                || wrk(url, auth.as_deref(), seconds),
            )?;
            let cpu_us_per_request = (cpu(&workers)? - before) * 1e6 / figures.requests;
            measured.push((figures, cpu_us_per_request));
        }
    }
    Ok(targets
        .iter()
        .zip(&rounds)
        .map(|((name, ..), measured)| {
            let of = |f: fn(&(Figures, f64)) -> f64| median(measured.iter().map(f).collect());
            let figures = Figures {
                requests_per_second: of(|m| m.0.requests_per_second),
                requests: of(|m| m.0.requests),
                p50_ms: of(|m| m.0.p50_ms),
                p99_ms: of(|m| m.0.p99_ms),
            };
            (*name, figures, of(|m| m.1))
        })
        .collect())
}

/// Prints one run's table and the targets; each target's name and whether it was met.
fn report(results: &[(&'static str, Figures, f64)]) -> Vec<(String, bool)> {
    let direct = &results[0].1;
    println!(
        "\nMedians of {ROUNDS} interleaved rounds. CPU per request: of the sandbox (direct), of the forwarder (the others; nginx's worker, Caddy's process).\n"
    );
    println!(
        "| Target | Requests/s | p50 ms | p99 ms | vs direct (throughput) | added p99 ms | CPU µs per request |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, f, cpu) in results {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {:.2}x | {:.2} | {cpu:.1} |",
            f.requests_per_second,
            f.p50_ms,
            f.p99_ms,
            f.requests_per_second / direct.requests_per_second,
            f.p99_ms - direct.p99_ms
        );
    }
    let row = |wanted: &str| {
        results
            .iter()
            .find(|(name, ..)| *name == wanted)
            .map(|(_, f, cpu)| (*f, *cpu))
            .expect("every target is measured")
    };
    let ((proxy, proxy_cpu), (_, floor_cpu), (nginx, _), (caddy, _)) =
        (row(PROXY), row(FLOOR), row(NGINX), row(CADDY));
    // Added p99: what the forwarder adds to the vendor's own p99; floored at 0.01 ms so a
    // lucky round (below direct) does not divide by nothing.
    let added = |f: Figures| (f.p99_ms - direct.p99_ms).max(0.01);
    let checks = [
        (
            format!("CPU per request ≤ {MAX_CPU_VS_FLOOR}x the bare forwarder's"),
            proxy_cpu / floor_cpu,
            proxy_cpu / floor_cpu <= MAX_CPU_VS_FLOOR,
        ),
        (
            format!("throughput ≥ {MIN_THROUGHPUT_VS_CADDY}x Caddy's"),
            proxy.requests_per_second / caddy.requests_per_second,
            proxy.requests_per_second / caddy.requests_per_second >= MIN_THROUGHPUT_VS_CADDY,
        ),
        (
            format!("throughput ≥ {MIN_THROUGHPUT_VS_NGINX}x nginx's"),
            proxy.requests_per_second / nginx.requests_per_second,
            proxy.requests_per_second / nginx.requests_per_second >= MIN_THROUGHPUT_VS_NGINX,
        ),
        (
            format!("added p99 ≤ {MAX_ADDED_P99_VS_NGINX}x nginx's"),
            added(proxy) / added(nginx),
            added(proxy) / added(nginx) <= MAX_ADDED_P99_VS_NGINX,
        ),
    ];
    println!("\nThe proxy against its targets (ratios in this run):");
    for (name, ratio, ok) in &checks {
        println!(
            "* {name}: {ratio:.2}x, {}",
            if *ok { "met" } else { "missed" }
        );
    }
    checks.into_iter().map(|(name, _, ok)| (name, ok)).collect()
}

/// The vendor whose list `bench console` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Vendor {
    Liveperson,
    Commpeak,
    Trintech,
}

impl Vendor {
    /// Its name in `CONSOLE_BENCH_VENDOR`, which the measuring test reads.
    fn name(self) -> &'static str {
        match self {
            Vendor::Liveperson => "liveperson",
            Vendor::Commpeak => "commpeak",
            Vendor::Trintech => "trintech",
        }
    }
}

/// The console's browser benchmark: the bundle's sizes from `dist/`, then the measuring run,
/// an ignored test of the `tests` crate (it has the harness: sandbox, proxy, Chromium), given
/// the vendor in `CONSOLE_BENCH_VENDOR`.
pub fn console(root: &Path, vendor: Vendor) -> anyhow::Result<()> {
    // (on demand?, group) -> (raw, gzip, brotli): the first load's groups sort first.
    let mut groups = std::collections::BTreeMap::<(bool, String), [u64; 3]>::new();
    for entry in std::fs::read_dir(root.join("dist"))? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let Some((first_load, group)) = bundle_group(&name) else {
            continue;
        };
        let size = |suffix: &str| -> anyhow::Result<u64> {
            Ok(std::fs::metadata(format!("{}{suffix}", path.display()))?.len())
        };
        let sizes = groups.entry((!first_load, group)).or_default();
        for (total, size) in sizes
            .iter_mut()
            .zip([size("")?, size(".gz")?, size(".br")?])
        {
            *total += size;
        }
    }
    println!("Bundle (dist/, release, wasm-opt -Oz):\n");
    println!("| Files | Raw | gzip | brotli |\n|---|---|---|---|");
    let kb = |b: u64| format!("{:.1} kB", b as f64 / 1000.0);
    let row = |name: &str, [raw, gz, br]: [u64; 3]| {
        println!("| {name} | {} | {} | {} |", kb(raw), kb(gz), kb(br));
    };
    let mut first = [0; 3];
    for ((on_demand, group), sizes) in &groups {
        if *on_demand && first != [0; 3] {
            row("**whole first load**", first);
            first = [0; 3];
        }
        if !on_demand {
            for (total, size) in first.iter_mut().zip(sizes) {
                *total += size;
            }
        }
        row(group, *sizes);
    }
    if first != [0; 3] {
        row("**whole first load**", first);
    }
    println!();
    run(benchmark_test("console_bench").env("CONSOLE_BENCH_VENDOR", vendor.name()))
}

/// `cargo xtask bench compression`: the benchmark test that compresses each vendor's list.
pub fn compression() -> anyhow::Result<()> {
    run(&mut benchmark_test("compression_bench"))
}

/// The release build of the ignored benchmark test `test` (a file of `tests/tests/`), run
/// with its output shown: how every browser and loopback benchmark is run.
pub fn benchmark_test(test: &str) -> Command {
    let mut command = cargo();
    command.args([
        "test",
        "--release",
        "-p",
        "tests",
        "--test",
        test,
        "--",
        "--ignored",
        "--nocapture",
    ]);
    command
}

/// Which part of the bundle a file of `dist/` is, and whether the first load fetches it:
/// everything but the modules wasm-split made for the screens loaded on demand.
fn bundle_group(name: &str) -> Option<(bool, String)> {
    let group = match name.rsplit_once('.')?.1 {
        "html" => "index.html".to_owned(),
        "css" => "CSS".to_owned(),
        "js" => "JS (wasm-bindgen glue, wasm-split loader)".to_owned(),
        "wasm" if name.starts_with("split_") => {
            let screen = name.trim_start_matches("split_");
            let screen = screen.split_once('-').map_or(screen, |(s, _)| s);
            return Some((false, format!("on demand: {}", screen.replace('_', " "))));
        }
        "wasm" if name.starts_with("chunk_") => {
            return Some((false, "on demand: code they share".to_owned()));
        }
        "wasm" => "wasm (first-load module)".to_owned(),
        _ => return None,
    };
    Some((true, group))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_groups() {
        for (name, expected) in [
            ("index.html", Some((true, "index.html"))),
            ("style-0123456789abcdef.css", Some((true, "CSS"))),
            (
                "frontend_bg-0123456789abcdef.wasm",
                Some((true, "wasm (first-load module)")),
            ),
            (
                "__wasm_split-0123456789abcdef.js",
                Some((true, "JS (wasm-bindgen glue, wasm-split loader)")),
            ),
            (
                "split_user_screen-0123456789abcdef.wasm",
                Some((false, "on demand: user screen")),
            ),
            (
                "chunk_7-0123456789abcdef.wasm",
                Some((false, "on demand: code they share")),
            ),
            ("frontend_bg-0123456789abcdef.wasm.br", None),
            (".trunk-lock", None),
        ] {
            assert_eq!(
                bundle_group(name),
                expected.map(|(first, group)| (first, group.to_owned())),
                "{name}"
            );
        }
    }

    #[test]
    fn wrk_units() {
        assert_eq!(milliseconds("850.00us"), Some(0.85));
        assert_eq!(milliseconds("1.50ms"), Some(1.5));
        assert_eq!(milliseconds("2.00s"), Some(2000.0));
    }
}
