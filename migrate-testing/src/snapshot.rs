//! Catalog snapshots: the schema of a database as sorted text lines, and their difference.

use std::fmt;

use crate::fresh::{TestDriver, Tracked};
use crate::Error;
use migrate_runtime::Connect;
use migrate_runtime::{Runner, DEFAULT_TABLE};

/// The schema of a database as sorted text lines, one per object or property, without the
/// tracking table: what a down script must restore.
///
/// PostgreSQL (13 or newer): every non-system schema's tables, columns (type, collation, nullability,
/// identity, default), constraints, indexes, views, sequences, functions, triggers, enums,
/// domains, policies, rules, comments, and the extensions. SQLite: `sqlite_master`. MySQL:
/// `information_schema`'s tables, columns, indexes, constraints, views, routines, triggers.
/// Column order is not part of it; data, grants and owners are not either.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    lines: Vec<String>,
}

impl Snapshot {
    /// The schema of `db` (a `&Pool`, `&mut PoolConnection` or `&mut` connection), without
    /// the default tracking table `_migrations`.
    pub async fn take<'c, C>(db: C) -> Result<Snapshot, Error>
    where
        C: Connect<'c>,
        C::Database: TestDriver,
    {
        let tracked = Tracked {
            schema: None,
            name: DEFAULT_TABLE.to_owned(),
        };
        Self::take_without(db, &tracked).await
    }

    /// The schema of `db`, without the tracking table of `runner`.
    pub async fn take_with<'c, C>(runner: &Runner<'_>, db: C) -> Result<Snapshot, Error>
    where
        C: Connect<'c>,
        C::Database: TestDriver,
    {
        Self::take_without(db, &tracked(runner)).await
    }

    pub(crate) async fn take_without<'c, C>(db: C, tracked: &Tracked) -> Result<Snapshot, Error>
    where
        C: Connect<'c>,
        C::Database: TestDriver,
    {
        let failed = |source| Error::Database {
            what: "could not read the database's catalog".to_owned(),
            source,
        };
        let mut conn = db.connect().await.map_err(failed)?;
        let lines = <C::Database as TestDriver>::catalog(conn.get(), tracked)
            .await
            .map_err(failed)?;
        Ok(Snapshot::from_lines(lines))
    }

    /// A snapshot of these lines (sorted, newlines inside a line shown as `\n`).
    pub fn from_lines<I: IntoIterator<Item = S>, S: Into<String>>(lines: I) -> Snapshot {
        let mut lines: Vec<String> = lines
            .into_iter()
            .map(|l| l.into().replace('\r', "").replace('\n', "\\n"))
            .collect();
        lines.sort();
        Snapshot { lines }
    }

    /// The lines, sorted.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// What changed from `self` to `after`.
    pub fn diff(&self, after: &Snapshot) -> Diff {
        let (old, new) = (&self.lines, &after.lines);
        let (mut i, mut j) = (0, 0);
        let mut diff = Diff::default();
        loop {
            match (old.get(i), new.get(j)) {
                (Some(a), Some(b)) if a == b => {
                    i += 1;
                    j += 1;
                }
                (Some(a), Some(b)) if a < b => {
                    diff.removed.push(a.clone());
                    i += 1;
                }
                (Some(a), None) => {
                    diff.removed.push(a.clone());
                    i += 1;
                }
                (_, Some(b)) => {
                    diff.added.push(b.clone());
                    j += 1;
                }
                (None, None) => return diff,
            }
        }
    }
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

/// The difference between two [`Snapshot`]s.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Lines only in the first snapshot.
    pub removed: Vec<String>,
    /// Lines only in the second snapshot.
    pub added: Vec<String>,
}

impl Diff {
    /// Whether the snapshots are equal.
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty()
    }
}

/// `- line` for each line only in the first snapshot, `+ line` for each only in the second,
/// one per line, in sorted order.
impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines: Vec<(&str, char)> = self
            .removed
            .iter()
            .map(|l| (l.as_str(), '-'))
            .chain(self.added.iter().map(|l| (l.as_str(), '+')))
            .collect();
        lines.sort();
        for (i, (line, sign)) in lines.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{sign} {line}")?;
        }
        Ok(())
    }
}

/// The tracking table of `runner`.
pub(crate) fn tracked(runner: &Runner<'_>) -> Tracked {
    Tracked {
        schema: runner.tracking_table().1.map(str::to_owned),
        name: runner.tracking_table().0.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::Snapshot;

    #[test]
    fn diff_shows_removed_and_added_lines() {
        let before = Snapshot::from_lines(["table a", "column a.x int", "table b"]);
        let after = Snapshot::from_lines(["table a", "column a.x bigint", "table c"]);
        let diff = before.diff(&after);
        assert_eq!(diff.removed, ["column a.x int", "table b"]);
        assert_eq!(diff.added, ["column a.x bigint", "table c"]);
        assert_eq!(
            diff.to_string(),
            "+ column a.x bigint\n- column a.x int\n- table b\n+ table c"
        );
        assert!(before.diff(&before).is_empty());
    }
}
