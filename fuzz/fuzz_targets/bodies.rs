//! Any request body, for every vendor operation that takes one (see `shared/tests/targets`).
#![no_main]

// Each target uses only part of the shared module.
#[allow(dead_code)]
#[path = "../../shared/tests/targets/mod.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|input: targets::BodyInput| targets::check_bodies(&input));
