//! The statements that do not belong in a transactional script (`migrate_core::hazard`, which
//! the runtime also refuses or warns about), as lint findings — where squawk has no finding
//! for the same statement. squawk covers `CREATE INDEX CONCURRENTLY` in a transaction
//! (`ban-concurrent-index-creation-in-transaction`, in a file of more than one statement) and
//! `BEGIN`/`COMMIT`/`ROLLBACK` (`transaction-nesting`); `DROP INDEX CONCURRENTLY`, `REINDEX …
//! CONCURRENTLY`, `VACUUM`, `ALTER TYPE … ADD VALUE`, `START TRANSACTION`, `END` and `ABORT`
//! it does not.

use migrate_core::hazard::{self, Kind};
use migrate_core::set::Script;
use migrate_core::split::Dialect;

use crate::squawk::Raw;

/// This project's rules, in the order of [`Kind`].
pub const RULES: [&str; 4] = [
    "concurrently-in-transaction",
    "vacuum-in-transaction",
    "enum-value-in-transaction",
    "transaction-control",
];

/// The rule of a hazard, and squawk's rule for the same case, if it has one.
fn rules(kind: Kind) -> (&'static str, Option<&'static str>) {
    match kind {
        Kind::Concurrently => (
            RULES[0],
            Some("ban-concurrent-index-creation-in-transaction"),
        ),
        Kind::Vacuum => (RULES[1], None),
        Kind::AddEnumValue => (RULES[2], None),
        Kind::TransactionControl => (RULES[3], Some("transaction-nesting")),
    }
}

/// The hazards of a transactional script that no finding of squawk's covers (one of the same
/// case in the same statement).
pub(crate) fn uncovered(script: &Script, squawk: &[Raw]) -> Vec<Raw> {
    if script.no_transaction {
        return Vec::new();
    }
    hazard::find(&script.sql, Dialect::Postgres)
        .into_iter()
        .filter_map(|h| {
            let (rule, theirs) = rules(h.kind);
            let covered = squawk
                .iter()
                .any(|f| Some(f.rule.as_str()) == theirs && h.span.contains(&f.start));
            (!covered).then(|| Raw {
                rule: rule.to_owned(),
                start: h.span.start,
                message: h.to_string(),
                help: None,
                table: None,
            })
        })
        .collect()
}
