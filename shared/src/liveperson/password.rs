//! The password rule for LivePerson users: one rule for a new user's password, a changed
//! password on update and a reset, so the console, the proxy and the sandbox refuse the
//! same passwords.
//!
//! LivePerson publishes no password policy for the Users API (an account's policy is set in
//! its own settings). This product's rule is a floor every common account policy meets or
//! exceeds: at least 8 characters (at most 128), at least one letter and one digit, and not
//! the login name. A stricter account policy is still enforced by the vendor, whose refusal
//! the console shows.

/// The fewest characters a password may have.
pub const MIN_LENGTH: usize = 8;
/// The most characters a password may have.
pub const MAX_LENGTH: usize = 128;

/// What is wrong with `password` for the user `login_name`, in a sentence an admin can act
/// on; `None` when it passes. The message never repeats the password.
pub fn password_problem(password: &str, login_name: Option<&str>) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Some(format!(
            "The password needs at least {MIN_LENGTH} characters; this one has {length}."
        ));
    }
    if length > MAX_LENGTH {
        return Some(format!(
            "The password can have at most {MAX_LENGTH} characters; this one has {length}."
        ));
    }
    let letter = password.chars().any(char::is_alphabetic);
    let digit = password.chars().any(|c| c.is_ascii_digit());
    if !letter || !digit {
        return Some("The password needs at least one letter and one digit.".to_owned());
    }
    if login_name
        .map(str::trim)
        .is_some_and(|login| !login.is_empty() && password.to_lowercase() == login.to_lowercase())
    {
        return Some("The password cannot be the login name.".to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        for (password, login, problem) in [
            ("Engine!1843", None, None),
            ("abcdefg1", Some("ada"), None),
            ("abc", None, Some("at least 8 characters; this one has 3")),
            ("", None, Some("this one has 0")),
            ("abcdefgh", None, Some("one letter and one digit")),
            ("12345678", None, Some("one letter and one digit")),
            (
                "Ada.Lovelace1",
                Some("ada.lovelace1"),
                Some("cannot be the login name"),
            ),
        ] {
            let found = password_problem(password, login);
            match (problem, &found) {
                (None, None) => {}
                (Some(expected), Some(message)) => {
                    assert!(message.contains(expected), "{password:?}: {message}");
                    assert!(password.is_empty() || !message.contains(password));
                }
                _ => panic!("{password:?}: {found:?}"),
            }
        }
        assert!(password_problem(&"a1".repeat(65), None).is_some());
        assert!(password_problem(&"a1".repeat(64), None).is_none());
    }
}
