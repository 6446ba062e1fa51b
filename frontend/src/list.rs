//! The user list's logic, apart from the page: its columns, free-text search, sorting, and
//! which rows a scrolled viewport shows (the list renders only those, so 50,000 users stay
//! smooth). Pure functions, tested natively.

use std::ops::Range;

use shared::liveperson::User;

/// A column of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    LoginName,
    FullName,
    Nickname,
    Email,
    Enabled,
    MaxChats,
    Profiles,
}

impl Column {
    pub const ALL: [Column; 7] = [
        Column::LoginName,
        Column::FullName,
        Column::Nickname,
        Column::Email,
        Column::Enabled,
        Column::MaxChats,
        Column::Profiles,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Column::LoginName => "Login name",
            Column::FullName => "Full name",
            Column::Nickname => "Nickname",
            Column::Email => "Email",
            Column::Enabled => "Enabled",
            Column::MaxChats => "Max chats",
            Column::Profiles => "Profiles",
        }
    }

    /// The cell's text.
    pub fn text(self, user: &User) -> String {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        match self {
            Column::LoginName => text(&user.login_name),
            Column::FullName => text(&user.full_name),
            Column::Nickname => text(&user.nickname),
            Column::Email => text(&user.email),
            Column::Enabled => match user.is_enabled {
                Some(true) => "Yes".into(),
                Some(false) => "No".into(),
                None => String::new(),
            },
            Column::MaxChats => user.max_chats.map(|n| n.to_string()).unwrap_or_default(),
            Column::Profiles => user
                .profile_ids
                .iter()
                .flatten()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// What this column sorts by: numbers as numbers, text without regard to case, empty
    /// cells last. Worked out once per user per sort (`sort_by_cached_key`), not once per
    /// comparison: at 50,000 users that is the difference between a frame and a freeze.
    fn sort_key(self, user: &User) -> (bool, i64, String) {
        match self {
            Column::MaxChats => (
                user.max_chats.is_none(),
                user.max_chats.unwrap_or(0),
                String::new(),
            ),
            _ => {
                let text = self.text(user).to_lowercase();
                (text.is_empty(), 0, text)
            }
        }
    }
}

/// How the list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: Column,
    pub ascending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Self {
            column: Column::LoginName,
            ascending: true,
        }
    }
}

impl Sort {
    /// What a click on `column`'s header makes of this order: the same column flips, another
    /// one sorts ascending.
    pub fn clicked(self, column: Column) -> Self {
        Self {
            column,
            ascending: self.column != column || !self.ascending,
        }
    }
}

/// What free-text search looks through, per user, lower-cased once when the list loads so
/// a keystroke costs one pass of `contains` over the list.
pub fn search_text(user: &User) -> String {
    [
        &user.login_name,
        &user.nickname,
        &user.email,
        &user.full_name,
    ]
    .into_iter()
    .flatten()
    .map(|s| s.to_lowercase())
    .collect::<Vec<_>>()
    .join("\n")
}

/// Every position in `users`, in `sort` order. Stable, so equal cells keep the vendor's
/// order (reversed when descending).
pub fn sorted(users: &[User], sort: Sort) -> Vec<usize> {
    let mut order: Vec<usize> = (0..users.len()).collect();
    order.sort_by_cached_key(|&i| sort.column.sort_key(&users[i]));
    if !sort.ascending {
        order.reverse();
    }
    order
}

/// Those of `order` that match `query`: every word of it, anywhere in login name, nickname,
/// email or full name, case-insensitively. One pass, no sorting: a keystroke stays cheap.
pub fn filter(order: &[usize], search_texts: &[String], query: &str) -> Vec<usize> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    order
        .iter()
        .copied()
        .filter(|&i| words.iter().all(|w| search_texts[i].contains(w.as_str())))
        .collect()
}

/// Height of one row of the list, in CSS pixels (the stylesheet fixes it).
pub const ROW_HEIGHT: f64 = 33.0;
/// Rows rendered beyond each edge of the viewport, so fast scrolling shows no gap.
pub const OVERSCAN: usize = 10;

/// The rows to render when the list's body is scrolled `scroll_top` pixels down a viewport
/// `viewport` pixels high.
pub fn window(scroll_top: f64, viewport: f64, rows: usize) -> Range<usize> {
    let first = (scroll_top.max(0.0) / ROW_HEIGHT).floor() as usize;
    let count = (viewport.max(0.0) / ROW_HEIGHT).ceil() as usize + 1;
    let start = first.saturating_sub(OVERSCAN).min(rows);
    let end = (first + count + OVERSCAN).min(rows);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(login: &str, name: &str, email: &str, max_chats: Option<i64>) -> User {
        User {
            login_name: Some(login.into()),
            full_name: Some(name.into()),
            nickname: Some(login.split('.').next().unwrap_or(login).into()),
            email: Some(email.into()),
            max_chats,
            ..User::default()
        }
    }

    fn users() -> Vec<User> {
        vec![
            user(
                "grace.hopper",
                "Grace Hopper",
                "grace@navy.example",
                Some(4),
            ),
            user(
                "ada.lovelace",
                "Ada Lovelace",
                "ada@engine.example",
                Some(12),
            ),
            user("alan.turing", "Alan Turing", "alan@bletchley.example", None),
            user(
                "Barbara.Liskov",
                "Barbara Liskov",
                "bl@mit.example",
                Some(2),
            ),
        ]
    }

    fn logins(users: &[User], shown: &[usize]) -> Vec<String> {
        shown
            .iter()
            .map(|&i| users[i].login_name.clone().unwrap())
            .collect()
    }

    #[test]
    fn search_and_sort() {
        let users = users();
        let texts: Vec<String> = users.iter().map(search_text).collect();
        let by = |column, ascending| Sort { column, ascending };
        for (query, sort, expected) in [
            (
                "",
                Sort::default(),
                vec![
                    "ada.lovelace",
                    "alan.turing",
                    "Barbara.Liskov",
                    "grace.hopper",
                ],
            ),
            (
                "",
                by(Column::LoginName, false),
                vec![
                    "grace.hopper",
                    "Barbara.Liskov",
                    "alan.turing",
                    "ada.lovelace",
                ],
            ),
            (
                "",
                by(Column::MaxChats, true),
                vec![
                    "Barbara.Liskov",
                    "grace.hopper",
                    "ada.lovelace",
                    "alan.turing",
                ],
            ),
            (
                "",
                by(Column::MaxChats, false),
                vec![
                    "alan.turing",
                    "ada.lovelace",
                    "grace.hopper",
                    "Barbara.Liskov",
                ],
            ),
            (
                "",
                by(Column::Email, true),
                vec![
                    "ada.lovelace",
                    "alan.turing",
                    "Barbara.Liskov",
                    "grace.hopper",
                ],
            ),
            ("LOVELACE", Sort::default(), vec!["ada.lovelace"]),
            ("navy", Sort::default(), vec!["grace.hopper"]),
            (
                "  a  ",
                Sort::default(),
                vec![
                    "ada.lovelace",
                    "alan.turing",
                    "Barbara.Liskov",
                    "grace.hopper",
                ],
            ),
            ("al tur", Sort::default(), vec!["alan.turing"]),
            ("barbara mit", Sort::default(), vec!["Barbara.Liskov"]),
            ("nobody", Sort::default(), vec![]),
        ] {
            assert_eq!(
                logins(&users, &filter(&sorted(&users, sort), &texts, query)),
                expected,
                "{query:?} {sort:?}"
            );
        }
    }

    #[test]
    fn header_clicks() {
        let sort = Sort::default();
        let flipped = sort.clicked(Column::LoginName);
        assert_eq!(
            (flipped.column, flipped.ascending),
            (Column::LoginName, false)
        );
        let other = flipped.clicked(Column::Email);
        assert_eq!((other.column, other.ascending), (Column::Email, true));
    }

    #[test]
    fn windows() {
        let row = ROW_HEIGHT;
        for (scroll_top, viewport, rows, expected) in [
            (0.0, 10.0 * row, 50_000, 0..21),
            (0.0, 10.0 * row, 5, 0..5),
            (1000.0 * row, 10.0 * row, 50_000, 990..1021),
            (49_995.0 * row, 10.0 * row, 50_000, 49_985..50_000),
            (-50.0, 10.0 * row, 100, 0..21),
            (0.0, 0.0, 0, 0..0),
        ] {
            assert_eq!(
                window(scroll_top, viewport, rows),
                expected,
                "{scroll_top} {rows}"
            );
        }
    }
}
