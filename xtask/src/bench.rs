//! `cargo xtask bench proxy`: throughput and latency of one small GET (a CommPeak user) sent
//! straight to the sandbox, through the proxy, and through nginx's `proxy_pass` when nginx is
//! installed, measured with wrk in the same run, with the ratios and the proxy's peak memory.

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
struct Running(Child);

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

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_for(port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("nothing listens on port {port}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// wrk's figures for one target.
struct Figures {
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
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
    Ok(Figures {
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
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM")?;
    Ok(kb / 1024.0)
}

pub fn proxy(root: &Path, seconds: u32) -> anyhow::Result<()> {
    if Command::new("wrk").arg("--version").output().is_err() {
        step("installing Debian's wrk (once)", || {
            tools::apt_install(&["wrk"])
        })?;
    }
    step("building sandbox and proxy (release)", || {
        run(cargo().args(["build", "--release", "-p", "sandbox", "-p", "proxy"]))
    })?;
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
    let mut proxy_child = Command::new(bin.join("proxy"))
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
    let mut targets = vec![
        (
            "direct to the sandbox",
            format!("{commpeak}{USER_PATH}"),
            Some(basic.clone()),
        ),
        (
            "through the proxy",
            format!("http://127.0.0.1:{proxy_port}/api/cp/users/1001"),
            None,
        ),
    ];
    let _nginx = match Command::new("nginx").arg("-v").output() {
        Ok(_) => {
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
                "through nginx proxy_pass",
                format!("http://127.0.0.1:{port}/api/cp/users/1001"),
                None,
            ));
            Some(Running(child))
        }
        Err(_) => {
            eprintln!("xtask: nginx is not installed; its row is left out");
            None
        }
    };

    let mut results = Vec::new();
    for (name, url, auth) in &targets {
        // A short warm-up so connection pools and caches are in their steady state.
        wrk(url, auth.as_deref(), 2)?;
        let figures = step(&format!("wrk {name} ({seconds} s)"), || {
            wrk(url, auth.as_deref(), seconds)
        })?;
        results.push((*name, figures));
    }
    let rss = peak_rss_mb(proxy_pid)?;
    drop(sandbox);

    let direct = &results[0].1;
    println!("\n| Target | Requests/s | p50 ms | p99 ms | vs direct (throughput) | added p99 ms |");
    println!("|---|---|---|---|---|---|");
    for (name, f) in &results {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {:.2}x | {:.2} |",
            f.requests_per_second,
            f.p50_ms,
            f.p99_ms,
            f.requests_per_second / direct.requests_per_second,
            f.p99_ms - direct.p99_ms
        );
    }
    if let Some((_, nginx)) = results.get(2) {
        let proxy = &results[1].1;
        println!(
            "\nproxy vs nginx: throughput {:.2}x, p99 {:.2} ms vs {:.2} ms",
            proxy.requests_per_second / nginx.requests_per_second,
            proxy.p99_ms,
            nginx.p99_ms
        );
    }
    println!("proxy peak RSS: {rss:.1} MB");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_units() {
        assert_eq!(milliseconds("850.00us"), Some(0.85));
        assert_eq!(milliseconds("1.50ms"), Some(1.5));
        assert_eq!(milliseconds("2.00s"), Some(2000.0));
    }
}
