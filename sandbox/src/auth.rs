//! Checking the credentials a vendor would check, in constant time so the sandbox does not
//! teach a timing attack to code written against it.

use axum::http::HeaderValue;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

fn same(given: &[u8], expected: &[u8]) -> bool {
    bool::from(given.ct_eq(expected))
}

/// Is `header` exactly `Bearer {token}`?
pub fn bearer_matches(header: Option<&HeaderValue>, token: &str) -> bool {
    let expected = format!("Bearer {token}");
    same(
        header.map(HeaderValue::as_bytes).unwrap_or_default(),
        expected.as_bytes(),
    )
}

/// Is `header` HTTP Basic with exactly this user and password?
pub fn basic_matches(header: Option<&HeaderValue>, user: &str, password: &str) -> bool {
    let expected = format!("Basic {}", STANDARD.encode(format!("{user}:{password}")));
    same(
        header.map(HeaderValue::as_bytes).unwrap_or_default(),
        expected.as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials() {
        let value = |s: &str| HeaderValue::from_str(s).unwrap();
        assert!(bearer_matches(Some(&value("Bearer t0k")), "t0k"));
        assert!(!bearer_matches(Some(&value("Bearer t0k2")), "t0k"));
        assert!(!bearer_matches(Some(&value("bearer t0k")), "t0k"));
        assert!(!bearer_matches(None, "t0k"));
        // "api:s3cret"
        assert!(basic_matches(
            Some(&value("Basic YXBpOnMzY3JldA==")),
            "api",
            "s3cret"
        ));
        assert!(!basic_matches(
            Some(&value("Basic YXBpOnMzY3JldA")),
            "api",
            "s3cret"
        ));
        assert!(!basic_matches(
            Some(&value("Bearer s3cret")),
            "api",
            "s3cret"
        ));
    }
}
