//! Reading a vendor's JSON list of users into [`ListedUser`]s, keeping only the cells a
//! [`super::Layout`] names: serde seeds over the bytes, so no `Value` tree is built and no
//! member name is copied (50,000 users are read in one pass).

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use shared::field::FieldKind;

use super::{Cell, ListedUser};

/// Reads a JSON list of users into rows of `width` cells placed by `targets`.
pub fn users(
    bytes: &[u8],
    targets: &[(&'static str, Target)],
    width: usize,
) -> Result<Vec<ListedUser>, serde_json::Error> {
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let users = UsersSeed { targets, width }.deserialize(&mut reader)?;
    reader.end()?;
    Ok(users)
}

/// Where a JSON member goes: into one cell, or, for an object, its members into theirs.
pub enum Target {
    Cell((usize, FieldKind)),
    Object(Vec<(&'static str, (usize, FieldKind))>),
}

struct UsersSeed<'a> {
    targets: &'a [(&'static str, Target)],
    width: usize,
}

impl<'de> DeserializeSeed<'de> for UsersSeed<'_> {
    type Value = Vec<ListedUser>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for UsersSeed<'_> {
    type Value = Vec<ListedUser>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of users")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut users = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(cells) = seq.next_element_seed(UserSeed {
            targets: self.targets,
            width: self.width,
        })? {
            users.push(ListedUser { cells });
        }
        Ok(users)
    }
}

struct UserSeed<'a> {
    targets: &'a [(&'static str, Target)],
    width: usize,
}

impl<'de> DeserializeSeed<'de> for UserSeed<'_> {
    type Value = Box<[Cell]>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for UserSeed<'_> {
    type Value = Box<[Cell]>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a user object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut cells = vec![Cell::Empty; self.width];
        let names: Vec<&str> = self.targets.iter().map(|(name, _)| *name).collect();
        while let Some(found) = map.next_key_seed(KeySeed(&names))? {
            match found.map(|k| &self.targets[k].1) {
                Some(Target::Cell((index, kind))) => {
                    cells[*index] = map.next_value_seed(CellSeed(*kind))?;
                }
                Some(Target::Object(members)) => {
                    map.next_value_seed(MembersSeed {
                        members,
                        cells: &mut cells,
                    })?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(cells.into_boxed_slice())
    }
}

/// A nested object's members, each into its cell (`null` leaves them empty).
struct MembersSeed<'a> {
    members: &'a [(&'static str, (usize, FieldKind))],
    cells: &'a mut [Cell],
}

impl<'de> DeserializeSeed<'de> for MembersSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MembersSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    // Anything else where an object was expected leaves its fields empty: one odd record
    // must not stop the whole list from reading.
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
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let names: Vec<&str> = self.members.iter().map(|(name, _)| *name).collect();
        while let Some(found) = map.next_key_seed(KeySeed(&names))? {
            match found {
                Some(k) => {
                    let (index, kind) = self.members[k].1;
                    self.cells[index] = map.next_value_seed(CellSeed(kind))?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A member's name, as its position among `names` (no string is made).
struct KeySeed<'a>(&'a [&'a str]);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<usize>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|n| *n == name))
    }
}

/// One value, leniently, as a field of `kind` means it.
struct CellSeed(FieldKind);

impl<'de> DeserializeSeed<'de> for CellSeed {
    type Value = Cell;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Cell, D::Error> {
        d.deserialize_any(self)
    }
}

impl CellSeed {
    fn flag(&self) -> bool {
        matches!(self.0, FieldKind::Boolean | FieldKind::Flag)
    }
}

impl<'de> Visitor<'de> for CellSeed {
    type Value = Cell;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Cell, E> {
        Ok(Cell::Empty)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Cell, E> {
        Ok(Cell::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Cell, E> {
        Ok(if self.flag() {
            Cell::Bool(n != 0)
        } else {
            Cell::Number(n)
        })
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Cell, E> {
        self.visit_i64(i64::try_from(n).unwrap_or(i64::MAX))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Cell, E> {
        // No listed field is fractional; printing a float would weigh on the first load.
        self.visit_i64(n as i64)
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Cell, E> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Cell::Empty);
        }
        let number = || text.parse::<i64>().ok();
        Ok(match self.0 {
            FieldKind::Boolean | FieldKind::Flag => match text {
                "true" => Cell::Bool(true),
                "false" => Cell::Bool(false),
                _ => number().map_or_else(|| Cell::Text(text.into()), |n| Cell::Bool(n != 0)),
            },
            FieldKind::Integer => number().map_or_else(|| Cell::Text(text.into()), Cell::Number),
            _ => Cell::Text(text.into()),
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Cell, A::Error> {
        let mut ids = Vec::new();
        while let Some(item) = seq.next_element_seed(CellSeed(FieldKind::Integer))? {
            if let Cell::Number(id) = item {
                ids.push(id);
            }
        }
        Ok(Cell::Ids(ids.into_boxed_slice()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Cell, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Cell::Empty)
    }
}
