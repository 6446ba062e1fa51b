//! How long seeding takes: `cargo bench -p sandbox --bench seed`. Prints the median of a few
//! runs per case; the figures go to BENCHMARKS.md, never into a test.

use std::time::{Duration, Instant};

use sandbox::{Database, Seed, Store};

const RUNS: usize = 3;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time(run: impl Fn() -> Result<(), sandbox::StoreError>) -> Duration {
    median(
        (0..RUNS)
            .map(|_| {
                let started = Instant::now();
                run().expect("seeding succeeds");
                started.elapsed()
            })
            .collect(),
    )
}

fn main() {
    println!("case\tusers\tmedian of {RUNS}");
    for count in [50_000, 100_000] {
        let seed = Seed::Generated(count);
        type SeedInto<'a> = Box<dyn Fn(&Store) -> Result<(), sandbox::StoreError> + 'a>;
        let cases: [(&str, SeedInto); 3] = [
            (
                "liveperson",
                Box::new(|s: &Store| s.seed_if_empty("12345678", &seed)),
            ),
            (
                "trintech",
                Box::new(|s: &Store| s.trintech_seed_if_empty(&seed)),
            ),
            (
                "commpeak",
                Box::new(|s: &Store| s.commpeak_seed_if_empty(&seed)),
            ),
        ];
        for (vendor, seed_into) in &cases {
            for (storage, file) in [("in memory", false), ("SQLite file", true)] {
                let elapsed = time(|| {
                    let dir = tempfile::tempdir().expect("a temporary directory");
                    let database = if file {
                        Database::File(dir.path().join("bench.sqlite"))
                    } else {
                        Database::InMemory
                    };
                    seed_into(&Store::open(&database)?)
                });
                println!("{vendor}, {storage}\t{count}\t{elapsed:.2?}");
            }
        }
    }
}
