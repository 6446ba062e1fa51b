//! CommPeak's 0/1 flags: read from `0`, `1`, `"0"`, `"1"` (and `true`/`false` in either
//! form), written as the numbers 0 and 1 (`users-apis.md` decisions: lenient reading).

use serde::Serializer;
use serde::de::{self, Deserializer, Visitor};
use serde_with::{DeserializeAs, SerializeAs};

/// `serde_as` adapter for a `bool` carried as a 0/1 flag.
pub struct Flag;

impl SerializeAs<bool> for Flag {
    fn serialize_as<S: Serializer>(value: &bool, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(u8::from(*value))
    }
}

impl<'de> DeserializeAs<'de, bool> for Flag {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
        struct FlagVisitor;
        impl Visitor<'_> for FlagVisitor {
            type Value = bool;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("0 or 1 (as a number or a string)")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
                Ok(v)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
                match v {
                    0 => Ok(false),
                    1 => Ok(true),
                    _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
                u64::try_from(v)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
                match v.trim() {
                    "0" | "false" => Ok(false),
                    "1" | "true" => Ok(true),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(FlagVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use serde_with::serde_as;

    #[serde_as]
    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Holder(#[serde_as(as = "Flag")] bool);

    #[test]
    fn reads_every_form_and_writes_numbers() {
        for (input, expected) in [
            ("0", Some(false)),
            ("1", Some(true)),
            ("\"0\"", Some(false)),
            ("\"1\"", Some(true)),
            ("true", Some(true)),
            ("\"false\"", Some(false)),
            ("2", None),
            ("-1", None),
            ("\"yes\"", None),
            ("null", None),
        ] {
            let read = serde_json::from_str::<Holder>(input).ok().map(|h| h.0);
            assert_eq!(read, expected, "{input}");
        }
        assert_eq!(serde_json::to_string(&Holder(true)).unwrap(), "1");
        assert_eq!(serde_json::to_string(&Holder(false)).unwrap(), "0");
    }
}
