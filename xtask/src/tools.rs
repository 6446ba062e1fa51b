//! The pinned build and test toolchain: found if present at the right version, installed if
//! not. Trunk must never download anything itself (that fails on machines without GitHub
//! access), so every tool it uses is put on the PATH it runs with.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::{run, step};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const TRUNK_VERSION: &str = "0.22.1";
/// binaryen from npm; Debian's binaryen (108) silently produces wasm that crashes in the
/// browser, so it must never be the one found.
const BINARYEN_NPM_VERSION: &str = "132.0.0";
const BINARYEN_VERSION_TAG: &str = "version_132";
/// axe-core, the accessibility checker the browser tests inject into the page.
const AXE_CORE_VERSION: &str = "4.14.1";

/// What `trunk build` needs: the Trunk binary and a PATH with the pinned tools first.
pub struct BuildTools {
    pub trunk: PathBuf,
    pub path: OsString,
}

pub fn ensure_build_tools(root: &Path) -> anyhow::Result<BuildTools> {
    ensure_wasm_target()?;
    let cargo_bin = cargo_home()?.join("bin");
    let wasm_bindgen = locked_version(&root.join("Cargo.lock"), "wasm-bindgen")?;
    check_trunk_pins(&root.join("Trunk.toml"), &wasm_bindgen)?;

    let trunk = match find_tool("trunk", &format!("trunk {TRUNK_VERSION}"), &cargo_bin) {
        Some(trunk) => trunk,
        None => {
            step(
                &format!("installing trunk {TRUNK_VERSION} (several minutes, once)"),
                || {
                    // Trunk 0.22.1 declares a newer rustc than it needs; it builds and works here.
                    run(Command::new("cargo").args([
                        "install",
                        "--locked",
                        "trunk",
                        "--version",
                        TRUNK_VERSION,
                        "--ignore-rust-version",
                    ]))
                },
            )?;
            cargo_bin.join("trunk")
        }
    };
    if find_tool(
        "wasm-bindgen",
        &format!("wasm-bindgen {wasm_bindgen}"),
        &cargo_bin,
    )
    .is_none()
    {
        step(
            &format!("installing wasm-bindgen-cli {wasm_bindgen} (once)"),
            || {
                // Not --locked: its lockfile pins a crate version the registry mirror lacks.
                run(Command::new("cargo").args([
                    "install",
                    "wasm-bindgen-cli",
                    "--version",
                    &format!("={wasm_bindgen}"),
                ]))
            },
        )?;
    }
    let binaryen_bin = ensure_binaryen()?;

    let mut dirs = vec![binaryen_bin, cargo_bin];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    Ok(BuildTools {
        trunk,
        path: std::env::join_paths(dirs)?,
    })
}

/// The pinned wasm-bindgen, and wasm-opt when `optimising`, for `split-wasm`, which Trunk
/// runs as a hook: found, never installed there (a hook must not take minutes), and never
/// another version, since Debian's wasm-opt writes wasm that crashes in the browser.
pub fn pinned_wasm_tools(
    root: &Path,
    optimising: bool,
) -> anyhow::Result<(PathBuf, Option<PathBuf>)> {
    let cargo_bin = cargo_home()?.join("bin");
    let wasm_bindgen = locked_version(&root.join("Cargo.lock"), "wasm-bindgen")?;
    let bindgen = find_tool(
        "wasm-bindgen",
        &format!("wasm-bindgen {wasm_bindgen}"),
        &cargo_bin,
    );
    let binaryen = cache_dir()?
        .join(format!("binaryen-{BINARYEN_NPM_VERSION}"))
        .join("node_modules")
        .join(".bin");
    let wasm_opt = find_tool(
        "wasm-opt",
        &format!(
            "wasm-opt version {}",
            BINARYEN_VERSION_TAG.trim_start_matches("version_")
        ),
        &binaryen,
    );
    match (bindgen, wasm_opt) {
        (Some(bindgen), wasm_opt) if wasm_opt.is_some() || !optimising => {
            Ok((bindgen, wasm_opt.filter(|_| optimising)))
        }
        _ => bail!(
            "the pinned wasm-bindgen {wasm_bindgen} and wasm-opt ({BINARYEN_VERSION_TAG}) are not \
             both installed: run `cargo xtask setup`, or build with `cargo xtask dist`"
        ),
    }
}

/// Debian's Chromium and chromedriver, for the browser tests.
pub fn ensure_browser() -> anyhow::Result<()> {
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        return Ok(());
    }
    step(
        "installing Debian's chromium and chromium-driver (once)",
        || apt_install(&["chromium", "chromium-driver"]),
    )
}

fn ensure_wasm_target() -> anyhow::Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("rustup is needed to add the wasm32 target")?;
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    step("adding the wasm32-unknown-unknown target", || {
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
    })
}

/// Installs binaryen's wasm-opt from npm into a per-user cache (shared by every clone), and
/// returns the directory to put first on PATH.
fn ensure_binaryen() -> anyhow::Result<PathBuf> {
    let dir = cache_dir()?.join(format!("binaryen-{BINARYEN_NPM_VERSION}"));
    let bin = dir.join("node_modules").join(".bin");
    let wasm_opt = bin.join("wasm-opt");
    let pinned = |path: &Path| {
        output(Command::new(path).arg("--version")).is_ok_and(|v| {
            v.contains(&format!(
                "version {}",
                BINARYEN_VERSION_TAG.trim_start_matches("version_")
            ))
        })
    };
    if pinned(&wasm_opt) {
        return Ok(bin);
    }
    npm_install(&dir, &format!("binaryen@{BINARYEN_NPM_VERSION}"))?;
    if !pinned(&wasm_opt) {
        bail!(
            "{} does not report {BINARYEN_VERSION_TAG} after installing",
            wasm_opt.display()
        );
    }
    Ok(bin)
}

/// Installs an exact npm package version into `dir` (npm itself from Debian if missing).
fn npm_install(dir: &Path, package: &str) -> anyhow::Result<()> {
    if output(Command::new("npm").arg("--version")).is_err() {
        step("installing Debian's npm (once)", || apt_install(&["npm"]))?;
    }
    step(&format!("installing {package} from npm (once)"), || {
        std::fs::create_dir_all(dir)?;
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(dir)
            .arg(package))
    })
}

/// axe-core's script, installed once into the per-user cache; its path is what the browser
/// tests read from `AXE_CORE_JS`.
pub fn ensure_axe() -> anyhow::Result<PathBuf> {
    let dir = cache_dir()?.join(format!("axe-core-{AXE_CORE_VERSION}"));
    let script = dir.join("node_modules").join("axe-core").join("axe.min.js");
    if !script.is_file() {
        npm_install(&dir, &format!("axe-core@{AXE_CORE_VERSION}"))?;
    }
    anyhow::ensure!(
        script.is_file(),
        "{} is missing after installing axe-core",
        script.display()
    );
    Ok(script)
}

/// The tool named `name` whose `--version` starts with `expected`, in cargo's bin directory
/// or on PATH.
fn find_tool(name: &str, expected: &str, cargo_bin: &Path) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::iter::once(cargo_bin.to_path_buf())
        .chain(std::env::split_paths(&path))
        .map(|dir| dir.join(name))
        .filter(|candidate| candidate.is_file())
        .find(|candidate| {
            output(Command::new(candidate).arg("--version"))
                .is_ok_and(|v| v.trim().starts_with(expected))
        })
}

/// The version of `package` in Cargo.lock.
fn locked_version(lockfile: &Path, package: &str) -> anyhow::Result<String> {
    let lock = std::fs::read_to_string(lockfile)
        .with_context(|| format!("reading {}", lockfile.display()))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{package}\"")
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    bail!("{package} is not in {}", lockfile.display())
}

/// Trunk.toml must pin exactly the tools installed here, or Trunk tries to download its own.
fn check_trunk_pins(trunk_toml: &Path, wasm_bindgen: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(trunk_toml)
        .with_context(|| format!("reading {}", trunk_toml.display()))?;
    for (key, want) in [
        ("wasm_bindgen", wasm_bindgen),
        ("wasm_opt", BINARYEN_VERSION_TAG),
    ] {
        let pinned = text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| {
                v.split('#')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .trim_matches('"')
                    .to_owned()
            })
        });
        if pinned.as_deref() != Some(want) {
            bail!(
                "Trunk.toml [tools] {key} is {pinned:?} but must be \"{want}\" (Cargo.lock / xtask pins); \
                 update Trunk.toml so Trunk uses the installed tool instead of downloading one"
            );
        }
    }
    Ok(())
}

pub(crate) fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    let is_root = output(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0");
    let apt = |args: &[&str]| {
        let mut command = if is_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut command)
    };
    apt(&["update"])?;
    let mut args = vec!["install", "-y", "--no-install-recommends"];
    args.extend_from_slice(packages);
    apt(&args)
}

fn cargo_home() -> anyhow::Result<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Ok(PathBuf::from(home));
    }
    Ok(home()?.join(".cargo"))
}

fn cache_dir() -> anyhow::Result<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => home()?.join(".cache"),
    };
    Ok(base.join("users-console"))
}

fn home() -> anyhow::Result<PathBuf> {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .context("HOME is not set; cannot locate cargo's and the tool cache's directories")
}

/// A command's standard output, failing if it cannot run or exits non-zero.
fn output(command: &mut Command) -> anyhow::Result<String> {
    let out = command
        .output()
        .with_context(|| format!("could not run {command:?}"))?;
    if !out.status.success() {
        bail!("{command:?} failed ({})", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
