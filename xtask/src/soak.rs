//! `cargo xtask soak --minutes N`: the release proxy and sandbox, each a process of its own,
//! under a mixed load of every vendor's operations while the sandbox injects faults, with a
//! row a minute and the end checks (`tests::soak`, the engine the 30-second test in `cargo
//! test` runs too). Fails when an end condition fails.

use std::path::Path;

use crate::{cargo, run, step};

pub fn soak(root: &Path, minutes: u32) -> anyhow::Result<()> {
    step("building the proxy and the sandbox (release)", || {
        run(cargo().args([
            "build",
            "--release",
            "-p",
            "proxy",
            "--bin",
            "proxy",
            "-p",
            "sandbox",
            "--bin",
            "sandbox",
        ]))
    })?;
    // The load and the checks are an ignored test of the `tests` crate, as `bench console` is:
    // the engine lives there, beside the harness, and xtask stays free of the proxy's build.
    // The driver is a debug build (already built by `cargo test`); the proxy and the sandbox
    // measured are release.
    step(&format!("soak for {minutes} min"), || {
        run(cargo()
            .args([
                "test",
                "-p",
                "tests",
                "--test",
                "soak",
                "--",
                "--ignored",
                "--exact",
                "soak_against_the_binaries",
                "--nocapture",
            ])
            .env("SOAK_BIN_DIR", root.join("target").join("release"))
            .env("SOAK_MINUTES", minutes.to_string()))
    })
}
