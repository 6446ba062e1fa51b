//! Who may use the console, and as what. `off`: no identity check, everyone an admin (allowed
//! only when listening on loopback). `gateway`: the operator's gateway authenticates and
//! passes the user and their groups in headers, trusted only from configured source
//! addresses and/or with a shared-secret header; anything else is 401. Roles come from groups:
//! a viewer reads, an admin also writes (a viewer's write is 403). `login`: the proxy's own
//! sign-in page and session cookie ([`crate::login`]), roles from the configuration.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderName, Method, Request};
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tower_http::validate_request::ValidateRequest;

use crate::error::ProxyError;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads only.
    Viewer,
    /// Reads and writes.
    Admin,
}

/// The user a request is made by, as `GET /api/me` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub name: String,
    pub role: Role,
    /// How the identity was established: `off`, `gateway` or `login`.
    pub mode: &'static str,
}

/// How users are identified.
#[derive(Debug, Clone, Default)]
pub enum Access {
    /// Nobody is asked: everyone is the admin "local". Only when listening on loopback.
    #[default]
    Off,
    Gateway(Gateway),
    /// The proxy's own sign-in page and session cookie.
    Login(Arc<crate::login::Login>),
}

/// Identity from an authenticating gateway in front of the proxy.
#[derive(Debug, Clone)]
pub struct Gateway {
    /// Header carrying the user's name, e.g. `x-forwarded-user`.
    pub user_header: HeaderName,
    /// Header carrying the user's groups, comma-separated, e.g. `x-forwarded-groups`.
    pub groups_header: HeaderName,
    /// Addresses the gateway connects from; empty means any (then the secret must be set).
    pub trusted_sources: Vec<IpNet>,
    /// A header only the gateway knows the value of.
    pub shared_secret: Option<(HeaderName, SecretString)>,
    pub admin_groups: Vec<String>,
    pub viewer_groups: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccessError {
    #[error(
        "access gateway: set trusted_sources, a shared secret, or both; otherwise anyone could \
         claim to be anyone"
    )]
    Unprotected,
    #[error("access gateway: no admin_groups or viewer_groups, so nobody could use the console")]
    NoGroups,
    #[error("access off is allowed only when listening on loopback, not on {0}; use gateway mode")]
    OffOnNetwork(IpAddr),
}

impl Access {
    /// Refuses a configuration that would let the wrong people in.
    pub fn validate(&self, listen: IpAddr) -> Result<(), AccessError> {
        match self {
            Access::Off if !listen.is_loopback() => Err(AccessError::OffOnNetwork(listen)),
            Access::Off => Ok(()),
            // Checked when it was made (users, hashes, key).
            Access::Login(_) => Ok(()),
            Access::Gateway(gateway) => {
                if gateway.trusted_sources.is_empty() && gateway.shared_secret.is_none() {
                    return Err(AccessError::Unprotected);
                }
                if gateway.admin_groups.is_empty() && gateway.viewer_groups.is_empty() {
                    return Err(AccessError::NoGroups);
                }
                Ok(())
            }
        }
    }

    /// The identity of a request from `peer`, or why it has none.
    pub fn identify(
        &self,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
    ) -> Result<Identity, ProxyError> {
        let gateway = match self {
            Access::Off => {
                return Ok(Identity {
                    name: "local".into(),
                    role: Role::Admin,
                    mode: "off",
                });
            }
            Access::Login(login) => {
                return login
                    .identify(headers)
                    .ok_or(ProxyError::Unauthenticated("sign in first"));
            }
            Access::Gateway(gateway) => gateway,
        };
        if !gateway.trusted_sources.is_empty()
            && !peer.is_some_and(|ip| gateway.trusted_sources.iter().any(|net| net.contains(&ip)))
        {
            return Err(ProxyError::Unauthenticated(
                "requests must come through the gateway",
            ));
        }
        if let Some((name, secret)) = &gateway.shared_secret {
            let given = headers.get(name).map(|v| v.as_bytes()).unwrap_or_default();
            if !bool::from(given.ct_eq(secret.expose_secret().as_bytes())) {
                return Err(ProxyError::Unauthenticated(
                    "requests must come through the gateway",
                ));
            }
        }
        let name = headers
            .get(&gateway.user_header)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .ok_or(ProxyError::Unauthenticated("the gateway named no user"))?;
        let groups: Vec<&str> = headers
            .get_all(&gateway.groups_header)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let member = |of: &[String]| groups.iter().any(|g| of.iter().any(|o| o == g));
        let role = if member(&gateway.admin_groups) {
            Role::Admin
        } else if member(&gateway.viewer_groups) {
            Role::Viewer
        } else {
            return Err(ProxyError::NoRole(name.to_owned()));
        };
        Ok(Identity {
            name: name.to_owned(),
            role,
            mode: "gateway",
        })
    }
}

/// The API's guard (a [`ValidateRequestHeaderLayer`] check): identifies the request (401/403
/// when it cannot be), refuses a viewer's write, and hands the identity on to the handlers.
/// A check rather than `from_fn` middleware, so the routes behind it are not cloned per
/// request.
///
/// [`ValidateRequestHeaderLayer`]: tower_http::validate_request::ValidateRequestHeaderLayer
#[derive(Clone)]
pub struct Guard(pub Arc<Access>);

impl<B> ValidateRequest<B> for Guard {
    type ResponseBody = Body;

    fn validate(&mut self, request: &mut Request<B>) -> Result<(), Response> {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let identity = self
            .0
            .identify(request.headers(), peer)
            .map_err(|refused| refused.into_response_for(request.headers()))?;
        let writes = !matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        );
        if writes && identity.role != Role::Admin {
            return Err(ProxyError::ReadOnly(identity.name).into_response_for(request.headers()));
        }
        request.extensions_mut().insert(identity);
        Ok(())
    }
}

/// The page's guard, for the page and its assets: in `login` mode, a browser without a
/// session is sent to the sign-in page. (A gateway guards the page itself; `off` has nobody
/// to ask.)
#[derive(Clone)]
pub struct PageGuard(pub Arc<Access>);

impl<B> ValidateRequest<B> for PageGuard {
    type ResponseBody = Body;

    fn validate(&mut self, request: &mut Request<B>) -> Result<(), Response> {
        match &*self.0 {
            Access::Login(login) if login.identify(request.headers()).is_none() => {
                Err(login.redirect_to_sign_in())
            }
            _ => Ok(()),
        }
    }
}

/// `GET /api/me`.
pub async fn me(axum::Extension(identity): axum::Extension<Identity>) -> impl IntoResponse {
    axum::Json(identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway(trusted: &[&str], secret: Option<&str>) -> Access {
        Access::Gateway(Gateway {
            user_header: HeaderName::from_static("x-user"),
            groups_header: HeaderName::from_static("x-groups"),
            trusted_sources: trusted.iter().map(|n| n.parse().unwrap()).collect(),
            shared_secret: secret.map(|s| {
                (
                    HeaderName::from_static("x-gateway-secret"),
                    s.to_owned().into(),
                )
            }),
            admin_groups: vec!["console-admins".into()],
            viewer_groups: vec!["console-viewers".into(), "support".into()],
        })
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(HeaderName::from_static(name), value.parse().unwrap());
        }
        map
    }

    #[test]
    fn identities_and_roles() {
        let from_gateway = Some("10.0.0.5".parse().unwrap());
        let elsewhere = Some("192.168.1.9".parse().unwrap());
        let net = gateway(&["10.0.0.0/24"], None);
        let secret = gateway(&[], Some("s3cret"));
        for (case, access, sent, peer, expected) in [
            (
                "admin",
                &net,
                vec![("x-user", "ada"), ("x-groups", "staff, console-admins")],
                from_gateway,
                Ok(Role::Admin),
            ),
            (
                "viewer",
                &net,
                vec![("x-user", "bob"), ("x-groups", "support")],
                from_gateway,
                Ok(Role::Viewer),
            ),
            (
                "groups in two headers",
                &net,
                vec![
                    ("x-user", "cy"),
                    ("x-groups", "staff"),
                    ("x-groups", "console-viewers"),
                ],
                from_gateway,
                Ok(Role::Viewer),
            ),
            (
                "no role",
                &net,
                vec![("x-user", "eve"), ("x-groups", "staff")],
                from_gateway,
                Err(403),
            ),
            (
                "not through the gateway",
                &net,
                vec![("x-user", "ada"), ("x-groups", "console-admins")],
                elsewhere,
                Err(401),
            ),
            (
                "no peer known",
                &net,
                vec![("x-user", "ada"), ("x-groups", "console-admins")],
                None,
                Err(401),
            ),
            (
                "no user",
                &net,
                vec![("x-groups", "console-admins")],
                from_gateway,
                Err(401),
            ),
            (
                "blank user",
                &net,
                vec![("x-user", " "), ("x-groups", "console-admins")],
                from_gateway,
                Err(401),
            ),
            (
                "secret",
                &secret,
                vec![
                    ("x-gateway-secret", "s3cret"),
                    ("x-user", "ada"),
                    ("x-groups", "console-admins"),
                ],
                elsewhere,
                Ok(Role::Admin),
            ),
            (
                "wrong secret",
                &secret,
                vec![
                    ("x-gateway-secret", "s3cre"),
                    ("x-user", "ada"),
                    ("x-groups", "console-admins"),
                ],
                elsewhere,
                Err(401),
            ),
            (
                "no secret",
                &secret,
                vec![("x-user", "ada"), ("x-groups", "console-admins")],
                elsewhere,
                Err(401),
            ),
            ("off", &Access::Off, vec![], None, Ok(Role::Admin)),
        ] {
            let outcome = access
                .identify(&headers(&sent), peer)
                .map(|i| i.role)
                .map_err(|e| e.status().as_u16());
            assert_eq!(outcome, expected, "{case}");
        }
    }

    #[test]
    fn unsafe_configurations_are_refused() {
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let network: IpAddr = "0.0.0.0".parse().unwrap();
        assert_eq!(Access::Off.validate(loopback), Ok(()));
        assert_eq!(
            Access::Off.validate(network),
            Err(AccessError::OffOnNetwork(network))
        );
        assert_eq!(
            gateway(&[], None).validate(network),
            Err(AccessError::Unprotected)
        );
        assert_eq!(gateway(&["10.0.0.0/8"], None).validate(network), Ok(()));
        let Access::Gateway(mut groupless) = gateway(&["10.0.0.0/8"], None) else {
            unreachable!()
        };
        groupless.admin_groups.clear();
        groupless.viewer_groups.clear();
        assert_eq!(
            Access::Gateway(groupless).validate(network),
            Err(AccessError::NoGroups)
        );
    }
}
