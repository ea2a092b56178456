//! The two primitives under `observe`, alone: keyed hashing of a normalized
//! value, and the union-find. Internals, so behind a feature:
//!
//! ```text
//! cargo bench --features bench-internals --bench internals
//! ```

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use idstitch::SecretKey;
use idstitch::bench_internals::{Hasher, UnionFind, key};

const NODES: u32 = 1_000_000;

/// SplitMix64, for a reproducible stream of node pairs.
fn pairs(count: usize, nodes: u32) -> Vec<(u32, u32)> {
    let mut state = 7_u64;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (0..count)
        .map(|_| {
            (
                (next() % u64::from(nodes)) as u32,
                (next() % u64::from(nodes)) as u32,
            )
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let hasher = Hasher::new(SecretKey::derive("bench"));
    let values: Vec<String> = (0..10_000)
        .map(|n| format!("customer.{n}@example.com"))
        .collect();
    let mut group = c.benchmark_group("key");
    group.throughput(Throughput::Elements(values.len() as u64));
    group.bench_function("email", |b| {
        b.iter(|| {
            for value in &values {
                black_box(key(&hasher, "email", value));
            }
        });
    });
    group.finish();

    // A million unions of random pairs over a million nodes (merges at
    // first, then more and more pairs already joined), then a find of every
    // node.
    let unions = pairs(NODES as usize, NODES);
    let mut group = c.benchmark_group("union_find");
    group.sample_size(10);
    group.throughput(Throughput::Elements(unions.len() as u64));
    group.bench_function("union_random_pairs", |b| {
        b.iter_batched(
            || {
                let mut sets = UnionFind::default();
                for _ in 0..NODES {
                    sets.push();
                }
                sets
            },
            |mut sets| {
                for &(a, b) in &unions {
                    black_box(sets.union(a, b));
                }
                sets
            },
            criterion::BatchSize::LargeInput,
        );
    });
    let mut joined = UnionFind::default();
    for _ in 0..NODES {
        joined.push();
    }
    for &(a, b) in &unions {
        joined.union(a, b);
    }
    group.throughput(Throughput::Elements(u64::from(NODES)));
    group.bench_function("find_every_node", |b| {
        b.iter(|| {
            for node in 0..NODES {
                black_box(joined.find(node));
            }
        });
    });
    group.finish();
}

criterion_group!(internals, benches);
criterion_main!(internals);
