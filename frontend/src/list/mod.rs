//! The user list's logic, apart from the page, for any vendor: its columns (the vendor's
//! fields), free-text search over the fields its description names, filters, sorting, and
//! which rows a scrolled viewport shows (the list renders only those, so 50,000 users stay
//! smooth). Pure functions, tested natively.

use std::collections::HashSet;
use std::ops::Range;

use shared::ConnectionInfo;
use shared::connection::VendorKind;
use shared::description::{Description, FilterKind, ListFilter};
use shared::field::{FieldKind, FieldSpec};

pub use crate::catalog::Names;
use read::Target;

mod read;

/// One field's value as the list holds it, read as leniently as the vendor writes it
/// (CommPeak sends every scalar as text): `"1"` in a flag is `Bool(true)`, `"12"` in a
/// number is `Number(12)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Cell {
    #[default]
    Empty,
    Text(Box<str>),
    Number(i64),
    Bool(bool),
    /// A list of ids (skills, profiles).
    Ids(Box<[i64]>),
}

impl Cell {
    fn as_bool(&self) -> Option<bool> {
        match self {
            Cell::Bool(b) => Some(*b),
            Cell::Number(n) => Some(*n != 0),
            _ => None,
        }
    }

    fn ids(&self) -> &[i64] {
        match self {
            Cell::Ids(ids) => ids,
            Cell::Number(n) => std::slice::from_ref(n),
            _ => &[],
        }
    }

    /// The text a key or a login shows.
    pub fn plain(&self) -> String {
        match self {
            Cell::Text(t) => t.to_string(),
            Cell::Number(n) => n.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Ids(ids) => join_ids(ids),
            Cell::Empty => String::new(),
        }
    }
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A user as the list holds it: only the fields the view reads (its [`Layout`]), each a
/// [`Cell`]. The list never builds a save from a row: the user page and the bulk work read
/// whole records.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListedUser {
    cells: Box<[Cell]>,
}

/// A column of the list: one of the vendor's fields.
#[derive(Debug, Clone, Copy)]
pub struct Column(&'static FieldSpec);

impl PartialEq for Column {
    fn eq(&self, other: &Self) -> bool {
        self.0.path == other.0.path
    }
}
impl Eq for Column {}

/// Whether a field can be a column: what it holds reads as one line, and it is no secret.
fn listable(spec: &FieldSpec) -> bool {
    !spec.secret && !matches!(spec.kind, FieldKind::Password | FieldKind::Structured)
}

impl Column {
    /// Every column the chooser offers for `kind`, in the vendor's field order.
    pub fn all(kind: VendorKind) -> Vec<Column> {
        shared::vendor::fields(kind)
            .iter()
            .filter(|f| listable(f))
            .map(Column)
            .collect()
    }

    /// The column showing `field` (a path, or the first part of one: `memberOf`).
    pub fn of(kind: VendorKind, field: &str) -> Option<Column> {
        let all = Column::all(kind);
        all.iter()
            .copied()
            .find(|c| c.field() == field)
            .or_else(|| {
                let mut nested = all.iter().filter(|c| top_level(c.field()) == field);
                match (nested.next(), nested.next()) {
                    (Some(only), None) => Some(*only),
                    _ => None,
                }
            })
    }

    /// The columns shown until the admin chooses others.
    pub fn defaults(kind: VendorKind) -> Vec<Column> {
        description(kind)
            .columns
            .iter()
            .filter_map(|f| Column::of(kind, f))
            .collect()
    }

    pub fn label(self) -> &'static str {
        self.0.label
    }

    /// The vendor field the column shows (its path): what `select` asks for, and the
    /// column's name in a URL.
    pub fn field(self) -> &'static str {
        self.0.path
    }

    pub fn kind(self) -> FieldKind {
        self.0.kind
    }

    /// How wide the column is drawn, in rem: room for a typical value, so login names and
    /// emails are not cut where there is space (the table never gets narrower than the sum,
    /// and a narrow window scrolls the grid, not the page). Whole numbers: formatting a float
    /// would bring float printing into the first-load module.
    pub fn width_rem(self) -> u32 {
        match self.0.kind {
            FieldKind::Email => 16,
            FieldKind::Text | FieldKind::Date => 12,
            FieldKind::IdList | FieldKind::Choice(_) => 10,
            FieldKind::Integer => 7,
            _ => 6,
        }
    }

    /// About how many characters the column shows before cutting (at the width above).
    pub fn fits(self) -> usize {
        // About two characters per rem of the console's font, less the cell's padding.
        self.width_rem() as usize * 2 - 3
    }

    /// Whether the cell shows names (and so sorts by them) rather than what the user holds.
    pub fn is_named(self) -> bool {
        Names::names_field(self.field())
    }
}

fn description(kind: VendorKind) -> &'static Description {
    shared::vendor::description(kind)
}

/// `memberOf` of `memberOf/agentGroupId`.
fn top_level(path: &str) -> &str {
    path.split_once('/').map_or(path, |(first, _)| first)
}

/// Which fields a list holds, in the order of each user's cells: the user's key, login and
/// deleted flag, the searched fields, and what the view's columns, sort and filters read.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub kind: VendorKind,
    fields: Vec<&'static FieldSpec>,
}

impl Layout {
    pub fn new(kind: VendorKind, view: &ListView) -> Self {
        let d = description(kind);
        let mut paths: Vec<&'static str> = vec![d.key, d.login];
        paths.extend(d.deleted);
        paths.extend(d.searched);
        paths.extend(view.columns.iter().map(|c| c.field()));
        paths.push(view.sort.column.field());
        paths.extend(view.filters.fields(kind));
        Self::of(kind, paths)
    }

    /// Only the key, the login and the deleted flag: what a check for existing users reads.
    pub fn minimal(kind: VendorKind) -> Self {
        let d = description(kind);
        Self::of(
            kind,
            [Some(d.key), Some(d.login), d.deleted]
                .into_iter()
                .flatten(),
        )
    }

    /// The vendor's fields at `paths`, each once, in that order.
    fn of(kind: VendorKind, paths: impl IntoIterator<Item = &'static str>) -> Self {
        let vendor_fields = shared::vendor::fields(kind);
        let mut fields: Vec<&'static FieldSpec> = Vec::new();
        for path in paths {
            if let Some(spec) = vendor_fields.iter().find(|f| f.path == path)
                && !fields.iter().any(|f| f.path == path)
            {
                fields.push(spec);
            }
        }
        Self { kind, fields }
    }

    /// Where `path`'s cell is in each user.
    pub fn index(&self, path: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.path == path)
    }

    /// Does a list read with this layout hold everything `other` reads? Then a new view
    /// needs no new fetch.
    pub fn covers(&self, other: &Layout) -> bool {
        self.kind == other.kind && other.fields.iter().all(|f| self.index(f.path).is_some())
    }

    /// The vendor's `select` for these fields (top-level names, comma-separated).
    pub fn select(&self) -> String {
        let mut names: Vec<&str> = Vec::new();
        for field in &self.fields {
            let name = top_level(field.path);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names.join(",")
    }

    /// The cell of `path` in `user`, empty when the layout does not hold it.
    pub fn cell<'a>(&self, user: &'a ListedUser, path: &str) -> &'a Cell {
        const EMPTY: &Cell = &Cell::Empty;
        self.index(path)
            .and_then(|i| user.cells.get(i))
            .unwrap_or(EMPTY)
    }

    /// The user's key as it goes into URLs and requests.
    pub fn key(&self, user: &ListedUser) -> Option<String> {
        let key = self.cell(user, description(self.kind).key).plain();
        (!key.is_empty()).then_some(key)
    }

    pub fn login(&self, user: &ListedUser) -> String {
        self.cell(user, description(self.kind).login).plain()
    }

    pub fn is_deleted(&self, user: &ListedUser) -> bool {
        description(self.kind)
            .deleted
            .is_some_and(|field| self.cell(user, field).as_bool() == Some(true))
    }

    /// Reads a vendor's JSON list of users, keeping only this layout's fields.
    pub fn decode(&self, bytes: &[u8]) -> Result<Vec<ListedUser>, serde_json::Error> {
        read::users(bytes, &self.targets(), self.fields.len())
    }

    /// The fields as a tree of JSON names: a top-level name is a cell, or an object whose
    /// members are (every listable path has at most two parts).
    fn targets(&self) -> Vec<(&'static str, Target)> {
        let mut targets: Vec<(&'static str, Target)> = Vec::new();
        for (index, field) in self.fields.iter().enumerate() {
            let cell = (index, field.kind);
            match field.path.split_once('/') {
                None => targets.push((field.path, Target::Cell(cell))),
                Some((parent, child)) => {
                    match targets.iter_mut().find(|(name, _)| *name == parent) {
                        Some((_, Target::Object(members))) => members.push((child, cell)),
                        _ => targets.push((parent, Target::Object(vec![(child, cell)]))),
                    }
                }
            }
        }
        targets
    }
}

impl Column {
    /// The cell's text: flags as Yes/No, choices by their label, ids by name where the
    /// account's names are known.
    pub fn text(self, layout: &Layout, user: &ListedUser, names: &Names) -> String {
        let cell = layout.cell(user, self.field());
        let text = match (self.kind(), cell) {
            (_, Cell::Empty) => String::new(),
            (FieldKind::Boolean | FieldKind::Flag, cell) => match cell.as_bool() {
                Some(true) => "Yes".to_owned(),
                Some(false) => "No".to_owned(),
                None => cell.plain(),
            },
            (FieldKind::Choice(choices), cell) => {
                let value = cell.plain();
                choices
                    .iter()
                    .find(|c| c.value == value)
                    .map_or(value, |c| c.label.to_owned())
            }
            (_, cell @ (Cell::Ids(_) | Cell::Number(_))) => match names.for_field(self.field()) {
                Some(catalog) => catalog.display(cell.ids()),
                None => cell.plain(),
            },
            (_, cell) => cell.plain(),
        };
        if self.field() == description(layout.kind).login && layout.is_deleted(user) {
            format!("{text} (deleted)")
        } else {
            text
        }
    }

    /// What this column sorts by: numbers as numbers, text without regard to case, empty
    /// cells last. Worked out once per user per sort (not once per comparison: at 50,000
    /// users that is the difference between a frame and a freeze).
    fn sort_key(self, layout: &Layout, user: &ListedUser, names: &Names) -> (bool, i64, String) {
        let named = names.for_field(self.field()).is_some_and(|c| !c.is_empty());
        match layout.cell(user, self.field()) {
            Cell::Number(n) if !named => (false, *n, String::new()),
            _ => {
                let text = self.text(layout, user, names).to_lowercase();
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

impl Sort {
    /// By login name, ascending: the order until the admin chooses another.
    pub fn by_login(kind: VendorKind) -> Self {
        let login = description(kind).login;
        Self {
            column: Column::of(kind, login).expect("the login is a listable field"),
            ascending: true,
        }
    }

    /// What a click on `column`'s header makes of this order: the same column flips, another
    /// one sorts ascending.
    pub fn clicked(self, column: Column) -> Self {
        Self {
            column,
            ascending: self.column != column || !self.ascending,
        }
    }
}

/// What the list is narrowed to besides the free-text search: a value for some of the
/// vendor's filters (1/0 for yes/no, an id for a named one), in the description's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    chosen: Vec<(&'static str, i64)>,
    /// List deleted users too.
    pub include_deleted: bool,
}

impl Filters {
    /// The value chosen for the filter named `param`.
    pub fn get(&self, param: &str) -> Option<i64> {
        self.chosen
            .iter()
            .find(|(p, _)| *p == param)
            .map(|(_, v)| *v)
    }

    /// Chooses `value` for `filter` (`None`: any).
    pub fn set(&mut self, kind: VendorKind, filter: &ListFilter, value: Option<i64>) {
        self.chosen.retain(|(p, _)| *p != filter.param);
        if let Some(value) = value {
            self.chosen.push((filter.param, value));
            let order = |param: &str| {
                description(kind)
                    .filters
                    .iter()
                    .position(|f| f.param == param)
            };
            self.chosen.sort_by_key(|(p, _)| order(p));
        }
    }

    fn each(&self, kind: VendorKind) -> impl Iterator<Item = (&'static ListFilter, i64)> {
        self.chosen.iter().filter_map(move |(param, value)| {
            let filter = description(kind)
                .filters
                .iter()
                .find(|f| f.param == *param)?;
            Some((filter, *value))
        })
    }

    pub fn matches(&self, layout: &Layout, user: &ListedUser) -> bool {
        self.each(layout.kind).all(|(filter, value)| {
            let cell = layout.cell(user, filter.field);
            match filter.kind {
                FilterKind::YesNo { .. } => cell.as_bool().unwrap_or(false) == (value != 0),
                FilterKind::Named => cell.ids().contains(&value),
            }
        })
    }

    /// The vendor fields the set filters read.
    fn fields(&self, kind: VendorKind) -> Vec<&'static str> {
        self.each(kind).map(|(filter, _)| filter.field).collect()
    }

    /// Does any filter narrow the list?
    pub fn narrows(&self) -> bool {
        !self.chosen.is_empty()
    }
}

/// Everything that makes a view of the list: what a bookmark brings back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListView {
    pub kind: VendorKind,
    pub query: String,
    pub filters: Filters,
    pub sort: Sort,
    pub columns: Vec<Column>,
}

/// Column lists as written in URLs and in the browser's storage: fields, comma-separated.
pub fn columns_to_text(columns: &[Column]) -> String {
    columns
        .iter()
        .map(|c| c.field())
        .collect::<Vec<_>>()
        .join(",")
}

/// The known columns of `text`, in the chooser's order; `None` when none is known.
pub fn columns_from_text(kind: VendorKind, text: &str) -> Option<Vec<Column>> {
    let named: Vec<Column> = text
        .split(',')
        .filter_map(|f| Column::of(kind, f.trim()))
        .collect();
    let columns: Vec<Column> = Column::all(kind)
        .into_iter()
        .filter(|c| named.contains(c))
        .collect();
    (!columns.is_empty()).then_some(columns)
}

impl ListView {
    /// The view until the admin chooses another.
    pub fn new(kind: VendorKind) -> Self {
        Self {
            kind,
            query: String::new(),
            filters: Filters::default(),
            sort: Sort::by_login(kind),
            columns: Column::defaults(kind),
        }
    }

    /// The view as a URL query (without `?`), naming only what differs from the default.
    pub fn to_query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if !self.query.is_empty() {
            query.append_pair("q", &self.query);
        }
        for (filter, value) in self.filters.each(self.kind) {
            let text = match filter.kind {
                FilterKind::YesNo { .. } if value != 0 => "yes".to_owned(),
                FilterKind::YesNo { .. } => "no".to_owned(),
                FilterKind::Named => value.to_string(),
            };
            query.append_pair(filter.param, &text);
        }
        if self.filters.include_deleted {
            query.append_pair("deleted", "yes");
        }
        if self.sort != Sort::by_login(self.kind) {
            query.append_pair("sort", self.sort.column.field());
            if !self.sort.ascending {
                query.append_pair("order", "desc");
            }
        }
        if self.columns != Column::defaults(self.kind) {
            query.append_pair("columns", &columns_to_text(&self.columns));
        }
        query.finish()
    }

    /// The view a URL query describes. What it does not name is the default, and the
    /// columns are `remembered` (the admin's last choice) unless the URL names them. A value
    /// that makes no sense is ignored rather than refused: a bookmark still opens.
    pub fn from_query(kind: VendorKind, query: &str, remembered: Option<Vec<Column>>) -> Self {
        let mut view = ListView::new(kind);
        if let Some(columns) = remembered {
            view.columns = columns;
        }
        let mut descending = false;
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "q" => view.query = value.into_owned(),
                "deleted" => view.filters.include_deleted = value == "yes",
                "sort" => {
                    if let Some(column) = Column::of(kind, &value) {
                        view.sort.column = column;
                    }
                }
                "order" => descending = value == "desc",
                "columns" => {
                    if let Some(columns) = columns_from_text(kind, &value) {
                        view.columns = columns;
                    }
                }
                param => {
                    let Some(filter) = description(kind).filters.iter().find(|f| f.param == param)
                    else {
                        continue;
                    };
                    let chosen = match (filter.kind, value.as_ref()) {
                        (FilterKind::YesNo { .. }, "yes") => Some(1),
                        (FilterKind::YesNo { .. }, "no") => Some(0),
                        (FilterKind::YesNo { .. }, _) => None,
                        (FilterKind::Named, text) => text.parse::<i64>().ok(),
                    };
                    view.filters.set(kind, filter, chosen);
                }
            }
        }
        view.sort.ascending = !descending;
        view
    }

    /// The fields the list must hold for this view.
    pub fn layout(&self) -> Layout {
        Layout::new(self.kind, self)
    }
}

/// The most fields a description searches ([`Searchable`] holds them without an allocation
/// of its own).
pub const MAX_SEARCHED: usize = 4;

/// What free-text search looks through for one user (the fields the vendor's description
/// names), lower-cased once when the list loads so a keystroke costs one pass of `contains`
/// over the list. Those columns sort by this same lower-cased text, borrowed: sorting 50,000
/// users then makes no string at all.
pub struct Searchable {
    /// The fields in the description's order, each followed by a line break: a search word
    /// has no whitespace, so it never matches across two fields.
    text: String,
    /// Where each field ends in `text`.
    ends: [usize; MAX_SEARCHED],
}

impl Searchable {
    pub fn of(layout: &Layout, user: &ListedUser) -> Self {
        let mut text = String::new();
        let mut ends = [0; MAX_SEARCHED];
        for (end, field) in ends
            .iter_mut()
            .zip(description(layout.kind).searched.iter())
        {
            match layout.cell(user, field) {
                Cell::Text(value) => text.push_str(&value.to_lowercase()),
                Cell::Empty => {}
                other => text.push_str(&other.plain().to_lowercase()),
            }
            *end = text.len();
            text.push('\n');
        }
        Self { text, ends }
    }

    fn contains(&self, word: &str) -> bool {
        self.text.contains(word)
    }

    /// The `k`-th searched field's lower-cased text.
    fn field(&self, k: usize) -> &str {
        let start = if k == 0 { 0 } else { self.ends[k - 1] + 1 };
        self.text.get(start..self.ends[k]).unwrap_or_default()
    }
}

/// Every position in `users`, in `sort` order; users equal in the sorted column follow
/// each other by login name (ascending either way), so the order is the same on every load.
pub fn sorted(
    layout: &Layout,
    users: &[ListedUser],
    searchables: &[Searchable],
    sort: Sort,
    names: &Names,
) -> Vec<usize> {
    let d = description(layout.kind);
    let mut order: Vec<usize> = (0..users.len()).collect();
    let searched_at = |field: &str| d.searched.iter().position(|s| *s == field);
    let login_at = searched_at(d.login).unwrap_or(0);
    let login = |i: usize| searchables[i].field(login_at);
    // The searched text columns sort by their lower-cased text, borrowed (empty cells
    // last): no string is made, where an owned key would make two per user. The others by
    // keys worked out once. One comparison and one sort for both, so the first-load module
    // carries one sort.
    let searched = searched_at(sort.column.field());
    let keys: Vec<_> = if searched.is_some() {
        Vec::new()
    } else {
        users
            .iter()
            .map(|u| sort.column.sort_key(layout, u, names))
            .collect()
    };
    let text = |i: usize| {
        let text = searchables[i].field(searched.unwrap_or(0));
        (text.is_empty(), text)
    };
    order.sort_by(|&a, &b| {
        let primary = if searched.is_some() {
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
/// the searched fields, case-insensitively. One pass, no sorting: a keystroke stays cheap.
pub fn filter(
    layout: &Layout,
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
                && (!narrows || filters.matches(layout, &users[i]))
        })
        .collect()
}

/// The positions in `order` of the users in `selected` (by key), in that order.
pub fn selected_rows(
    layout: &Layout,
    order: &[usize],
    users: &[ListedUser],
    selected: &HashSet<String>,
) -> Vec<usize> {
    order
        .iter()
        .copied()
        .filter(|&i| {
            layout
                .key(&users[i])
                .is_some_and(|key| selected.contains(&key))
        })
        .collect()
}

/// The rows `shown` as CSV, in `columns`, with a header row of their labels. Text that a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@` first, not a number) is prefixed
/// with `'`, in every column: names of skills and groups are typed by people too.
pub fn to_csv(
    layout: &Layout,
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
            let text = c.text(layout, &users[i], names);
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

/// Which connections' lists `connection` may show: the list is an operation a connection
/// declares (Trintech's exists only where the operator says so).
pub fn has_list(connection: &ConnectionInfo) -> bool {
    connection.declares(shared::operation::names::LIST_USERS)
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
    use serde_json::{Value, json};

    const LP: VendorKind = VendorKind::Liveperson;

    fn column(kind: VendorKind, field: &str) -> Column {
        Column::of(kind, field).unwrap_or_else(|| panic!("{field}"))
    }

    /// A list of `kind` read as the console reads the vendor's answer, with every field the
    /// tests look at.
    fn listed(kind: VendorKind, records: &[Value]) -> (Layout, Vec<ListedUser>) {
        let mut view = ListView::new(kind);
        view.columns = Column::all(kind);
        let layout = view.layout();
        let users = layout
            .decode(&serde_json::to_vec(records).unwrap())
            .unwrap();
        (layout, users)
    }

    fn people() -> Vec<Value> {
        [
            (
                "grace.hopper",
                "Grace Hopper",
                "grace@navy.example",
                json!(4),
            ),
            (
                "ada.lovelace",
                "Ada Lovelace",
                "ada@engine.example",
                json!(12),
            ),
            (
                "alan.turing",
                "Alan Turing",
                "alan@bletchley.example",
                Value::Null,
            ),
            (
                "Barbara.Liskov",
                "Barbara Liskov",
                "bl@mit.example",
                json!("2"),
            ),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, (login, name, email, chats))| {
            json!({"id": 100 + i, "loginName": login, "fullName": name,
                   "nickname": login.split('.').next(), "email": email, "maxChats": chats})
        })
        .collect()
    }

    fn logins(layout: &Layout, users: &[ListedUser], shown: &[usize]) -> Vec<String> {
        shown.iter().map(|&i| layout.login(&users[i])).collect()
    }

    fn shown(
        (layout, users): &(Layout, Vec<ListedUser>),
        query: &str,
        sort: Sort,
        filters: &Filters,
    ) -> Vec<String> {
        let texts: Vec<Searchable> = users.iter().map(|u| Searchable::of(layout, u)).collect();
        let order = sorted(layout, users, &texts, sort, &Names::default());
        logins(
            layout,
            users,
            &filter(layout, &order, users, &texts, query, filters),
        )
    }

    #[test]
    fn search_and_sort() {
        let list = listed(LP, &people());
        let by = |field, ascending| Sort {
            column: column(LP, field),
            ascending,
        };
        let login = Sort::by_login(LP);
        for (query, sort, expected) in [
            (
                "",
                login,
                vec![
                    "ada.lovelace",
                    "alan.turing",
                    "Barbara.Liskov",
                    "grace.hopper",
                ],
            ),
            (
                "",
                by("loginName", false),
                vec![
                    "grace.hopper",
                    "Barbara.Liskov",
                    "alan.turing",
                    "ada.lovelace",
                ],
            ),
            // Numbers as numbers ("2" from text too), empty cells last.
            (
                "",
                by("maxChats", true),
                vec![
                    "Barbara.Liskov",
                    "grace.hopper",
                    "ada.lovelace",
                    "alan.turing",
                ],
            ),
            (
                "",
                by("maxChats", false),
                vec![
                    "alan.turing",
                    "ada.lovelace",
                    "grace.hopper",
                    "Barbara.Liskov",
                ],
            ),
            (
                "",
                by("email", true),
                vec![
                    "ada.lovelace",
                    "alan.turing",
                    "Barbara.Liskov",
                    "grace.hopper",
                ],
            ),
            ("LOVELACE", login, vec!["ada.lovelace"]),
            ("navy", login, vec!["grace.hopper"]),
            ("al tur", login, vec!["alan.turing"]),
            ("barbara mit", login, vec!["Barbara.Liskov"]),
            ("nobody", login, vec![]),
        ] {
            assert_eq!(
                shown(&list, query, sort, &Filters::default()),
                expected,
                "{query:?} {sort:?}"
            );
        }
    }

    #[test]
    fn every_vendor_reads_its_fields_as_leniently_as_it_writes_them() {
        let names = Names::from_profiles(&[(3001, "Agent")]);
        for (kind, record, expected) in [
            (
                LP,
                json!({"id": "4100000001", "loginName": "ada", "isEnabled": "false",
                       "maxChats": "4", "profileIds": ["3001"], "skillIds": [5001, "5002"],
                       "memberOf": {"agentGroupId": "101", "assignmentDate": "x"},
                       "isApiUser": true, "userTypeId": 2, "unknown": {"a": [1]}}),
                vec![
                    ("id", "4100000001"),
                    ("loginName", "ada"),
                    ("isEnabled", "No"),
                    ("maxChats", "4"),
                    ("profileIds", "Agent"),
                    ("skillIds", "5001, 5002"),
                    ("memberOf/agentGroupId", "101"),
                    ("isApiUser", "Yes"),
                    ("email", ""),
                ],
            ),
            (
                VendorKind::Commpeak,
                json!({"id": "17", "username": "jdoe", "is_active": "0", "is_deleted": "1",
                       "timezone_id": "3", "default_language": "pt_BR",
                       "registration_password": "s3cret-sip", "desks": [{"id": 1}]}),
                vec![
                    ("id", "17"),
                    ("username", "jdoe (deleted)"),
                    ("is_active", "No"),
                    ("is_deleted", "Yes"),
                    ("timezone_id", "3"),
                    ("default_language", "Portuguese (Brazil)"),
                ],
            ),
            (
                // An odd value where an object belongs leaves its fields empty, and only them.
                VendorKind::Trintech,
                json!({"userName": "odd", "name": "Odd Person", "email": "o@x.example"}),
                vec![
                    ("userName", "odd"),
                    ("name/firstName", ""),
                    ("email", "o@x.example"),
                ],
            ),
            (
                VendorKind::Trintech,
                json!({"userName": "jane.doe", "name": {"firstName": "Jane", "lastName": null},
                       "lockedOut": false, "userAccess": {"AccessComplete": true}}),
                vec![
                    ("userName", "jane.doe"),
                    ("name/firstName", "Jane"),
                    ("name/lastName", ""),
                    ("lockedOut", "No"),
                    ("userAccess/AccessComplete", "Yes"),
                ],
            ),
        ] {
            let (layout, users) = listed(kind, std::slice::from_ref(&record));
            for (field, shown) in expected {
                assert_eq!(
                    column(kind, field).text(&layout, &users[0], &names),
                    shown,
                    "{kind:?} {field}"
                );
            }
            // A secret is never a column, so never held.
            assert!(Column::all(kind).iter().all(|c| !c.0.secret), "{kind:?}");
        }
    }

    #[test]
    fn keys_logins_and_the_searched_fields_come_from_the_description() {
        for kind in [LP, VendorKind::Commpeak, VendorKind::Trintech] {
            let d = description(kind);
            assert!(d.searched.len() <= MAX_SEARCHED, "{kind:?}");
            assert!(
                d.searched.contains(&d.login),
                "{kind:?}: the login is searched"
            );
            assert!(Column::of(kind, d.login).is_some(), "{kind:?}");
        }
        let (layout, users) = listed(
            VendorKind::Trintech,
            &[json!({"userName": "jane.doe", "email": "J@X.example"})],
        );
        assert_eq!(layout.key(&users[0]).as_deref(), Some("jane.doe"));
        let (layout, users) = listed(VendorKind::Commpeak, &[json!({"id": "7", "username": "x"})]);
        assert_eq!(layout.key(&users[0]).as_deref(), Some("7"));
    }

    #[test]
    fn malformed_lists_are_refused_not_misread() {
        let layout = ListView::new(LP).layout();
        for bad in [&b"{}"[..], b"[1]", b"[{\"id\": 1}", b"[] x"] {
            assert!(
                layout.decode(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn filters() {
        let mut records = people();
        records[0]["isEnabled"] = json!(false);
        records[1]["profileIds"] = json!([3001, 3002]);
        records[1]["skillIds"] = json!([5001]);
        records[2]["memberOf"] = json!({"agentGroupId": 101});
        records[3]["isApiUser"] = json!("true");
        for record in &mut records[1..] {
            record["isEnabled"] = json!(true);
        }
        let list = listed(LP, &records);
        let login = Sort::by_login(LP);
        let with = |param: &str, value: i64| {
            let mut filters = Filters::default();
            let filter = description(LP)
                .filters
                .iter()
                .find(|f| f.param == param)
                .unwrap();
            filters.set(LP, filter, Some(value));
            filters
        };
        for (filters, query, expected) in [
            (
                Filters::default(),
                "",
                vec![
                    "ada.lovelace",
                    "alan.turing",
                    "Barbara.Liskov",
                    "grace.hopper",
                ],
            ),
            (with("enabled", 0), "", vec!["grace.hopper"]),
            (with("profile", 3002), "", vec!["ada.lovelace"]),
            (with("skill", 5001), "ada", vec!["ada.lovelace"]),
            (with("skill", 5001), "grace", vec![]),
            (with("group", 101), "", vec!["alan.turing"]),
            (
                with("api", 0),
                "",
                vec!["ada.lovelace", "alan.turing", "grace.hopper"],
            ),
        ] {
            assert_eq!(
                shown(&list, query, login, &filters),
                expected,
                "{filters:?} {query:?}"
            );
        }
    }

    #[test]
    fn views_in_urls() {
        let mut every = ListView::new(LP);
        every.query = "grace & co".into();
        for (param, value) in [
            ("enabled", 1),
            ("profile", 3001),
            ("skill", 5002),
            ("group", -1),
            ("api", 0),
        ] {
            let filter = description(LP)
                .filters
                .iter()
                .find(|f| f.param == param)
                .unwrap();
            every.filters.set(LP, filter, Some(value));
        }
        every.filters.include_deleted = true;
        every.sort = Sort {
            column: column(LP, "maxChats"),
            ascending: false,
        };
        every.columns = ["loginName", "maxChats", "skillIds"]
            .map(|f| column(LP, f))
            .to_vec();
        for (view, query) in [
            (ListView::new(LP), ""),
            (
                every.clone(),
                "q=grace+%26+co&enabled=yes&profile=3001&skill=5002&group=-1&api=no&deleted=yes\
                 &sort=maxChats&order=desc&columns=loginName%2CmaxChats%2CskillIds",
            ),
        ] {
            assert_eq!(view.to_query(), query);
            assert_eq!(ListView::from_query(LP, query, None), view, "{query}");
        }
        // The URL's columns win over the remembered ones; without them, the remembered.
        let remembered = Some(vec![column(LP, "email")]);
        assert_eq!(
            ListView::from_query(LP, "columns=id", remembered.clone()).columns,
            [column(LP, "id")]
        );
        assert_eq!(
            ListView::from_query(LP, "q=x", remembered).columns,
            [column(LP, "email")]
        );
        // Nonsense is ignored, not fatal: the bookmark still opens.
        assert_eq!(
            ListView::from_query(
                LP,
                "enabled=maybe&profile=agent&sort=passwordSh&columns=x,y&z=1",
                None
            ),
            ListView::new(LP)
        );
        // Known columns keep the chooser's order; a nested field answers to its parent's name.
        assert_eq!(
            columns_from_text(LP, "email,memberOf,loginName,nope"),
            Some(
                ["loginName", "email", "memberOf/agentGroupId"]
                    .map(|f| column(LP, f))
                    .to_vec()
            )
        );
        // Each vendor's own filters and columns.
        let view = ListView::from_query(
            VendorKind::Commpeak,
            "active=no&columns=username,sip_uri",
            None,
        );
        assert_eq!(view.filters.get("active"), Some(0));
        assert_eq!(view.to_query(), "active=no&columns=username%2Csip_uri");
        assert_eq!(
            ListView::from_query(VendorKind::Trintech, "enabled=no", None),
            ListView::new(VendorKind::Trintech)
        );
    }

    #[test]
    fn selects() {
        assert_eq!(
            ListView::new(LP).layout().select(),
            "id,loginName,deleted,nickname,email,fullName,isEnabled,maxChats,profileIds"
        );
        let mut narrow = ListView::new(LP);
        narrow.columns = vec![column(LP, "email"), column(LP, "memberOf/agentGroupId")];
        assert_eq!(
            narrow.layout().select(),
            "id,loginName,deleted,nickname,email,fullName,memberOf"
        );
        assert!(
            ListView::new(LP)
                .layout()
                .covers(&ListView::new(LP).layout())
        );
        assert!(!ListView::new(LP).layout().covers(&narrow.layout()));
        assert!(!narrow.layout().covers(&ListView::new(LP).layout()));
    }

    #[test]
    fn csv_export() {
        let mut records = people();
        records[0]["fullName"] = json!("=HYPERLINK(\"http://evil\")");
        records[1]["profileIds"] = json!([3001, 9]);
        records[1]["memberOf"] = json!({"agentGroupId": -1});
        let (layout, users) = listed(LP, &records);
        let names = Names::from_profiles(&[(3001, "Agent")]);
        let columns = [
            "loginName",
            "fullName",
            "profileIds",
            "memberOf/agentGroupId",
        ]
        .map(|f| column(LP, f));
        let csv = to_csv(&layout, &users, &[1, 0], &columns, &names).unwrap();
        assert_eq!(
            csv,
            "Login name,Full name,Profiles,Agent group\n\
             ada.lovelace,Ada Lovelace,\"Agent, 9\",-1\n\
             grace.hopper,\"'=HYPERLINK(\"\"http://evil\"\")\",,\n"
        );
    }

    #[test]
    fn header_clicks() {
        let sort = Sort::by_login(LP);
        let flipped = sort.clicked(column(LP, "loginName"));
        assert!(!flipped.ascending);
        let other = flipped.clicked(column(LP, "email"));
        assert_eq!((other.column, other.ascending), (column(LP, "email"), true));
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
