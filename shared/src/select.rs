//! The `select` query parameter of a list, YOGA's "gdata" dialect (`users-apis.md` §1.5):
//! `id,loginName,memberOf(agentGroupId)`. LivePerson's own; the console sends the same to
//! every vendor's list, and where the vendor has no `select` (CommPeak, Trintech) the proxy
//! applies it ([`narrowing`]). Parsed into a [`Selection`], printed back, and applied to a
//! JSON record (the sandbox answers with only the selected fields).

use std::fmt;

use serde_json::Value;

/// The keyword community clients use to ask for every field.
pub const ALL: &str = "$all";

/// A parsed `select` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// `$all`: every field.
    All,
    /// The listed fields, each optionally narrowed to some of its own fields.
    Fields(Vec<Field>),
}

/// One selected field, with its sub-selection when written `name(a,b)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub children: Vec<Field>,
}

/// Why a `select` expression was refused; `position` is the byte offset of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid select expression at position {position}: {reason}")]
pub struct SelectError {
    pub position: usize,
    pub reason: &'static str,
}

impl Selection {
    /// Parses a gdata selector. Whitespace around names is allowed; empty names, unbalanced
    /// parentheses, `$all` inside a list and the reserved name `href` are refused.
    pub fn parse(input: &str) -> Result<Self, SelectError> {
        if input.trim() == ALL {
            return Ok(Selection::All);
        }
        let mut parser = Parser {
            input: input.as_bytes(),
            pos: 0,
        };
        let fields = parser.list()?;
        parser.skip_ws();
        if parser.pos < parser.input.len() {
            return Err(parser.error(if parser.input[parser.pos] == b')' {
                "unbalanced ')'"
            } else {
                "expected ',' between fields"
            }));
        }
        Ok(Selection::Fields(fields))
    }

    /// `record` with only the selected fields (of an object, and of each object in a list;
    /// a selected field the record lacks is left out, as the vendor returns it blank),
    /// written straight out when serialized: a list of 50,000 users is written without a
    /// copy of each.
    pub fn view<'a>(&'a self, record: &'a Value) -> impl serde::Serialize + 'a {
        Selected {
            fields: match self {
                Selection::All => None,
                Selection::Fields(fields) => Some(fields),
            },
            value: record,
        }
    }
}

/// A value seen through a selection (`None`: all of it).
struct Selected<'a> {
    fields: Option<&'a [Field]>,
    value: &'a Value,
}

impl serde::Serialize for Selected<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        let Some(fields) = self.fields else {
            return self.value.serialize(serializer);
        };
        match self.value {
            Value::Object(object) => {
                let mut map = serializer.serialize_map(None)?;
                for field in fields {
                    if let Some(value) = object.get(&field.name) {
                        let fields = (!field.children.is_empty()).then_some(&field.children[..]);
                        map.serialize_entry(&field.name, &Selected { fields, value })?;
                    }
                }
                map.end()
            }
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for value in items {
                    seq.serialize_element(&Selected {
                        fields: Some(fields),
                        value,
                    })?;
                }
                seq.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// Why a selection cannot be applied to a vendor's users: at most a few names, so the
/// message stays short whatever was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionRefused {
    #[error(transparent)]
    Invalid(#[from] SelectError),
    #[error("select names {unknown}, which {} not a field of this vendor's users; its fields are: {known}", if *.count == 1 { "is" } else { "are" })]
    Unknown {
        unknown: String,
        count: usize,
        known: String,
    },
}

/// The top-level members a `select` keeps of each user, checked against the vendor's
/// `fields` (paths like `name/firstName`: their first segment is the member); `None` for
/// `$all`. A nested selection (`name(firstName)`) keeps the whole member: the proxy narrows
/// by member, which is what the list's columns need.
pub fn narrowing(
    select: &str,
    fields: &[crate::field::FieldSpec],
) -> Result<Option<Vec<String>>, SelectionRefused> {
    let Selection::Fields(selected) = Selection::parse(select)? else {
        return Ok(None);
    };
    let mut members: Vec<&str> = Vec::new();
    for field in fields {
        let member = field.path.split('/').next().unwrap_or(field.path);
        if !members.contains(&member) {
            members.push(member);
        }
    }
    let unknown: Vec<&str> = selected
        .iter()
        .map(|f| f.name.as_str())
        .filter(|name| !members.contains(name))
        .collect();
    if !unknown.is_empty() {
        let shown: Vec<String> = unknown
            .iter()
            .take(5)
            .map(|name| format!("\"{}\"", name.chars().take(40).collect::<String>()))
            .collect();
        let more = unknown.len().saturating_sub(shown.len());
        return Err(SelectionRefused::Unknown {
            unknown: if more > 0 {
                format!("{} and {more} more", shown.join(", "))
            } else {
                shown.join(", ")
            },
            count: unknown.len(),
            known: members.join(", "),
        });
    }
    let mut kept: Vec<String> = Vec::new();
    for field in selected {
        if !kept.contains(&field.name) {
            kept.push(field.name);
        }
    }
    Ok(Some(kept))
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selection::All => f.write_str(ALL),
            Selection::Fields(fields) => write_fields(f, fields),
        }
    }
}

fn write_fields(f: &mut fmt::Formatter<'_>, fields: &[Field]) -> fmt::Result {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        f.write_str(&field.name)?;
        if !field.children.is_empty() {
            f.write_str("(")?;
            write_fields(f, &field.children)?;
            f.write_str(")")?;
        }
    }
    Ok(())
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, reason: &'static str) -> SelectError {
        SelectError {
            position: self.pos,
            reason,
        }
    }

    fn skip_ws(&mut self) {
        while self
            .input
            .get(self.pos)
            .is_some_and(u8::is_ascii_whitespace)
        {
            self.pos += 1;
        }
    }

    fn list(&mut self) -> Result<Vec<Field>, SelectError> {
        let mut fields = vec![self.field()?];
        loop {
            self.skip_ws();
            if self.input.get(self.pos) == Some(&b',') {
                self.pos += 1;
                fields.push(self.field()?);
            } else {
                return Ok(fields);
            }
        }
    }

    fn field(&mut self) -> Result<Field, SelectError> {
        self.skip_ws();
        let start = self.pos;
        while self
            .input
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.error("expected a field name"));
        }
        // Only ASCII alphanumerics were consumed, so this slice is valid UTF-8.
        let name = String::from_utf8_lossy(&self.input[start..self.pos]).into_owned();
        if name == "href" {
            return Err(SelectError {
                position: start,
                reason: "'href' is reserved",
            });
        }
        self.skip_ws();
        let mut children = Vec::new();
        if self.input.get(self.pos) == Some(&b'(') {
            self.pos += 1;
            children = self.list()?;
            self.skip_ws();
            if self.input.get(self.pos) != Some(&b')') {
                return Err(self.error("expected ')' to close the sub-selection"));
            }
            self.pos += 1;
        }
        Ok(Field { name, children })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_prints() {
        for (input, printed) in [
            ("id", "id"),
            (
                "id, loginName ,memberOf(agentGroupId)",
                "id,loginName,memberOf(agentGroupId)",
            ),
            ("a(b(c,d),e),f", "a(b(c,d),e),f"),
            (" $all ", "$all"),
        ] {
            let selection = Selection::parse(input).unwrap();
            assert_eq!(selection.to_string(), printed, "{input}");
            assert_eq!(
                Selection::parse(printed).unwrap(),
                selection,
                "{input} round trip"
            );
        }
    }

    #[test]
    fn refuses_malformed_input_with_a_position() {
        for (input, position) in [
            ("", 0),
            ("id,", 3),
            ("id,,name", 3),
            ("memberOf(agentGroupId", 21),
            ("a)b", 1),
            ("a b", 2),
            ("id,href", 3),
            ("a()", 2),
            ("id,$all", 3),
            ("é", 0),
        ] {
            let error = Selection::parse(input).unwrap_err();
            assert_eq!(error.position, position, "{input}: {error}");
        }
    }

    #[test]
    fn applies_to_records() {
        let user = json!({"id": 1, "loginName": "a", "email": "e", "memberOf": {"agentGroupId": 5, "assignmentDate": "d"},
                          "managerOf": [{"agentGroupId": 6, "assignmentDate": "d"}, {"agentGroupId": 7}]});
        let cases = [
            (
                "managerOf(agentGroupId),id",
                json!({"managerOf": [{"agentGroupId": 6}, {"agentGroupId": 7}], "id": 1}),
            ),
            ("id,loginName", json!({"id": 1, "loginName": "a"})),
            (
                "memberOf(agentGroupId)",
                json!({"memberOf": {"agentGroupId": 5}}),
            ),
            ("id,unknownField", json!({"id": 1})),
            ("$all", user.clone()),
        ];
        for (select, expected) in cases {
            assert_eq!(
                serde_json::to_value(Selection::parse(select).unwrap().view(&user)).unwrap(),
                expected,
                "{select}"
            );
        }
    }

    #[test]
    fn a_selection_narrows_a_vendor_without_select_to_its_known_members() {
        let fields = crate::trintech::FIELDS;
        assert_eq!(
            narrowing("userName,name(firstName),email,name", fields),
            Ok(Some(vec!["userName".into(), "name".into(), "email".into()]))
        );
        assert_eq!(narrowing(ALL, fields), Ok(None));
        let refused = narrowing("userName,salary,shoeSize", fields).unwrap_err();
        let message = refused.to_string();
        assert!(
            message.contains("\"salary\", \"shoeSize\"")
                && message.contains("are not a field")
                && message.contains("userName"),
            "{message}"
        );
        assert!(matches!(
            narrowing("userName,(", fields),
            Err(SelectionRefused::Invalid(_))
        ));
        // However long the request, the message is bounded.
        let long = (0..500)
            .map(|i| format!("f{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert!(narrowing(&long, fields).unwrap_err().to_string().len() < 600);
    }
}
