//! The fuzz targets of `targets/`, run briefly on every `cargo test`: each target gets inputs
//! built by `arbitrary` from seeded random bytes, so a run is repeatable and a failure names
//! the seed that reproduces it.
//!
//! Longer runs, on demand:
//! * `FUZZ_ITERATIONS=2000000 FUZZ_SEED=$RANDOM cargo test --release -p shared --test fuzz`
//! * coverage-guided (nightly + cargo-fuzz): `cd fuzz && cargo +nightly fuzz run bodies`
//!
//! Why a small driver of our own: bolero pins `indexmap = "=2.11.2"` (which would downgrade
//! the workspace's Leptos) and cargo-fuzz needs a nightly compiler the test command does not
//! have; `arbitrary` is what cargo-fuzz itself feeds targets with.

mod targets;

use arbitrary::{Arbitrary, Unstructured};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Feeds `target` `FUZZ_ITERATIONS` (default 5000) inputs from seed `FUZZ_SEED` (default 1).
fn fuzz<T: for<'a> Arbitrary<'a> + std::fmt::Debug>(name: &str, target: impl Fn(&T)) {
    let seed = env_or("FUZZ_SEED", 1);
    let iterations = env_or("FUZZ_ITERATIONS", 5_000);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut bytes = Vec::new();
    for iteration in 0..iterations {
        bytes.clear();
        let len = rng.usize(..=4096);
        // `arbitrary` keeps adding items to a list while the next byte is odd; uniform bytes
        // would make every list about one item long, so the low bit is set 9 times in 10.
        bytes.extend((0..len).map(|_| (rng.u8(..) & !1) | u8::from(rng.u8(..10) < 9)));
        // As cargo-fuzz does: the whole buffer makes one input.
        let Ok(input) = T::arbitrary_take_rest(Unstructured::new(&bytes)) else {
            continue;
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| target(&input)));
        if let Err(panic) = outcome {
            eprintln!(
                "fuzz target {name} failed at iteration {iteration} of FUZZ_SEED={seed}; input: {input:?}"
            );
            std::panic::resume_unwind(panic);
        }
    }
}

#[test]
fn every_body_of_every_vendor_is_checked_without_panicking() {
    fuzz("bodies", targets::check_bodies);
}

#[test]
fn select_parses_or_refuses_with_a_position() {
    fuzz("select", |text: &String| targets::select_text(text));
}

#[test]
fn select_made_of_tokens() {
    fuzz("select_tokens", |pieces: &Vec<targets::SelectPiece>| {
        targets::select_tokens(pieces)
    });
}
