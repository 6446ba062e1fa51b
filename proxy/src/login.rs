//! Access mode `login`: the proxy's own sign-in page for deployments without an
//! authenticating gateway. Users and their roles come from the configuration with
//! argon2-hashed passwords; a successful sign-in sets a signed session cookie
//! (`HttpOnly; Secure; SameSite=Strict`, scoped to the console's path) holding the user, the
//! role and an expiry; signing out revokes it on this instance. Repeated failures for one
//! name are slowed down, and at most a few argon2 checks run at once, so the sign-in cannot
//! be used to guess passwords quickly or to exhaust the CPU.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, CookieJar, Key, SameSite};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::access::{Identity, Role};

/// The session cookie's name.
pub const COOKIE: &str = "console_session";
/// Failures for one name after which it must wait [`LOCKOUT`].
const FAILURES_BEFORE_LOCKOUT: u32 = 5;
const LOCKOUT: Duration = Duration::from_secs(60);
/// argon2 checks running at once (each takes tens of milliseconds and 19 MiB).
const CONCURRENT_CHECKS: usize = 2;

/// A configured user.
#[derive(Clone)]
pub struct Account {
    /// The PHC string (`$argon2id$v=19$…`), checked at start.
    pub password_hash: String,
    pub role: Role,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoginConfigError {
    #[error("access.users: no user is configured, so nobody could sign in")]
    NoUsers,
    #[error(
        "access.users.{0}.password_hash: not an argon2 hash (make one with `proxy --hash-password`)"
    )]
    BadHash(String),
    #[error("access.session_key: at least 32 bytes are needed, {0} given")]
    ShortKey(usize),
}

/// Everything the sign-in needs, shared by the requests.
pub struct Login {
    accounts: HashMap<String, Account>,
    key: Key,
    pub session_lifetime: Duration,
    /// `""` or `/prefix`: where the console (and so the cookie) lives.
    base_path: Mutex<String>,
    /// Session ids signed out before their expiry, with that expiry.
    revoked: Mutex<HashMap<String, u64>>,
    /// Consecutive failures per name, with the time of the last one.
    failures: Mutex<HashMap<String, (u32, std::time::Instant)>>,
    checks: tokio::sync::Semaphore,
    /// Compared against when the name is unknown, so the answer takes as long either way.
    decoy_hash: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("users", &self.accounts.keys().collect::<Vec<_>>())
            .field("session_lifetime", &self.session_lifetime)
            .finish_non_exhaustive()
    }
}

/// The PHC string of `password` with a fresh salt, for the configuration file.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Login {
    /// `session_key`: shared by every instance behind one gateway so a session made on one
    /// is honoured by the others; without it a random key is made (sessions end at restart).
    pub fn new(
        accounts: HashMap<String, Account>,
        session_key: Option<&SecretString>,
        session_lifetime: Duration,
    ) -> Result<Self, LoginConfigError> {
        if accounts.is_empty() {
            return Err(LoginConfigError::NoUsers);
        }
        for (name, account) in &accounts {
            PasswordHash::new(&account.password_hash)
                .map_err(|_| LoginConfigError::BadHash(name.clone()))?;
        }
        let key = match session_key {
            Some(secret) => {
                let bytes = secret.expose_secret().as_bytes();
                if bytes.len() < 32 {
                    return Err(LoginConfigError::ShortKey(bytes.len()));
                }
                Key::derive_from(bytes)
            }
            None => Key::generate(),
        };
        Ok(Self {
            accounts,
            key,
            session_lifetime,
            base_path: Mutex::default(),
            revoked: Mutex::default(),
            failures: Mutex::default(),
            checks: tokio::sync::Semaphore::new(CONCURRENT_CHECKS),
            decoy_hash: hash_password("decoy password never used").expect("hashing works"),
        })
    }

    /// Where the console is served; the cookie is scoped to it.
    pub(crate) fn set_base_path(&self, base_path: &str) {
        *lock(&self.base_path) = base_path.to_owned();
    }

    fn base_path(&self) -> String {
        lock(&self.base_path).clone()
    }

    /// Where a browser without a session is sent.
    pub(crate) fn redirect_to_sign_in(&self) -> Response {
        see_other(format!("{}/login", self.base_path()))
    }

    /// The signed-in user of a request, if its session cookie is valid, unexpired and not
    /// signed out.
    pub fn identify(&self, headers: &HeaderMap) -> Option<Identity> {
        let session = self.session(headers)?;
        Some(Identity {
            name: session.name,
            role: session.role,
            mode: "login",
        })
    }

    fn session(&self, headers: &HeaderMap) -> Option<Session> {
        let mut jar = CookieJar::new();
        for value in headers.get_all(header::COOKIE) {
            for cookie in value.to_str().ok()?.split(';') {
                if let Ok(cookie) = Cookie::parse_encoded(cookie.trim().to_owned()) {
                    jar.add_original(cookie);
                }
            }
        }
        let cookie = jar.signed(&self.key).get(COOKIE)?;
        let session = Session::decode(cookie.value())?;
        let revoked = lock(&self.revoked).contains_key(&session.id);
        (session.expires > now() && !revoked).then_some(session)
    }

    fn cookie_header(&self, value: String, max_age: Duration) -> HeaderValue {
        let mut jar = CookieJar::new();
        let path = format!("{}/", self.base_path());
        let cookie = Cookie::build((COOKIE, value))
            .path(path)
            .http_only(true)
            .secure(true)
            .same_site(SameSite::Strict)
            .max_age(cookie::time::Duration::seconds(
                i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX),
            ))
            .build();
        jar.signed_mut(&self.key).add(cookie);
        let signed = jar.get(COOKIE).expect("just added").encoded().to_string();
        HeaderValue::from_str(&signed).expect("an encoded cookie is a valid header value")
    }

    /// Checks a name and password; `Err` says why not, in words for the page.
    async fn check(&self, name: &str, password: &str) -> Result<Role, &'static str> {
        if let Some((count, at)) = lock(&self.failures).get(name)
            && *count >= FAILURES_BEFORE_LOCKOUT
            && at.elapsed() < LOCKOUT
        {
            return Err("Too many failed sign-ins for this name. Wait a minute and try again.");
        }
        let account = self.accounts.get(name);
        let hash = account.map_or(self.decoy_hash.clone(), |a| a.password_hash.clone());
        let _permit = self
            .checks
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash).is_ok_and(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
        })
        .await
        .unwrap_or(false);
        match account {
            Some(account) if matches => {
                lock(&self.failures).remove(name);
                Ok(account.role)
            }
            _ => {
                let mut failures = lock(&self.failures);
                let entry = failures
                    .entry(name.to_owned())
                    .or_insert((0, std::time::Instant::now()));
                if entry.1.elapsed() >= LOCKOUT {
                    entry.0 = 0;
                }
                entry.0 += 1;
                entry.1 = std::time::Instant::now();
                Err("The name or the password is wrong.")
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the session cookie carries (signed, so the browser cannot change it).
struct Session {
    id: String,
    name: String,
    role: Role,
    /// Unix seconds.
    expires: u64,
}

impl Session {
    fn encode(&self) -> String {
        let role = match self.role {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        };
        // The name goes last: it is the only part that may hold any character.
        format!("{}.{role}.{}.{}", self.id, self.expires, self.name)
    }

    fn decode(value: &str) -> Option<Self> {
        let mut parts = value.splitn(4, '.');
        let id = parts.next()?.to_owned();
        let role = match parts.next()? {
            "admin" => Role::Admin,
            "viewer" => Role::Viewer,
            _ => return None,
        };
        let expires = parts.next()?.parse().ok()?;
        let name = parts.next()?.to_owned();
        Some(Self {
            id,
            name,
            role,
            expires,
        })
    }
}

#[derive(Deserialize)]
pub struct Credentials {
    name: String,
    password: String,
}

/// The sign-in page: plain HTML, no script, labelled inputs.
fn page(status: StatusCode, error: Option<&str>, name: &str) -> Response {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let error = error
        .map(|e| format!(r#"<p role="alert">{}</p>"#, escape(e)))
        .unwrap_or_default();
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
<meta name="color-scheme" content="light dark" /><title>Sign in · Users console</title></head>
<body>
<main>
<h1>Sign in to the users console</h1>
{error}
<form method="post" action="login">
<p><label for="name">Name</label><br /><input id="name" name="name" autocomplete="username" required value="{name}" /></p>
<p><label for="password">Password</label><br /><input id="password" name="password" type="password" autocomplete="current-password" required /></p>
<p><button type="submit">Sign in</button></p>
</form>
</main>
</body>
</html>
"#,
        name = escape(name)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

fn see_other(location: String) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// `GET {base}/login`.
pub async fn show(State(login): State<Arc<Login>>, headers: HeaderMap) -> Response {
    if login.session(&headers).is_some() {
        return see_other(format!("{}/", login.base_path()));
    }
    page(StatusCode::OK, None, "")
}

/// `POST {base}/login` (a form): a session cookie and the console, or the page again with
/// what went wrong and the name kept.
pub async fn sign_in(
    State(login): State<Arc<Login>>,
    headers: HeaderMap,
    Form(credentials): Form<Credentials>,
) -> Response {
    if let Err(why) = crate::csrf::same_origin(&headers) {
        return page(StatusCode::FORBIDDEN, Some(why), "");
    }
    let name = credentials.name.trim();
    match login.check(name, &credentials.password).await {
        Ok(role) => {
            let session = Session {
                id: uuid::Uuid::new_v4().simple().to_string(),
                name: name.to_owned(),
                role,
                expires: now() + login.session_lifetime.as_secs(),
            };
            tracing::info!(target: "audit", user = name, ?role, "signed in");
            let mut response = see_other(format!("{}/", login.base_path()));
            response.headers_mut().insert(
                header::SET_COOKIE,
                login.cookie_header(session.encode(), login.session_lifetime),
            );
            response
        }
        Err(why) => {
            tracing::warn!(user = name, "sign-in refused");
            let status = if why.starts_with("Too many") {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            page(status, Some(why), name)
        }
    }
}

/// `POST {base}/logout`: the session is revoked here and its cookie cleared.
pub async fn sign_out(State(login): State<Arc<Login>>, headers: HeaderMap) -> Response {
    if let Err(why) = crate::csrf::same_origin(&headers) {
        return page(StatusCode::FORBIDDEN, Some(why), "");
    }
    if let Some(session) = login.session(&headers) {
        let mut revoked = lock(&login.revoked);
        let now = now();
        revoked.retain(|_, expires| *expires > now);
        revoked.insert(session.id, session.expires);
        tracing::info!(target: "audit", user = session.name, "signed out");
    }
    let mut response = see_other(format!("{}/login", login.base_path()));
    response.headers_mut().insert(
        header::SET_COOKIE,
        login.cookie_header(String::new(), Duration::ZERO),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login() -> Login {
        let accounts = HashMap::from([
            (
                "ada".to_owned(),
                Account {
                    password_hash: hash_password("correct horse").unwrap(),
                    role: Role::Admin,
                },
            ),
            (
                "bob".to_owned(),
                Account {
                    password_hash: hash_password("battery staple").unwrap(),
                    role: Role::Viewer,
                },
            ),
        ]);
        Login::new(accounts, None, Duration::from_secs(3600)).unwrap()
    }

    fn with_cookie(value: &HeaderValue) -> HeaderMap {
        let pair = value
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, pair.parse().unwrap());
        headers
    }

    #[tokio::test]
    async fn passwords_and_lockout() {
        let login = login();
        assert_eq!(login.check("ada", "correct horse").await, Ok(Role::Admin));
        assert_eq!(login.check("bob", "battery staple").await, Ok(Role::Viewer));
        assert!(login.check("ada", "wrong").await.is_err());
        assert!(login.check("nobody", "correct horse").await.is_err());
        for _ in 1..FAILURES_BEFORE_LOCKOUT {
            assert!(login.check("bob", "guess").await.is_err());
        }
        assert!(login.check("bob", "guess").await.is_err());
        // Locked now, even with the right password.
        let locked = login.check("bob", "battery staple").await.unwrap_err();
        assert!(locked.starts_with("Too many"), "{locked}");
        // Another name is not affected.
        assert_eq!(login.check("ada", "correct horse").await, Ok(Role::Admin));
    }

    #[test]
    fn sessions_are_signed_expire_and_revoke() {
        let login = login();
        let session = |name: &str, expires: u64| Session {
            id: "s1".into(),
            name: name.into(),
            role: Role::Viewer,
            expires,
        };
        let valid = login.cookie_header(session("bob.b", now() + 60).encode(), Duration::ZERO);
        let identity = login.identify(&with_cookie(&valid)).unwrap();
        assert_eq!(
            (identity.name.as_str(), identity.role),
            ("bob.b", Role::Viewer)
        );

        let expired = login.cookie_header(session("bob", now() - 1).encode(), Duration::ZERO);
        assert!(login.identify(&with_cookie(&expired)).is_none());

        // A cookie edited by the browser (viewer → admin) fails its signature.
        let forged = valid.to_str().unwrap().replacen("viewer", "admin", 1);
        assert!(
            login
                .identify(&with_cookie(&HeaderValue::from_str(&forged).unwrap()))
                .is_none()
        );
        // Signed by another instance's random key: refused.
        let other = super::tests::login();
        assert!(other.identify(&with_cookie(&valid)).is_none());

        lock(&login.revoked).insert("s1".into(), now() + 60);
        assert!(login.identify(&with_cookie(&valid)).is_none());
    }

    #[test]
    fn the_cookie_is_locked_down() {
        let login = login();
        login.set_base_path("/admin/users");
        let cookie = login.cookie_header("x".into(), Duration::from_secs(60));
        let cookie = cookie.to_str().unwrap();
        for attribute in [
            "HttpOnly",
            "Secure",
            "SameSite=Strict",
            "Path=/admin/users/",
            "Max-Age=60",
        ] {
            assert!(cookie.contains(attribute), "{attribute} in {cookie}");
        }
    }

    #[test]
    fn bad_configurations_name_the_field() {
        let one = |hash: &str| {
            HashMap::from([(
                "ada".to_owned(),
                Account {
                    password_hash: hash.into(),
                    role: Role::Admin,
                },
            )])
        };
        let hour = Duration::from_secs(3600);
        assert_eq!(
            Login::new(HashMap::new(), None, hour).unwrap_err(),
            LoginConfigError::NoUsers
        );
        assert_eq!(
            Login::new(one("plain password"), None, hour).unwrap_err(),
            LoginConfigError::BadHash("ada".into())
        );
        let short = SecretString::from("short");
        assert_eq!(
            Login::new(one(&hash_password("p").unwrap()), Some(&short), hour).unwrap_err(),
            LoginConfigError::ShortKey(5)
        );
    }
}
