//! The lint over every set of the shared corpus (real migration sets, `sets.json`), through
//! `migrate::testing::lint`: no panic on any of them, and the number of findings of each rule,
//! pinned. A change to squawk, to what the lint folds in or to what it leaves out shows here
//! first, rule by rule.

mod support {
    pub mod corpus;
    pub mod lint_pins;
}

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use migrate::testing::lint;
use support::{corpus, lint_pins::PINNED};

#[test]
fn lint_every_corpus_set() {
    let Some(sets) = corpus::available() else {
        return;
    };
    let mut per_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut timings: Vec<(String, usize, Duration)> = Vec::new();
    for set in &sets {
        let start = Instant::now();
        let linted = lint::check(&set.dir, &lint::Options::default())
            .unwrap_or_else(|e| panic!("{}: {e}", set.name));
        timings.push((set.name.clone(), linted.scripts, start.elapsed()));
        for finding in &linted.findings {
            assert!(
                finding.file.starts_with(&set.dir) && finding.line >= 1 && finding.column >= 1,
                "{}: {finding}",
                set.name
            );
            *per_rule.entry(finding.rule.clone()).or_default() += 1;
        }
    }
    for (name, scripts, took) in &timings {
        eprintln!("lint of {name}: {scripts} scripts in {took:.2?}");
    }
    let got: Vec<(&str, usize)> = per_rule.iter().map(|(r, n)| (r.as_str(), *n)).collect();
    assert_eq!(got, PINNED, "findings per rule over the corpus");
}
