//! Concurrent editors through the proxy, saving by the console's conflict rule
//! (`tests::editors`): small here, on every `cargo test`, where any lost LivePerson update
//! fails; large as `cargo xtask bench editors` (the ignored `editors_bench`, given its run in
//! `EDITORS_VENDOR`, `EDITORS`, `EDITORS_CYCLES` and `EDITORS_USERS`), whose figures are
//! printed, never asserted.

use shared::VendorKind;
use tests::Stack;
use tests::editors::{self, Options};

/// Users the sandbox is seeded with per vendor; the editors share the first few.
const SEEDED: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_editors_lose_no_revisioned_update() {
    let stack = Stack::start(SEEDED, None).await.unwrap();
    // (vendor, whether every acknowledged change must show)
    let cases = [
        (VendorKind::Liveperson, true),
        (VendorKind::Commpeak, false),
    ];
    for (vendor, no_loss) in cases {
        let options = Options {
            vendor,
            editors: 2,
            cycles: 20,
            users: 2,
        };
        let figures = editors::run(&stack.proxy_url, options).await.unwrap();
        println!("{}", editors::report(&options, &figures));
        // Every cycle ends in exactly one acknowledged save, whatever it met on the way.
        assert_eq!(figures.acknowledged, 40, "{vendor:?}: {figures:?}");
        assert!(figures.writes >= figures.acknowledged, "{vendor:?}");
        if no_loss {
            assert_eq!(figures.lost, 0, "{vendor:?} lost updates: {figures:?}");
        }
    }
}

/// The count the benchmark reports is the one that catches a loss: a counter rewound behind
/// the editors' backs (a save that overwrote theirs, unseen) shows as exactly that many lost.
#[tokio::test]
async fn an_overwritten_increment_is_counted_lost() {
    let stack = Stack::start(SEEDED, None).await.unwrap();
    let options = Options {
        vendor: VendorKind::Liveperson,
        editors: 1,
        cycles: 8,
        users: 1,
    };
    let figures = editors::run(&stack.proxy_url, options).await.unwrap();
    assert_eq!(figures.lost, 0, "{figures:?}");
    let counter = figures
        .counters
        .iter()
        .max_by_key(|c| c.acknowledged)
        .unwrap();
    // 8 increments over two fields: one of them holds at least 4.
    let acknowledged = counter.acknowledged;
    assert!(acknowledged >= 4, "{figures:?}");
    let id: i64 = counter.user.parse().unwrap();
    for rewound in [0, 1, acknowledged] {
        let mut record = stack.sandbox_user(id).await.unwrap();
        record[counter.field] = format!("{} rewound", acknowledged - rewound).into();
        stack.sandbox_update(id, record).await.unwrap();
        let lost = editors::lost_now(&stack.proxy_url, options.vendor, &figures.counters)
            .await
            .unwrap();
        assert_eq!(lost, rewound, "{} rewound by {rewound}", counter.field);
    }
}

fn from_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v} is not a count"))
        })
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: cargo xtask bench editors"]
async fn editors_bench() {
    let vendor = match std::env::var("EDITORS_VENDOR").as_deref() {
        Ok("commpeak") => VendorKind::Commpeak,
        Ok("liveperson") | Err(_) => VendorKind::Liveperson,
        Ok(other) => panic!("EDITORS_VENDOR={other}: liveperson or commpeak"),
    };
    let options = Options {
        vendor,
        editors: from_env("EDITORS", 8),
        cycles: from_env("EDITORS_CYCLES", 200),
        users: from_env("EDITORS_USERS", 4),
    };
    let stack = Stack::start(SEEDED, None).await.unwrap();
    // The reference: one editor alone, the same cycles, on the same stack (no conflicts).
    let alone = Options {
        editors: 1,
        ..options
    };
    let reference = editors::run(&stack.proxy_url, alone).await.unwrap();
    println!("reference: {}", editors::report(&alone, &reference));
    let figures = editors::run(&stack.proxy_url, options).await.unwrap();
    println!("measured: {}", editors::report(&options, &figures));
    println!(
        "writes/s against one editor alone: {:.2}×",
        figures.writes_per_second() / reference.writes_per_second()
    );
}
