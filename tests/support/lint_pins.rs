//! The lint's findings over the shared corpus, rule by rule: what `tests/lint_corpus.rs`
//! (through `migrate::testing::lint`) and `migrate-cli/tests/guard.rs` (through `migrate
//! check --lint`) both pin, so that one change of squawk or of the lint is updated in one
//! place.

/// Findings per rule over the whole corpus (squawk-linter 2.68.0, its default rules,
/// PostgreSQL 15; no lock in any set, so only the tables of the same migration count as new).
pub const PINNED: &[(&str, usize)] = &[
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
