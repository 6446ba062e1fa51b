//! `cargo xtask bench editors`: E editors each doing R read-modify-write cycles on a few
//! shared users of one connection, through the proxy, by the console's conflict rule
//! (`shared::conflict`). The measuring run is the ignored `editors_bench` of the `tests`
//! crate, which holds the engine (`tests/src/editors.rs`) its ordinary test runs small, so
//! the benchmark and the test share one code path.

use crate::run;

/// The vendor whose connection is edited: those with a read of one user to decide with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Vendor {
    Liveperson,
    Commpeak,
}

impl Vendor {
    /// Its name in `EDITORS_VENDOR`, which the measuring test reads.
    fn name(self) -> &'static str {
        match self {
            Vendor::Liveperson => "liveperson",
            Vendor::Commpeak => "commpeak",
        }
    }
}

/// Runs the benchmark, release-built: a reference of one editor alone, then the editors.
pub fn editors(vendor: Vendor, editors: usize, cycles: usize, users: usize) -> anyhow::Result<()> {
    run(crate::bench::benchmark_test("editors")
        .arg("editors_bench")
        .env("EDITORS_VENDOR", vendor.name())
        .env("EDITORS", editors.to_string())
        .env("EDITORS_CYCLES", cycles.to_string())
        .env("EDITORS_USERS", users.to_string()))
}
