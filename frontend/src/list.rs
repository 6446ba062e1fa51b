//! The user list's logic, apart from the page: its columns, free-text search, sorting, and
//! which rows a scrolled viewport shows (the list renders only those, so 50,000 users stay
//! smooth). Pure functions, tested natively.

use std::collections::HashSet;
use std::ops::Range;

use serde::Deserialize;
use serde_with::serde_as;
use shared::lenient::Lenient;
use shared::liveperson::MemberOf;

/// A user as the list holds it: only the fields a column or a filter reads, leniently as the
/// full record reads them. Decoding 50,000 of these takes about 40 % less time than full
/// `User` records (224 bytes each against 664), and the list never builds a save from a row:
/// the user page and the bulk work read whole records.
#[serde_as]
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListedUser {
    #[serde_as(as = "Option<Lenient>")]
    pub id: Option<i64>,
    #[serde_as(as = "Option<Lenient>")]
    pub deleted: Option<bool>,
    pub login_name: Option<String>,
    pub full_name: Option<String>,
    pub nickname: Option<String>,
    pub email: Option<String>,
    #[serde_as(as = "Option<Lenient>")]
    pub is_enabled: Option<bool>,
    #[serde_as(as = "Option<Lenient>")]
    pub is_api_user: Option<bool>,
    #[serde_as(as = "Option<Lenient>")]
    pub max_chats: Option<i64>,
    #[serde_as(as = "Option<Vec<Lenient>>")]
    pub profile_ids: Option<Vec<i64>>,
    #[serde_as(as = "Option<Vec<Lenient>>")]
    pub skill_ids: Option<Vec<i64>>,
    pub member_of: Option<MemberOf>,
    pub employee_id: Option<String>,
}

/// A column of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Id,
    LoginName,
    FullName,
    Nickname,
    Email,
    Enabled,
    MaxChats,
    Profiles,
    Skills,
    AgentGroup,
    ApiUser,
    EmployeeId,
}

pub use crate::catalog::Names;

impl Column {
    /// Every column the chooser offers, in the order they are shown.
    pub const ALL: [Column; 12] = [
        Column::Id,
        Column::LoginName,
        Column::FullName,
        Column::Nickname,
        Column::Email,
        Column::Enabled,
        Column::MaxChats,
        Column::Profiles,
        Column::Skills,
        Column::AgentGroup,
        Column::ApiUser,
        Column::EmployeeId,
    ];

    /// The columns shown until the admin chooses others.
    pub const DEFAULT: [Column; 7] = [
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
            Column::Id => "Id",
            Column::LoginName => "Login name",
            Column::FullName => "Full name",
            Column::Nickname => "Nickname",
            Column::Email => "Email",
            Column::Enabled => "Enabled",
            Column::MaxChats => "Max chats",
            Column::Profiles => "Profiles",
            Column::Skills => "Skills",
            Column::AgentGroup => "Agent group",
            Column::ApiUser => "API user",
            Column::EmployeeId => "Employee id",
        }
    }

    /// The vendor field the column shows: what `select` asks for, and the column's name in
    /// a URL.
    /// How wide the column is drawn, in rem: room for a typical value, so login names and
    /// emails are not cut where there is space (the table never gets narrower than the sum,
    /// and a narrow window scrolls the grid, not the page). Whole numbers: formatting a float
    /// would bring float printing into the first-load module.
    pub fn width_rem(self) -> u32 {
        match self {
            Column::Email => 16,
            Column::LoginName | Column::FullName => 12,
            Column::Profiles | Column::Skills => 10,
            Column::Id | Column::Nickname | Column::AgentGroup | Column::EmployeeId => 9,
            Column::MaxChats => 7,
            Column::Enabled | Column::ApiUser => 6,
        }
    }

    /// About how many characters the column shows before cutting (at the width above).
    pub fn fits(self) -> usize {
        // About two characters per rem of the console's font, less the cell's padding.
        self.width_rem() as usize * 2 - 3
    }

    pub fn field(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::LoginName => "loginName",
            Column::FullName => "fullName",
            Column::Nickname => "nickname",
            Column::Email => "email",
            Column::Enabled => "isEnabled",
            Column::MaxChats => "maxChats",
            Column::Profiles => "profileIds",
            Column::Skills => "skillIds",
            Column::AgentGroup => "memberOf",
            Column::ApiUser => "isApiUser",
            Column::EmployeeId => "employeeId",
        }
    }

    pub fn from_field(field: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.field() == field)
    }

    /// Whether the cell shows names (and so sorts by them) rather than what the user holds.
    pub fn is_named(self) -> bool {
        matches!(self, Column::Profiles | Column::Skills | Column::AgentGroup)
    }

    /// The cell's text.
    pub fn text(self, user: &ListedUser, names: &Names) -> String {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let yes_no = |value: Option<bool>| match value {
            Some(true) => "Yes".to_owned(),
            Some(false) => "No".to_owned(),
            None => String::new(),
        };
        match self {
            Column::Id => user.id.map(|n| n.to_string()).unwrap_or_default(),
            Column::LoginName if user.deleted == Some(true) => {
                format!("{} (deleted)", text(&user.login_name))
            }
            Column::LoginName => text(&user.login_name),
            Column::FullName => text(&user.full_name),
            Column::Nickname => text(&user.nickname),
            Column::Email => text(&user.email),
            Column::Enabled => yes_no(user.is_enabled),
            Column::ApiUser => yes_no(user.is_api_user),
            Column::MaxChats => user.max_chats.map(|n| n.to_string()).unwrap_or_default(),
            Column::Profiles => names.profiles.display(user.profile_ids.iter().flatten()),
            Column::Skills => names.skills.display(user.skill_ids.iter().flatten()),
            Column::AgentGroup => names.groups.display(agent_group(user).iter()),
            Column::EmployeeId => text(&user.employee_id),
        }
    }

    /// What this column sorts by: numbers as numbers, text without regard to case, empty
    /// cells last. Worked out once per user per sort (`sort_by_cached_key`), not once per
    /// comparison: at 50,000 users that is the difference between a frame and a freeze.
    fn sort_key(self, user: &ListedUser, names: &Names) -> (bool, i64, String) {
        let number = |n: Option<i64>| (n.is_none(), n.unwrap_or(0), String::new());
        match self {
            Column::Id => number(user.id),
            Column::MaxChats => number(user.max_chats),
            Column::AgentGroup if names.groups.is_empty() => number(agent_group(user)),
            _ => {
                let text = self.text(user, names).to_lowercase();
                (text.is_empty(), 0, text)
            }
        }
    }
}

fn agent_group(user: &ListedUser) -> Option<i64> {
    user.member_of.as_ref().and_then(|m| m.agent_group_id)
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

/// What the list is narrowed to besides the free-text search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub enabled: Option<bool>,
    pub profile: Option<i64>,
    pub skill: Option<i64>,
    pub agent_group: Option<i64>,
    pub api_user: Option<bool>,
    /// Ask the vendor for deleted users too (`include_deleted=true`).
    pub include_deleted: bool,
}

impl Filters {
    pub fn matches(&self, user: &ListedUser) -> bool {
        let has = |ids: &Option<Vec<i64>>, wanted: Option<i64>| {
            wanted.is_none_or(|w| ids.iter().flatten().any(|&id| id == w))
        };
        self.enabled.is_none_or(|e| user.is_enabled == Some(e))
            && self
                .api_user
                .is_none_or(|a| user.is_api_user.unwrap_or(false) == a)
            && has(&user.profile_ids, self.profile)
            && has(&user.skill_ids, self.skill)
            && self
                .agent_group
                .is_none_or(|g| agent_group(user) == Some(g))
    }

    /// The vendor fields the set filters read.
    fn fields(&self) -> Vec<&'static str> {
        [
            (self.enabled.is_some(), "isEnabled"),
            (self.profile.is_some(), "profileIds"),
            (self.skill.is_some(), "skillIds"),
            (self.agent_group.is_some(), "memberOf"),
            (self.api_user.is_some(), "isApiUser"),
            (self.include_deleted, "deleted"),
        ]
        .into_iter()
        .filter_map(|(set, field)| set.then_some(field))
        .collect()
    }

    /// Does any filter narrow the list?
    pub fn narrows(&self) -> bool {
        let all = Filters {
            include_deleted: self.include_deleted,
            ..Filters::default()
        };
        *self != all
    }
}

/// Everything that makes a view of the list: what a bookmark brings back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListView {
    pub query: String,
    pub filters: Filters,
    pub sort: Sort,
    pub columns: Vec<Column>,
}

impl Default for ListView {
    fn default() -> Self {
        Self {
            query: String::new(),
            filters: Filters::default(),
            sort: Sort::default(),
            columns: Column::DEFAULT.to_vec(),
        }
    }
}

/// Column lists as written in URLs and in the browser's storage: fields, comma-separated.
pub fn columns_to_text(columns: &[Column]) -> String {
    columns
        .iter()
        .map(|c| c.field())
        .collect::<Vec<_>>()
        .join(",")
}

/// The known columns of `text`, in [`Column::ALL`] order; `None` when none is known.
pub fn columns_from_text(text: &str) -> Option<Vec<Column>> {
    let named: Vec<Column> = text
        .split(',')
        .filter_map(|f| Column::from_field(f.trim()))
        .collect();
    let columns: Vec<Column> = Column::ALL
        .into_iter()
        .filter(|c| named.contains(c))
        .collect();
    (!columns.is_empty()).then_some(columns)
}

impl ListView {
    /// The view as a URL query (without `?`), naming only what differs from the default.
    pub fn to_query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        if !self.query.is_empty() {
            query.append_pair("q", &self.query);
        }
        let f = &self.filters;
        if let Some(e) = f.enabled {
            query.append_pair("enabled", yes_no(e));
        }
        for (name, value) in [
            ("profile", f.profile),
            ("skill", f.skill),
            ("group", f.agent_group),
        ] {
            if let Some(v) = value {
                query.append_pair(name, &v.to_string());
            }
        }
        if let Some(a) = f.api_user {
            query.append_pair("api", yes_no(a));
        }
        if f.include_deleted {
            query.append_pair("deleted", "yes");
        }
        if self.sort != Sort::default() {
            query.append_pair("sort", self.sort.column.field());
            if !self.sort.ascending {
                query.append_pair("order", "desc");
            }
        }
        if self.columns != Column::DEFAULT {
            query.append_pair("columns", &columns_to_text(&self.columns));
        }
        query.finish()
    }

    /// The view a URL query describes. What it does not name is the default, and the
    /// columns are `remembered` (the admin's last choice) unless the URL names them. A value
    /// that makes no sense is ignored rather than refused: a bookmark still opens.
    pub fn from_query(query: &str, remembered: Option<Vec<Column>>) -> Self {
        let mut view = ListView {
            columns: remembered.unwrap_or_else(|| Column::DEFAULT.to_vec()),
            ..ListView::default()
        };
        let mut descending = false;
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let yes_no = match value.as_ref() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            };
            let number = value.parse::<i64>().ok();
            let f = &mut view.filters;
            match key.as_ref() {
                "q" => view.query = value.into_owned(),
                "enabled" => f.enabled = yes_no,
                "api" => f.api_user = yes_no,
                "deleted" => f.include_deleted = yes_no == Some(true),
                "profile" => f.profile = number,
                "skill" => f.skill = number,
                "group" => f.agent_group = number,
                "sort" => {
                    if let Some(column) = Column::from_field(&value) {
                        view.sort.column = column;
                    }
                }
                "order" => descending = value == "desc",
                "columns" => {
                    if let Some(columns) = columns_from_text(&value) {
                        view.columns = columns;
                    }
                }
                _ => {}
            }
        }
        view.sort.ascending = !descending;
        view
    }

    /// The `select` that fetches what this view shows and filters on, and nothing more.
    pub fn select(&self) -> String {
        let mut fields = vec!["id"];
        for field in self
            .columns
            .iter()
            .map(|c| c.field())
            .chain(std::iter::once(self.sort.column.field()))
            .chain(self.filters.fields())
        {
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
        fields.join(",")
    }
}

/// Does a list fetched with `loaded` (a `select`) carry every field `needed` asks for? Then
/// narrowing the view needs no new fetch.
pub fn covers(loaded: &str, needed: &str) -> bool {
    let loaded: Vec<&str> = loaded.split(',').collect();
    needed.split(',').all(|field| loaded.contains(&field))
}

/// What free-text search looks through for one user: login name, nickname, email and full
/// name, lower-cased once when the list loads so a keystroke costs one pass of `contains`
/// over the list. The text columns sort by these same lower-cased fields, borrowed: sorting
/// 50,000 users then makes no string at all.
pub struct Searchable {
    /// The four fields in that order, each followed by a line break: a search word has no
    /// whitespace, so it never matches across two fields.
    text: String,
    /// Where each field ends in `text`.
    ends: [usize; 4],
}

/// The columns `Searchable` holds, in its order.
const SEARCHED: [Column; 4] = [
    Column::LoginName,
    Column::Nickname,
    Column::Email,
    Column::FullName,
];

impl Searchable {
    pub fn of(user: &ListedUser) -> Self {
        let mut text = String::new();
        let mut ends = [0; 4];
        for (end, field) in ends.iter_mut().zip([
            &user.login_name,
            &user.nickname,
            &user.email,
            &user.full_name,
        ]) {
            if let Some(field) = field {
                text.push_str(&field.to_lowercase());
            }
            *end = text.len();
            text.push('\n');
        }
        Self { text, ends }
    }

    fn contains(&self, word: &str) -> bool {
        self.text.contains(word)
    }

    /// `column`'s lower-cased text, when search holds it.
    fn field(&self, column: Column) -> Option<&str> {
        let k = SEARCHED.iter().position(|&c| c == column)?;
        let start = if k == 0 { 0 } else { self.ends[k - 1] + 1 };
        Some(&self.text[start..self.ends[k]])
    }
}

/// Every position in `users`, in `sort` order; users equal in the sorted column follow
/// each other by login name (ascending either way), so the order is the same on every load.
pub fn sorted(
    users: &[ListedUser],
    searchables: &[Searchable],
    sort: Sort,
    names: &Names,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..users.len()).collect();
    let login = |i: usize| searchables[i].field(Column::LoginName).unwrap_or_default();
    // The four searched text columns sort by their lower-cased text, borrowed (empty cells
    // last): no string is made, where an owned key would make two per user. The others by
    // keys worked out once. One comparison and one sort for both, so the first-load module
    // carries one sort.
    let searched = SEARCHED.contains(&sort.column);
    let keys: Vec<_> = if searched {
        Vec::new()
    } else {
        users
            .iter()
            .map(|u| sort.column.sort_key(u, names))
            .collect()
    };
    let text = |i: usize| {
        let text = searchables[i].field(sort.column).unwrap_or_default();
        (text.is_empty(), text)
    };
    order.sort_by(|&a, &b| {
        let primary = if searched {
            text(a).cmp(&text(b))
        } else {
            keys[a].cmp(&keys[b])
        };
        let primary = if sort.ascending {
            primary
        } else {
            primary.reverse()
        };
        primary.then_with(|| login(a).cmp(login(b)))
    });
    order
}

/// Those of `order` that pass `filters` and match `query`: every word of it, anywhere in
/// login name, nickname, email or full name, case-insensitively. One pass, no sorting: a
/// keystroke stays cheap.
pub fn filter(
    order: &[usize],
    users: &[ListedUser],
    searchables: &[Searchable],
    query: &str,
    filters: &Filters,
) -> Vec<usize> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let narrows = filters.narrows();
    order
        .iter()
        .copied()
        .filter(|&i| {
            words.iter().all(|w| searchables[i].contains(w))
                && (!narrows || filters.matches(&users[i]))
        })
        .collect()
}

/// The positions in `order` of the users in `selected`, in that order.
pub fn selected_rows(order: &[usize], users: &[ListedUser], selected: &HashSet<i64>) -> Vec<usize> {
    order
        .iter()
        .copied()
        .filter(|&i| users[i].id.is_some_and(|id| selected.contains(&id)))
        .collect()
}

/// The rows `shown` as CSV, in `columns`, with a header row of their labels. Text that a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@` first, not a number) is prefixed
/// with `'`, in every column: names of skills and groups are typed by people too.
pub fn to_csv(
    users: &[ListedUser],
    shown: &[usize],
    columns: &[Column],
    names: &Names,
) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(columns.iter().map(|c| c.label()))?;
    for &i in shown {
        out.write_record(columns.iter().map(|c| {
            // Any cell may hold text an admin typed somewhere (a skill's name too).
            let text = c.text(&users[i], names);
            if text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<i64>().is_err() {
                format!("'{text}")
            } else {
                text
            }
        }))?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Height of one row of the list, in CSS pixels (the stylesheet fixes it).
pub const ROW_HEIGHT: usize = 33;
/// Rows rendered beyond each edge of the viewport, so a scroll the compositor shows before
/// the rows are rewritten shows no gap. Few: every scroll rewrites every rendered row.
pub const OVERSCAN: usize = 3;

/// The rows to render when the list's body is scrolled `scroll_top` pixels down a viewport
/// `viewport` pixels high.
pub fn window(scroll_top: i32, viewport: i32, rows: usize) -> Range<usize> {
    let pixels = |value: i32| usize::try_from(value).unwrap_or(0);
    let first = pixels(scroll_top) / ROW_HEIGHT;
    let count = pixels(viewport).div_ceil(ROW_HEIGHT) + 1;
    let start = first.saturating_sub(OVERSCAN).min(rows);
    let end = (first + count + OVERSCAN).min(rows);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(login: &str, name: &str, email: &str, max_chats: Option<i64>) -> ListedUser {
        ListedUser {
            login_name: Some(login.into()),
            full_name: Some(name.into()),
            nickname: Some(login.split('.').next().unwrap_or(login).into()),
            email: Some(email.into()),
            max_chats,
            ..ListedUser::default()
        }
    }

    fn users() -> Vec<ListedUser> {
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

    fn logins(users: &[ListedUser], shown: &[usize]) -> Vec<String> {
        shown
            .iter()
            .map(|&i| users[i].login_name.clone().unwrap())
            .collect()
    }

    #[test]
    fn search_and_sort() {
        let users = users();
        let texts: Vec<Searchable> = users.iter().map(Searchable::of).collect();
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
                logins(
                    &users,
                    &filter(
                        &sorted(&users, &texts, sort, &Names::default()),
                        &users,
                        &texts,
                        query,
                        &Filters::default()
                    )
                ),
                expected,
                "{query:?} {sort:?}"
            );
        }
    }

    #[test]
    fn every_column_reads_its_field_from_a_listed_user_as_leniently_as_the_full_record() {
        let names = Names::from_profiles(&[(3001, "Agent")]);
        for column in Column::ALL {
            // Exhaustive, so a new column cannot be left out.
            let (value, shown) = match column {
                Column::Id => (json!("4100000001"), "4100000001"),
                Column::LoginName => (json!("ada"), "ada"),
                Column::FullName => (json!("Ada Lovelace"), "Ada Lovelace"),
                Column::Nickname => (json!("Ada"), "Ada"),
                Column::Email => (json!("ada@example.com"), "ada@example.com"),
                Column::Enabled => (json!("false"), "No"),
                Column::MaxChats => (json!("4"), "4"),
                Column::Profiles => (json!(["3001"]), "Agent"),
                Column::Skills => (json!([5001, "5002"]), "5001, 5002"),
                Column::AgentGroup => (json!({"agentGroupId": "101"}), "101"),
                Column::ApiUser => (json!(true), "Yes"),
                Column::EmployeeId => (json!("E-7"), "E-7"),
            };
            let record = json!({ column.field(): value });
            let user: ListedUser = serde_json::from_value(record.clone()).unwrap();
            assert_eq!(column.text(&user, &names), shown, "{record}");
        }
        let deleted: ListedUser =
            serde_json::from_value(json!({"loginName": "ada", "deleted": "true"})).unwrap();
        assert_eq!(Column::LoginName.text(&deleted, &names), "ada (deleted)");
    }

    #[test]
    fn text_columns_sort_by_their_own_field_without_regard_to_case_and_empty_cells_last() {
        let mut users = users();
        users[1].nickname = None;
        users[2].full_name = Some(String::new());
        users[3].nickname = Some("ZED".into());
        users[3].deleted = Some(true);
        let texts: Vec<Searchable> = users.iter().map(Searchable::of).collect();
        let by = |column, ascending| Sort { column, ascending };
        for (sort, expected) in [
            (
                by(Column::Nickname, true),
                vec![
                    "alan.turing",
                    "grace.hopper",
                    "Barbara.Liskov",
                    "ada.lovelace",
                ],
            ),
            (
                by(Column::Nickname, false),
                vec![
                    "ada.lovelace",
                    "Barbara.Liskov",
                    "grace.hopper",
                    "alan.turing",
                ],
            ),
            (
                by(Column::FullName, true),
                vec![
                    "ada.lovelace",
                    "Barbara.Liskov",
                    "grace.hopper",
                    "alan.turing",
                ],
            ),
            (
                // A deleted user sorts by its login name, not by the "(deleted)" it shows.
                by(Column::LoginName, true),
                vec![
                    "ada.lovelace",
                    "alan.turing",
                    "Barbara.Liskov",
                    "grace.hopper",
                ],
            ),
        ] {
            assert_eq!(
                logins(&users, &sorted(&users, &texts, sort, &Names::default())),
                expected,
                "{sort:?}"
            );
        }
        // Ties fall back to the login name, ascending in both directions.
        for user in &mut users {
            user.max_chats = Some(2);
        }
        users[0].max_chats = Some(9);
        for ascending in [true, false] {
            let order = sorted(
                &users,
                &texts,
                by(Column::MaxChats, ascending),
                &Names::default(),
            );
            let tied: Vec<String> = logins(&users, &order)
                .into_iter()
                .filter(|l| l != "grace.hopper")
                .collect();
            assert_eq!(
                tied,
                ["ada.lovelace", "alan.turing", "Barbara.Liskov"],
                "ascending: {ascending}"
            );
        }
        assert_eq!(texts[1].field(Column::Nickname), Some(""));
        assert_eq!(texts[3].field(Column::Email), Some("bl@mit.example"));
        assert_eq!(texts[3].field(Column::MaxChats), None);
    }

    #[test]
    fn filters() {
        let mut users = users();
        users[0].is_enabled = Some(false);
        users[1].profile_ids = Some(vec![3001, 3002]);
        users[1].skill_ids = Some(vec![5001]);
        users[2].member_of = Some(MemberOf {
            agent_group_id: Some(101),
            assignment_date: None,
        });
        users[3].is_api_user = Some(true);
        let texts: Vec<Searchable> = users.iter().map(Searchable::of).collect();
        let order: Vec<usize> = (0..users.len()).collect();
        for (filters, query, expected) in [
            (Filters::default(), "", vec![0, 1, 2, 3]),
            (
                Filters {
                    enabled: Some(false),
                    ..Filters::default()
                },
                "",
                vec![0],
            ),
            (
                Filters {
                    profile: Some(3002),
                    ..Filters::default()
                },
                "",
                vec![1],
            ),
            (
                Filters {
                    skill: Some(5001),
                    ..Filters::default()
                },
                "ada",
                vec![1],
            ),
            (
                Filters {
                    skill: Some(5001),
                    ..Filters::default()
                },
                "grace",
                vec![],
            ),
            (
                Filters {
                    agent_group: Some(101),
                    ..Filters::default()
                },
                "",
                vec![2],
            ),
            (
                Filters {
                    api_user: Some(false),
                    ..Filters::default()
                },
                "",
                vec![0, 1, 2],
            ),
            (
                Filters {
                    include_deleted: true,
                    ..Filters::default()
                },
                "",
                vec![0, 1, 2, 3],
            ),
        ] {
            assert_eq!(
                filter(&order, &users, &texts, query, &filters),
                expected,
                "{filters:?} {query:?}"
            );
        }
    }

    #[test]
    fn views_in_urls() {
        let every = ListView {
            query: "grace & co".into(),
            filters: Filters {
                enabled: Some(true),
                profile: Some(3001),
                skill: Some(5002),
                agent_group: Some(-1),
                api_user: Some(false),
                include_deleted: true,
            },
            sort: Sort {
                column: Column::MaxChats,
                ascending: false,
            },
            columns: vec![Column::LoginName, Column::MaxChats, Column::Skills],
        };
        for (view, query) in [
            (ListView::default(), ""),
            (
                every.clone(),
                "q=grace+%26+co&enabled=yes&profile=3001&skill=5002&group=-1&api=no&deleted=yes\
                 &sort=maxChats&order=desc&columns=loginName%2CmaxChats%2CskillIds",
            ),
        ] {
            assert_eq!(view.to_query(), query);
            assert_eq!(ListView::from_query(query, None), view, "{query}");
        }
        // The URL's columns win over the remembered ones; without them, the remembered.
        let remembered = Some(vec![Column::Email]);
        assert_eq!(
            ListView::from_query("columns=id", remembered.clone()).columns,
            [Column::Id]
        );
        assert_eq!(
            ListView::from_query("q=x", remembered).columns,
            [Column::Email]
        );
        // Nonsense is ignored, not fatal: the bookmark still opens.
        assert_eq!(
            ListView::from_query(
                "enabled=maybe&profile=agent&sort=password&columns=x,y&z=1",
                None
            ),
            ListView::default()
        );
        // Known columns keep the chooser's order whatever order the URL gives.
        assert_eq!(
            columns_from_text("email,loginName,nope"),
            Some(vec![Column::LoginName, Column::Email])
        );
    }

    #[test]
    fn selects() {
        assert_eq!(
            ListView::default().select(),
            "id,loginName,fullName,nickname,email,isEnabled,maxChats,profileIds"
        );
        let narrow = ListView {
            columns: vec![Column::Email],
            filters: Filters {
                skill: Some(5001),
                include_deleted: true,
                ..Filters::default()
            },
            ..ListView::default()
        };
        assert_eq!(narrow.select(), "id,email,loginName,skillIds,deleted");
        assert!(covers(&ListView::default().select(), "id,email,loginName"));
        assert!(!covers(&ListView::default().select(), &narrow.select()));
    }

    #[test]
    fn csv_export() {
        let mut users = users();
        users[0].full_name = Some("=HYPERLINK(\"http://evil\")".into());
        users[1].profile_ids = Some(vec![3001, 9]);
        users[1].member_of = Some(MemberOf {
            agent_group_id: Some(-1),
            assignment_date: None,
        });
        let names = Names::from_profiles(&[(3001, "Agent")]);
        let csv = to_csv(
            &users,
            &[1, 0],
            &[
                Column::LoginName,
                Column::FullName,
                Column::Profiles,
                Column::AgentGroup,
            ],
            &names,
        )
        .unwrap();
        assert_eq!(
            csv,
            "Login name,Full name,Profiles,Agent group\n\
             ada.lovelace,Ada Lovelace,\"Agent, 9\",-1\n\
             grace.hopper,\"'=HYPERLINK(\"\"http://evil\"\")\",,\n"
        );
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
        let row = ROW_HEIGHT as i32;
        for (scroll_top, viewport, rows, expected) in [
            (0, 10 * row, 50_000, 0..14),
            (0, 10 * row, 5, 0..5),
            (1000 * row, 10 * row, 50_000, 997..1014),
            // Part of a row scrolled: it still shows, and one more at the bottom.
            (1000 * row + 5, 10 * row, 50_000, 997..1014),
            (49_995 * row, 10 * row, 50_000, 49_992..50_000),
            (-50, 10 * row, 100, 0..14),
            (0, 10 * row + 1, 50_000, 0..15),
            (0, 0, 0, 0..0),
        ] {
            assert_eq!(
                window(scroll_top, viewport, rows),
                expected,
                "{scroll_top} {rows}"
            );
        }
    }
}
