//! The lint over every set of the shared corpus (real migration sets, `sets.json`), through
//! `migrate::testing::lint`: no panic on any of them, and the number of findings of each rule,
//! pinned. A change to squawk, to what the lint folds in or to what it leaves out shows here
//! first, rule by rule.

mod support {
    pub mod corpus;
}

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use migrate::testing::lint;
use support::corpus;

/// Findings per rule over the whole corpus (squawk-linter 2.68.0, its default rules,
/// PostgreSQL 15; no lock in any set, so only the tables of the same migration count as new).
const PINNED: &[(&str, usize)] = &[
    ("adding-field-with-default", 5),
    ("adding-foreign-key-constraint", 58),
    ("adding-not-nullable-field", 23),
    ("adding-required-field", 3),
    ("adding-serial-primary-key-field", 9),
    ("ban-char-field", 15),
    ("ban-drop-column", 43),
    ("ban-drop-constraint", 40),
    ("ban-drop-default", 11),
    ("ban-drop-function", 8),
    ("ban-drop-not-null", 14),
    ("ban-drop-table", 32),
    ("ban-drop-type", 1),
    ("ban-drop-view", 1),
    ("changing-column-type", 55),
    ("constraint-missing-not-valid", 75),
    ("disallowed-unique-constraint", 10),
    ("prefer-bigint-over-int", 448),
    ("prefer-bigint-over-smallint", 11),
    ("prefer-identity", 93),
    ("prefer-robust-stmts", 1),
    ("prefer-text-field", 290),
    ("prefer-timestamp-tz", 134),
    ("renaming-column", 11),
    ("renaming-object", 2),
    ("renaming-table", 10),
    ("require-concurrent-index-creation", 160),
    ("require-concurrent-index-deletion", 27),
    ("require-lock-timeout", 469),
    ("require-statement-timeout", 469),
    ("syntax-error", 32),
];

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
