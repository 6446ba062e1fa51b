//! What the proxy works out at run time to reach a connection's vendor: LivePerson's domain
//! from the domain API (CSDS, cached), and the `Authorization` of each request: a static
//! Bearer or Basic value, an OAuth 1.0 HMAC-SHA1 signature of that very request, or an OAuth
//! 2.0 token from Sentinel, cached and refreshed before it expires, one refresh at a time
//! however many requests wait for it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, Method};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use shared::liveperson::ops;
use url::Url;

use crate::client::{FetchError, SendBody, VendorClient};
use crate::config::{Connection, Domain, LivepersonAuth, Upstream, sensitive};
use crate::error::ProxyError;

/// How long a CSDS answer is trusted (community clients cache about 10 minutes).
const DOMAIN_TTL: Duration = Duration::from_secs(600);
/// A token is replaced this long before it expires (or at 90 % of a shorter lifetime), so no
/// request leaves with a token about to lapse.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// Assumed when Sentinel gives no `expires_in` (LivePerson does not publish the lifetime).
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// Per-connection state kept between requests.
pub(crate) struct UpstreamState {
    /// The operations the connection forwards, worked out once.
    pub(crate) operations: Vec<shared::operation::OperationSpec>,
    /// The Bearer or Basic header, built once (`None` for OAuth, which is per request).
    static_authorization: Option<HeaderValue>,
    /// Held across a lookup, for the same reason.
    domains: tokio::sync::Mutex<HashMap<&'static str, (Url, Instant)>>,
    /// Held across a refresh: waiters queue here rather than all asking Sentinel.
    token: tokio::sync::Mutex<Option<Token>>,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
}

struct Token {
    value: SecretString,
    refresh_at: Instant,
}

#[derive(Deserialize)]
struct CsdsAnswer {
    #[serde(rename = "baseURI")]
    base_uri: String,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: Option<u64>,
}

fn refresh_after(lifetime: Duration) -> Duration {
    lifetime
        .saturating_sub(REFRESH_MARGIN)
        .min(lifetime.mul_f64(0.9))
}

impl UpstreamState {
    /// The state of a connection that passed validation.
    pub(crate) fn new(
        connection: &Connection,
        metrics: std::sync::Arc<crate::metrics::Metrics>,
    ) -> Self {
        Self {
            operations: connection.operations().into_iter().copied().collect(),
            static_authorization: connection.static_authorization().and_then(Result::ok),
            domains: tokio::sync::Mutex::default(),
            token: tokio::sync::Mutex::default(),
            metrics,
        }
    }

    /// The base URL requests to `connection` go to.
    pub(crate) async fn base_url(
        &self,
        client: &VendorClient,
        connection: &Connection,
    ) -> Result<Url, ProxyError> {
        match &connection.upstream {
            Upstream::Liveperson(lp) => match &lp.domain {
                Domain::Fixed(url) => Ok(url.clone()),
                Domain::Csds(csds) => {
                    self.lookup(
                        client,
                        connection,
                        csds,
                        &lp.account_id,
                        ops::SERVICE_READ_WRITE,
                    )
                    .await
                }
            },
            Upstream::Trintech(tt) => Ok(tt.base_url.clone()),
            Upstream::Commpeak(cp) => Ok(cp.base_url.clone()),
        }
    }

    /// A service's domain from CSDS, cached for [`DOMAIN_TTL`].
    async fn lookup(
        &self,
        client: &VendorClient,
        connection: &Connection,
        csds: &Url,
        account_id: &str,
        service: &'static str,
    ) -> Result<Url, ProxyError> {
        let mut domains = self.domains.lock().await;
        if let Some((url, at)) = domains.get(service)
            && at.elapsed() < DOMAIN_TTL
        {
            return Ok(url.clone());
        }
        let fail = |why: String| {
            tracing::warn!(connection = %connection.id, service, %why, "domain lookup failed");
            ProxyError::DomainLookup(connection.id.clone(), why)
        };
        let mut lookup = csds.clone();
        lookup.set_path(&ops::csds_path(account_id, service));
        lookup.set_query(Some(&format!("version={}", ops::CSDS_VERSION)));
        let answer = client
            .fetch(own_request(Method::GET, lookup.as_str(), None).map_err(&fail)?)
            .await
            .map_err(|e| fail(unanswered("the domain API", &e)))?;
        if !answer.status().is_success() {
            return Err(fail(format!("the domain API answered {}", answer.status())));
        }
        let answer: CsdsAnswer = serde_json::from_slice(answer.body())
            .map_err(|e| fail(format!("the domain API's answer is not understood ({e})")))?;
        // baseURI is a host (and port) only; anything that would change the path is refused.
        let host = answer.base_uri.trim();
        if host.is_empty() || host.contains(['/', '?', '#', '@', '\\']) {
            return Err(fail(format!(
                "the domain API answered an unusable baseURI \"{host}\""
            )));
        }
        let url = Url::parse(&format!("{}://{host}", csds.scheme()))
            .map_err(|e| fail(format!("baseURI \"{host}\" is not a host ({e})")))?;
        domains.insert(service, (url.clone(), Instant::now()));
        Ok(url)
    }

    /// The `Authorization` of one request to `url`.
    pub(crate) async fn authorization(
        &self,
        client: &VendorClient,
        connection: &Connection,
        method: &Method,
        url: &str,
    ) -> Result<HeaderValue, ProxyError> {
        let misconfigured = |e: &dyn std::fmt::Display| {
            tracing::error!(connection = %connection.id, error = %e, "connection misconfigured");
            ProxyError::Misconfigured(connection.id.clone())
        };
        if let Some(value) = &self.static_authorization {
            return Ok(value.clone());
        }
        if let Some(value) = connection.static_authorization() {
            return value.map_err(|e| misconfigured(&e));
        }
        let Upstream::Liveperson(lp) = &connection.upstream else {
            unreachable!("only LivePerson has per-request credentials");
        };
        let value = match &lp.auth {
            LivepersonAuth::Bearer(_) => unreachable!("a Bearer token is static"),
            LivepersonAuth::OAuth1 {
                consumer_key,
                consumer_secret,
                token,
                token_secret,
            } => sign(
                (consumer_key, consumer_secret),
                (token, token_secret),
                method,
                // Parsed only here: the signature needs the query's parameters one by one.
                &Url::parse(url).map_err(|e| misconfigured(&e))?,
            ),
            LivepersonAuth::OAuth2 {
                client_id,
                client_secret,
                sentinel,
            } => {
                let token = self
                    .token(
                        client,
                        connection,
                        &lp.domain,
                        &lp.account_id,
                        (client_id, client_secret),
                        sentinel.as_ref(),
                    )
                    .await?;
                format!("Bearer {}", token.expose_secret())
            }
        };
        sensitive(value).map_err(|()| misconfigured(&"a credential is not a valid header value"))
    }

    /// A valid Sentinel token, fetched when there is none or it is about to expire.
    async fn token(
        &self,
        client: &VendorClient,
        connection: &Connection,
        domain: &Domain,
        account_id: &str,
        (client_id, client_secret): (&str, &SecretString),
        sentinel: Option<&Url>,
    ) -> Result<SecretString, ProxyError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref()
            && Instant::now() < token.refresh_at
        {
            return Ok(token.value.clone());
        }
        let fail = |why: String| {
            tracing::warn!(connection = %connection.id, %why, "token request failed");
            self.metrics.token_refresh(&connection.id, false);
            ProxyError::UpstreamAuth(connection.id.clone(), why)
        };
        let sentinel = match (sentinel, domain) {
            (Some(url), _) => url.clone(),
            (None, Domain::Csds(csds)) => {
                self.lookup(client, connection, csds, account_id, ops::SERVICE_SENTINEL)
                    .await?
            }
            (None, Domain::Fixed(_)) => {
                return Err(fail("no Sentinel address is configured".into()));
            }
        };
        let mut url = sentinel;
        url.set_path(&ops::sentinel_token_path(account_id));
        let started = Instant::now();
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", client_id)
            .append_pair("client_secret", client_secret.expose_secret())
            .finish();
        let answer = client
            .fetch(own_request(Method::POST, url.as_str(), Some(form)).map_err(&fail)?)
            .await
            .map_err(|e| fail(unanswered("Sentinel", &e)))?;
        if !answer.status().is_success() {
            return Err(fail(format!(
                "Sentinel refused the client credentials ({})",
                answer.status()
            )));
        }
        let answer: TokenAnswer = serde_json::from_slice(answer.body())
            .map_err(|e| fail(format!("Sentinel's answer is not understood ({e})")))?;
        let lifetime = answer
            .expires_in
            .map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs);
        tracing::info!(connection = %connection.id, lifetime_s = lifetime.as_secs(), "OAuth 2.0 token fetched");
        self.metrics.token_refresh(&connection.id, true);
        let token = Token {
            value: SecretString::from(answer.access_token),
            refresh_at: started + refresh_after(lifetime),
        };
        let value = token.value.clone();
        *cached = Some(token);
        Ok(value)
    }

    /// Forgets a token the vendor refused, so the next request fetches a new one.
    pub(crate) async fn token_refused(&self) {
        *self.token.lock().await = None;
    }
}

/// Why `service` gave no answer, for the operator.
fn unanswered(service: &str, error: &FetchError) -> String {
    match error {
        FetchError::Send(e) => format!("{service} could not be reached ({e})"),
        FetchError::Body(e) => format!("{service}'s answer could not be read ({e})"),
    }
}

/// One of the proxy's own calls: a JSON answer asked for, a form sent when there is one.
fn own_request(
    method: Method,
    url: &str,
    form: Option<String>,
) -> Result<http::Request<SendBody>, String> {
    let mut request = http::Request::builder()
        .method(method)
        .uri(url)
        .header(http::header::ACCEPT, "application/json");
    if form.is_some() {
        request = request.header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        );
    }
    request
        .body(form.map(SendBody::from).unwrap_or_default())
        .map_err(|e| format!("{url} is not a URL to send to ({e})"))
}

/// The OAuth 1.0 `Authorization` of a request: HMAC-SHA1 over the method, the URL without
/// its query, and every query parameter (RFC 5849 §3.4).
fn sign(
    (consumer_key, consumer_secret): (&str, &SecretString),
    (token, token_secret): (&str, &SecretString),
    method: &Method,
    url: &Url,
) -> String {
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let mut base = url.clone();
    base.set_query(None);
    base.set_fragment(None);
    let mut builder = oauth1_request::Builder::new(
        oauth1_request::Credentials::new(consumer_key, consumer_secret.expose_secret()),
        oauth1_request::HMAC_SHA1,
    );
    builder.token(oauth1_request::Credentials::new(
        token,
        token_secret.expose_secret(),
    ));
    builder.authorize(
        method.as_str(),
        base.as_str(),
        &oauth1_request::ParameterList::new(query),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_refreshed_before_they_expire() {
        for (lifetime, expected) in [(3600, 3240), (300, 240), (60, 0), (30, 0), (0, 0)] {
            assert_eq!(
                refresh_after(Duration::from_secs(lifetime)),
                Duration::from_secs(expected),
                "{lifetime}"
            );
        }
    }

    #[test]
    fn signatures_cover_the_query() {
        let key = ("ck", &SecretString::from("cs"));
        let token = ("tk", &SecretString::from("ts"));
        let url = |q: &str| Url::parse(&format!("https://va.example/users?{q}")).unwrap();
        let signature = |header: String| {
            header
                .split(',')
                .find_map(|p| p.trim().strip_prefix("oauth_signature=").map(str::to_owned))
                .unwrap()
        };
        // Nonces differ per call, so two signatures of the same request differ too; what
        // matters is that the header is complete and carries the token.
        let header = sign(key, token, &Method::GET, &url("v=4.0"));
        assert!(header.starts_with("OAuth "), "{header}");
        assert!(header.contains("oauth_token=\"tk\""));
        assert!(header.contains("oauth_signature_method=\"HMAC-SHA1\""));
        assert!(!signature(header).is_empty());
    }
}
