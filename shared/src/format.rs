//! Numbers and counts as people read them, the same in the console and in its tests.

/// `1234567` → `"1,234,567"`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `"1 user"`, `"1,000 users"`.
pub fn user_count(n: usize) -> String {
    counted(n, "user")
}

/// `"1 row"`, `"2,500 rows"`.
pub fn row_count(n: usize) -> String {
    counted(n, "row")
}

fn counted(n: usize, noun: &str) -> String {
    format!("{} {noun}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// The label of a button that acts on the selected users: `"Edit 3 users selected"`, or
/// `"Edit selected users"` while nothing is selected (never "Edit 0 users selected").
pub fn on_selected(verb: &str, n: usize) -> String {
    match n {
        0 => format!("{verb} selected users"),
        n => format!("{verb} {} selected", user_count(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_labels() {
        for (n, text) in [
            (0, "Edit selected users"),
            (1, "Edit 1 user selected"),
            (1_200, "Edit 1,200 users selected"),
        ] {
            assert_eq!(on_selected("Edit", n), text);
        }
    }

    #[test]
    fn counts() {
        for (n, text) in [
            (0, "0 users"),
            (1, "1 user"),
            (999, "999 users"),
            (1_000, "1,000 users"),
            (50_000, "50,000 users"),
            (1_234_567, "1,234,567 users"),
        ] {
            assert_eq!(user_count(n), text);
        }
    }
}
