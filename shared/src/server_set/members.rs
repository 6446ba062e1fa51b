//! Top-level members taken out of each user of an answer without building a tree of it: a
//! list of 50,000 CommPeak users is 28 MB, and a `serde_json::Value` of it costs hundreds of
//! milliseconds to build, rewrite and write back. Here the answer is only read through (every
//! value skipped unbuilt), noting where each member to take out lies, with the comma that
//! separates it; the answer is then copied without those spans. Every other byte stays as it
//! came: member order, whitespace, escapes, numbers as written.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, Deserializer as _, IgnoredAny, MapAccess, SeqAccess};
use serde::de::{Error as _, Visitor};
use serde_json::value::RawValue;

/// Which top-level members of each user stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep<'f> {
    /// All but these (secrets withheld).
    AllBut(&'f [&'f str]),
    /// Only these (a selection the vendor cannot apply itself).
    Only(&'f [&'f str]),
}

impl Keep<'_> {
    pub fn keeps(&self, member: &str) -> bool {
        match self {
            Keep::AllBut(dropped) => !dropped.contains(&member),
            Keep::Only(kept) => kept.contains(&member),
        }
    }
}

/// Why an answer was not copied here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure {
    /// A member to take out is named with an escape, so where it starts is not known here:
    /// left to the general path.
    Escaped,
    /// Not JSON.
    Malformed,
}

/// `body` (one user, a list of users, or any JSON: only objects at the top or in a top-level
/// list are users) with only the top-level members of each user that `keep` keeps:
/// `Ok(None)` when no user lost one.
pub(super) fn narrowed(body: &[u8], keep: Keep) -> Result<Option<Vec<u8>>, Failure> {
    // Checked as UTF-8 once, as a whole: read from a `str`, `serde_json` then checks neither
    // each member's name nor each value again.
    let text = std::str::from_utf8(body).map_err(|_| Failure::Malformed)?;
    let mut spans = Spans {
        text,
        keep,
        cuts: Vec::new(),
        escaped: false,
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let read = (&mut deserializer)
        .deserialize_any(Users {
            spans: &mut spans,
            top: true,
        })
        .and_then(|()| deserializer.end());
    match read {
        Ok(()) if spans.cuts.is_empty() => Ok(None),
        Ok(()) => Ok(Some(cut(body, &spans.cuts))),
        Err(_) if spans.escaped => Err(Failure::Escaped),
        Err(_) => Err(Failure::Malformed),
    }
}

/// `body` without `cuts` (in order, apart).
fn cut(body: &[u8], cuts: &[Range<usize>]) -> Vec<u8> {
    let removed: usize = cuts.iter().map(ExactSizeIterator::len).sum();
    let mut out = Vec::with_capacity(body.len() - removed);
    let mut from = 0;
    for span in cuts {
        out.extend_from_slice(&body[from..span.start]);
        from = span.end;
    }
    out.extend_from_slice(&body[from..]);
    out
}

struct Spans<'t, 'f> {
    text: &'t str,
    keep: Keep<'f>,
    /// The spans to leave out, in order.
    cuts: Vec<Range<usize>>,
    /// Set before the error that stops the reading at a name written with an escape.
    escaped: bool,
}

impl Spans<'_, '_> {
    /// Where `part`, borrowed from the text, starts in it.
    fn offset(&self, part: &str) -> Option<usize> {
        let start = (part.as_ptr() as usize).checked_sub(self.text.as_ptr() as usize)?;
        (start + part.len() <= self.text.len()).then_some(start)
    }

    /// The span of a member to take out: its name at `name` (the opening quote), its value
    /// ending at `end`, and the comma that separates it from the member before, when one
    /// stays, else from the member after, if any (with the whitespace around that comma), so
    /// that what is left is still an object, laid out as it was.
    fn span(&self, name: usize, end: usize, after_kept: bool) -> Range<usize> {
        const WHITESPACE: [char; 4] = [' ', '\t', '\n', '\r'];
        if after_kept {
            let before = self.text[..name].trim_end_matches(WHITESPACE);
            debug_assert!(before.ends_with(','));
            let kept_end = before[..before.len() - 1]
                .trim_end_matches(WHITESPACE)
                .len();
            return kept_end..end;
        }
        let rest = self.text[end..].trim_start_matches(WHITESPACE);
        match rest.strip_prefix(',') {
            Some(next) => name..self.text.len() - next.trim_start_matches(WHITESPACE).len(),
            None => name..end,
        }
    }
}

/// The answer (`top`) or one item of a top-level list: an object is a user, anything else is
/// passed over as it is.
struct Users<'s, 't, 'f> {
    spans: &'s mut Spans<'t, 'f>,
    top: bool,
}

impl<'de> DeserializeSeed<'de> for Users<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Users<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a user or a list of users")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let spans = self.spans;
        // Whether a member before this one stays, so that one taking this one out also takes
        // the comma before it (else the one after it).
        let mut kept = false;
        while let Some(key) = map.next_key_seed(Key)? {
            if spans.keep.keeps(&key) {
                map.next_value::<IgnoredAny>()?;
                kept = true;
                continue;
            }
            let Cow::Borrowed(key) = key else {
                spans.escaped = true;
                return Err(A::Error::custom("a name written with an escape"));
            };
            let value: &RawValue = map.next_value()?;
            let (Some(name), Some(value_start)) = (spans.offset(key), spans.offset(value.get()))
            else {
                return Err(A::Error::custom("a member outside the answer"));
            };
            // `name` is past the opening quote; the value is its very bytes.
            let span = spans.span(name - 1, value_start + value.get().len(), kept);
            spans.cuts.push(span);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.top {
            let spans = self.spans;
            while seq
                .next_element_seed(Users {
                    spans: &mut *spans,
                    top: false,
                })?
                .is_some()
            {}
        } else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
        }
        Ok(())
    }

    // Every other kind of JSON value, as `serde_json` visits it: not a user.
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
}

/// A member's name, borrowed from the answer when it holds no escape.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member's name")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(key))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key.to_owned()))
    }
}
