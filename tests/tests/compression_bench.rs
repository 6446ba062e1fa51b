//! What compressing the list answers costs, run by `cargo xtask bench compression`: each
//! vendor's list of 50,000 users as the console asks for it (its first view's fields; for a
//! vendor without `select`, narrowed as the proxy narrows it), compressed by the same
//! `tower-http` layer the proxy uses, per algorithm and level: the ratio, and the time per
//! MB on one thread (the compression runs on the request's task, so this is its CPU cost).
//! The proxy's level is chosen from this table (BENCHMARKS.md). Ignored by `cargo test`;
//! figures are printed, never asserted.

use std::convert::Infallible;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::http::{Request, Response, header};
use shared::connection::VendorKind;
use tests::Stack;
use tower::{Layer, ServiceExt};
use tower_http::compression::{CompressionLayer, CompressionLevel};

const USERS: usize = 50_000;
/// Repetitions per algorithm and level; the fastest is reported (the least disturbed by the
/// rest of the machine).
const REPEATS: usize = 3;

/// The members the console's first view of `kind`'s list reads.
fn first_view(kind: VendorKind) -> Vec<&'static str> {
    let d = shared::vendor::description(kind);
    let mut members: Vec<&'static str> = Vec::new();
    let paths = [d.key, d.login]
        .into_iter()
        .chain(d.deleted)
        .chain(d.searched.iter().copied())
        .chain(d.columns.iter().copied());
    for path in paths {
        let member = path.split('/').next().unwrap_or(path);
        if !members.contains(&member) {
            members.push(member);
        }
    }
    members
}

/// `body` compressed with `encoding` at `level` by the proxy's layer: bytes out, seconds.
async fn compress(body: Bytes, encoding: &str, level: i32) -> (usize, f64) {
    let service = CompressionLayer::new()
        .quality(CompressionLevel::Precise(level))
        .layer(tower::service_fn(move |_: Request<Body>| {
            let body = body.clone();
            async move {
                Ok::<_, Infallible>(
                    Response::builder()
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from(body))
                        .expect("a valid response"),
                )
            }
        }));
    let request = Request::builder()
        .header(header::ACCEPT_ENCODING, encoding)
        .body(Body::empty())
        .expect("a valid request");
    let started = Instant::now();
    let response = service.oneshot(request).await.expect("infallible");
    assert_eq!(
        response
            .headers()
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok()),
        Some(encoding),
        "the layer did not compress with {encoding}"
    );
    let compressed = axum::body::to_bytes(Body::new(response.into_body()), usize::MAX)
        .await
        .expect("the compressed body");
    (compressed.len(), started.elapsed().as_secs_f64())
}

#[tokio::test]
#[ignore = "a benchmark: run by `cargo xtask bench compression`"]
async fn compressing_list_answers() {
    let stack = Stack::start(USERS, None).await.unwrap();
    let client = tests::console_client();
    let mut lists: Vec<(&str, Bytes)> = Vec::new();
    for (label, kind, connection) in [
        ("LivePerson", VendorKind::Liveperson, "liveperson"),
        ("CommPeak", VendorKind::Commpeak, "commpeak"),
        ("Trintech", VendorKind::Trintech, "trintech"),
    ] {
        let members = first_view(kind);
        let select = members.join(",");
        let body = client
            .get(format!(
                "{}/api/{connection}/users?select={select}",
                stack.proxy_url
            ))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .bytes()
            .await
            .unwrap();
        // Narrowed here as the proxy narrows a vendor that has no `select` (a no-op where the
        // vendor applied it).
        let narrowed = shared::server_set::narrowed_answer(&body, &members)
            .unwrap()
            .map_or(body, Bytes::from);
        lists.push((label, narrowed));
    }
    println!(
        "Compressing the list of {USERS} users by the proxy's layer (tower-http), fastest of {REPEATS}, one thread:\n"
    );
    println!("| List | Size | Encoding | Level | Compressed | Ratio | ms per MB |");
    println!("|---|---|---|---|---|---|---|");
    for (label, body) in &lists {
        let mb = body.len() as f64 / 1e6;
        for (encoding, levels) in [
            ("br", &[1, 3, 4, 5, 6][..]),
            ("gzip", &[1, 4, 6][..]),
            ("zstd", &[1, 3, 6][..]),
        ] {
            for &level in levels {
                let mut best = (0, f64::MAX);
                for _ in 0..REPEATS {
                    let (size, seconds) = compress(body.clone(), encoding, level).await;
                    if seconds < best.1 {
                        best = (size, seconds);
                    }
                }
                println!(
                    "| {label} | {mb:.1} MB | {encoding} | {level} | {:.2} MB | {:.3} | {:.1} |",
                    best.0 as f64 / 1e6,
                    best.0 as f64 / body.len() as f64,
                    best.1 * 1000.0 / mb
                );
            }
        }
    }
}
