//! `select` expressions built from its own tokens (see `shared/tests/targets`).
#![no_main]

// Each target uses only part of the shared module.
#[allow(dead_code)]
#[path = "../../shared/tests/targets/mod.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|pieces: Vec<targets::SelectPiece>| targets::select_tokens(&pieces));
