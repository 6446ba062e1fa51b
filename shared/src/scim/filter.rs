//! SCIM filters (RFC 7644 §3.4.2.2): parsing `userName eq "x" and not (emails[type eq
//! "work"] pr)` into a [`Filter`], evaluating it against a [`Resource`], and parsing PATCH
//! attribute paths (`emails[type eq "work"].value`, RFC 7644 §3.5.2) with the same grammar.

use std::cmp::Ordering;

use serde_json::Value;

use super::{
    Resource, ScimError, ScimType, USER_SCHEMA, attribute, canonical_attribute,
    canonical_enterprise_attribute, canonical_schema, canonical_sub_attribute,
};

/// Longest filter or path accepted, in bytes: a filter is parsed on every list request.
pub const MAX_FILTER_LENGTH: usize = 4096;
/// Deepest nesting of `( )`, `not ( )` and `[ ]` accepted: the parser recurses per level.
pub const MAX_NESTING: usize = 32;

/// Longest piece of the client's text quoted in an error detail.
const SHOWN_MAX: usize = 40;

/// An attribute path: `userName`, `name.givenName`, or an extension's
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`. Core URN prefixes
/// are dropped, known names are spelt canonically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributePath {
    /// The extension schema URN whose object holds the attribute; `None` for core attributes.
    pub extension: Option<String>,
    /// The attribute, or a whole extension's URN (the key its object is stored under).
    pub name: String,
    pub sub_attribute: Option<String>,
}

impl AttributePath {
    fn plain(name: &str) -> Self {
        Self {
            extension: None,
            name: name.to_owned(),
            sub_attribute: None,
        }
    }

    /// The value the path's attribute (not sub-attribute) holds in `resource`.
    fn lookup<'a>(&self, resource: &'a Resource) -> Option<&'a Value> {
        let container = match &self.extension {
            Some(urn) => attribute(resource, urn)?.as_object()?,
            None => resource,
        };
        attribute(container, &self.name)
    }
}

/// A PATCH target (RFC 7644 §3.5.2 `path`): an attribute, optionally a filter selecting
/// elements of a multi-valued attribute, and a sub-attribute (of the attribute, or of each
/// selected element when there is a filter).
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub attribute: AttributePath,
    pub filter: Option<Filter>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Operator {
    fn from_keyword(word: &str) -> Option<Self> {
        const KEYWORDS: &[(&str, Operator)] = &[
            ("eq", Operator::Eq),
            ("ne", Operator::Ne),
            ("co", Operator::Co),
            ("sw", Operator::Sw),
            ("ew", Operator::Ew),
            ("gt", Operator::Gt),
            ("ge", Operator::Ge),
            ("lt", Operator::Lt),
            ("le", Operator::Le),
        ];
        KEYWORDS
            .iter()
            .find(|(keyword, _)| keyword.eq_ignore_ascii_case(word))
            .map(|(_, operator)| *operator)
    }
}

/// A comparison's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `lowered` is computed once at parse time so `co`/`sw`/`ew` on non-ASCII text do not
    /// lowercase the literal per resource.
    String {
        text: String,
        lowered: String,
    },
    Number(f64),
    Boolean(bool),
    Null,
}

impl Literal {
    /// The literal as the JSON value a PATCH creates an element with.
    pub fn to_value(&self) -> Value {
        match self {
            Self::String { text, .. } => Value::String(text.clone()),
            Self::Number(number) => {
                // Integral numbers stay integers in JSON (`1`, not `1.0`).
                if number.fract() == 0.0 && number.abs() < 9.0e15 {
                    Value::from(*number as i64)
                } else {
                    serde_json::Number::from_f64(*number).map_or(Value::Null, Value::Number)
                }
            }
            Self::Boolean(boolean) => Value::Bool(*boolean),
            Self::Null => Value::Null,
        }
    }
}

/// A parsed SCIM filter. `and` and `or` hold every operand of a chain flat, so a long chain
/// neither recurses on evaluation nor on drop.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Or(Vec<Filter>),
    And(Vec<Filter>),
    Not(Box<Filter>),
    Present(AttributePath),
    Compare {
        path: AttributePath,
        operator: Operator,
        value: Literal,
        /// `id` is the one attribute compared case-sensitively (RFC 7643 §3.1 caseExact).
        case_exact: bool,
    },
    /// `emails[type eq "work"]`: some element of `path` matches `filter`. A following
    /// `.value eq "x"` is folded into `filter` as an `and`ed comparison on the element.
    ValuePath {
        path: AttributePath,
        filter: Box<Filter>,
    },
}

/// Parses a filter (RFC 7644 §3.4.2.2). Every failure is `400 invalidFilter` with a detail
/// naming the byte offset and what was found there.
pub fn parse(text: &str) -> Result<Filter, ScimError> {
    let mut parser = Parser::new(text, ScimType::InvalidFilter)?;
    let filter = parser.parse_or()?;
    parser.expect_end()?;
    Ok(filter)
}

/// Parses a PATCH path (`name.givenName`, `emails[type eq "work"].value`, URN-prefixed
/// paths). Every failure is `400 invalidPath`.
pub fn parse_path(text: &str) -> Result<Path, ScimError> {
    let mut parser = Parser::new(text, ScimType::InvalidPath)?;
    parser.skip_whitespace();
    let start = parser.position;
    let word = parser.read_word();
    if word.is_empty() {
        return Err(parser.unexpected("an attribute path"));
    }
    let mut attribute = parser.attribute_path(word, start)?;
    let mut filter = None;
    if parser.peek() == Some(b'[') {
        let (inner, sub_attribute) = parser.bracket_and_sub_attribute(&attribute, start)?;
        filter = Some(inner);
        attribute.sub_attribute = sub_attribute;
    }
    parser.expect_end()?;
    Ok(Path { attribute, filter })
}

/// Parses a lone attribute path, as `attributes` and `excludedAttributes` name them.
pub fn parse_attribute_path(text: &str) -> Result<AttributePath, ScimError> {
    let mut parser = Parser::new(text, ScimType::InvalidPath)?;
    parser.skip_whitespace();
    let start = parser.position;
    let word = parser.read_word();
    if word.is_empty() {
        return Err(parser.unexpected("an attribute path"));
    }
    let path = parser.attribute_path(word, start)?;
    parser.expect_end()?;
    Ok(path)
}

impl Filter {
    /// Whether `resource` satisfies the filter.
    pub fn matches(&self, resource: &Resource) -> bool {
        match self {
            Self::Or(operands) => operands.iter().any(|operand| operand.matches(resource)),
            Self::And(operands) => operands.iter().all(|operand| operand.matches(resource)),
            Self::Not(operand) => !operand.matches(resource),
            Self::Present(path) => {
                path.lookup(resource)
                    .is_some_and(|value| match &path.sub_attribute {
                        None => is_present(value),
                        Some(sub) => any_sub_value(value, sub, is_present),
                    })
            }
            Self::Compare {
                path,
                operator,
                value: literal,
                case_exact,
            } => path.lookup(resource).is_some_and(|value| {
                let test = |actual: &Value| compare(actual, *operator, literal, *case_exact);
                match &path.sub_attribute {
                    Some(sub) => any_sub_value(value, sub, test),
                    // `emails eq "x"` compares each element's `value` (RFC 7644 §3.4.2.2).
                    None => match value {
                        Value::Array(elements) => elements.iter().any(|element| match element {
                            Value::Object(object) => attribute(object, "value").is_some_and(test),
                            other => test(other),
                        }),
                        other => test(other),
                    },
                }
            }),
            Self::ValuePath { path, filter } => match path.lookup(resource) {
                Some(Value::Array(elements)) => elements
                    .iter()
                    .any(|element| element.as_object().is_some_and(|o| filter.matches(o))),
                Some(Value::Object(object)) => filter.matches(object),
                _ => false,
            },
        }
    }

    /// `Some(name)` when the filter is exactly `userName eq "<name>"`: the proxy answers it
    /// from an index instead of scanning.
    pub fn user_name_equals(&self) -> Option<&str> {
        self.equals_of("userName")
    }

    /// `Some(value)` when the filter is exactly `<attribute> eq "<value>"` on a core
    /// attribute (any case, URN prefix or not), e.g. `externalId`.
    pub fn equals_of(&self, attribute: &str) -> Option<&str> {
        match self {
            Self::Compare {
                path,
                operator: Operator::Eq,
                value: Literal::String { text, .. },
                ..
            } if path.extension.is_none()
                && path.sub_attribute.is_none()
                && path.name.eq_ignore_ascii_case(attribute) =>
            {
                Some(text)
            }
            _ => None,
        }
    }
}

/// `pr`: present, not null, not an empty string, array or object.
fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        Value::Array(elements) => !elements.is_empty(),
        Value::Object(members) => !members.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// Whether the sub-attribute `sub` of a complex value, or of any element of a multi-valued
/// one, passes `test`.
fn any_sub_value(value: &Value, sub: &str, test: impl Fn(&Value) -> bool) -> bool {
    match value {
        Value::Object(object) => attribute(object, sub).is_some_and(&test),
        Value::Array(elements) => elements.iter().any(|element| {
            element
                .as_object()
                .and_then(|object| attribute(object, sub))
                .is_some_and(&test)
        }),
        _ => false,
    }
}

fn compare(actual: &Value, operator: Operator, literal: &Literal, case_exact: bool) -> bool {
    match (actual, literal) {
        (Value::String(actual), Literal::String { text, lowered }) => {
            compare_strings(actual, operator, text, lowered, case_exact)
        }
        (Value::Number(actual), Literal::Number(expected)) => {
            let Some(actual) = actual.as_f64() else {
                return false;
            };
            match actual.partial_cmp(expected) {
                Some(ordering) => ordering_satisfies(ordering, operator),
                None => false,
            }
        }
        (Value::Bool(actual), Literal::Boolean(expected)) => match operator {
            Operator::Eq => actual == expected,
            Operator::Ne => actual != expected,
            _ => false,
        },
        (actual, Literal::Null) => match operator {
            Operator::Eq => actual.is_null(),
            Operator::Ne => !actual.is_null(),
            _ => false,
        },
        // Values of different types are never equal, so they are "not equal".
        _ => operator == Operator::Ne,
    }
}

fn ordering_satisfies(ordering: Ordering, operator: Operator) -> bool {
    match operator {
        Operator::Eq => ordering == Ordering::Equal,
        Operator::Ne => ordering != Ordering::Equal,
        Operator::Gt => ordering == Ordering::Greater,
        Operator::Ge => ordering != Ordering::Less,
        Operator::Lt => ordering == Ordering::Less,
        Operator::Le => ordering != Ordering::Greater,
        Operator::Co | Operator::Sw | Operator::Ew => false,
    }
}

fn compare_strings(
    actual: &str,
    operator: Operator,
    text: &str,
    lowered: &str,
    case_exact: bool,
) -> bool {
    if case_exact {
        return match operator {
            Operator::Co => actual.contains(text),
            Operator::Sw => actual.starts_with(text),
            Operator::Ew => actual.ends_with(text),
            _ => ordering_satisfies(actual.cmp(text), operator),
        };
    }
    match operator {
        Operator::Eq => equal_ignoring_case(actual, text),
        Operator::Ne => !equal_ignoring_case(actual, text),
        Operator::Co => contains_ignoring_case(actual, text, lowered),
        Operator::Sw => starts_with_ignoring_case(actual, text, lowered),
        Operator::Ew => ends_with_ignoring_case(actual, text, lowered),
        _ => ordering_satisfies(compare_ignoring_case(actual, text), operator),
    }
}

/// The characters of `text` lowercased, without allocating a lowercased copy.
fn lowercase_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().flat_map(char::to_lowercase)
}

fn equal_ignoring_case(left: &str, right: &str) -> bool {
    if left.is_ascii() && right.is_ascii() {
        left.eq_ignore_ascii_case(right)
    } else {
        lowercase_chars(left).eq(lowercase_chars(right))
    }
}

fn compare_ignoring_case(left: &str, right: &str) -> Ordering {
    if left.is_ascii() && right.is_ascii() {
        let lower = |byte: &u8| byte.to_ascii_lowercase();
        left.as_bytes()
            .iter()
            .map(lower)
            .cmp(right.as_bytes().iter().map(lower))
    } else {
        lowercase_chars(left).cmp(lowercase_chars(right))
    }
}

fn starts_with_ignoring_case(actual: &str, text: &str, lowered: &str) -> bool {
    if actual.is_ascii() && text.is_ascii() {
        let (actual, text) = (actual.as_bytes(), text.as_bytes());
        actual.len() >= text.len() && actual[..text.len()].eq_ignore_ascii_case(text)
    } else {
        let mut actual = lowercase_chars(actual);
        lowered
            .chars()
            .all(|expected| actual.next() == Some(expected))
    }
}

fn ends_with_ignoring_case(actual: &str, text: &str, lowered: &str) -> bool {
    if actual.is_ascii() && text.is_ascii() {
        let (actual, text) = (actual.as_bytes(), text.as_bytes());
        actual.len() >= text.len() && actual[actual.len() - text.len()..].eq_ignore_ascii_case(text)
    } else {
        actual.to_lowercase().ends_with(lowered)
    }
}

fn contains_ignoring_case(actual: &str, text: &str, lowered: &str) -> bool {
    if actual.is_ascii() && text.is_ascii() {
        let (actual, text) = (actual.as_bytes(), text.as_bytes());
        text.is_empty()
            || actual
                .windows(text.len())
                .any(|window| window.eq_ignore_ascii_case(text))
    } else {
        actual.to_lowercase().contains(lowered)
    }
}

/// At most [`SHOWN_MAX`] characters of `text`, for an error detail.
fn shown(text: &str) -> String {
    match text.char_indices().nth(SHOWN_MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Bytes an attribute path, a keyword or a number is made of. `+` is for exponents
/// (`1e+3`); `.` separates sub-attributes and appears in URNs (`2.0`).
fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'$' | b':' | b'.' | b'+')
}

/// An ATTRNAME (RFC 7644 §3.10): a letter then letters, digits, `-`, `_`; or `$ref`.
fn is_attribute_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(first) if first.is_ascii_alphabetic() => {
            bytes.all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        }
        Some(b'$') => name.eq_ignore_ascii_case("$ref"),
        _ => false,
    }
}

/// A recursive-descent parser over the filter's bytes. The position only ever stops on ASCII
/// bytes or just after a whole string literal, so it is always a char boundary.
struct Parser<'a> {
    text: &'a str,
    position: usize,
    depth: usize,
    /// `invalidFilter` for filters, `invalidPath` for PATCH paths.
    kind: ScimType,
    /// Inside `[ ]` value paths do not nest (RFC 7644 §3.4.2.2 valFilter) and `id` is an
    /// element's, not the resource's.
    in_brackets: bool,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, kind: ScimType) -> Result<Self, ScimError> {
        if text.len() > MAX_FILTER_LENGTH {
            return Err(ScimError::bad(
                kind,
                format!(
                    "the filter is {} bytes long, longer than the {MAX_FILTER_LENGTH} accepted",
                    text.len()
                ),
            ));
        }
        Ok(Self {
            text,
            position: 0,
            depth: 0,
            kind,
            in_brackets: false,
        })
    }

    fn error(&self, detail: String) -> ScimError {
        ScimError::bad(self.kind, detail)
    }

    /// "expected <what> at byte N, found <what is there>".
    fn unexpected(&self, expected: &str) -> ScimError {
        let rest = &self.text[self.position..];
        let found = match rest.chars().next() {
            None => "the end of the text".to_owned(),
            Some(first) if first.is_ascii() && is_word_byte(first as u8) => {
                let end = rest
                    .bytes()
                    .position(|byte| !is_word_byte(byte))
                    .unwrap_or(rest.len());
                format!("`{}`", shown(&rest[..end]))
            }
            Some(first) => format!("`{first}`"),
        };
        self.error(format!(
            "expected {expected} at byte {}, found {found}",
            self.position
        ))
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.position).copied()
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(|byte| byte.is_ascii_whitespace()) {
            self.position += 1;
        }
    }

    fn read_word(&mut self) -> &'a str {
        let start = self.position;
        while self.peek().is_some_and(is_word_byte) {
            self.position += 1;
        }
        &self.text[start..self.position]
    }

    /// Consumes `keyword` (any case) when it is the next word; otherwise consumes nothing.
    fn keyword(&mut self, keyword: &str) -> bool {
        self.skip_whitespace();
        let start = self.position;
        if self.read_word().eq_ignore_ascii_case(keyword) {
            true
        } else {
            self.position = start;
            false
        }
    }

    fn expect_byte(&mut self, byte: u8, what: &str) -> Result<(), ScimError> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.position += 1;
            Ok(())
        } else {
            Err(self.unexpected(what))
        }
    }

    fn expect_end(&mut self) -> Result<(), ScimError> {
        self.skip_whitespace();
        if self.position == self.text.len() {
            Ok(())
        } else {
            Err(self.unexpected("`and`, `or` or the end"))
        }
    }

    fn enter(&mut self) -> Result<(), ScimError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error(format!(
                "nesting deeper than {MAX_NESTING} levels at byte {}",
                self.position
            )));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn parse_or(&mut self) -> Result<Filter, ScimError> {
        let mut operands = vec![self.parse_and()?];
        while self.keyword("or") {
            operands.push(self.parse_and()?);
        }
        Ok(if operands.len() == 1 {
            operands.swap_remove(0)
        } else {
            Filter::Or(operands)
        })
    }

    fn parse_and(&mut self) -> Result<Filter, ScimError> {
        let mut operands = vec![self.parse_unary()?];
        while self.keyword("and") {
            operands.push(self.parse_unary()?);
        }
        Ok(if operands.len() == 1 {
            operands.swap_remove(0)
        } else {
            Filter::And(operands)
        })
    }

    fn parenthesised(&mut self) -> Result<Filter, ScimError> {
        self.position += 1; // the `(`
        self.enter()?;
        let inner = self.parse_or()?;
        self.expect_byte(b')', "`)`")?;
        self.leave();
        Ok(inner)
    }

    fn parse_unary(&mut self) -> Result<Filter, ScimError> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'(') => self.parenthesised(),
            Some(byte) if is_word_byte(byte) => {
                let start = self.position;
                let word = self.read_word();
                if word.eq_ignore_ascii_case("not") {
                    self.skip_whitespace();
                    if self.peek() == Some(b'(') {
                        return Ok(Filter::Not(Box::new(self.parenthesised()?)));
                    }
                    // An attribute named `not`: read it as one.
                    self.position = start + word.len();
                }
                self.attribute_expression(word, start)
            }
            _ => Err(self.unexpected("an attribute path, `not` or `(`")),
        }
    }

    /// `word` is an attribute path read from `start`; what follows is `pr`, an operator and a
    /// value, or a `[` value filter.
    fn attribute_expression(&mut self, word: &'a str, start: usize) -> Result<Filter, ScimError> {
        let path = self.attribute_path(word, start)?;
        if self.peek() == Some(b'[') {
            let (filter, sub_attribute) = self.bracket_and_sub_attribute(&path, start)?;
            let filter = match sub_attribute {
                None => filter,
                Some(sub) => {
                    // `emails[type eq "work"].value eq "x"`: one element must satisfy both.
                    let element_test = self.comparison(AttributePath::plain(&sub))?;
                    Filter::And(vec![filter, element_test])
                }
            };
            return Ok(Filter::ValuePath {
                path,
                filter: Box::new(filter),
            });
        }
        self.comparison(path)
    }

    /// `[filter]` and an optional `.subAttribute` after it, the cursor on the `[`.
    fn bracket_and_sub_attribute(
        &mut self,
        path: &AttributePath,
        start: usize,
    ) -> Result<(Filter, Option<String>), ScimError> {
        if self.in_brackets {
            return Err(self.error(format!(
                "value filters do not nest: `[` at byte {}",
                self.position
            )));
        }
        if path.sub_attribute.is_some() {
            return Err(self.error(format!(
                "a value filter applies to an attribute, not to the sub-attribute at byte {start}"
            )));
        }
        self.position += 1; // the `[`
        self.enter()?;
        self.in_brackets = true;
        let filter = self.parse_or()?;
        self.expect_byte(b']', "`]`")?;
        self.in_brackets = false;
        self.leave();
        if self.peek() != Some(b'.') {
            return Ok((filter, None));
        }
        self.position += 1; // the `.`
        let sub_start = self.position;
        let sub = self.read_word();
        if !is_attribute_name(sub) {
            self.position = sub_start;
            return Err(self.unexpected("a sub-attribute name after `].`"));
        }
        let sub = canonical_sub_attribute(sub).unwrap_or(sub).to_owned();
        Ok((filter, Some(sub)))
    }

    /// `pr`, or an operator and a value, after `path`.
    fn comparison(&mut self, path: AttributePath) -> Result<Filter, ScimError> {
        self.skip_whitespace();
        let operator_start = self.position;
        let word = self.read_word();
        if word.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(path));
        }
        let Some(operator) = Operator::from_keyword(word) else {
            self.position = operator_start;
            return Err(self.unexpected("an operator (eq ne co sw ew gt ge lt le pr)"));
        };
        let value = self.literal()?;
        let case_exact = !self.in_brackets
            && path.extension.is_none()
            && path.sub_attribute.is_none()
            && path.name == "id";
        Ok(Filter::Compare {
            path,
            operator,
            value,
            case_exact,
        })
    }

    fn literal(&mut self) -> Result<Literal, ScimError> {
        self.skip_whitespace();
        let start = self.position;
        if self.peek() == Some(b'"') {
            return self.string_literal();
        }
        let word = self.read_word();
        if word.eq_ignore_ascii_case("true") {
            return Ok(Literal::Boolean(true));
        }
        if word.eq_ignore_ascii_case("false") {
            return Ok(Literal::Boolean(false));
        }
        if word.eq_ignore_ascii_case("null") {
            return Ok(Literal::Null);
        }
        let looks_numeric = word
            .bytes()
            .next()
            .is_some_and(|first| first.is_ascii_digit() || first == b'-')
            && word.bytes().all(|byte| {
                byte.is_ascii_digit() || matches!(byte, b'-' | b'+' | b'.' | b'e' | b'E')
            });
        if looks_numeric
            && let Ok(number) = word.parse::<f64>()
            && number.is_finite()
        {
            return Ok(Literal::Number(number));
        }
        self.position = start;
        Err(self.unexpected("a value (a JSON string, a number, true, false or null)"))
    }

    /// A JSON string with its escapes, the cursor on the opening quote.
    fn string_literal(&mut self) -> Result<Literal, ScimError> {
        let start = self.position;
        let bytes = self.text.as_bytes();
        let mut index = start + 1;
        loop {
            match bytes.get(index) {
                None => {
                    return Err(
                        self.error(format!("the string starting at byte {start} is not closed"))
                    );
                }
                Some(b'\\') => index += 2,
                Some(b'"') => break,
                Some(_) => index += 1,
            }
        }
        // Both ends are ASCII quotes, so the slice is on char boundaries.
        let text: String = serde_json::from_str(&self.text[start..=index]).map_err(|error| {
            self.error(format!(
                "the string starting at byte {start} is not a valid JSON string: {error}"
            ))
        })?;
        self.position = index + 1;
        let lowered = text.to_lowercase();
        Ok(Literal::String { text, lowered })
    }

    /// Resolves `word` (read at `start`) into an attribute path: a core URN prefix dropped,
    /// an extension URN kept apart, known names spelt canonically.
    fn attribute_path(&self, word: &str, start: usize) -> Result<AttributePath, ScimError> {
        let invalid = |what: &str| {
            self.error(format!(
                "`{}` at byte {start} is not an attribute path: {what}",
                shown(word)
            ))
        };
        let (extension, rest) = if word
            .get(..4)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("urn:"))
        {
            // A whole extension schema (`…:enterprise:2.0:User`) names the object stored
            // under that URN.
            if word.len() > 5
                && word
                    .get(word.len() - 5..)
                    .is_some_and(|suffix| suffix.eq_ignore_ascii_case(":User"))
            {
                return Ok(AttributePath::plain(canonical_schema(word)));
            }
            let Some((urn, rest)) = word.rsplit_once(':') else {
                return Err(invalid("a URN without an attribute"));
            };
            if urn.eq_ignore_ascii_case(USER_SCHEMA) {
                (None, rest)
            } else {
                (Some(canonical_schema(urn).to_owned()), rest)
            }
        } else {
            if word.contains(':') {
                return Err(invalid("only a schema URN may contain `:`"));
            }
            (None, word)
        };
        let (name, sub_attribute) = match rest.split_once('.') {
            Some((name, sub)) => (name, Some(sub)),
            None => (rest, None),
        };
        if !is_attribute_name(name) {
            return Err(invalid(
                "an attribute name starts with a letter and holds letters, digits, `-` and `_`",
            ));
        }
        if let Some(sub) = sub_attribute
            && !is_attribute_name(sub)
        {
            return Err(invalid("the sub-attribute is not a name"));
        }
        let name = match &extension {
            None => canonical_attribute(name).unwrap_or(name),
            Some(urn) if urn == super::ENTERPRISE_USER_SCHEMA => {
                canonical_enterprise_attribute(name).unwrap_or(name)
            }
            Some(_) => name,
        };
        Ok(AttributePath {
            extension,
            name: name.to_owned(),
            sub_attribute: sub_attribute
                .map(|sub| canonical_sub_attribute(sub).unwrap_or(sub).to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Resource {
        json!({
            "schemas": [USER_SCHEMA, super::super::ENTERPRISE_USER_SCHEMA],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "00u1abcd",
            "userName": "Barbara.Jensen@example.com",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "displayName": "Bäbs Jensen",
            "title": "",
            "active": true,
            "loginCount": 12,
            "nickname": null,
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "phoneNumbers": [{"value": "555-555-8377", "type": "mobile"}],
            "roles": [],
            "meta": {"lastModified": "2011-05-13T04:42:34Z"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "department": "Tour Operations",
                "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
            }
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn filters_match_as_rfc_7644_says() {
        let cases: &[(&str, bool)] = &[
            // eq on strings ignores case; attribute names ignore case; URN prefixes drop.
            (r#"userName eq "barbara.jensen@example.com""#, true),
            (r#"USERNAME EQ "BARBARA.JENSEN@EXAMPLE.COM""#, true),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "Barbara.Jensen@example.com""#,
                true,
            ),
            (r#"userName eq "someone.else""#, false),
            (r#"userName ne "someone.else""#, true),
            (r#"userName ne "barbara.jensen@example.com""#, false),
            // id is case-exact.
            (r#"id eq "2819c223-7f76-453a-919d-413861904646""#, true),
            (r#"id eq "2819C223-7F76-453A-919D-413861904646""#, false),
            // co, sw, ew.
            (r#"userName co "JENSEN""#, true),
            (r#"userName sw "barbara.""#, true),
            (r#"userName sw "jensen""#, false),
            (r#"userName ew "@EXAMPLE.com""#, true),
            (r#"userName ew "@example.org""#, false),
            (r#"userName co "zzz""#, false),
            // Non-ASCII falls back to Unicode lowercasing.
            (r#"displayName eq "BÄBS JENSEN""#, true),
            (r#"displayName sw "bä""#, true),
            (r#"displayName co "ÄBS""#, true),
            (r#"displayName ew "ÄBS JENSEN""#, true),
            (r#"displayName ew "ÖBS JENSEN""#, false),
            // Sub-attributes.
            (r#"name.givenName eq "barbara""#, true),
            (r#"name.familyName eq "Smith""#, false),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName sw "B""#,
                true,
            ),
            // Multi-valued: any element; no sub-attribute compares `value`.
            (r#"emails eq "babs@jensen.org""#, true),
            (r#"emails.value co "@jensen.org""#, true),
            (r#"emails.type eq "other""#, false),
            (r#"emails[type eq "work"]"#, true),
            (r#"emails[type eq "other"]"#, false),
            (
                r#"emails[type eq "work" and value co "@example.com"]"#,
                true,
            ),
            (
                r#"emails[type eq "home" and value co "@example.com"]"#,
                false,
            ),
            (
                r#"emails[type eq "work"].value eq "bjensen@example.com""#,
                true,
            ),
            // The bracket and the comparison must hold for the same element.
            (
                r#"emails[type eq "work"].value eq "babs@jensen.org""#,
                false,
            ),
            (r#"emails[primary eq true].value pr"#, true),
            (
                r#"phoneNumbers[type eq "mobile"].value eq "555-555-8377""#,
                true,
            ),
            // pr.
            ("userName pr", true),
            ("title pr", false),
            ("nickname pr", false),
            ("roles pr", false),
            ("emails pr", true),
            ("missing pr", false),
            ("name pr", true),
            // A missing attribute matches nothing, except under not.
            (r#"missing eq "x""#, false),
            (r#"missing ne "x""#, false),
            (r#"not (missing eq "x")"#, true),
            // Booleans.
            ("active eq true", true),
            ("active eq TRUE", true),
            ("active eq false", false),
            ("active ne false", true),
            ("active gt false", false),
            (r#"active eq "true""#, false),
            // Numbers.
            ("loginCount eq 12", true),
            ("loginCount gt 11.5", true),
            ("loginCount ge 12", true),
            ("loginCount lt 12", false),
            ("loginCount le 1.2e1", true),
            ("loginCount eq -12", false),
            // Strings order case-insensitively.
            (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
            (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
            (r#"meta.lastModified lt "2012-01-01""#, true),
            (r#"userName gt "BARBARA""#, true),
            (r#"userName lt "barbara""#, false),
            // null.
            ("nickname eq null", true),
            ("userName eq null", false),
            ("userName ne null", true),
            // Precedence: not > and > or.
            (
                r#"userName eq "x" or userName pr and active eq false"#,
                false,
            ),
            (
                r#"(userName eq "x" or userName pr) and active eq true"#,
                true,
            ),
            (r#"userName pr or missing pr and active eq false"#, true),
            (r#"not (userName pr) or active eq true"#, true),
            (r#"not(userName pr)"#, false),
            (r#"NOT (title pr) AND emails[type eq "work"]"#, true),
            // Escapes.
            (r#"displayName eq "B\u00e4bs Jensen""#, true),
            // Extension attributes.
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr"#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division pr"#,
                false,
            ),
            // What Okta and Entra send on import and before a create.
            (r#"externalId eq "00u1abcd""#, true),
            (
                r#"userName eq "barbara.jensen@example.com" and active eq true"#,
                true,
            ),
        ];
        let resource = user();
        for (text, expected) in cases {
            let filter = parse(text).unwrap_or_else(|error| panic!("{text}: {error}"));
            assert_eq!(filter.matches(&resource), *expected, "{text}");
        }
    }

    #[test]
    fn malformed_filters_are_invalid_filter_errors_saying_where() {
        let cases: &[(&str, &str)] = &[
            ("", "byte 0"),
            ("userName", "an operator"),
            (r#"userName xx "a""#, "`xx`"),
            ("userName eq", "a value"),
            ("userName eq bob", "`bob`"),
            (r#"userName eq "unterminated"#, "not closed"),
            (r#"userName eq "bad \q escape""#, "not a valid JSON string"),
            (r#"(userName pr"#, "`)`"),
            (r#"userName pr)"#, "byte 11"),
            (r#"emails[type eq "work""#, "`]`"),
            (r#"emails[type[value pr] pr]"#, "do not nest"),
            (r#"emails.value[type pr]"#, "sub-attribute"),
            (r#"emails[type pr]."#, "sub-attribute name"),
            (r#"userName pr and"#, "the end of the text"),
            (r#"userName pr userName pr"#, "`userName`"),
            ("1abc pr", "not an attribute path"),
            ("foo:bar pr", "URN"),
            ("userName eq 1e999", "a value"),
            ("userName eq ☃", "`☃`"),
            ("☃ pr", "`☃`"),
        ];
        for (text, expected) in cases {
            let error = parse(text).expect_err(text);
            assert_eq!(error.status, 400, "{text}");
            assert_eq!(error.scim_type, Some(ScimType::InvalidFilter), "{text}");
            assert!(
                error.detail.contains(expected),
                "{text}: {} should mention {expected}",
                error.detail
            );
        }
    }

    #[test]
    fn size_and_nesting_are_bounded() {
        let long = format!(r#"userName eq "{}""#, "a".repeat(MAX_FILTER_LENGTH));
        let error = parse(&long).unwrap_err();
        assert!(error.detail.contains("longer than"), "{}", error.detail);

        let nested =
            |depth: usize| format!("{}userName pr{}", "(".repeat(depth), ")".repeat(depth));
        assert!(parse(&nested(MAX_NESTING)).is_ok());
        let error = parse(&nested(MAX_NESTING + 1)).unwrap_err();
        assert!(error.detail.contains("nesting"), "{}", error.detail);
        let nots = format!(
            "{}userName pr{}",
            "not (".repeat(MAX_NESTING + 1),
            ")".repeat(MAX_NESTING + 1)
        );
        assert!(parse(&nots).is_err());

        // A long flat chain is not nesting.
        let chain = vec!["userName pr"; 250].join(" and ");
        assert!(chain.len() <= MAX_FILTER_LENGTH);
        assert!(parse(&chain).unwrap().matches(&user()));
    }

    #[test]
    fn no_input_panics() {
        // Every prefix of tricky filters, cut at every char boundary.
        let texts = [
            r#"emails[type eq "wörk"].value eq "x\"y" and not (name.givenName sw "☃")"#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "é""#,
        ];
        for text in texts {
            for (end, _) in text.char_indices() {
                let _ = parse(&text[..end]);
                let _ = parse_path(&text[..end]);
            }
        }
        let mut rng = fastrand::Rng::with_seed(7);
        let alphabet: Vec<char> = "ab eqprnotand()[]\".\\:é☃1-".chars().collect();
        for _ in 0..5000 {
            let text: String = (0..rng.usize(0..30))
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect();
            if let Ok(filter) = parse(&text) {
                let _ = filter.matches(&user());
            }
        }
    }

    #[test]
    fn user_name_and_other_equalities_are_recognised_for_the_index() {
        let cases: &[(&str, Option<&str>)] = &[
            (r#"userName eq "bjensen""#, Some("bjensen")),
            (r#"USERNAME Eq "bjensen""#, Some("bjensen")),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "b""#,
                Some("b"),
            ),
            (r#"userName eq 12"#, None),
            (r#"userName ne "bjensen""#, None),
            (r#"userName eq "a" and active eq true"#, None),
            (r#"externalId eq "a""#, None),
            (r#"name.userName eq "a""#, None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text).unwrap().user_name_equals(), *expected, "{text}");
        }
        let filter = parse(r#"externalid eq "00u1""#).unwrap();
        assert_eq!(filter.equals_of("externalId"), Some("00u1"));
        assert_eq!(filter.equals_of("userName"), None);
    }

    #[test]
    fn paths_parse_for_patch() {
        let enterprise = super::super::ENTERPRISE_USER_SCHEMA;
        // (path, extension, attribute, sub-attribute, has a filter)
        type PathCase = (
            &'static str,
            Option<&'static str>,
            &'static str,
            Option<&'static str>,
            bool,
        );
        let cases: &[PathCase] = &[
            ("userName", None, "userName", None, false),
            ("USERNAME", None, "userName", None, false),
            ("name.givenname", None, "name", Some("givenName"), false),
            ("emails", None, "emails", None, false),
            (r#"emails[type eq "work"]"#, None, "emails", None, true),
            (
                r#"emails[type eq "work"].value"#,
                None,
                "emails",
                Some("value"),
                true,
            ),
            (
                r#"phoneNumbers[type eq "mobile"].value"#,
                None,
                "phoneNumbers",
                Some("value"),
                true,
            ),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:active",
                None,
                "active",
                None,
                false,
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                Some(enterprise),
                "department",
                None,
                false,
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
                Some(enterprise),
                "manager",
                Some("value"),
                false,
            ),
            (
                "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER",
                None,
                enterprise,
                None,
                false,
            ),
            (
                "urn:ietf:params:scim:schemas:extension:custom:2.0:User:worksiteId",
                Some("urn:ietf:params:scim:schemas:extension:custom:2.0:User"),
                "worksiteId",
                None,
                false,
            ),
        ];
        for (text, extension, name, sub, filtered) in cases {
            let path = parse_path(text).unwrap_or_else(|error| panic!("{text}: {error}"));
            assert_eq!(path.attribute.extension.as_deref(), *extension, "{text}");
            assert_eq!(path.attribute.name, *name, "{text}");
            assert_eq!(path.attribute.sub_attribute.as_deref(), *sub, "{text}");
            assert_eq!(path.filter.is_some(), *filtered, "{text}");
        }
        for bad in [
            "",
            "emails[",
            "emails[type eq]",
            "a b",
            "emails[type pr].",
            "name..x",
            "x:y",
        ] {
            let error = parse_path(bad).expect_err(bad);
            assert_eq!(error.scim_type, Some(ScimType::InvalidPath), "{bad}");
        }
    }

    #[test]
    fn literals_become_json_values() {
        assert_eq!(Literal::Number(3.0).to_value(), json!(3));
        assert_eq!(Literal::Number(2.5).to_value(), json!(2.5));
        assert_eq!(Literal::Boolean(true).to_value(), json!(true));
        assert_eq!(Literal::Null.to_value(), Value::Null);
    }
}
