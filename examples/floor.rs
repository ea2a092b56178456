//! The naive floor for the end-to-end speed target: the least a program must
//! do to turn the spec's JSON Lines events into profiles, written plainly, so
//! that `benches/e2e.sh` can time `resolve` against it on the same file.
//!
//! ```text
//! cargo run --release --example floor -- [FILE] > profiles.jsonl
//! ```
//!
//! One thread; serde_json into a minimal struct; values trimmed and
//! lowercased (phones: digits only); `type:value` strings interned in a
//! `HashMap<String, u32>`; a plain union-find. No keyed hashing, no evidence
//! graph, no protection, no rejects file, no replay detection: every event
//! line is counted once. Each profile is written as
//! `{"profile":N,"events":[...]}`, in order of its first event, with its
//! event ids in input order. Malformed lines are counted and skipped.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// The fields of an event this program needs; serde skips the others.
#[derive(Deserialize)]
struct Event {
    id: String,
    identifiers: Vec<Identifier>,
}

#[derive(Deserialize)]
struct Identifier {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

#[derive(Serialize)]
struct Profile<'a> {
    profile: usize,
    events: &'a [&'a str],
}

/// Union-find with path halving and union by size.
struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new() -> Self {
        UnionFind {
            parent: Vec::new(),
            size: Vec::new(),
        }
    }

    fn push(&mut self) -> u32 {
        let node = self.parent.len() as u32;
        self.parent.push(node);
        self.size.push(1);
        node
    }

    fn find(&mut self, mut node: u32) -> u32 {
        while self.parent[node as usize] != node {
            let grandparent = self.parent[self.parent[node as usize] as usize];
            self.parent[node as usize] = grandparent;
            node = grandparent;
        }
        node
    }

    fn union(&mut self, a: u32, b: u32) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a as usize] < self.size[b as usize] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b as usize] = a;
        self.size[a as usize] += self.size[b as usize];
    }
}

/// `type:value` with the value normalized naively; `None` when nothing is left.
fn normalize(kind: &str, value: &str) -> Option<String> {
    let value: String = if kind == "phone" {
        value.chars().filter(char::is_ascii_digit).collect()
    } else {
        value.trim().to_lowercase()
    };
    if value.is_empty() {
        None
    } else {
        Some(format!("{kind}:{value}"))
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("floor: {error}");
            ExitCode::from(1)
        }
    }
}

fn run() -> io::Result<()> {
    let start = Instant::now();
    let mut input: Box<dyn BufRead> = match std::env::args().nth(1).as_deref() {
        None | Some("-") => Box::new(io::stdin().lock()),
        Some(path) => Box::new(BufReader::new(File::open(path)?)),
    };

    let mut interned: HashMap<String, u32> = HashMap::new();
    let mut sets = UnionFind::new();
    // Per event: its id, and the union-find node of its first identifier
    // (`None` when it has no usable identifier: a profile of its own).
    let mut event_ids: Vec<String> = Vec::new();
    let mut event_nodes: Vec<Option<u32>> = Vec::new();
    let mut malformed = 0u64;

    // Bytes, not `String`: a line that is not UTF-8 is malformed, not fatal.
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let event: Event = match serde_json::from_slice(&line) {
            Ok(event) => event,
            Err(_) => {
                malformed += 1;
                continue;
            }
        };
        let mut first: Option<u32> = None;
        for identifier in &event.identifiers {
            let Some(key) = normalize(&identifier.kind, &identifier.value) else {
                continue;
            };
            let node = match interned.get(&key) {
                Some(&node) => node,
                None => {
                    let node = sets.push();
                    interned.insert(key, node);
                    node
                }
            };
            match first {
                None => first = Some(node),
                Some(first) => sets.union(first, node),
            }
        }
        event_ids.push(event.id);
        event_nodes.push(first);
    }

    // Group events by root, in order of each profile's first event.
    let mut group_of_root: HashMap<u32, usize> = HashMap::new();
    let mut groups: Vec<Vec<&str>> = Vec::new();
    for (id, node) in event_ids.iter().zip(&event_nodes) {
        let group = match node {
            Some(node) => {
                let root = sets.find(*node);
                *group_of_root.entry(root).or_insert_with(|| {
                    groups.push(Vec::new());
                    groups.len() - 1
                })
            }
            None => {
                groups.push(Vec::new());
                groups.len() - 1
            }
        };
        groups[group].push(id);
    }

    let mut out = BufWriter::new(io::stdout().lock());
    for (profile, events) in groups.iter().enumerate() {
        serde_json::to_writer(&mut out, &Profile { profile, events })?;
        out.write_all(b"\n")?;
    }
    out.flush()?;

    eprintln!(
        "floor: {} events, {} profiles, {malformed} malformed lines in {:.2}s",
        event_ids.len(),
        groups.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
