//! Checks every vendor needs (email syntax, lengths, allowed characters) and the collector
//! that turns them into field errors with JSON Pointer paths.

use crate::error::{ErrorCode, FieldError, ValidationErrors};

/// Collects the problems of one record; every path gets the record's `prefix` (`/3`, or `""`
/// for a form holding a single record).
pub struct Report<'a> {
    prefix: &'a str,
    errors: &'a mut ValidationErrors,
}

impl<'a> Report<'a> {
    pub fn new(prefix: &'a str, errors: &'a mut ValidationErrors) -> Self {
        Self { prefix, errors }
    }

    /// Records a problem with `field` (a pointer relative to the record, without leading `/`).
    pub fn refuse(&mut self, field: &str, code: ErrorCode, message: impl Into<String>) {
        let path = if field.is_empty() {
            self.prefix.to_owned()
        } else {
            format!("{}/{field}", self.prefix)
        };
        self.errors.push(FieldError::new(path, code, message));
    }

    /// `value` must be present and not blank.
    pub fn require(&mut self, field: &str, label: &str, value: &Option<String>) {
        if !is_filled(value) {
            self.refuse(field, ErrorCode::Required, format!("{label} is required."));
        }
    }

    /// A present `value` must have `min..=max` characters.
    pub fn length(
        &mut self,
        field: &str,
        label: &str,
        value: &Option<String>,
        min: usize,
        max: usize,
    ) {
        let Some(value) = value.as_deref() else {
            return;
        };
        let count = value.chars().count();
        if count < min {
            self.refuse(
                field,
                ErrorCode::TooShort,
                format!("{label} must have at least {min} characters, not {count}."),
            );
        } else if count > max {
            self.refuse(
                field,
                ErrorCode::TooLong,
                format!("{label} must have at most {max} characters, not {count}."),
            );
        }
    }

    /// A present, non-blank `value` must be an email address.
    pub fn email(&mut self, field: &str, value: &Option<String>) {
        if let Some(email) = value.as_deref().filter(|e| !e.trim().is_empty())
            && !is_email(email)
        {
            self.refuse(
                field,
                ErrorCode::InvalidEmail,
                format!("\"{email}\" is not a valid email address (expected name@example.com)."),
            );
        }
    }

    /// A present `value` must be one of `allowed`.
    pub fn one_of(&mut self, field: &str, label: &str, value: &Option<String>, allowed: &[&str]) {
        if let Some(value) = value.as_deref()
            && !allowed.contains(&value)
        {
            self.refuse(
                field,
                ErrorCode::InvalidValue,
                format!(
                    "{label} must be one of {}, not \"{value}\".",
                    allowed.join(", ")
                ),
            );
        }
    }

    /// A field the operation must not carry.
    pub fn absent<T>(&mut self, field: &str, value: &Option<T>, code: ErrorCode, message: &str) {
        if value.is_some() {
            self.refuse(field, code, message);
        }
    }
}

/// Refuses an empty list or one longer than `max` (when the vendor has a cap).
pub fn batch_size(count: usize, max: Option<usize>, errors: &mut ValidationErrors) {
    if count == 0 {
        errors.push(FieldError::new(
            "",
            ErrorCode::Empty,
            "The request holds no users.",
        ));
    }
    if let Some(max) = max.filter(|max| count > *max) {
        errors.push(FieldError::new(
            "",
            ErrorCode::TooMany,
            format!(
                "At most {max} users can be sent in one request, not {count}; send them in parts."
            ),
        ));
    }
}

/// Reports every repeat of a value that must be unique within one request, compared without
/// regard to case; the error names the first record holding it.
pub fn unique_within<'v>(
    values: impl IntoIterator<Item = (usize, Option<&'v str>)>,
    field: &str,
    label: &str,
    errors: &mut ValidationErrors,
) {
    let mut first_seen = std::collections::HashMap::new();
    for (index, value) in values {
        let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let key = value.trim().to_lowercase();
        match first_seen.get(&key) {
            Some(first) => errors.push(FieldError::new(
                format!("/{index}/{field}"),
                ErrorCode::Duplicate,
                format!("{label} \"{value}\" is also used by user {first} of this request."),
            )),
            None => {
                first_seen.insert(key, index);
            }
        }
    }
}

/// Orders errors by record (numerically, so `/2` before `/10`), keeping the order of the
/// checks within one record, so a batch's errors read top to bottom.
pub fn in_record_order(errors: &mut ValidationErrors) {
    let index = |p: &str| {
        p.trim_start_matches('/')
            .split('/')
            .next()
            .and_then(|i| i.parse::<usize>().ok())
    };
    errors.0.sort_by_key(|e| index(&e.path));
}

/// Groups errors by the record they concern (the first pointer segment); errors about the
/// request as a whole (empty path) go under `usize::MAX`.
pub fn by_record(errors: ValidationErrors) -> std::collections::BTreeMap<usize, Vec<FieldError>> {
    let mut grouped = std::collections::BTreeMap::<usize, Vec<FieldError>>::new();
    for error in errors.0 {
        let index = error
            .path
            .trim_start_matches('/')
            .split('/')
            .next()
            .and_then(|i| i.parse().ok())
            .unwrap_or(usize::MAX);
        grouped.entry(index).or_default().push(error);
    }
    grouped
}

/// Is the text present and not blank?
pub fn is_filled(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.trim().is_empty())
}

/// A deliberately simple syntax check (`local@domain.tld`): the vendor decides deliverability,
/// this only catches typing mistakes before anything is sent. Hand-written because a regex
/// engine would add hundreds of kilobytes to the browser bundle.
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let tld = labels.last().copied().unwrap_or_default();
    !local.is_empty()
        && local.len() <= 64
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@')
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && tld.len() >= 2
        && tld.chars().all(char::is_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for (email, ok) in [
            ("a@example.com", true),
            ("first.last+tag@sub.example.co", true),
            ("a@b", false),
            ("@example.com", false),
            ("a@example.c", false),
            ("a@@example.com", false),
            ("a@exa mple.com", false),
            (".a@example.com", false),
            ("a..b@example.com", false),
            ("a@-example.com", false),
            ("a@example..com", false),
            ("a@example.123", false),
        ] {
            assert_eq!(is_email(email), ok, "{email}");
        }
    }

    #[test]
    fn report_rules() {
        let mut errors = ValidationErrors::default();
        let mut report = Report::new("/2", &mut errors);
        report.require("a", "A", &None);
        report.require("b", "B", &Some("  ".into()));
        report.require("ok", "Ok", &Some("x".into()));
        report.length("c", "C", &Some("é".into()), 2, 5);
        report.length("d", "D", &Some("abcdef".into()), 2, 5);
        report.length("ok", "Ok", &Some("ab".into()), 2, 5);
        report.one_of("e", "E", &Some("fr_FR".into()), &["en_US"]);
        report.one_of("ok", "Ok", &Some("en_US".into()), &["en_US"]);
        report.email("f", &Some("x@".into()));
        report.absent("g", &Some(1), ErrorCode::NotUpdatable, "no");
        let got: Vec<(&str, ErrorCode)> =
            errors.0.iter().map(|e| (e.path.as_str(), e.code)).collect();
        use ErrorCode::*;
        assert_eq!(
            got,
            [
                ("/2/a", Required),
                ("/2/b", Required),
                ("/2/c", TooShort),
                ("/2/d", TooLong),
                ("/2/e", InvalidValue),
                ("/2/f", InvalidEmail),
                ("/2/g", NotUpdatable),
            ]
        );
    }

    #[test]
    fn batch_rules() {
        let codes = |count, max| {
            let mut errors = ValidationErrors::default();
            batch_size(count, max, &mut errors);
            errors.0.into_iter().map(|e| e.code).collect::<Vec<_>>()
        };
        assert_eq!(codes(0, None), [ErrorCode::Empty]);
        assert_eq!(codes(1000, Some(1000)), []);
        assert_eq!(codes(1001, Some(1000)), [ErrorCode::TooMany]);
        let mut errors = ValidationErrors::default();
        unique_within(
            [
                (0, Some("A@x.io")),
                (1, None),
                (2, Some("a@x.io")),
                (3, Some("b@x.io")),
            ],
            "email",
            "Email",
            &mut errors,
        );
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].path, "/2/email");
        assert!(
            errors.0[0].message.contains("user 0"),
            "{}",
            errors.0[0].message
        );
    }
}
