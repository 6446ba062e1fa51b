//! The fuzz targets, shared by the brief run in `cargo test` (`shared/tests/fuzz.rs`) and the
//! coverage-guided one of cargo-fuzz (`fuzz/`): reading and checking any request body of any
//! vendor operation never panics; a `select` either parses, prints and parses back to the
//! same selection, or is refused with a position inside the text.

use arbitrary::Arbitrary;
use serde_json::{Map, Value};
use shared::VendorKind;
use shared::liveperson::Selection;
use shared::operation::{Body, PathParams};
use shared::vendor;

const KINDS: [VendorKind; 3] = [
    VendorKind::Liveperson,
    VendorKind::Trintech,
    VendorKind::Commpeak,
];

/// Field names the generated records use: every vendor's own, and a few that none has.
fn field_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = KINDS
        .iter()
        .flat_map(|kind| vendor::fields(*kind))
        .map(|f| f.path.split('/').next().unwrap_or(f.path))
        .chain(["id", "passwordSh", "memberOf", "userAccess", "unknown", ""])
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

#[derive(Debug, Arbitrary)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Flag(bool),
    Digits(u32),
    Text(String),
    Email(u8),
}

#[derive(Debug, Arbitrary)]
pub enum Fuzzed {
    Scalar(Scalar),
    List(Vec<Scalar>),
    Object(Vec<(u8, Scalar)>),
}

/// A record: generated values under known field names, so the checks go deep, not just to
/// "not JSON".
#[derive(Debug, Arbitrary)]
pub struct Record(Vec<(u8, Fuzzed)>);

#[derive(Debug, Arbitrary)]
pub enum BodyInput {
    Records(Vec<Record>, u8),
    One(Record, u8),
    Ids(Vec<Scalar>, u8),
    Raw(Vec<u8>, u8),
}

fn scalar(scalar: &Scalar) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(*b),
        Scalar::Int(n) => Value::from(*n),
        Scalar::Flag(f) => Value::String(if *f { "1" } else { "0" }.into()),
        Scalar::Digits(n) => Value::String(n.to_string()),
        Scalar::Text(s) => Value::String(s.clone()),
        Scalar::Email(n) => Value::String(format!("user{n}@example.com")),
    }
}

fn record(record: &Record, names: &[&str]) -> Value {
    let name = |i: &u8| names[usize::from(*i) % names.len()].to_owned();
    let mut object = Map::new();
    for (key, value) in &record.0 {
        let value = match value {
            Fuzzed::Scalar(s) => scalar(s),
            Fuzzed::List(items) => Value::Array(items.iter().map(scalar).collect()),
            Fuzzed::Object(fields) => {
                Value::Object(fields.iter().map(|(k, v)| (name(k), scalar(v))).collect())
            }
        };
        object.insert(name(key), value);
    }
    Value::Object(object)
}

/// Target: any body for every operation of every vendor that takes one.
pub fn check_bodies(input: &BodyInput) {
    let names = field_names();
    let json = |value: Value| value.to_string().into_bytes();
    let (bytes, id) = match input {
        BodyInput::Records(records, id) => (
            json(Value::Array(
                records.iter().map(|r| record(r, &names)).collect(),
            )),
            id,
        ),
        BodyInput::One(one, id) => (json(record(one, &names)), id),
        BodyInput::Ids(ids, id) => (json(Value::Array(ids.iter().map(scalar).collect())), id),
        BodyInput::Raw(bytes, id) => (bytes.clone(), id),
    };
    for kind in KINDS {
        for operation in vendor::operations(kind) {
            if operation.body == Body::None {
                continue;
            }
            let params = PathParams {
                id: operation.path.contains("{id}").then(|| id.to_string()),
            };
            // Any answer is fine; a panic is the failure.
            let _ = vendor::check_body(kind, operation, &params, &bytes);
        }
    }
}

/// Target: any text as a `select`.
pub fn select_text(text: &str) {
    match Selection::parse(text) {
        Ok(selection) => {
            let printed = selection.to_string();
            let again = Selection::parse(&printed)
                .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which fails: {e}"));
            assert_eq!(again, selection, "{text:?} printed as {printed:?}");
        }
        Err(e) => assert!(
            e.position <= text.len(),
            "{text:?}: position {} is past the end",
            e.position
        ),
    }
}

#[derive(Debug, Arbitrary)]
pub enum SelectPiece {
    Name(u8),
    Comma,
    Open,
    Close,
    Space,
    All,
}

/// Target: expressions made of select's own tokens, which reach far deeper than random text.
pub fn select_tokens(pieces: &[SelectPiece]) {
    const NAMES: [&str; 6] = [
        "id",
        "loginName",
        "memberOf",
        "agentGroupId",
        "skillIds",
        "x_1",
    ];
    let text: String = pieces
        .iter()
        .map(|p| match p {
            SelectPiece::Name(i) => NAMES[usize::from(*i) % NAMES.len()],
            SelectPiece::Comma => ",",
            SelectPiece::Open => "(",
            SelectPiece::Close => ")",
            SelectPiece::Space => " ",
            SelectPiece::All => "$all",
        })
        .collect();
    select_text(&text);
}
