//! The proxy's one HTTP client, for browser requests to the vendors and for its own calls (CSDS
//! domain lookups, Sentinel tokens, readiness checks): hyper-util's pooled HTTP/1.1 client over
//! rustls with the system's roots, tunnelled (HTTP `CONNECT`) through the egress proxy the
//! environment names, with a connect timeout and one deadline over the whole exchange, the
//! answer's body included.
//!
//! Why not reqwest: measured under load, reqwest's request building, URL re-parsing and
//! per-request connector clones cost about a fifth of the proxy's CPU per forwarded request,
//! and the proxy needs none of what it adds over hyper-util (redirects are never followed,
//! bodies are passed through or read whole).

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
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::legacy::{self, Client};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tower::{Service, ServiceExt};

type BoxError = Box<dyn StdError + Send + Sync>;

/// A request body: the proxy sends only bodies it has read whole and checked.
pub(crate) type SendBody = Full<Bytes>;

/// The vendors' client, shared by every request (it holds the connection pool).
#[derive(Clone)]
pub(crate) struct VendorClient {
    client: Client<ConnectTimeout<HttpsConnector<Egress>>, SendBody>,
    proxies: Arc<Matcher>,
    total: Duration,
}

/// An egress proxy this client cannot use.
#[derive(Debug, thiserror::Error)]
#[error(
    "the egress proxy {0} (from HTTPS_PROXY, HTTP_PROXY or ALL_PROXY) is not an http:// URL: \
     only plain-HTTP egress proxies are supported (the vendor's TLS runs inside the tunnel)"
)]
pub struct UnsupportedProxy(String);

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

/// The answer to one of the proxy's own calls came, but its body could not be read whole.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Unread(String);

/// The most the proxy reads of an answer to its own calls; a CSDS domain list or a Sentinel
/// token is a few kilobytes.
const OWN_ANSWER_LIMIT: usize = 1024 * 1024;

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
    pub(crate) fn new(
        connect_timeout: Duration,
        total: Duration,
        proxies: Matcher,
    ) -> Result<Self, UnsupportedProxy> {
        for scheme in ["http", "https"] {
            let probe = Uri::from_static(if scheme == "http" {
                "http://vendor.invalid/"
            } else {
                "https://vendor.invalid/"
            });
            if let Some(proxy) = proxies.intercept(&probe)
                && proxy.uri().scheme_str() != Some("http")
            {
                return Err(UnsupportedProxy(proxy.uri().to_string()));
            }
        }
        let proxies = Arc::new(proxies);
        let mut direct = HttpConnector::new();
        direct.enforce_http(false);
        direct.set_nodelay(true);
        let tls = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config())
            .https_or_http()
            .enable_http1()
            .wrap_connector(Egress {
                direct,
                proxies: proxies.clone(),
            });
        // The connect timeout covers the whole of opening a connection: TCP, the egress
        // proxy's tunnel and TLS. Running out of it is a connection error (retried for reads,
        // then 502), like a refused connection.
        let connector = ConnectTimeout {
            inner: tls,
            limit: connect_timeout,
        };
        Ok(Self {
            client: Client::builder(TokioExecutor::new())
                // Idle connections are closed in the background, not only when next used.
                .pool_timer(TokioTimer::new())
                .build(connector),
            proxies,
            total,
        })
    }

    /// When an exchange started now must be over.
    pub(crate) fn deadline_from_now(&self) -> tokio::time::Instant {
        tokio::time::Instant::now() + self.total
    }

    /// Sends `request` and waits for the answer's head; its body then streams under the same
    /// deadline.
    #[cfg(test)]
    pub(crate) async fn send(
        &self,
        request: Request<SendBody>,
    ) -> Result<Response<Deadline<Incoming>>, SendError> {
        self.send_until(request, None).await
    }

    /// [`Self::send`], over by `until` at the latest (the browser's request's deadline, which
    /// a retried read must not outlive) when that comes before the exchange's own.
    pub(crate) async fn send_until(
        &self,
        mut request: Request<SendBody>,
        until: Option<tokio::time::Instant>,
    ) -> Result<Response<Deadline<Incoming>>, SendError> {
        // A plain-HTTP request through the egress proxy goes to the proxy itself (in full-URL
        // form), so the proxy's credentials travel with it; HTTPS ones give them to the
        // tunnel.
        if request.uri().scheme() == Some(&http::uri::Scheme::HTTP)
            && let Some(proxy) = self.proxies.intercept(request.uri())
            && let Some(credentials) = proxy.basic_auth()
        {
            request
                .headers_mut()
                .insert(http::header::PROXY_AUTHORIZATION, credentials.clone());
        }
        // What reqwest sent, and vendors saw, when the browser names nothing.
        request
            .headers_mut()
            .entry(http::header::ACCEPT)
            .or_insert(http::HeaderValue::from_static("*/*"));
        let own = self.deadline_from_now();
        let deadline = until.map_or(own, |until| until.min(own));
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

/// The answer to one of the proxy's own calls (CSDS, Sentinel) read whole, up to
/// [`OWN_ANSWER_LIMIT`], under the exchange's deadline. An answer other than 2xx comes back
/// with its status only: its body is of no use to the proxy, and is not waited for.
pub(crate) async fn whole(answer: Response<Deadline<Incoming>>) -> Result<Response<Bytes>, Unread> {
    let (head, body) = answer.into_parts();
    if !head.status.is_success() {
        return Ok(Response::from_parts(head, Bytes::new()));
    }
    let body =
        http_body_util::BodyExt::collect(http_body_util::Limited::new(body, OWN_ANSWER_LIMIT))
            .await
            .map_err(|e| Unread(chain(&*e)))?
            .to_bytes();
    Ok(Response::from_parts(head, body))
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
    type Response = VendorStream;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.direct.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, destination: Uri) -> Self::Future {
        let https = destination.scheme() == Some(&http::uri::Scheme::HTTPS);
        match self.proxies.intercept(&destination) {
            None => {
                let connecting = self.direct.call(destination);
                Box::pin(async move {
                    let io = connecting.await?;
                    Ok(VendorStream {
                        io,
                        via_proxy: false,
                    })
                })
            }
            // HTTPS: a CONNECT tunnel to the vendor, TLS inside it, end to end.
            Some(proxy) if https => {
                let mut tunnel = Tunnel::new(proxy.uri().clone(), self.direct.clone());
                if let Some(credentials) = proxy.basic_auth() {
                    tunnel = tunnel.with_auth(credentials.clone());
                }
                Box::pin(async move {
                    let io = tunnel.oneshot(destination).await?;
                    Ok(VendorStream {
                        io,
                        via_proxy: false,
                    })
                })
            }
            // Plain HTTP: the request itself goes to the proxy, as proxies expect (many refuse
            // CONNECT to any port but 443).
            Some(proxy) => {
                let connecting = self.direct.call(proxy.uri().clone());
                Box::pin(async move {
                    let io = connecting.await?;
                    Ok(VendorStream {
                        io,
                        via_proxy: true,
                    })
                })
            }
        }
    }
}

/// A connection [`Egress`] opened: hyper must know when it leads to the egress proxy rather
/// than the vendor, to send the full URL.
pub(crate) struct VendorStream {
    io: TokioIo<TcpStream>,
    via_proxy: bool,
}

impl Connection for VendorStream {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.via_proxy)
    }
}

impl hyper::rt::Read for VendorStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for VendorStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }
}

/// Bounds the whole of opening a connection. tower's `Timeout` would do, but hyper-util wants
/// a connector whose future it can move (`Unpin`), and tower's holds its timer in place.
#[derive(Clone)]
pub(crate) struct ConnectTimeout<C> {
    inner: C,
    limit: Duration,
}

impl<C> Service<Uri> for ConnectTimeout<C>
where
    C: Service<Uri>,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<C::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, destination: Uri) -> Self::Future {
        let connecting = self.inner.call(destination);
        let limit = self.limit;
        Box::pin(async move {
            match tokio::time::timeout(limit, connecting).await {
                Ok(connected) => connected.map_err(Into::into),
                Err(_) => Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no connection within {} s", limit.as_secs_f64()),
                )
                .into()),
            }
        })
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

    /// An egress proxy that reports the request line and the `proxy-authorization` of each
    /// request it gets, then tunnels a `CONNECT` or relays a full-URL request to its host.
    /// With `silent`, it never answers.
    async fn egress_proxy(
        silent: bool,
    ) -> (std::net::SocketAddr, tokio::sync::mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (seen, requests) = tokio::sync::mpsc::channel(8);
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut client = BufReader::new(stream);
                    let mut line = String::new();
                    client.read_line(&mut line).await.unwrap();
                    let mut head = Vec::new();
                    let mut credentials = String::from("none");
                    loop {
                        let mut header = String::new();
                        client.read_line(&mut header).await.unwrap();
                        if let Some((name, value)) = header.split_once(':')
                            && name.eq_ignore_ascii_case("proxy-authorization")
                        {
                            credentials = value.trim().to_owned();
                        }
                        head.push(header.clone());
                        if header == "\r\n" {
                            break;
                        }
                    }
                    let line = line.trim().to_owned();
                    seen.send(format!("{line} | {credentials}")).await.unwrap();
                    if silent {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        return;
                    }
                    let target = line.split(' ').nth(1).unwrap();
                    let connect = line.starts_with("CONNECT ");
                    let host = if connect {
                        target.to_owned()
                    } else {
                        target
                            .parse::<Uri>()
                            .unwrap()
                            .authority()
                            .unwrap()
                            .to_string()
                    };
                    let mut vendor = TcpStream::connect(&host).await.unwrap();
                    let mut client = client.into_inner();
                    if connect {
                        client
                            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                            .await
                            .unwrap();
                    } else {
                        vendor
                            .write_all(format!("{line}\r\n").as_bytes())
                            .await
                            .unwrap();
                        vendor.write_all(head.concat().as_bytes()).await.unwrap();
                    }
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut vendor).await;
                });
            }
        });
        (address, requests)
    }

    fn get(address: std::net::SocketAddr) -> Request<SendBody> {
        request(&format!("http://{address}/users/1"))
    }

    fn request(uri: &str) -> Request<SendBody> {
        let mut request = Request::new(SendBody::default());
        *request.uri_mut() = uri.parse().unwrap();
        request
    }

    fn client(proxies: Matcher) -> VendorClient {
        VendorClient::new(Duration::from_secs(1), Duration::from_secs(5), proxies).unwrap()
    }

    /// A client whose every vendor goes through the egress proxy at `proxy` as `ops`, except
    /// the hosts `exempt` names.
    fn client_through(proxy: std::net::SocketAddr, exempt: &str) -> VendorClient {
        client(
            Matcher::builder()
                .all(format!("http://ops:s3cret@{proxy}"))
                .no(exempt)
                .build(),
        )
    }

    #[tokio::test]
    async fn a_plain_http_vendor_behind_the_egress_proxy_is_asked_through_it_by_full_url() {
        let vendor = vendor("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n", "ok").await;
        let (proxy, mut requests) = egress_proxy(false).await;
        let client = client_through(proxy, "");

        let answer = client.send(get(vendor)).await.unwrap();
        assert_eq!(answer.status(), 200);
        let body = answer.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, "ok");
        // The relay reports the request before it passes it on, so the report is there now.
        assert_eq!(
            requests.try_recv().unwrap(),
            format!("GET http://{vendor}/users/1 HTTP/1.1 | Basic b3BzOnMzY3JldA==")
        );

        // A vendor the proxy list exempts is reached straight.
        let exempt = client_through(proxy, "127.0.0.1");
        assert_eq!(exempt.send(get(vendor)).await.unwrap().status(), 200);
        assert!(
            requests.try_recv().is_err(),
            "an exempt vendor went through the proxy"
        );
    }

    #[tokio::test]
    async fn an_https_vendor_behind_the_egress_proxy_is_reached_through_a_tunnel() {
        // The vendor here speaks no TLS, so the exchange fails after the tunnel opens: what
        // matters is that the proxy was asked for a tunnel, with its credentials.
        let vendor = vendor("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n", "ok").await;
        let (proxy, mut requests) = egress_proxy(false).await;
        let client = client_through(proxy, "");
        let sent = client
            .send(request(&format!("https://{vendor}/users/1")))
            .await;
        assert!(sent.is_err(), "TLS to a plain vendor cannot succeed");
        assert_eq!(
            requests.try_recv().unwrap(),
            format!("CONNECT {vendor} HTTP/1.1 | Basic b3BzOnMzY3JldA==")
        );
    }

    #[tokio::test]
    async fn an_egress_proxy_that_never_opens_the_tunnel_is_a_connect_error_in_time() {
        let (proxy, _requests) = egress_proxy(true).await;
        let client = client(Matcher::builder().all(format!("http://{proxy}")).build());
        let started = std::time::Instant::now();
        let Err(error) = client.send(request("https://vendor.example/users/1")).await else {
            panic!("a tunnel that never opened answered");
        };
        assert!(matches!(error, SendError::Connect(_)), "{error:?}");
        assert!(
            error.to_string().contains("no connection within 1 s"),
            "{error}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn an_egress_proxy_that_is_not_plain_http_is_refused_at_start() {
        for proxies in [
            Matcher::builder()
                .https("https://proxy.example:3128")
                .build(),
            Matcher::builder()
                .all("socks5://proxy.example:1080")
                .build(),
        ] {
            let Err(refused) =
                VendorClient::new(Duration::from_secs(1), Duration::from_secs(1), proxies)
            else {
                panic!("an unusable egress proxy was accepted");
            };
            assert!(refused.to_string().contains("proxy.example"), "{refused}");
        }
        assert!(
            VendorClient::new(
                Duration::from_secs(1),
                Duration::from_secs(1),
                Matcher::builder().all("http://proxy.example:3128").build()
            )
            .is_ok()
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
        let client =
            VendorClient::new(Duration::from_secs(2), total, Matcher::builder().build()).unwrap();
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
    async fn the_proxys_own_calls_read_the_whole_answer_within_limit_and_deadline() {
        let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
        let too_long = OWN_ANSWER_LIMIT + 1;
        let client = VendorClient::new(
            Duration::from_secs(2),
            Duration::from_millis(500),
            Matcher::builder().build(),
        )
        .unwrap();
        for (case, head, body, expected) in [
            (
                "a whole answer",
                "HTTP/1.1 200 OK\r\ncontent-length: 15\r\n\r\n",
                "{\"baseURI\":\"x\"}",
                Ok("{\"baseURI\":\"x\"}"),
            ),
            (
                "a refusal whose body never ends: its status only",
                "HTTP/1.1 401 Unauthorized\r\ncontent-length: 100\r\n\r\n",
                "{\"error\":",
                Ok(""),
            ),
            (
                "an answer that stalls",
                "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n",
                "{\"access_",
                Err("did not answer within 0.5 s"),
            ),
            (
                "an answer beyond the limit",
                leak(format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {too_long}\r\n\r\n"
                )),
                leak("x".repeat(too_long)),
                Err("length limit exceeded"),
            ),
        ] {
            let answer = match client.send(get(vendor(head, body).await)).await {
                Ok(answer) => whole(answer).await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match (answer, expected) {
                (Ok(answer), Ok(expected)) => assert_eq!(answer.body(), expected, "{case}"),
                (Err(error), Err(fragment)) => {
                    assert!(error.to_string().contains(fragment), "{case}: {error}");
                }
                (answer, _) => panic!("{case}: {answer:?}"),
            }
        }
    }

    #[tokio::test]
    async fn an_unreachable_vendor_is_a_connect_error_naming_the_cause() {
        // A port that was just free: nothing listens there.
        let address = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        let client = client(Matcher::builder().build());
        let Err(error) = client.send(get(address)).await else {
            panic!("nothing listens at {address}, yet an answer came");
        };
        assert!(matches!(error, SendError::Connect(_)), "{error:?}");
        assert!(error.to_string().contains("Connection refused"), "{error}");
    }
}
