//! The floor of `cargo xtask bench proxy`: the least a forwarder built on hyper can do. It
//! sends every request on to one upstream with one `Authorization` header, through the same
//! hyper server, hyper-util pooled client, tokio runtime and allocator as the proxy, and does
//! nothing else: no routing, checks, request ids, security headers, metrics or logs. What it
//! costs per request is what any proxy on this stack costs; the proxy's figures above it are
//! what the product's features cost. Never deployed.
//!
//! `bare_forwarder <listen port> <upstream base URL> <path prefix to replace> <replacement>`,
//! with the `Authorization` value in `BARE_FORWARDER_AUTHORIZATION`.

use anyhow::Context;
use http::HeaderValue;
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut arg = |name: &str| args.next().with_context(|| format!("missing {name}"));
    let port: u16 = arg("the listening port")?.parse()?;
    let upstream: &'static str = arg("the upstream base URL")?.leak();
    let from: &'static str = arg("the path prefix to replace")?.leak();
    let to: &'static str = arg("its replacement")?.leak();
    let authorization = HeaderValue::from_str(
        &std::env::var("BARE_FORWARDER_AUTHORIZATION")
            .context("BARE_FORWARDER_AUTHORIZATION is not set")?,
    )?;

    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<HttpConnector, Incoming> =
        Client::builder(TokioExecutor::new()).build(connector);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let client = client.clone();
        let authorization = authorization.clone();
        tokio::spawn(async move {
            let forward = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let client = client.clone();
                let authorization = authorization.clone();
                async move {
                    let (mut parts, body) = request.into_parts();
                    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                    let rest = path.strip_prefix(from).unwrap_or(path);
                    parts.uri = format!("{upstream}{to}{rest}").parse()?;
                    parts.headers.remove(http::header::HOST);
                    parts
                        .headers
                        .insert(http::header::AUTHORIZATION, authorization);
                    let answer = client
                        .request(hyper::Request::from_parts(parts, body))
                        .await?;
                    Ok::<_, anyhow::Error>(answer)
                }
            });
            // Errors are dropped: wrk closing its connections mid-request at the end of a run
            // is one, and a floor reports nothing.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), forward)
                .await;
        });
    }
}
