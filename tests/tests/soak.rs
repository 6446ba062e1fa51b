//! The soak under faults (`tests::soak`), 30 seconds of it in every `cargo test`; `cargo xtask
//! soak --minutes N` runs the same engine for longer against the release binaries, through
//! `soak_against_the_binaries` below.
//!
//! The proxy runs as a process of its own so that its memory and descriptors are its alone:
//! this very test binary, run again with only `proxy_process`, which serves the proxy when
//! `tests::soak::PROXY_CONFIG_ENV` names its configuration and does nothing otherwise.

use std::time::Duration;

use tests::soak::{Options, Target};

/// Fails with the whole report when an end condition fails.
fn judge(report: &tests::soak::Report) {
    println!("\n{report}");
    let failures = report.failures();
    assert!(
        failures.is_empty(),
        "{} end condition(s) failed:\n{report}",
        failures.len()
    );
}

#[tokio::test]
async fn thirty_seconds_under_faults() {
    let mut proxy = std::process::Command::new(std::env::current_exe().unwrap());
    proxy.args(["--exact", "proxy_process", "--ignored", "--nocapture"]);
    let target = Target::proxy_process(proxy).await.unwrap();
    let options = Options::new(Duration::from_secs(30), Duration::from_secs(5));
    let report = tests::soak::run(&target, &options).await.unwrap();
    judge(&report);
}

/// Not a test: the proxy's process for `thirty_seconds_under_faults`.
#[tokio::test]
#[ignore = "the proxy's process for the soak; returns at once unless the soak started it"]
async fn proxy_process() {
    tests::soak::serve_proxy_if_asked().await.unwrap();
}

/// `cargo xtask soak --minutes N`: the release binaries in `SOAK_BIN_DIR`, for
/// `SOAK_MINUTES`, a row a minute.
#[tokio::test]
#[ignore = "run by cargo xtask soak"]
async fn soak_against_the_binaries() {
    let Some(bin_dir) = std::env::var_os("SOAK_BIN_DIR") else {
        panic!("SOAK_BIN_DIR names the directory of the release proxy and sandbox");
    };
    let minutes: u64 = std::env::var("SOAK_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(10);
    let target = Target::binaries(std::path::Path::new(&bin_dir)).unwrap();
    let options = Options::new(Duration::from_secs(minutes * 60), Duration::from_secs(60));
    println!(
        "soak: {minutes} min, proxy pid {} at {}, sandbox at {}",
        target.proxy_pid, target.proxy_url, target.sandbox_url
    );
    let report = tests::soak::run(&target, &options).await.unwrap();
    judge(&report);
}
