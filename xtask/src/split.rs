//! Splits the console's wasm into the first-load module and the screens loaded on demand
//! (`frontend/src/on_demand.rs`). Trunk 0.22 cannot do this itself, so it runs as Trunk's
//! post-build hook (`Trunk.toml`): from the linker's output (kept relocations, see
//! `.cargo/config.toml`) wasm-split makes the main module and one module per split point;
//! the main module then goes through wasm-bindgen and, in a release build, every module
//! through wasm-opt, as Trunk would have done; they replace what Trunk staged. Every file is renamed by its
//! content hash, so the proxy may cache them for good.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use base64::Engine as _;
use sha2::{Digest, Sha256, Sha384};

use crate::run;

/// The wasm-split loader's name before hashing, as the main module imports it.
const LOADER: &str = "__wasm_split.js";

pub fn split_wasm(root: &Path) -> anyhow::Result<()> {
    let staging = PathBuf::from(
        std::env::var_os("TRUNK_STAGING_DIR")
            .context("split-wasm runs as Trunk's post_build hook (TRUNK_STAGING_DIR unset)")?,
    );
    let release = std::env::var("TRUNK_PROFILE").is_ok_and(|p| p == "release");
    // Where Trunk's cargo build put the module, found the way Trunk finds it: the target
    // directory from cargo, the profile from the page's `data-cargo-profile-release`. A
    // guessed path could hold an older build, which would then ship under fresh names.
    let target = target_directory(root)?;
    let source_html = std::fs::read_to_string(
        std::env::var_os("TRUNK_HTML_FILE").context("Trunk sets TRUNK_HTML_FILE for hooks")?,
    )?;
    let profile = if release {
        attribute(&source_html, "data-cargo-profile-release").unwrap_or("release")
    } else {
        "debug"
    };
    let linked = target
        .join("wasm32-unknown-unknown")
        .join(profile)
        .join("frontend.wasm");
    let (wasm_bindgen, wasm_opt) = crate::tools::pinned_wasm_tools(root, release)?;
    let html_path = staging.join("index.html");
    let mut html = std::fs::read_to_string(&html_path).context("Trunk staged no index.html")?;
    let staged_js = staged(&staging, |name| {
        name.starts_with("frontend-") && name.ends_with(".js")
    })?;
    let staged_wasm = staged(&staging, |name| {
        name.starts_with("frontend-") && name.ends_with("_bg.wasm")
    })?;

    // A directory of this build's own: two builds at once (`trunk serve` beside a test run)
    // must not mix their modules.
    let scratch = tempfile::tempdir_in(&target)?;
    let work = scratch.path();
    let modules = work.join("modules");
    std::fs::create_dir_all(&modules)?;
    let input = std::fs::read(&linked).with_context(|| format!("reading {}", linked.display()))?;
    let main = work.join("main.wasm");
    let link_name = format!("./{LOADER}");
    // The loader imports `initSync` from the glue; the glue's final name is not known yet,
    // so a placeholder is written and replaced below.
    let split = wasm_split_cli_support::transform({
        let mut options = wasm_split_cli_support::Options::new(&input);
        options.output_dir = &modules;
        options.main_out_path = &main;
        options.link_name = &link_name;
        options.main_module = "./GLUE_PLACEHOLDER.js";
        options
    })
    .map_err(|e| anyhow::anyhow!("wasm-split: {e:#}"))?;
    if split.split_modules.is_empty() {
        bail!(
            "wasm-split found no split point in {}: was it linked with --emit-relocs?",
            linked.display()
        );
    }

    let bindgen = work.join("bindgen");
    run(Command::new(&wasm_bindgen)
        .args(["--target", "web", "--no-typescript", "--keep-lld-exports"])
        .args(["--out-name", "frontend", "--out-dir"])
        .arg(&bindgen)
        .arg(&main))?;
    let main_wasm = bindgen.join("frontend_bg.wasm");
    if let Some(wasm_opt) = &wasm_opt {
        for module in split.split_modules.iter().chain([&main_wasm]) {
            optimise(wasm_opt, module)?;
        }
    }

    // The chunks are named by their content, and the loader names them. The loader and the
    // glue import each other, so neither can be named by its own content: both take the
    // hash of the whole build (the loader with the chunks' names, the glue, the main module).
    let mut loader = std::fs::read_to_string(modules.join(LOADER))?;
    for module in &split.split_modules {
        let name = file_name(module)?;
        let hashed = hashed_name(&name, &std::fs::read(module)?)?;
        std::fs::copy(module, staging.join(&hashed))?;
        loader = replace_once(
            &loader,
            &format!("\"./{name}\""),
            &format!("\"./{hashed}\""),
        )?;
    }
    let glue = std::fs::read_to_string(bindgen.join("frontend.js"))?;
    let wasm_bytes = std::fs::read(&main_wasm)?;
    let build = [loader.as_bytes(), glue.as_bytes(), &wasm_bytes].concat();
    let glue_name = hashed_name("frontend.js", &build)?;
    let loader_name = hashed_name(LOADER, &build)?;
    let loader = replace_once(&loader, "./GLUE_PLACEHOLDER.js", &format!("./{glue_name}"))?;
    // Only the imports' specifiers: the import object's keys must stay the module name the
    // main module asks for.
    let glue = replace_all(
        &glue,
        &format!("from \"./{LOADER}\""),
        &format!("from \"./{loader_name}\""),
    )?;
    std::fs::write(staging.join(&loader_name), &loader)?;
    std::fs::write(staging.join(&glue_name), &glue)?;
    let wasm_name = hashed_name("frontend_bg.wasm", &wasm_bytes)?;
    std::fs::write(staging.join(&wasm_name), &wasm_bytes)?;

    let checked = html.contains("integrity=");
    for (old, new, bytes) in [
        (&staged_js, &glue_name, glue.as_bytes()),
        (&staged_wasm, &wasm_name, wasm_bytes.as_slice()),
    ] {
        html = replace_all(&html, &format!("./{old}"), &format!("./{new}"))?;
        if checked {
            // A stale hash would make the browser refuse the file: it must be found.
            let before = integrity(&std::fs::read(staging.join(old))?);
            html = replace_all(&html, &before, &integrity(bytes))?;
        }
        std::fs::remove_file(staging.join(old))?;
    }
    // The loader is imported by the glue; preloaded beside it, it costs no round trip of its
    // own before the module can start.
    let glue_preload = format!(r#"<link rel="modulepreload" href="./{glue_name}""#);
    let loader_integrity = if checked {
        format!(r#" integrity="{}""#, integrity(loader.as_bytes()))
    } else {
        String::new()
    };
    html = replace_once(
        &html,
        &glue_preload,
        &format!(
            r#"<link rel="modulepreload" href="./{loader_name}" crossorigin="anonymous"{loader_integrity}>{glue_preload}"#
        ),
    )?;
    std::fs::write(&html_path, html)?;
    println!(
        "split-wasm: {} on-demand module(s) beside {wasm_name}",
        split.split_modules.len()
    );
    Ok(())
}

/// The workspace's target directory as cargo, and so Trunk, resolves it (`CARGO_TARGET_DIR`,
/// `build.target-dir` in a config file, or `target/`).
fn target_directory(root: &Path) -> anyhow::Result<PathBuf> {
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    Ok(PathBuf::from(
        metadata["target_directory"]
            .as_str()
            .context("cargo metadata names no target_directory")?,
    ))
}

/// The value of the first `name="…"` attribute in `html`.
fn attribute<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let start = html.find(&format!("{name}=\""))? + name.len() + 2;
    let end = start + html[start..].find('"')?;
    Some(&html[start..end])
}

/// The one file in `dir` whose name passes `pick`.
fn staged(dir: &Path, pick: impl Fn(&str) -> bool) -> anyhow::Result<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if pick(&name) {
            found.push(name);
        }
    }
    match found.as_slice() {
        [one] => Ok(one.clone()),
        _ => bail!(
            "expected one staged file like that in {}, found {found:?}",
            dir.display()
        ),
    }
}

/// Binaryen's size optimisation, as Trunk runs it for `data-wasm-opt="z"`.
fn optimise(wasm_opt: &Path, module: &Path) -> anyhow::Result<()> {
    run(Command::new(wasm_opt)
        .arg("-Oz")
        .arg("--output")
        .arg(module)
        .arg(module))
}

fn file_name(path: &Path) -> anyhow::Result<String> {
    Ok(path
        .file_name()
        .context("a file has a name")?
        .to_string_lossy()
        .into_owned())
}

/// `stem-0123456789abcdef.ext`: Trunk's pattern, which the proxy caches for good.
fn hashed_name(name: &str, bytes: &[u8]) -> anyhow::Result<String> {
    let (stem, ext) = name.split_once('.').context("a file has an extension")?;
    let digest = Sha256::digest(bytes);
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{stem}-{hash}.{ext}"))
}

/// The `integrity` attribute's value for `bytes`, as Trunk writes it.
fn integrity(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

fn replace_once(text: &str, from: &str, to: &str) -> anyhow::Result<String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        n => bail!("expected {from:?} once in a generated file, found it {n} times"),
    }
}

fn replace_all(text: &str, from: &str, to: &str) -> anyhow::Result<String> {
    if !text.contains(from) {
        bail!("expected {from:?} in a generated file");
    }
    Ok(text.replace(from, to))
}
