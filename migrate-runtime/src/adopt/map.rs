//! Mapping another tool's history onto this set: which migrations it applied, whether each
//! file is the script it applied, and what refuses the adoption. Pure: no database.

use std::collections::BTreeMap;

use super::digest;
use super::read::{Claim, History, Key, What};
use super::{Adoption, Check, Line, Outcome, Source};
use crate::error::Error;
use crate::table::{Migration, Migrator, Version};

/// The version diesel records for a migration whose up script is `file`: the name of its
/// directory up to the first `_`, with every `-` removed (crate migrations_internals 2.3.0
/// `version_from_string`, called by diesel_migrations 2.3.2 `DieselMigrationName::from_name`).
/// Matching diesel's text through the directory's name, rather than through the number this
/// set gives it, keeps adopt right whatever that numbering is (core's rule).
pub(crate) fn diesel_version_text(file: &str) -> Option<String> {
    migrate_core::diesel::version_text(file.rsplit('/').nth(1)?)
}

/// The migration a row names, if the set has it.
fn locate<'m>(migrator: &'m Migrator, key: &Key) -> Option<&'m Migration> {
    let by_number = |n: i64| Version::new(n).and_then(|v| migrator.get(v));
    match key {
        Key::Number(n) => by_number(*n),
        Key::Diesel(text) => migrator
            .migrations()
            .iter()
            .find(|m| diesel_version_text(m.up().file()).as_deref() == Some(text.as_str())),
        Key::Name(text) => {
            // A file name first (as the file's, or without its extension), then its version.
            let base = text.trim().rsplit(['/', '\\']).next().unwrap_or_default();
            let named = migrator.migrations().iter().find(|m| {
                let file = m.up().file().rsplit('/').next().unwrap_or_default();
                file == base || file.strip_suffix(".sql") == Some(base)
            });
            let digits = base
                .find(|c: char| !c.is_ascii_digit())
                .map_or(base, |end| &base[..end]);
            named.or_else(|| {
                migrate_core::scheme::parse_version(digits)
                    .ok()
                    .and_then(by_number)
            })
        }
        Key::Unplaceable(_) => None,
    }
}

/// A row's version as messages show it.
fn shown(key: &Key) -> String {
    match key {
        Key::Number(n) => n.to_string(),
        Key::Diesel(t) | Key::Name(t) | Key::Unplaceable(t) => t.clone(),
    }
}

/// What the claims make of each migration, and the rows that name none.
#[derive(Default)]
struct Found<'m> {
    /// Per migration: their row and the outcome.
    lines: BTreeMap<Version, (String, Outcome, &'m Migration)>,
    /// Rows that name no migration of the set.
    unknown: Vec<Line>,
    /// Applied migrations in the order the tool applied them.
    order: Vec<&'m Migration>,
    mismatches: Vec<Error>,
    dirty: Vec<Error>,
    unknowns: Vec<Error>,
}

/// Maps `history`, read from `table`, onto `migrator`, by the rules `source` accepts.
pub(crate) fn map(
    migrator: &Migrator,
    source: &Source,
    history: &History,
    table: String,
) -> Adoption {
    let who = source.who();
    let accept = source.accept;
    let mut found = Found::default();
    for claim in &history.claims {
        found.claim(migrator, who, claim);
    }
    let mut problems = found.mismatches;
    if !accept.dirty {
        problems.append(&mut found.dirty);
    }
    if !accept.unknown {
        problems.append(&mut found.unknowns);
    }
    if history.ordered && !accept.out_of_order {
        let mut newest: Option<&Migration> = None;
        for m in &found.order {
            match newest {
                Some(n) if n.version() > m.version() => problems.push(Error::AdoptOutOfOrder {
                    who,
                    version: m.version(),
                    file: m.up().file().to_owned(),
                    after: n.version(),
                }),
                _ => newest = Some(m),
            }
        }
    }
    let adopted: Vec<Version> = found
        .lines
        .iter()
        .filter(|(_, (_, outcome, _))| matches!(outcome, Outcome::Adopted(_)))
        .map(|(v, _)| *v)
        .collect();
    let newest = adopted.last().copied();
    let mut lines = Vec::new();
    for m in migrator.migrations() {
        let version = m.version();
        let (row, outcome) = match found.lines.remove(&version) {
            Some((row, outcome, _)) => (Some(row), outcome),
            None => (None, Outcome::Pending),
        };
        let outcome = match (outcome, newest) {
            (Outcome::Pending, Some(newest)) if newest > version => {
                if !accept.gaps {
                    problems.push(Error::AdoptGap {
                        who,
                        version,
                        file: m.up().file().to_owned(),
                        newest,
                    });
                }
                Outcome::Gap { newest }
            }
            (outcome, _) => outcome,
        };
        lines.push(Line {
            version: Some(version),
            file: Some(m.up().file().to_owned()),
            row,
            outcome,
        });
    }
    lines.append(&mut found.unknown);
    // rows without a number last, in the order they came
    lines.sort_by_key(|l| (l.version.is_none(), l.version));
    Adoption {
        who,
        table,
        lines,
        problems,
        adopted,
        written: false,
    }
}

impl<'m> Found<'m> {
    fn claim(&mut self, migrator: &'m Migrator, who: &'static str, claim: &Claim) {
        let located = locate(migrator, &claim.key);
        let row = claim.row.clone();
        match (&claim.what, located) {
            (What::Applied(recorded), Some(m)) => {
                let outcome = match recorded.as_ref().map(|r| digest::verify(r, m)) {
                    None => Outcome::Adopted(Check::NotRecorded),
                    Some(Ok(algorithm)) => Outcome::Adopted(Check::Verified { algorithm }),
                    Some(Err((algorithm, recorded, computed))) => {
                        self.mismatches.push(Error::AdoptChecksumMismatch {
                            who,
                            version: m.version(),
                            file: m.up().file().to_owned(),
                            algorithm,
                            recorded: recorded.clone(),
                            computed: computed.clone(),
                        });
                        Outcome::Mismatch {
                            algorithm,
                            recorded,
                            computed,
                        }
                    }
                };
                self.order.retain(|o| o.version() != m.version());
                self.order.push(m);
                self.lines.insert(m.version(), (row, outcome, m));
            }
            (What::Current | What::Baseline | What::Below, _) => {
                let limit = match claim.key {
                    Key::Number(n) => Some(n),
                    _ => None,
                };
                // golang-migrate ran its current version, so the set must have it; a Flyway
                // baseline version need not be a migration (the default is 1).
                let unknown = match claim.what {
                    What::Current => located.is_none(),
                    What::Baseline => limit.is_none(),
                    _ => false,
                };
                if unknown {
                    self.unknown(who, claim);
                }
                let Some(limit) = limit else {
                    return;
                };
                let below = |m: &Migration| match claim.what {
                    What::Below => m.version().get() < limit,
                    _ => m.version().get() <= limit,
                };
                for m in migrator.migrations().iter().filter(|m| below(m)) {
                    // an explicit row about a migration says more than a range
                    self.lines
                        .entry(m.version())
                        .or_insert_with(|| (row.clone(), Outcome::Adopted(Check::Implied), m));
                }
            }
            (What::Failed, _) => {
                self.dirty.push(Error::AdoptDirty {
                    who,
                    version: shown(&claim.key),
                    file: located.map(|m| m.up().file().to_owned()),
                    row: row.clone(),
                });
                match located {
                    Some(m) => {
                        self.order.retain(|o| o.version() != m.version());
                        self.lines.insert(m.version(), (row, Outcome::Failed, m));
                    }
                    None => self.unknown.push(Line {
                        version: number(&claim.key),
                        file: None,
                        row: Some(row),
                        outcome: Outcome::Failed,
                    }),
                }
            }
            (What::Reverted, Some(m)) => {
                self.order.retain(|o| o.version() != m.version());
                self.lines.insert(m.version(), (row, Outcome::Pending, m));
            }
            // taken back, and unknown: nothing of it is in the database
            (What::Reverted, None) => {}
            (What::Applied(_), None) => self.unknown(who, claim),
        }
    }

    /// A row that names no migration of the set.
    fn unknown(&mut self, who: &'static str, claim: &Claim) {
        self.unknowns.push(Error::AdoptUnknown {
            who,
            version: shown(&claim.key),
            row: claim.row.clone(),
        });
        self.unknown.push(Line {
            version: number(&claim.key),
            file: None,
            row: Some(claim.row.clone()),
            outcome: Outcome::Unknown,
        });
    }
}

fn number(key: &Key) -> Option<Version> {
    match key {
        Key::Number(n) => Version::new(*n),
        _ => None,
    }
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
