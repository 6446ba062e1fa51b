//! The HTTP client that carries browser requests to the vendors: hyper-util's pooled HTTP/1.1
//! client over rustls with the system's roots, tunnelled (HTTP `CONNECT`) through the egress
//! proxy the environment names, with a connect timeout and one deadline over the whole
//! exchange, the answer's body included.
//!
//! Why not reqwest, which the proxy keeps for its own token and domain lookups: measured under
//! load, reqwest's request building, URL re-parsing and per-request connector clones cost about
//! a fifth of the proxy's CPU per forwarded request, and the forwarding path needs none of what
//! it adds over hyper-util (redirects are never followed, bodies are passed through).

use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use http::{Request, Response, Uri};
use http_body_util::Full;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::{self, Client};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tower::{Service, ServiceExt};

type BoxError = Box<dyn StdError + Send + Sync>;

/// A request body: the proxy sends only bodies it has read whole and checked.
pub(crate) type SendBody = Full<Bytes>;

/// The vendors' client, shared by every request (it holds the connection pool).
#[derive(Clone)]
pub(crate) struct VendorClient {
    client: Client<HttpsConnector<Egress>, SendBody>,
    total: Duration,
}

/// Why no answer came from the vendor.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    /// The connection (or the egress proxy's tunnel) could not be opened: nothing was sent.
    #[error("cannot connect to the vendor: {}", chain(.0))]
    Connect(legacy::Error),
    /// The whole exchange took longer than allowed.
    #[error("the vendor did not answer within {} s", .0.as_secs_f64())]
    Timeout(Duration),
    /// The connection failed once the request was on its way.
    #[error("the exchange with the vendor failed: {}", chain(.0))]
    Failed(legacy::Error),
}

/// An error and its causes on one line (hyper's own message is only the outermost, "client
/// error (Connect)"; the cause is what an operator acts on).
fn chain(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

impl VendorClient {
    /// `proxies`: the egress proxies, usually [`Matcher::from_env`] (`HTTPS_PROXY`,
    /// `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, read as curl reads them).
    pub(crate) fn new(connect_timeout: Duration, total: Duration, proxies: Matcher) -> Self {
        let mut direct = HttpConnector::new();
        direct.enforce_http(false);
        direct.set_nodelay(true);
        direct.set_connect_timeout(Some(connect_timeout));
        let tls = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config())
            .https_or_http()
            .enable_http1()
            .wrap_connector(Egress {
                direct,
                proxies: Arc::new(proxies),
            });
        Self {
            client: Client::builder(TokioExecutor::new()).build(tls),
            total,
        }
    }

    /// Sends `request` and waits for the answer's head; its body then streams under the same
    /// deadline.
    pub(crate) async fn send(
        &self,
        request: Request<SendBody>,
    ) -> Result<Response<Deadline<Incoming>>, SendError> {
        let deadline = tokio::time::Instant::now() + self.total;
        let answer = tokio::time::timeout_at(deadline, self.client.request(request))
            .await
            .map_err(|_| SendError::Timeout(self.total))?
            .map_err(|e| {
                if e.is_connect() {
                    SendError::Connect(e)
                } else {
                    SendError::Failed(e)
                }
            })?;
        Ok(answer.map(|body| Deadline {
            body,
            expires: tokio::time::sleep_until(deadline),
            total: self.total,
        }))
    }
}

/// rustls with the system's roots, as reqwest's `rustls-tls-native-roots` has it. A system
/// with no roots still starts (a vendor may be plain HTTP, as the sandbox is); an HTTPS vendor
/// is then refused per request, with the reason in the log.
fn tls_config() -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        tracing::warn!(%error, "a certificate of the system's store could not be read");
    }
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        tracing::warn!(
            "no CA certificate found in the system's store: HTTPS vendors will be refused \
             (install the ca-certificates package)"
        );
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// Opens the TCP connection to a vendor: straight, or through a `CONNECT` tunnel of the
/// egress proxy that covers the vendor's address. TLS, when the vendor speaks it, runs inside
/// the tunnel, end to end.
#[derive(Clone)]
pub(crate) struct Egress {
    direct: HttpConnector,
    proxies: Arc<Matcher>,
}

impl Service<Uri> for Egress {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.direct.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, destination: Uri) -> Self::Future {
        match self.proxies.intercept(&destination) {
            None => {
                let connecting = self.direct.call(destination);
                Box::pin(async move { connecting.await.map_err(Into::into) })
            }
            Some(proxy) => {
                let mut tunnel = Tunnel::new(proxy.uri().clone(), self.direct.clone());
                if let Some(credentials) = proxy.basic_auth() {
                    tunnel = tunnel.with_auth(credentials.clone());
                }
                Box::pin(async move { tunnel.oneshot(destination).await.map_err(Into::into) })
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// A vendor's answer body that fails once the exchange's deadline passes, so a vendor that
    /// stalls mid-answer does not hold a browser's request open forever.
    pub(crate) struct Deadline<B> {
        #[pin]
        body: B,
        #[pin]
        expires: tokio::time::Sleep,
        total: Duration,
    }
}

impl<B> Body for Deadline<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.project();
        // The body first: what has arrived is passed on even at the deadline.
        if let Poll::Ready(frame) = this.body.poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match this.expires.poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(SendError::Timeout(*this.total).into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    use super::*;

    /// A vendor that answers every connection with `head` and `body`, then holds it open.
    async fn vendor(head: &'static str, body: &'static str) -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    let mut request = vec![0; 4096];
                    let _ = stream.read(&mut request).await;
                    stream.write_all(head.as_bytes()).await.unwrap();
                    stream.write_all(body.as_bytes()).await.unwrap();
                    tokio::time::sleep(Duration::from_secs(60)).await;
                });
            }
        });
        address
    }

    /// An egress proxy that tunnels `CONNECT` and reports each tunnel's target.
    async fn egress_proxy() -> (std::net::SocketAddr, tokio::sync::mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (seen, targets) = tokio::sync::mpsc::channel(8);
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut client = BufReader::new(stream);
                    let mut line = String::new();
                    client.read_line(&mut line).await.unwrap();
                    // CONNECT host:port HTTP/1.1, then headers up to an empty line.
                    let target = line.split(' ').nth(1).unwrap().to_owned();
                    loop {
                        let mut header = String::new();
                        client.read_line(&mut header).await.unwrap();
                        if header == "\r\n" {
                            break;
                        }
                    }
                    seen.send(format!("{} {target}", line.split(' ').next().unwrap()))
                        .await
                        .unwrap();
                    let mut vendor = TcpStream::connect(&target).await.unwrap();
                    let mut client = client.into_inner();
                    client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .await
                        .unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut vendor).await;
                });
            }
        });
        (address, targets)
    }

    fn get(address: std::net::SocketAddr) -> Request<SendBody> {
        let mut request = Request::new(SendBody::default());
        *request.uri_mut() = format!("http://{address}/users/1").parse().unwrap();
        request
    }

    #[tokio::test]
    async fn a_vendor_covered_by_the_egress_proxy_is_reached_through_its_tunnel() {
        let vendor = vendor("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n", "ok").await;
        let (proxy, mut targets) = egress_proxy().await;
        let proxies = Matcher::builder().all(format!("http://{proxy}")).build();
        let client = VendorClient::new(Duration::from_secs(2), Duration::from_secs(5), proxies);

        let answer = client.send(get(vendor)).await.unwrap();
        assert_eq!(answer.status(), 200);
        let body = answer.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, "ok");
        // The relay reports the tunnel before it opens it, so the report is there by now.
        assert_eq!(targets.try_recv().unwrap(), format!("CONNECT {vendor}"));

        // A vendor the proxy list exempts is reached straight.
        let exempt = Matcher::builder()
            .all(format!("http://{proxy}"))
            .no("127.0.0.1")
            .build();
        let client = VendorClient::new(Duration::from_secs(2), Duration::from_secs(5), exempt);
        assert_eq!(client.send(get(vendor)).await.unwrap().status(), 200);
        assert!(
            targets.try_recv().is_err(),
            "no tunnel for an exempt vendor"
        );
    }

    #[tokio::test]
    async fn an_answer_that_stalls_mid_body_fails_at_the_deadline() {
        let total = Duration::from_millis(300);
        let vendor = vendor(
            "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n",
            "[{\"id\":",
        )
        .await;
        let client = VendorClient::new(Duration::from_secs(2), total, Matcher::builder().build());
        let started = std::time::Instant::now();
        let answer = client.send(get(vendor)).await.unwrap();
        assert_eq!(answer.status(), 200);
        let error = answer.into_body().collect().await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            error.to_string(),
            "the vendor did not answer within 0.3 s",
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn an_unreachable_vendor_is_a_connect_error_naming_the_cause() {
        // A port that was just free: nothing listens there.
        let address = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        let client = VendorClient::new(
            Duration::from_secs(2),
            Duration::from_secs(5),
            Matcher::builder().build(),
        );
        let Err(error) = client.send(get(address)).await else {
            panic!("nothing listens at {address}, yet an answer came");
        };
        assert!(matches!(error, SendError::Connect(_)), "{error:?}");
        assert!(error.to_string().contains("Connection refused"), "{error}");
    }
}
