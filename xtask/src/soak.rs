//! `cargo xtask soak --minutes N`: the release proxy and sandbox, each a process of its own,
//! under a mixed load of every vendor's operations while the sandbox injects faults, with a
//! row a minute and the end checks (`tests::soak`, the engine the 30-second test in `cargo
//! test` runs too). Fails when an end condition fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;

use crate::{cargo, run, step};

pub fn soak(root: &Path, minutes: u32) -> anyhow::Result<()> {
    crate::build_release_servers()?;
    // The load and the checks are an ignored test of the `tests` crate, as `bench console` is:
    // the engine lives there, beside the harness, and xtask stays free of the proxy's build.
    // The driver is a debug build (the one `cargo test` builds); the proxy and the sandbox
    // measured are release.
    let driver = step("building the soak's driver (tests/tests/soak.rs)", || {
        test_executable()
    })?;
    // Run directly rather than through `cargo test`, so that no cargo lock is held for the
    // minutes the soak lasts (other builds share this target directory).
    step(&format!("soak for {minutes} min"), || {
        run(Command::new(&driver)
            .args([
                "--ignored",
                "--exact",
                "soak_against_the_binaries",
                "--nocapture",
            ])
            .env("SOAK_BIN_DIR", root.join("target").join("release"))
            .env("SOAK_MINUTES", minutes.to_string()))
    })
}

/// Builds the `soak` test target and finds its executable in cargo's JSON messages.
fn test_executable() -> anyhow::Result<PathBuf> {
    let out = cargo()
        .args([
            "test",
            "-p",
            "tests",
            "--test",
            "soak",
            "--no-run",
            "--message-format=json",
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo test --no-run")?;
    anyhow::ensure!(out.status.success(), "building the soak test failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "soak")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .context("cargo named no executable for the soak test")
}
