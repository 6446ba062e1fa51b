//! `cargo xtask`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! `run` and `test` first install whatever is missing of the pinned toolchain (the wasm32
//! target, Trunk, wasm-bindgen-cli, binaryen's wasm-opt, and for tests Chromium with its
//! driver) and skip whatever is already there at the right version.

mod bench;
mod editors;
mod scim;
mod soak;
mod split;
mod tools;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Project automation for the users console")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Build the SPA and serve the console with the embedded sandbox (default
    /// http://127.0.0.1:8080). Extra arguments go to the proxy, e.g. `-- --port 9000`.
    Run {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        proxy_args: Vec<String>,
    },
    /// Everything CI checks: formatting, clippy, the SPA build, and all tests including the
    /// real-browser ones.
    Test,
    /// Install the pinned toolchain only.
    Setup {
        /// Also install Chromium and chromedriver for the browser tests.
        #[arg(long)]
        browser: bool,
    },
    /// Build the SPA into dist/ (release, size-optimised).
    Dist,
    /// Trunk's post-build hook (Trunk.toml): splits the screens loaded on demand out of the
    /// staged wasm. Not for use by hand.
    #[command(hide = true)]
    SplitWasm,
    /// The release proxy under a mixed load of every vendor for `--minutes` while the sandbox
    /// injects faults: a row a minute (requests, statuses, p50/p99, the proxy's RSS and
    /// descriptors), then the end checks; fails when one fails.
    Soak {
        #[arg(long, default_value_t = 10)]
        minutes: u32,
    },
    /// Benchmarks; figures go to BENCHMARKS.md.
    Bench {
        #[command(subcommand)]
        which: Bench,
    },
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// A small GET straight to the sandbox, through the proxy, a bare forwarder, nginx and
    /// Caddy (wrk, same run): throughput, p50/p99 latency, CPU per request, the targets'
    /// ratios, the proxy's peak RSS.
    Proxy {
        /// Seconds each target is loaded for.
        #[arg(long, default_value_t = 10)]
        seconds: u32,
        /// Whole measurements in a row (each its own interleaved rounds), and how many of
        /// them met each target.
        #[arg(long, default_value_t = 1)]
        runs: u32,
    },
    /// The console in headless Chromium with 50,000 users: bundle sizes, navigation to the
    /// list, a search keystroke, a sort, scrolling frame times, the JS heap. Another vendor
    /// than LivePerson is measured beside LivePerson in the same run, with the ratios.
    Console {
        /// The vendor whose list is measured.
        #[arg(value_enum, default_value_t = bench::Vendor::Liveperson)]
        vendor: bench::Vendor,
    },
    /// Each vendor's list of 50,000 users compressed by the proxy's layer, per algorithm
    /// and level: the ratio and the time per MB (what the proxy's level is chosen from).
    Compression,
    /// Concurrent editors through the proxy, each saving by the console's conflict rule:
    /// acknowledged writes, conflicts, rebases, writes per second and lost updates.
    Editors {
        #[arg(long, value_enum, default_value_t = editors::Vendor::Liveperson)]
        vendor: editors::Vendor,
        /// Editors at once.
        #[arg(long, default_value_t = 8)]
        editors: usize,
        /// Read-modify-write cycles per editor.
        #[arg(long, default_value_t = 200)]
        cycles: usize,
        /// The users they share.
        #[arg(long, default_value_t = 4)]
        users: usize,
    },
    /// SCIM's lookup of a user by userName (what an identity provider sends before every
    /// push) against N LivePerson users, beside a read of one user through the console's API
    /// in the same run: median, p90 and their ratio; the proxy's RSS before and after its list
    /// cache fills.
    Scim {
        /// LivePerson users in the sandbox.
        #[arg(long, default_value_t = 50_000)]
        users: usize,
        /// Lookups measured, and reads of one user beside them.
        #[arg(long, default_value_t = 200)]
        requests: usize,
    },
}

fn main() -> std::process::ExitCode {
    match run_task(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The failing step's own output is above; a backtrace of xtask would only bury it.
            eprintln!("xtask: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run_task(cli: Cli) -> anyhow::Result<()> {
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match cli.command {
        Task::SplitWasm => split::split_wasm(&root),
        Task::Run { proxy_args } => {
            let tools = tools::ensure_build_tools(&root)?;
            build_spa(&tools)?;
            step("building and starting the console", || {
                let db = root.join("target").join("sandbox.sqlite");
                let mut command = cargo();
                command.args(["run", "--release", "--package", "proxy", "--", "--dist"]);
                command
                    .arg(root.join("dist"))
                    .arg("--sandbox-db")
                    .arg(&db)
                    .args(&proxy_args);
                run(&mut command)
            })
        }
        Task::Test => {
            let started = Instant::now();
            warn_if_little_disk(&root);
            let tools = tools::ensure_build_tools(&root)?;
            tools::ensure_browser()?;
            let axe = tools::ensure_axe()?;
            step("cargo fmt --check", || {
                run(cargo().args(["fmt", "--all", "--", "--check"]))
            })?;
            step("cargo clippy", || {
                run(cargo().args([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ]))
            })?;
            build_spa(&tools)?;
            let (passed, failed) = step("cargo test", || {
                // Every failing test binary is reported, not just the first.
                run_tests(
                    cargo()
                        .args(["test", "--workspace", "--no-fail-fast"])
                        .env("AXE_CORE_JS", &axe),
                )
            })?;
            eprintln!("xtask: all checks passed in {:.0?}", started.elapsed());
            // One plain closing line for the whole suite: cargo prints one summary per test
            // binary, and the last of those is often an empty doc-test run.
            println!("tests: {passed} passed, {failed} failed");
            Ok(())
        }
        Task::Setup { browser } => {
            tools::ensure_build_tools(&root)?;
            if browser {
                tools::ensure_browser()?;
                tools::ensure_axe()?;
            }
            Ok(())
        }
        Task::Dist => build_spa(&tools::ensure_build_tools(&root)?),
        Task::Soak { minutes } => soak::soak(&root, minutes),
        Task::Bench {
            which: Bench::Proxy { seconds, runs },
        } => bench::proxy(&root, seconds, runs),
        Task::Bench {
            which: Bench::Compression,
        } => bench::compression(),
        Task::Bench {
            which: Bench::Console { vendor },
        } => {
            let tools = tools::ensure_build_tools(&root)?;
            tools::ensure_browser()?;
            build_spa(&tools)?;
            bench::console(&root, vendor)
        }
        Task::Bench {
            which:
                Bench::Editors {
                    vendor,
                    editors,
                    cycles,
                    users,
                },
        } => editors::editors(vendor, editors, cycles, users),
        Task::Bench {
            which: Bench::Scim { users, requests },
        } => scim::scim(&root, users, requests),
    }
}

/// Builds `frontend/` into `dist/` with Trunk, using only the pinned local tools.
fn build_spa(tools: &tools::BuildTools) -> anyhow::Result<()> {
    // Trunk.toml sets `offline = true` (no tool downloads), which also makes cargo offline:
    // fetch the crates first so a fresh machine can build.
    step("cargo fetch", || run(cargo().arg("fetch")))?;
    step("trunk build --release", || {
        let mut command = Command::new(&tools.trunk);
        command
            .args(["build", "--release"])
            .env("PATH", &tools.path)
            .env("TRUNK_SKIP_VERSION_CHECK", "true")
            .env("NO_COLOR", "true");
        run(&mut command)
    })?;
    step("precompressing dist/ (brotli, gzip)", || {
        precompress(&workspace_root().join("dist"))
    })
}

/// Writes `name.br` and `name.gz` beside every text and wasm asset, which the proxy serves to
/// browsers that accept them: compressed once at build, not on every request.
fn precompress(dist: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "html" | "js" | "css" | "wasm" | "svg" | "json"));
        if !compressible {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let with_extension = |extra: &str| {
            let mut name = path.as_os_str().to_owned();
            name.push(extra);
            PathBuf::from(name)
        };
        let mut brotli = Vec::new();
        {
            let params = brotli::enc::BrotliEncoderParams {
                quality: 11,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut bytes.as_slice(), &mut brotli, &params)?;
        }
        std::fs::write(with_extension(".br"), brotli)?;
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gzip.write_all(&bytes)?;
        std::fs::write(with_extension(".gz"), gzip.finish()?)?;
    }
    Ok(())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs a command, failing with its command line when it fails.
pub(crate) fn run(command: &mut Command) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("could not start {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed ({status})");
    }
    Ok(())
}

/// Runs `cargo test`, echoing its output, and adds up the per-binary summaries.
fn run_tests(command: &mut Command) -> anyhow::Result<(u64, u64)> {
    use std::io::{BufRead, BufReader};
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start {command:?}"))?;
    let (mut passed, mut failed) = (0, 0);
    let stdout = child.stdout.take().context("cargo test has no stdout")?;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        if let Some(summary) = line.strip_prefix("test result: ") {
            for part in summary.split(';') {
                let mut words = part.split_whitespace().rev();
                let (Some(kind), Some(count)) = (words.next(), words.next()) else {
                    continue;
                };
                match (kind, count.parse::<u64>()) {
                    ("passed", Ok(n)) => passed += n,
                    ("failed", Ok(n)) => failed += n,
                    _ => {}
                }
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        println!("tests: {passed} passed, {failed} failed");
        bail!("{command:?} failed ({status})");
    }
    Ok((passed, failed))
}

/// Runs one named step, printing how long it took.
pub(crate) fn step<T>(name: &str, work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    eprintln!("xtask: {name}");
    let started = Instant::now();
    let result = work().with_context(|| format!("step failed: {name}"));
    eprintln!(
        "xtask: {name}: {} in {:.1?}",
        if result.is_ok() { "done" } else { "FAILED" },
        started.elapsed()
    );
    result
}

/// Disk a fresh `cargo xtask test` leaves in `target/` (4.2 GB measured, BENCHMARKS.md) with
/// room for the linker's temporary files: below it, a build can fail half-way with "No space
/// left on device" in some linker's words.
const TEST_DISK_NEEDED_GB: f64 = 6.0;

/// Says so before building when the disk `target/` is on has less free than a fresh test
/// build takes (`df`, which every Debian has; silent when it cannot tell).
fn warn_if_little_disk(root: &Path) {
    let target = root.join("target");
    let at = if target.exists() {
        target
    } else {
        root.to_path_buf()
    };
    let Ok(output) = Command::new("df").arg("-Pk").arg(&at).output() else {
        return;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let available_kb = text
        .lines()
        .nth(1)
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|kb| kb.parse::<f64>().ok());
    if let Some(kb) = available_kb {
        let gb = kb / 1024.0 / 1024.0;
        if gb < TEST_DISK_NEEDED_GB {
            eprintln!(
                "xtask: warning: {gb:.1} GB free on the disk of {}; a fresh test build needs \
                 about {TEST_DISK_NEEDED_GB:.0} GB (free some, or `cargo clean`)",
                at.display()
            );
        }
    }
}

/// The release proxy and sandbox binaries the soak and the SCIM bench run as processes of
/// their own.
fn build_release_servers() -> anyhow::Result<()> {
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
    })
}
