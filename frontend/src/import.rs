//! Reading an import file (CSV with a header row, or a JSON list of users) into users to
//! create, every row checked with the vendor's rules before anything is sent, and writing
//! the rows that did not make it back out as CSV. Pure, tested natively.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};
use shared::ConnectionInfo;
use shared::field::{FieldKind, FieldSpec};
use shared::{FieldError, ValidationErrors};

use crate::catalog::Names;
use crate::record;
use shared::format::user_count;

/// One row of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Where it is in the file, as people count: the CSV line (the header is line 1), or the
    /// item of the JSON list (from 1).
    pub number: usize,
    pub login: String,
    /// The user to create (valid or not).
    pub user: Value,
    /// Everything wrong with it; empty when it can be sent.
    pub problems: Vec<String>,
    /// Top-level fields whose cell could not be read (their problem is already said).
    unreadable: Vec<&'static str>,
    /// The row as the file had it, for the failures file.
    pub source: Vec<String>,
}

/// A file read into rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportFile {
    pub format: Format,
    /// The vendor's fields the file was read with.
    pub fields: &'static [FieldSpec],
    /// The columns of [`Row::source`].
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// What a file does: create the users it holds, or update them (each row a whole user,
/// named by its key, where the vendor updates users in batches and replaces each one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Create,
    Update,
}

impl Mode {
    /// The operation the rows are sent with.
    pub fn operation(self) -> &'static str {
        match self {
            Mode::Create => shared::operation::names::CREATE_USERS,
            Mode::Update => shared::operation::names::UPDATE_USERS,
        }
    }

    /// What a row that made it became.
    pub fn done(self) -> &'static str {
        match self {
            Mode::Create => "created",
            Mode::Update => "updated",
        }
    }
}

/// Whether the connection updates users from a file: a batch update that answers record by
/// record, with no revision to hold the whole account to (Trintech's `PUT /users`).
pub fn updates_from_file(connection: &ConnectionInfo) -> bool {
    let declared = connection.declares(shared::operation::names::UPDATE_USERS);
    let batch = shared::vendor::operations(connection.kind).iter().any(|o| {
        o.name == shared::operation::names::UPDATE_USERS
            && o.reply == shared::operation::Reply::BatchResult
    });
    declared
        && batch
        && shared::vendor::description(connection.kind)
            .revision
            .is_none()
}

/// What kind of file it was, which is also the kind its failures are written back as, so
/// the failures file imports as it is once fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// The columns (CSV) or keys (JSON) the failures file adds to say where a row came from and
/// why it failed. The importer knows them as its own and ignores them, so the failures file
/// imports as it is once fixed.
pub const ROW_NOTE: &str = "import row";
pub const PROBLEM_NOTE: &str = "import problem";

fn is_note(header: &str) -> bool {
    let header = header.trim();
    header.eq_ignore_ascii_case(ROW_NOTE) || header.eq_ignore_ascii_case(PROBLEM_NOTE)
}

/// Top-level fields never written to a downloaded file (passwords).
fn secret_fields(fields: &'static [FieldSpec]) -> impl Iterator<Item = &'static str> {
    fields
        .iter()
        .filter(|f| f.secret)
        .map(|f| record::top_field(f.path))
}

/// Why a file cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("The file is empty.")]
    Empty,
    #[error("The file is not valid CSV: {0}")]
    Csv(String),
    #[error("The file is not a JSON list of users: {0}")]
    Json(String),
    #[error(
        "Column \"{0}\" is not a field of a {1} user. Known columns: {2}. Fix the header row and choose the file again."
    )]
    UnknownColumn(String, &'static str, String),
    #[error("Column \"{0}\" appears twice in the header row.")]
    RepeatedColumn(String),
    #[error(
        "The file has {0} rows; at most {1} are imported at once. Split it into smaller files."
    )]
    TooManyRows(usize, usize),
}

/// More rows than this in one file are refused rather than risked in one sitting.
pub const MAX_ROWS: usize = 50_000;

/// The fields a file may set: those a create takes (the password too) and those an update
/// takes; a row is checked with the rules of what the file does, which refuse the others.
fn importable(fields: &'static [FieldSpec]) -> impl Iterator<Item = &'static FieldSpec> {
    fields
        .iter()
        .filter(|f| !f.read_only && (f.kind != FieldKind::Structured))
}

/// The field a column header names: its API path (`loginName`, `memberOf/agentGroupId`), its
/// last segment (`agentGroupId`), or its label (`Login name`, `Password`), without regard to
/// case.
fn field_of(fields: &'static [FieldSpec], header: &str) -> Option<&'static FieldSpec> {
    let wanted = header.trim().to_lowercase();
    importable(fields).find(|f| {
        f.path.to_lowercase() == wanted
            || f.path
                .rsplit('/')
                .next()
                .is_some_and(|last| last.to_lowercase() == wanted)
            || f.label.to_lowercase() == wanted
    })
}

/// Reads `text` as CSV or JSON (JSON when `name` ends in `.json` or the text starts with `[`).
/// Skills, agent groups and profiles may be given by name in a CSV cell; `names` reads them,
/// and refuses ids the account does not have.
pub fn read(
    connection: &ConnectionInfo,
    mode: Mode,
    name: &str,
    text: &str,
    names: &Names,
) -> Result<ImportFile, FileError> {
    let fields = shared::vendor::fields(connection.kind);
    let login = shared::vendor::description(connection.kind).login;
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    let mut file = if name.to_lowercase().ends_with(".json") || text.trim_start().starts_with('[') {
        read_json(text, fields, login)?
    } else {
        read_csv(text, (connection.kind.label(), fields, login), names)?
    };
    if file.rows.len() > MAX_ROWS {
        return Err(FileError::TooManyRows(file.rows.len(), MAX_ROWS));
    }
    check(&mut file.rows, connection, mode, names);
    Ok(file)
}

fn read_csv(
    text: &str,
    (vendor, fields, login): (&'static str, &'static [FieldSpec], &str),
    names: &Names,
) -> Result<ImportFile, FileError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| FileError::Csv(e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    // `None` for the failures file's own note columns, which are read past.
    let mut columns: Vec<Option<&'static FieldSpec>> = Vec::with_capacity(headers.len());
    for header in &headers {
        if is_note(header) {
            columns.push(None);
            continue;
        }
        let field = field_of(fields, header).ok_or_else(|| {
            FileError::UnknownColumn(
                header.clone(),
                vendor,
                importable(fields)
                    .map(|f| f.path.rsplit('/').next().unwrap_or(f.path))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })?;
        if columns.iter().flatten().any(|c| c.path == field.path) {
            return Err(FileError::RepeatedColumn(header.clone()));
        }
        columns.push(Some(field));
    }
    let mut rows = Vec::new();
    // Line numbers as an editor shows them: the reader skips blank lines, and a record's
    // position is where its line breaks before it began, so lines are counted here.
    let (mut counted_to, mut line) = (0_usize, 1_usize);
    for record in reader.records() {
        let record = record.map_err(|e| FileError::Csv(e.to_string()))?;
        let start = record.position().map_or(counted_to, |p| p.byte() as usize);
        let start = start
            + text.as_bytes()[start..]
                .iter()
                .take_while(|b| matches!(b, b'\n' | b'\r'))
                .count();
        line += text.as_bytes()[counted_to..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        counted_to = start;
        let number = line;
        let source: Vec<String> = record.iter().map(str::to_owned).collect();
        let blank = source
            .iter()
            .zip(&columns)
            .all(|(cell, column)| column.is_none() || cell.trim().is_empty());
        if blank {
            continue;
        }
        let mut user = Value::Object(Map::new());
        let mut problems = Vec::new();
        let mut unreadable = Vec::new();
        if source.len() != headers.len() {
            problems.push(format!(
                "The row has {} cells but the header row has {} columns.",
                source.len(),
                headers.len()
            ));
        }
        for (spec, cell) in columns.iter().zip(&source) {
            let Some(spec) = spec else { continue };
            let path = spec.path;
            // Lists in a cell may be separated by semicolons as well as commas.
            let cell = if spec.kind == FieldKind::IdList {
                cell.replace(';', ",")
            } else {
                cell.clone()
            };
            if spec.kind == FieldKind::IdList && cell.trim().is_empty() {
                continue;
            }
            // Names become ids here; an unknown name is this cell's problem.
            let named = names
                .for_field(path)
                .filter(|c| !c.is_empty() && spec.kind != FieldKind::Structured);
            let cell = match named {
                Some(catalog) if !cell.trim().is_empty() && cell.trim() != "-1" => {
                    match catalog.resolve(&cell) {
                        Ok(ids) => ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
                        Err(why) => {
                            problems.extend(why);
                            unreadable.push(record::top_field(path));
                            continue;
                        }
                    }
                }
                _ => cell,
            };
            match record::parse(spec, &cell) {
                Ok(Some(value)) => record::set(&mut user, path, Some(value)),
                Ok(None) => {}
                Err(message) => {
                    problems.push(message);
                    unreadable.push(record::top_field(path));
                }
            }
        }
        rows.push(Row {
            number,
            login: login_of(&user, login),
            user,
            problems,
            unreadable,
            source,
        });
    }
    Ok(ImportFile {
        format: Format::Csv,
        fields,
        headers,
        rows,
    })
}

fn read_json(
    text: &str,
    fields: &'static [FieldSpec],
    login: &str,
) -> Result<ImportFile, FileError> {
    let items: Vec<Value> =
        serde_json::from_str(text).map_err(|e| FileError::Json(e.to_string()))?;
    let rows = items
        .into_iter()
        .enumerate()
        .map(|(index, mut user)| {
            if let Some(fields) = user.as_object_mut() {
                fields.retain(|key, _| !is_note(key));
            }
            let problems = if user.is_object() {
                Vec::new()
            } else {
                vec!["This item is not a user (a JSON object).".to_owned()]
            };
            Row {
                number: index + 1,
                login: login_of(&user, login),
                source: vec![user.to_string()],
                user,
                problems,
                unreadable: Vec::new(),
            }
        })
        .collect();
    Ok(ImportFile {
        format: Format::Json,
        fields,
        headers: vec!["user".into()],
        rows,
    })
}

fn connection_fields(connection: &ConnectionInfo) -> &'static [FieldSpec] {
    shared::vendor::fields(connection.kind)
}

fn login_of(user: &Value, login: &str) -> String {
    record::get(user, login)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Adds the vendor's rules for a new user (or for an update, with `Mode::Update`: fields an
/// update refuses are refused here, before sending), and login names used twice in the
/// file, to each row's problems.
fn check(rows: &mut [Row], connection: &ConnectionInfo, mode: Mode, names: &Names) {
    let login = shared::vendor::description(connection.kind).login;
    let login_label =
        shared::field::lookup(connection_fields(connection), login).map_or("Login", |f| f.label);
    let mut first_row: HashMap<String, usize> = HashMap::new();
    for row in rows.iter_mut() {
        if !row.problems.is_empty() && !row.user.is_object() {
            continue;
        }
        if mode == Mode::Create {
            let vendor = connection.kind.label();
            for spec in connection_fields(connection)
                .iter()
                .filter(|f| f.update_only)
            {
                if record::get(&row.user, spec.path).is_some() {
                    row.problems.push(format!(
                        "{} cannot be given when creating a {vendor} user (only an update takes it); leave the column out and set it afterwards.",
                        spec.label
                    ));
                }
            }
        }
        let mut errors: ValidationErrors = match mode {
            Mode::Create => crate::vendors::create_rules(connection, &row.user),
            Mode::Update => record::check_operation(connection, mode.operation(), None, &row.user),
        };
        for (field, problem) in names.added_unknown_ids(None, &row.user) {
            if !row.unreadable.contains(&field) {
                errors.push(FieldError::new(
                    format!("/{field}"),
                    shared::ErrorCode::InvalidValue,
                    problem,
                ));
            }
        }
        // A cell that could not be read already explains its field.
        row.problems.extend(
            errors
                .0
                .into_iter()
                .filter(|e: &FieldError| !row.unreadable.contains(&e.field()))
                .map(|e| e.message),
        );
        if !row.login.is_empty() {
            let key = row.login.to_lowercase();
            match first_row.get(&key) {
                Some(first) => row.problems.push(format!(
                    "{login_label} \"{}\" is also on row {first}.",
                    row.login
                )),
                None => {
                    first_row.insert(key, row.number);
                }
            }
        }
    }
}

/// The rows of `file` at `indices` with why each did not make it, in the file's own format
/// and columns plus the two note columns, so they can be fixed and imported as they are.
/// Secret cells (passwords) are left empty: a downloaded file never holds one, so a row that
/// needs a password asks for it again.
pub fn failures_file(file: &ImportFile, failed: &[(usize, String)]) -> Result<String, String> {
    match file.format {
        Format::Csv => failures_csv(file, failed).map_err(|e| e.to_string()),
        Format::Json => failures_json(file, failed),
    }
}

fn failures_csv(file: &ImportFile, failed: &[(usize, String)]) -> Result<String, csv::Error> {
    let secret: Vec<bool> = file
        .headers
        .iter()
        .map(|h| field_of(file.fields, h).is_some_and(|f| f.secret))
        .collect();
    // A failures file imported again: its own notes are replaced, not repeated.
    let kept: Vec<bool> = file.headers.iter().map(|h| !is_note(h)).collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(
        std::iter::once(ROW_NOTE)
            .chain(
                file.headers
                    .iter()
                    .zip(&kept)
                    .filter(|(_, kept)| **kept)
                    .map(|(h, _)| h.as_str()),
            )
            .chain(std::iter::once(PROBLEM_NOTE)),
    )?;
    for (index, problem) in failed {
        let row = &file.rows[*index];
        let number = row.number.to_string();
        let cells = row
            .source
            .iter()
            .enumerate()
            .filter(|(k, _)| kept.get(*k) != Some(&false))
            .map(|(k, cell)| {
                if secret.get(k) == Some(&true) {
                    ""
                } else {
                    cell.as_str()
                }
            });
        out.write_record(
            std::iter::once(number.as_str())
                .chain(cells)
                .chain(std::iter::once(problem.as_str())),
        )?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn failures_json(file: &ImportFile, failed: &[(usize, String)]) -> Result<String, String> {
    let items: Vec<Value> = failed
        .iter()
        .map(|(index, problem)| {
            let row = &file.rows[*index];
            let mut user = match &row.user {
                Value::Object(fields) => fields.clone(),
                other => Map::from_iter([("user".to_owned(), other.clone())]),
            };
            for secret in secret_fields(file.fields) {
                user.remove(secret);
            }
            user.insert(ROW_NOTE.into(), row.number.into());
            user.insert(PROBLEM_NOTE.into(), problem.clone().into());
            Value::Object(user)
        })
        .collect();
    serde_json::to_string_pretty(&items).map_err(|e| e.to_string())
}

/// What a refused chunk means for each of its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Per row of the chunk, the refusal that is its own (`None`: not this row's fault).
    pub own: Vec<Option<String>>,
    /// Rows (by place in the chunk) to send again, each inner list as one request.
    pub resend: Vec<Vec<usize>>,
}

/// Splits the vendor's refusal of a chunk of `rows` users among them. A request refused as
/// a whole (400, 409, 422) created nobody, so its other rows can be sent again without
/// creating anyone twice: the rows its field errors name (`/3/email`) fail with those
/// errors; when it names none, the chunk is halved until the refusal falls on one row.
/// Any other failure (the vendor's server, the network) may have created some: nothing is
/// resent, and the retry checks the login names first.
///
/// `parent` is the refusal that split the chunk, if it was split: the same refusal again,
/// naming no row, is about the request as a whole (a version, a credential), not a row, so
/// it is not split further: each row fails with it, and a 2,500-row import never turns
/// into thousands of requests.
pub fn attribute(
    status: Option<u16>,
    field_errors: &ValidationErrors,
    message: &str,
    rows: usize,
    parent: Option<&str>,
) -> Verdict {
    let mut own: Vec<Vec<&str>> = vec![Vec::new(); rows];
    for error in &field_errors.0 {
        let row = error
            .path
            .strip_prefix('/')
            .and_then(|p| p.split('/').next())
            .and_then(|k| k.parse::<usize>().ok());
        if let Some(messages) = row.and_then(|k| own.get_mut(k)) {
            messages.push(&error.message);
        }
    }
    let named = own.iter().any(|m| !m.is_empty());
    let own_text = |messages: &Vec<&str>| (!messages.is_empty()).then(|| messages.join(" "));
    let refused_whole = matches!(status, Some(400 | 409 | 422));
    if !refused_whole {
        let why = if rows > 1 {
            format!("Its chunk of {} was refused: {message}", user_count(rows))
        } else {
            message.to_owned()
        };
        return Verdict {
            own: own
                .iter()
                .map(|m| Some(own_text(m).unwrap_or_else(|| why.clone())))
                .collect(),
            resend: Vec::new(),
        };
    }
    if named {
        let others: Vec<usize> = (0..rows).filter(|&k| own[k].is_empty()).collect();
        return Verdict {
            own: own.iter().map(own_text).collect(),
            resend: if others.is_empty() {
                Vec::new()
            } else {
                vec![others]
            },
        };
    }
    if rows > 1 && parent != Some(message) {
        let half = rows / 2;
        return Verdict {
            own: vec![None; rows],
            resend: vec![(0..half).collect(), (half..rows).collect()],
        };
    }
    Verdict {
        own: vec![Some(message.to_owned()); rows],
        resend: Vec::new(),
    }
}

/// Login names already on the account, to skip rows whose user exists (a retry after an
/// answer that never came must not create anyone twice).
pub fn existing_logins(
    layout: &crate::list::Layout,
    users: &[crate::list::ListedUser],
) -> HashSet<String> {
    users
        .iter()
        .map(|u| layout.login(u).to_lowercase())
        .filter(|login| !login.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn liveperson() -> ConnectionInfo {
        ConnectionInfo {
            id: "liveperson".into(),
            kind: shared::connection::VendorKind::Liveperson,
            label: "LivePerson".into(),
            operations: Vec::new(),
            chunk_size: 100,
            profiles: Vec::new(),
        }
    }

    const GOOD: &str = "ada.l,Ada Lovelace,Ada,ada@example.com,Engine!1843,3001;3002,4,true";

    fn csv(rows: &[&str]) -> String {
        let mut text =
            "loginName,Full name,nickname,EMAIL,password,profileIds,maxChats,isEnabled\n"
                .to_owned();
        for row in rows {
            text.push_str(row);
            text.push('\n');
        }
        text
    }

    fn trintech() -> ConnectionInfo {
        ConnectionInfo {
            kind: shared::connection::VendorKind::Trintech,
            label: "Trintech".into(),
            operations: vec!["create_users".into(), "update_users".into()],
            ..liveperson()
        }
    }

    #[test]
    fn an_update_file_is_checked_with_the_update_rules() {
        let text = "userName,First name,email,password,AccessComplete\n\
                    jane.doe,Jane,jane@example.com,,\n\
                    john.roe,John,john@example.com,Str0ng#pass,\n\
                    ann.lee,Ann,ann@example.com,,true\n\
                    ,Nobody,nobody@example.com,,\n";
        assert!(updates_from_file(&trintech()));
        assert!(
            !updates_from_file(&liveperson()),
            "LivePerson updates at a revision"
        );
        let file = read(
            &trintech(),
            Mode::Update,
            "iam.csv",
            text,
            &Names::default(),
        )
        .unwrap();
        let problems: Vec<(usize, String)> = file
            .rows
            .iter()
            .map(|r| (r.number, r.problems.join(" ")))
            .collect();
        assert_eq!(problems[0], (2, String::new()));
        assert!(
            problems[1].1.contains("password cannot be changed"),
            "{problems:?}"
        );
        assert!(
            problems[2].1.contains("cannot be changed by an update"),
            "{problems:?}"
        );
        assert!(
            problems[3].1.contains("User name is required"),
            "{problems:?}"
        );
        // The same file creates: a password is then needed, not refused.
        let created = read(
            &trintech(),
            Mode::Create,
            "iam.csv",
            text,
            &Names::default(),
        )
        .unwrap();
        assert!(
            created.rows[0]
                .problems
                .join(" ")
                .contains("Password is required")
        );
        assert!(
            created.rows[1].problems.is_empty(),
            "{:?}",
            created.rows[1].problems
        );
    }

    #[test]
    fn csv_rows() {
        let file = read(
            &liveperson(),
            Mode::Create,
            "users.csv",
            &csv(&[
                GOOD,
                "",
                "bad.email,Bad Email,Bad,bad@,Pa55word!,3001,0,yes",
                "ada.L,Ada Again,Ada,ada2@example.com,Pa55word!,3001,0,true",
                "short,Short Row",
                "chats,Chat Ty,Chat,chat@example.com,Pa55word!,3001,many,maybe",
            ]),
            &Names::default(),
        )
        .unwrap();
        let summary: Vec<(usize, &str, usize)> = file
            .rows
            .iter()
            .map(|r| (r.number, r.login.as_str(), r.problems.len()))
            .collect();
        assert_eq!(
            summary,
            [
                (2, "ada.l", 0),
                (4, "bad.email", 1),
                (5, "ada.L", 1),
                (6, "short", 7),
                (7, "chats", 2),
            ],
            "{:#?}",
            file.rows
        );
        assert_eq!(
            file.rows[0].user,
            json!({
                "loginName": "ada.l", "fullName": "Ada Lovelace", "nickname": "Ada",
                "email": "ada@example.com", "passwordSh": "Engine!1843",
                "profileIds": [3001, 3002], "maxChats": 4, "isEnabled": true
            })
        );
        assert!(file.rows[1].problems[0].contains("not a valid email"));
        assert_eq!(
            file.rows[2].problems,
            ["Login name \"ada.L\" is also on row 2."]
        );
        assert!(file.rows[3].problems[0].contains("2 cells"));
        assert!(file.rows[4].problems[0].contains("Max chats must be a whole number"));
        assert!(file.rows[4].problems[1].contains("true or false"));
    }

    #[test]
    fn whole_file_refusals() {
        for (text, expected) in [
            ("", FileError::Empty),
            ("\u{feff}  \n", FileError::Empty),
            (
                "[1,",
                FileError::Json("EOF while parsing a value at line 1 column 3".into()),
            ),
        ] {
            assert_eq!(
                read(
                    &liveperson(),
                    Mode::Create,
                    "x.csv",
                    text,
                    &Names::default()
                ),
                Err(expected),
                "{text:?}"
            );
        }
        match read(
            &liveperson(),
            Mode::Create,
            "x.csv",
            "loginName,shoeSize\n",
            &Names::default(),
        ) {
            Err(FileError::UnknownColumn(column, _, known)) => {
                assert_eq!(column, "shoeSize");
                assert!(known.contains("agentGroupId") && known.contains("passwordSh"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            read(
                &liveperson(),
                Mode::Create,
                "x.csv",
                "email,Email\n",
                &Names::default()
            ),
            Err(FileError::RepeatedColumn("Email".into()))
        );
    }

    #[test]
    fn json_rows() {
        let file = read(
            &liveperson(),
            Mode::Create,
            "users.json",
            r#"[{"loginName": "a.b", "fullName": "A B", "nickname": "A", "email": "a@b.example",
                 "passwordSh": "Pa55word!", "profileIds": [3001], "maxChats": 0, "isEnabled": true},
                "nonsense"]"#,
            &Names::default(),
        )
        .unwrap();
        assert_eq!(file.rows.len(), 2);
        assert!(
            file.rows[0].problems.is_empty(),
            "{:?}",
            file.rows[0].problems
        );
        assert_eq!(file.rows[1].problems.len(), 1);
    }

    #[test]
    fn failures_files_hold_no_password_and_import_as_they_are() {
        let file = read(
            &liveperson(),
            Mode::Create,
            "users.csv",
            &csv(&[GOOD, "b,B,B,b@x,p,1,0,true"]),
            &Names::default(),
        )
        .unwrap();
        let text = failures_file(&file, &[(1, "The vendor refused it.".into())]).unwrap();
        assert_eq!(
            text,
            "import row,loginName,Full name,nickname,EMAIL,password,profileIds,maxChats,isEnabled,import problem\n\
             3,b,B,B,b@x,,1,0,true,The vendor refused it.\n"
        );
        let again = read(
            &liveperson(),
            Mode::Create,
            "users-failures.csv",
            &text,
            &Names::default(),
        )
        .unwrap();
        assert_eq!(again.rows.len(), 1);
        let twice = failures_file(&again, &[(0, "Still refused.".into())]).unwrap();
        assert_eq!(
            twice.lines().next(),
            Some(
                "import row,loginName,Full name,nickname,EMAIL,password,profileIds,maxChats,isEnabled,import problem"
            ),
            "{twice}"
        );
        assert_eq!(again.rows[0].login, "b");
        assert!(
            again.rows[0]
                .problems
                .iter()
                .any(|p| p.contains("password")),
            "the password is asked for again: {:?}",
            again.rows[0].problems
        );

        let json = read(&liveperson(), Mode::Create, "users.json", r#"[{"loginName": "c.d", "fullName": "C D", "nickname": "C", "email": "c@d.example",
                 "passwordSh": "Pa55word!", "profileIds": [3001], "maxChats": 0, "isEnabled": true}]"#, &Names::default())
        .unwrap();
        let text = failures_file(&json, &[(0, "Refused.".into())]).unwrap();
        assert!(!text.contains("Pa55word!"), "{text}");
        let again = read(
            &liveperson(),
            Mode::Create,
            "users-failures.json",
            &text,
            &Names::default(),
        )
        .unwrap();
        assert_eq!(again.rows[0].user.get(ROW_NOTE), None);
        assert_eq!(again.rows[0].user.get("loginName"), Some(&json!("c.d")));
    }

    #[test]
    fn a_refused_chunk_is_split_until_each_row_has_its_own_refusal() {
        let errors = |paths: &[&str]| {
            ValidationErrors(
                paths
                    .iter()
                    .map(|p| {
                        FieldError::new(*p, shared::ErrorCode::InvalidValue, format!("bad {p}"))
                    })
                    .collect(),
            )
        };
        let none = ValidationErrors::default();
        for (case, status, field_errors, rows, own, resend) in [
            (
                "one named row fails, the others go again",
                Some(400),
                errors(&["/1/email"]),
                3,
                vec![None, Some("bad /1/email"), None],
                vec![vec![0, 2]],
            ),
            (
                "every row named: nothing to resend",
                Some(400),
                errors(&["/0/email", "/1/loginName"]),
                2,
                vec![Some("bad /0/email"), Some("bad /1/loginName")],
                vec![],
            ),
            (
                "no row named: halved",
                Some(409),
                none.clone(),
                5,
                vec![None; 5],
                vec![vec![0, 1], vec![2, 3, 4]],
            ),
            (
                "a lone row's refusal is its own",
                Some(400),
                none.clone(),
                1,
                vec![Some("taken")],
                vec![],
            ),
            (
                "a server error may have created some: nothing resent",
                Some(500),
                none.clone(),
                2,
                vec![Some("Its chunk of 2 users was refused: taken"); 2],
                vec![],
            ),
            (
                "no answer at all: nothing resent",
                None,
                none.clone(),
                1,
                vec![Some("taken")],
                vec![],
            ),
        ] {
            let verdict = attribute(status, &field_errors, "taken", rows, None);
            let own: Vec<Option<String>> = own.into_iter().map(|o| o.map(str::to_owned)).collect();
            assert_eq!(verdict, Verdict { own, resend }, "{case}");
        }
        // The refusal that split the chunk, again and naming no row, is not a row's: the
        // half fails whole instead of being split down to single rows.
        assert_eq!(
            attribute(Some(400), &none, "bad version", 3, Some("bad version")),
            Verdict {
                own: vec![Some("bad version".to_owned()); 3],
                resend: vec![]
            }
        );
    }
}
