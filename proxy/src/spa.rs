//! Serving the built console (Trunk's `dist/`): precompressed assets when the browser takes
//! them, hashed assets cached for good, `index.html` revalidated every time, the SPA's
//! fallback to `index.html` (but 404 for a missing file), and the security headers every answer carries, with a Content
//! Security Policy that allows Trunk's inline loader by its hash. Under a path prefix the
//! page's `<base href>` names the prefix, so the SPA (built with relative URLs) loads its
//! assets and calls the API under it.

use std::path::Path;

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// The base every relative URL of the page resolves against when no prefix is set; Trunk
/// builds with `public_url = "./"`, so assets and API calls follow it.
const ROOT_BASE: &str = r#"<base href="/" />"#;

/// `dist/index.html` as served: its `<base>` pointed at the prefix, and its policy.
#[derive(Debug, Clone)]
pub struct Page {
    pub html: String,
    pub policy: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{0} has no <head> to put <base href> in, so the console cannot be served under a \
         path prefix; rebuild it from frontend/index.html"
    )]
    NoHead(String),
}

impl Page {
    /// Reads the page once at start (rebuilding the console while the proxy runs needs a
    /// restart, or the new loader's hash is not allowed). `base_path` is `""` or `/prefix`.
    pub fn load(dist: &Path, base_path: &str) -> Result<Self, PageError> {
        let path = dist.join("index.html");
        let html = std::fs::read_to_string(&path).map_err(|source| PageError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let html = with_base(&html, base_path)
            .ok_or_else(|| PageError::NoHead(path.display().to_string()))?;
        let policy = content_security_policy(&inline_scripts(&html));
        Ok(Self { html, policy })
    }
}

/// The page with its `<base href>` set to `base_path` + `/`: the one Trunk left replaced, or
/// one added at the top of `<head>`. `None` when there is neither.
fn with_base(html: &str, base_path: &str) -> Option<String> {
    if base_path.is_empty() && html.contains(ROOT_BASE) {
        return Some(html.to_owned());
    }
    let base = format!(r#"<base href="{base_path}/" />"#);
    if html.contains(ROOT_BASE) {
        return Some(html.replacen(ROOT_BASE, &base, 1));
    }
    if base_path.is_empty() {
        // Without a prefix, a page with absolute URLs works as it is.
        return Some(html.to_owned());
    }
    let head = html.find("<head>")? + "<head>".len();
    Some(format!("{}{base}{}", &html[..head], &html[head..]))
}

/// The contents of every inline `<script>` (one without `src`) of a page. Hand-written over
/// Trunk's own output rather than pulling an HTML parser into the proxy for one tag.
pub fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body = &after[tag_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !tag.contains("src=") {
            scripts.push(&body[..close]);
        }
        rest = &body[close..];
    }
    scripts
}

/// The Content-Security-Policy for a page with these inline scripts: its own origin only,
/// WebAssembly compiled (`'wasm-unsafe-eval'`, never `'unsafe-eval'`), inline scripts only by
/// hash (never `'unsafe-inline'`), no framing, no plugins, and a `<base>` only of this origin
/// (the page's own names the path prefix).
pub fn content_security_policy(inline_scripts: &[&str]) -> String {
    let hashes: Vec<String> = inline_scripts
        .iter()
        .map(|script| {
            format!(
                "'sha256-{}'",
                STANDARD.encode(Sha256::digest(script.as_bytes()))
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'",
        hashes.join(" ")
    )
}

/// Is this a request for a file `dist/` does not have, rather than for one of the console's
/// routes? No route ends in a name with an extension (connection and user ids hold no dot).
/// A person who types such an address still gets the page, which says there is no such
/// page: a navigation asks for HTML.
pub fn is_missing_file(path: &str, headers: &axum::http::HeaderMap) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    let navigation = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    last.contains('.') && !navigation
}

/// Does a file name carry Trunk's content hash (`name-0123456789abcdef.ext`, `…_bg.wasm`)?
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Cache headers: a hashed asset never changes, so it is kept for a year; everything else
/// (`index.html`, the SPA's routes) is revalidated, so a new build is picked up at once.
pub async fn cache_control(request: Request, next: Next) -> Response {
    let hashed = is_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let value = if hashed && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_are_told_from_routes() {
        let html = "text/html,application/xhtml+xml,*/*;q=0.8";
        let icon = "image/avif,image/webp,*/*;q=0.8";
        for (path, accept, missing) in [
            ("/favicon.ico", Some(icon), true),
            ("/robots.txt", None, true),
            ("/frontend-0123456789abcdef.js", Some("*/*"), true),
            ("/c/liveperson/users/4100000001", Some(html), false),
            ("/c/liveperson/users/4100000001", None, false),
            ("/c/liveperson/users.html", Some(html), false),
            ("/admin/users/c/liveperson/new", Some("*/*"), false),
        ] {
            let mut headers = axum::http::HeaderMap::new();
            if let Some(accept) = accept {
                headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
            }
            assert_eq!(
                is_missing_file(path, &headers),
                missing,
                "{path} {accept:?}"
            );
        }
    }

    #[test]
    fn finds_the_inline_loader_only() {
        let html = r#"<head><script type="module">import init from '/a.js';
await init();
</script><script src="/other.js"></script><link rel="stylesheet" href="/s.css"/>
<script>second()</script></head>"#;
        assert_eq!(
            inline_scripts(html),
            ["import init from '/a.js';\nawait init();\n", "second()"]
        );
        let policy = content_security_policy(&inline_scripts(html));
        assert!(policy.contains("'wasm-unsafe-eval'"));
        assert!(!policy.contains("'unsafe-eval'") && !policy.contains("'unsafe-inline'"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert_eq!(policy.matches("'sha256-").count(), 2);
        // The hash of "second()" as a browser computes it.
        let expected = STANDARD.encode(Sha256::digest(b"second()"));
        assert!(policy.contains(&format!("'sha256-{expected}'")));
    }

    #[test]
    fn base_follows_the_prefix() {
        let built =
            r#"<html><head><base href="/" /><script type="module">x</script></head></html>"#;
        let bare = "<html><head><title>t</title></head></html>";
        for (html, base_path, expected) in [
            (built, "", Some(built.to_owned())),
            (
                built,
                "/admin/users",
                Some(built.replace(r#"href="/""#, r#"href="/admin/users/""#)),
            ),
            (bare, "", Some(bare.to_owned())),
            (
                bare,
                "/c",
                Some(r#"<html><head><base href="/c/" /><title>t</title></head></html>"#.into()),
            ),
            ("<title>no head</title>", "/c", None),
        ] {
            assert_eq!(with_base(html, base_path), expected, "{html} {base_path}");
        }
    }

    #[test]
    fn hashed_assets() {
        for (path, hashed) in [
            ("/frontend-237029bdc3686b15.js", true),
            ("/frontend-dab61328bb6d7941_bg.wasm", true),
            ("/style-5caa86b556ee26d9.css", true),
            ("/index.html", false),
            ("/", false),
            ("/users/42", false),
            ("/frontend-xyz.js", false),
        ] {
            assert_eq!(is_hashed(path), hashed, "{path}");
        }
    }
}
