//! Reading an import file (CSV with a header row, or a JSON list of users) into users to
//! create, every row checked with the vendor's rules before anything is sent, and writing
//! the rows that did not make it back out as CSV. Pure, tested natively.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};
use shared::field::{FieldKind, FieldSpec};
use shared::liveperson::{ProfileRoles, User, validate_user};
use shared::operation::Write;
use shared::{FieldError, ValidationErrors};

use crate::record;

const FIELDS: &[FieldSpec] = shared::liveperson::FIELDS;

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
    /// The columns of [`Row::source`].
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
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
        "Column \"{0}\" is not a field of a LivePerson user. Known columns: {1}. Fix the header row and choose the file again."
    )]
    UnknownColumn(String, String),
    #[error("Column \"{0}\" appears twice in the header row.")]
    RepeatedColumn(String),
    #[error(
        "The file has {0} rows; at most {1} are imported at once. Split it into smaller files."
    )]
    TooManyRows(usize, usize),
}

/// More rows than this in one file are refused rather than risked in one sitting.
pub const MAX_ROWS: usize = 50_000;

/// The fields a file may set: the editable ones, and the password.
fn importable() -> impl Iterator<Item = &'static FieldSpec> {
    FIELDS
        .iter()
        .filter(|f| !f.read_only && (f.kind != FieldKind::Structured))
}

/// The field a column header names: its API path (`loginName`, `memberOf/agentGroupId`), its
/// last segment (`agentGroupId`), or its label (`Login name`), without regard to case;
/// `password` is the password.
fn field_of(header: &str) -> Option<&'static FieldSpec> {
    let wanted = header.trim().to_lowercase();
    let wanted = if wanted == "password" {
        "passwordsh".to_owned()
    } else {
        wanted
    };
    importable().find(|f| {
        f.path.to_lowercase() == wanted
            || f.path
                .rsplit('/')
                .next()
                .is_some_and(|last| last.to_lowercase() == wanted)
            || f.label.to_lowercase() == wanted
    })
}

/// Reads `text` as CSV or JSON (JSON when `name` ends in `.json` or the text starts with `[`).
pub fn read(name: &str, text: &str, roles: &ProfileRoles) -> Result<ImportFile, FileError> {
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    let mut file = if name.to_lowercase().ends_with(".json") || text.trim_start().starts_with('[') {
        read_json(text)?
    } else {
        read_csv(text)?
    };
    if file.rows.len() > MAX_ROWS {
        return Err(FileError::TooManyRows(file.rows.len(), MAX_ROWS));
    }
    check(&mut file.rows, roles);
    Ok(file)
}

fn read_csv(text: &str) -> Result<ImportFile, FileError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| FileError::Csv(e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut columns: Vec<&'static FieldSpec> = Vec::with_capacity(headers.len());
    for header in &headers {
        let field = field_of(header).ok_or_else(|| {
            FileError::UnknownColumn(
                header.clone(),
                importable()
                    .map(|f| f.path.rsplit('/').next().unwrap_or(f.path))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })?;
        if columns.iter().any(|c| c.path == field.path) {
            return Err(FileError::RepeatedColumn(header.clone()));
        }
        columns.push(field);
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
        if source.iter().all(|cell| cell.trim().is_empty()) {
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
            login: login_of(&user),
            user,
            problems,
            unreadable,
            source,
        });
    }
    Ok(ImportFile { headers, rows })
}

fn read_json(text: &str) -> Result<ImportFile, FileError> {
    let items: Vec<Value> =
        serde_json::from_str(text).map_err(|e| FileError::Json(e.to_string()))?;
    let rows = items
        .into_iter()
        .enumerate()
        .map(|(index, user)| {
            let problems = if user.is_object() {
                Vec::new()
            } else {
                vec!["This item is not a user (a JSON object).".to_owned()]
            };
            Row {
                number: index + 1,
                login: login_of(&user),
                source: vec![user.to_string()],
                user,
                problems,
                unreadable: Vec::new(),
            }
        })
        .collect();
    Ok(ImportFile {
        headers: vec!["user".into()],
        rows,
    })
}

fn login_of(user: &Value) -> String {
    user.get("loginName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Adds the vendor's rules for a new user, and login names used twice in the file, to each
/// row's problems.
fn check(rows: &mut [Row], roles: &ProfileRoles) {
    let mut first_row: HashMap<String, usize> = HashMap::new();
    for row in rows.iter_mut() {
        if !row.problems.is_empty() && !row.user.is_object() {
            continue;
        }
        let mut errors = ValidationErrors::default();
        match serde_json::from_value::<User>(row.user.clone()) {
            Ok(user) => validate_user(&user, Write::Create, roles, "", &mut errors),
            Err(e) => row.problems.push(format!("The user cannot be read: {e}.")),
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
                    "Login name \"{}\" is also on row {first}.",
                    row.login
                )),
                None => {
                    first_row.insert(key, row.number);
                }
            }
        }
    }
}

/// The rows of `file` at `indices` with why each did not make it, as CSV in the file's own
/// columns plus `problem`, so they can be fixed and imported again.
pub fn failures_csv(file: &ImportFile, failed: &[(usize, String)]) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(
        std::iter::once("row")
            .chain(file.headers.iter().map(String::as_str))
            .chain(std::iter::once("problem")),
    )?;
    for (index, problem) in failed {
        let row = &file.rows[*index];
        let number = row.number.to_string();
        out.write_record(
            std::iter::once(number.as_str())
                .chain(row.source.iter().map(String::as_str))
                .chain(std::iter::once(problem.as_str())),
        )?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Login names already on the account, to skip rows whose user exists (a retry after an
/// answer that never came must not create anyone twice).
pub fn existing_logins(users: &[crate::list::ListedUser]) -> HashSet<String> {
    users
        .iter()
        .filter_map(|u| u.login_name.as_deref())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn roles() -> ProfileRoles {
        ProfileRoles::default()
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

    #[test]
    fn csv_rows() {
        let file = read(
            "users.csv",
            &csv(&[
                GOOD,
                "",
                "bad.email,Bad Email,Bad,bad@,Pa55word!,3001,0,yes",
                "ada.L,Ada Again,Ada,ada2@example.com,Pa55word!,3001,0,true",
                "short,Short Row",
                "chats,Chat Ty,Chat,chat@example.com,Pa55word!,3001,many,maybe",
            ]),
            &roles(),
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
            assert_eq!(read("x.csv", text, &roles()), Err(expected), "{text:?}");
        }
        match read("x.csv", "loginName,shoeSize\n", &roles()) {
            Err(FileError::UnknownColumn(column, known)) => {
                assert_eq!(column, "shoeSize");
                assert!(known.contains("agentGroupId") && known.contains("passwordSh"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            read("x.csv", "email,Email\n", &roles()),
            Err(FileError::RepeatedColumn("Email".into()))
        );
    }

    #[test]
    fn json_rows() {
        let file = read(
            "users.json",
            r#"[{"loginName": "a.b", "fullName": "A B", "nickname": "A", "email": "a@b.example",
                 "passwordSh": "Pa55word!", "profileIds": [3001], "maxChats": 0, "isEnabled": true},
                "nonsense"]"#,
            &roles(),
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
    fn failures_file() {
        let file = read("users.csv", &csv(&[GOOD, "b,B,B,b@x,p,1,0,true"]), &roles()).unwrap();
        let text = failures_csv(&file, &[(1, "The vendor refused it.".into())]).unwrap();
        assert_eq!(
            text,
            "row,loginName,Full name,nickname,EMAIL,password,profileIds,maxChats,isEnabled,problem\n\
             3,b,B,B,b@x,p,1,0,true,The vendor refused it.\n"
        );
    }
}
