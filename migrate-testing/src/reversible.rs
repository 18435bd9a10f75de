//! Reversibility: for every migration in order — up, snapshot, down, compare with the
//! snapshot before its up, up again — so a down script that does not undo its up fails a
//! test instead of a rollback in production.

use std::fmt;

use migrate_core::split;
use sqlx::Pool;

use crate::fresh::{TestDriver, Tracked};
use crate::snapshot::{tracked, Diff, Snapshot};
use crate::Error;
use migrate_runtime::Runner;
use migrate_runtime::State;
use migrate_runtime::{Migration, Migrator, Transaction, Version};

/// What [`check_reversible`] checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reversible {
    /// The migrations whose down script undoes their up script, in order.
    pub checked: Vec<Version>,
    /// The migrations without a down script or with an empty one (irreversible by design),
    /// in order: applied, not undone.
    pub skipped: Vec<Skipped>,
}

/// A migration [`check_reversible`] passed over: irreversible by design.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The migration.
    pub version: Version,
    /// Its up script, or its empty down script.
    pub file: String,
    /// Why it is irreversible.
    pub reason: SkipReason,
}

/// Why a migration is irreversible by design.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// It has no down script.
    NoDown,
    /// Its down script holds no SQL (empty or only comments): the idiom of goose and dbmate
    /// files, whose down section is always there, and of placeholder `.down.sql` files.
    EmptyDown,
}

/// One migration whose down script does not undo its up script, and how; or why the check
/// could not go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Finding {
    /// The down script fails right after the up script.
    #[error("migration {version}: its down script {file} fails right after its up script")]
    DownFailed {
        /// The migration.
        version: Version,
        /// Its down script.
        file: String,
        /// The failure, with the file, line and the database's message.
        #[source]
        error: migrate_runtime::Error,
    },

    /// After the down script the schema differs from the one before the up script.
    #[error(
        "migration {version}: its down script {file} does not undo its up script; from before the up to after the down (- gone, + left behind):\n{diff}"
    )]
    NotUndone {
        /// The migration.
        version: Version,
        /// Its down script.
        file: String,
        /// From the schema before the up to the one after the down.
        diff: Diff,
    },

    /// After the down script the up script fails.
    #[error(
        "migration {version}: its up script fails when run again after its down script {file}"
    )]
    RedoFailed {
        /// The migration.
        version: Version,
        /// Its down script.
        file: String,
        /// The up script's failure.
        #[source]
        error: migrate_runtime::Error,
    },

    /// The up script run again after a down that seemed to undo it gives another schema
    /// than the first time.
    #[error(
        "migration {version}: its up script run again after its down script {file} gives another schema than the first time (- first, + second):\n{diff}"
    )]
    RedoDiffers {
        /// The migration.
        version: Version,
        /// Its down script.
        file: String,
        /// From the schema after the first up to the one after the second.
        diff: Diff,
    },

    /// The check could not run or go on: the database already had migrations applied, an
    /// up script failed the first time, or the database failed.
    #[error(
        "the reversibility check could not go on{}",
        version.map(|v| format!(" (at migration {v})")).unwrap_or_default()
    )]
    Stopped {
        /// The migration it was at.
        version: Option<Version>,
        /// Why.
        #[source]
        error: Error,
    },
}

impl Finding {
    /// The migration whose down script is at fault (for [`Finding::Stopped`], the one the
    /// check was at, if any).
    pub fn version(&self) -> Option<Version> {
        match self {
            Finding::DownFailed { version, .. }
            | Finding::NotUndone { version, .. }
            | Finding::RedoFailed { version, .. }
            | Finding::RedoDiffers { version, .. } => Some(*version),
            Finding::Stopped { version, .. } => *version,
        }
    }

    /// The down script at fault.
    pub fn file(&self) -> Option<&str> {
        match self {
            Finding::DownFailed { file, .. }
            | Finding::NotUndone { file, .. }
            | Finding::RedoFailed { file, .. }
            | Finding::RedoDiffers { file, .. } => Some(file),
            Finding::Stopped { .. } => None,
        }
    }

    /// The schema difference, for [`Finding::NotUndone`] and [`Finding::RedoDiffers`].
    pub fn diff(&self) -> Option<&Diff> {
        match self {
            Finding::NotUndone { diff, .. } | Finding::RedoDiffers { diff, .. } => Some(diff),
            _ => None,
        }
    }
}

/// The migrations whose down scripts do not undo their up scripts, in order, and what the
/// check did besides. There is at least one finding.
#[derive(Debug)]
#[non_exhaustive]
pub struct Irreversibility {
    /// What was found, in migration order; the check stopped after the last one when it is
    /// not [`Irreversibility::complete`].
    pub findings: Vec<Finding>,
    /// The migrations that passed and those passed over.
    pub report: Reversible,
    /// Whether every migration was checked: the check goes on after a finding when the
    /// database is in a known state (a down that failed in a transaction, or a down whose
    /// up runs again), and stops otherwise, leaving the database as it is then.
    pub complete: bool,
}

impl Irreversibility {
    /// The first finding: the first migration whose down script does not undo its up script.
    pub fn first(&self) -> &Finding {
        &self.findings[0]
    }
}

impl fmt::Display for Irreversibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let irreversible = self
            .findings
            .iter()
            .filter(|f| !matches!(f, Finding::Stopped { .. }))
            .count();
        match irreversible {
            0 => f.write_str("the reversibility check could not run")?,
            1 => f.write_str("1 migration's down script does not undo its up script")?,
            n => write!(
                f,
                "{n} migrations' down scripts do not undo their up scripts"
            )?,
        }
        for finding in &self.findings {
            write!(f, "\n\n{}", super::chain(finding))?;
        }
        if !self.complete {
            f.write_str("\n\nthe check stopped there; the database is left as it was then")?;
        }
        Ok(())
    }
}

impl std::error::Error for Irreversibility {}

/// Checks that every down script of `migrator` undoes its up script, on `pool`'s database,
/// which must have none of the migrations applied (a fresh one).
///
/// For every migration in order: up, snapshot the catalog, down, compare with the snapshot
/// taken before its up, up again and compare with the first. Every migration at fault is
/// reported, in order, as long as the database stays in a known state: after a down that
/// fails outside a transaction, or an up that fails, the check stops and leaves the
/// database as it is then. Migrations without a down script, or whose down script holds
/// no SQL, are irreversible by design: they are applied and listed in
/// [`Reversible::skipped`]. The tracking table is the default one; see
/// [`check_reversible_with`] for another.
pub async fn check_reversible<DB: TestDriver>(
    migrator: &Migrator,
    pool: &Pool<DB>,
) -> Result<Reversible, Irreversibility> {
    check_reversible_with(&migrator.runner(), pool).await
}

/// [`check_reversible`] with the settings of `runner` (its tracking table, locking).
pub async fn check_reversible_with<DB: TestDriver>(
    runner: &Runner<'_>,
    pool: &Pool<DB>,
) -> Result<Reversible, Irreversibility> {
    let mut check = Check {
        runner,
        pool,
        tracked: tracked(runner),
        findings: Vec::new(),
        report: Reversible::default(),
    };
    let complete = check.run().await.is_ok();
    if check.findings.is_empty() {
        Ok(check.report)
    } else {
        Err(Irreversibility {
            findings: check.findings,
            report: check.report,
            complete,
        })
    }
}

/// The state of a check; `Err(Stop)` ends it, with the reason among the findings.
struct Check<'a, 'm, DB: TestDriver> {
    runner: &'a Runner<'m>,
    pool: &'a Pool<DB>,
    tracked: Tracked,
    findings: Vec<Finding>,
    report: Reversible,
}

/// The check cannot go on; the reason is the last finding.
struct Stop;

impl<DB: TestDriver> Check<'_, '_, DB> {
    async fn run(&mut self) -> Result<(), Stop> {
        let status = self.runner.status(self.pool).await;
        let status = self.or_stop(None, status)?;
        if let Some(applied) = status.iter().find(|s| s.state != State::Pending) {
            self.findings.push(Finding::Stopped {
                version: None,
                error: Error::NotFresh {
                    version: applied.version,
                    state: applied.state.to_string(),
                },
            });
            return Err(Stop);
        }
        let migrator = self.runner.migrator();
        let Some(first) = migrator.migrations().first() else {
            return Ok(());
        };
        let mut before = self.snapshot(first.version()).await?;
        let mut previous = None;
        for m in migrator.migrations() {
            before = self.migration(m, previous, before).await?;
            previous = Some(m.version());
        }
        Ok(())
    }

    /// Checks one migration, `before` being the schema before its up; the schema after it.
    async fn migration(
        &mut self,
        m: &Migration,
        previous: Option<Version>,
        before: Snapshot,
    ) -> Result<Snapshot, Stop> {
        let version = m.version();
        let applied = self.runner.run_to(self.pool, version).await;
        self.or_stop(Some(version), applied)?;
        let after = self.snapshot(version).await?;
        let down = match m.down() {
            None => return Ok(self.skip(version, m.up().file(), SkipReason::NoDown, after)),
            Some(down) if holds_no_sql::<DB>(down.sql()) => {
                return Ok(self.skip(version, down.file(), SkipReason::EmptyDown, after))
            }
            Some(down) => down,
        };
        let file = down.file().to_owned();
        let undone = match previous {
            Some(previous) => self.runner.undo_to(self.pool, previous).await,
            None => self.runner.undo_all(self.pool).await,
        };
        match undone {
            Ok(_) => {}
            Err(error @ migrate_runtime::Error::Failed { .. }) => {
                let rolled_back =
                    down.transaction() == Transaction::Wrapped && DB::TRANSACTIONAL_DDL;
                self.findings.push(Finding::DownFailed {
                    version,
                    file,
                    error,
                });
                // rolled back: the migration is still applied and the schema is `after`
                if rolled_back && self.snapshot(version).await? == after {
                    return Ok(after);
                }
                return Err(Stop);
            }
            Err(e) => return self.or_stop(Some(version), Err(e)),
        }
        let undone = self.snapshot(version).await?;
        let diff = before.diff(&undone);
        let mut sound = diff.is_empty();
        if !sound {
            self.findings.push(Finding::NotUndone {
                version,
                file: file.clone(),
                diff,
            });
        }
        match self.runner.run_to(self.pool, version).await {
            Ok(_) => {}
            Err(error @ migrate_runtime::Error::Failed { .. }) => {
                self.findings.push(Finding::RedoFailed {
                    version,
                    file,
                    error,
                });
                return Err(Stop);
            }
            Err(e) => return self.or_stop(Some(version), Err(e)),
        }
        let redone = self.snapshot(version).await?;
        let diff = after.diff(&redone);
        // after a down that left something behind, a second up that differs says nothing new
        if sound && !diff.is_empty() {
            sound = false;
            self.findings.push(Finding::RedoDiffers {
                version,
                file,
                diff,
            });
        }
        if sound {
            self.report.checked.push(version);
        }
        Ok(redone)
    }

    fn skip(
        &mut self,
        version: Version,
        file: &str,
        reason: SkipReason,
        after: Snapshot,
    ) -> Snapshot {
        self.report.skipped.push(Skipped {
            version,
            file: file.to_owned(),
            reason,
        });
        after
    }

    async fn snapshot(&mut self, version: Version) -> Result<Snapshot, Stop> {
        let snapshot = Snapshot::take_without(self.pool, &self.tracked).await;
        match snapshot {
            Ok(snapshot) => Ok(snapshot),
            Err(error) => {
                self.findings.push(Finding::Stopped {
                    version: Some(version),
                    error,
                });
                Err(Stop)
            }
        }
    }

    /// The value, or a [`Finding::Stopped`] for the error.
    fn or_stop<T>(
        &mut self,
        version: Option<Version>,
        result: Result<T, migrate_runtime::Error>,
    ) -> Result<T, Stop> {
        result.map_err(|e| {
            self.findings.push(Finding::Stopped {
                version,
                error: e.into(),
            });
            Stop
        })
    }
}

/// Whether a script is empty or only comments.
fn holds_no_sql<DB: TestDriver>(sql: &str) -> bool {
    split::is_empty_script(sql, DB::DIALECT)
}

/// [`check_reversible`], panicking with every migration at fault, its down script and the
/// database's error or the schema difference.
pub async fn assert_reversible<DB: TestDriver>(migrator: &Migrator, pool: &Pool<DB>) -> Reversible {
    match check_reversible(migrator, pool).await {
        Ok(report) => report,
        Err(e) => panic!("{e}"),
    }
}
