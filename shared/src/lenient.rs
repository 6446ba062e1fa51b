//! Lenient reading, strict writing: vendors send numbers and booleans either natively or as
//! strings (`"4"`, `"true"`), so fields are read as either and always written natively.

use serde_with::{DisplayFromStr, PickFirst, Same};

/// `serde_as` adapter: read the native JSON type or its string form, write the native type.
pub type Lenient = PickFirst<(Same, DisplayFromStr)>;
