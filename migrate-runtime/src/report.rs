//! What `status`, `plan`, `run` and `undo` report.

use std::fmt;
use std::time::Duration;

use crate::table::{Transaction, Version};
use crate::version::Timestamp;

/// The state of one migration in one database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Applied, and the file still has the applied content.
    Applied,
    /// Not applied yet.
    Pending,
    /// Applied, but the file was edited since: the database holds another checksum (hex).
    Edited {
        /// The checksum the database recorded, in hex.
        applied_checksum: String,
    },
    /// Applied, but not in this migration set (the binary is older than the database).
    Missing,
    /// Being applied statement by statement now: its runner holds the migration lock.
    InProgress {
        /// Statements done so far.
        statements_done: usize,
    },
    /// Started statement by statement and stopped part-way.
    Dirty {
        /// Statements done.
        statements_done: usize,
        /// The error recorded when it stopped, if any.
        error: Option<String>,
    },
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            State::Applied => f.write_str("applied"),
            State::Pending => f.write_str("pending"),
            State::Edited { .. } => f.write_str("edited"),
            State::Missing => f.write_str("missing"),
            State::InProgress { statements_done } => {
                write!(f, "in progress ({statements_done} statements done)")
            }
            State::Dirty {
                statements_done, ..
            } => write!(f, "dirty ({statements_done} statements done)"),
        }
    }
}

/// One line of [`crate::Runner::status`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationStatus {
    /// The migration's version.
    pub version: Version,
    /// Its description (as recorded, for a missing one).
    pub name: String,
    /// Its up script's file; `None` for a missing one.
    pub file: Option<String>,
    /// Its state.
    pub state: State,
    /// When it was applied, by the database's clock.
    pub applied_at: Option<Timestamp>,
    /// How long applying it took.
    pub duration: Option<Duration>,
}

/// One pending migration of a [`crate::Runner::plan`]: what `run` would send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The migration's version.
    pub version: Version,
    /// Its description.
    pub name: String,
    /// Its up script's file.
    pub file: String,
    /// The SQL that would run.
    pub sql: String,
    /// How it would run.
    pub transaction: Transaction,
}

/// One migration applied or undone by a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The migration's version.
    pub version: Version,
    /// Its description.
    pub name: String,
    /// How long it took.
    pub duration: Duration,
}

/// One repeatable migration applied by a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepeatableApplied {
    /// Its name.
    pub name: String,
    /// Its file.
    pub file: String,
    /// How long it took.
    pub duration: Duration,
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Migrations applied (by `run`) or undone (by `undo`), in the order it happened.
    pub migrations: Vec<Applied>,
    /// Repeatable migrations applied (by `run`, after the migrations), in name order.
    pub repeatables: Vec<RepeatableApplied>,
}

impl Report {
    /// Whether the run changed nothing.
    pub fn is_empty(&self) -> bool {
        self.migrations.is_empty() && self.repeatables.is_empty()
    }
}

/// The state of one repeatable migration in one database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RepeatableState {
    /// Applied with its current content.
    Applied,
    /// Never applied: the next run applies it.
    Pending,
    /// Applied with other content (the file changed, or went back to an older content): the
    /// next run applies it again.
    Changed {
        /// The checksum the database recorded, in hex.
        applied_checksum: String,
    },
    /// Being applied statement by statement now: its runner holds the migration lock.
    InProgress {
        /// Statements done so far.
        statements_done: usize,
    },
    /// Started statement by statement and stopped part-way.
    Dirty {
        /// Statements done.
        statements_done: usize,
        /// The error recorded when it stopped, if any.
        error: Option<String>,
    },
    /// Recorded in the database, but no longer in this set: nothing applies it any more.
    Removed,
}

impl RepeatableState {
    /// Whether the next run applies it (a dirty one with `resume`).
    pub fn will_apply(&self) -> bool {
        matches!(
            self,
            RepeatableState::Pending
                | RepeatableState::Changed { .. }
                | RepeatableState::Dirty { .. }
        )
    }
}

impl fmt::Display for RepeatableState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RepeatableState::Applied => f.write_str("applied"),
            RepeatableState::Pending => f.write_str("pending"),
            RepeatableState::Changed { .. } => f.write_str("changed"),
            RepeatableState::Removed => f.write_str("removed"),
            RepeatableState::InProgress { statements_done } => {
                write!(f, "in progress ({statements_done} statements done)")
            }
            RepeatableState::Dirty {
                statements_done, ..
            } => write!(f, "dirty ({statements_done} statements done)"),
        }
    }
}

/// One line of [`crate::Runner::repeatable_status`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepeatableStatus {
    /// The repeatable migration's name.
    pub name: String,
    /// Its file; `None` for a removed one.
    pub file: Option<String>,
    /// Its state.
    pub state: RepeatableState,
    /// When it was last applied (or started), by the database's clock.
    pub applied_at: Option<Timestamp>,
    /// How long applying it took.
    pub duration: Option<Duration>,
}

/// What a run tells while it works, to the callback of [`crate::Runner::on_progress`].
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// The lock is held and the history validated: this many migrations will be applied
    /// (or undone), a resumed one and repeatable ones included.
    Planned {
        /// How many.
        migrations: usize,
    },
    /// A migration starts.
    Started {
        /// Its version.
        version: Version,
        /// Its description.
        name: &'a str,
    },
    /// A migration is applied (or undone).
    Done(&'a Applied),
    /// A repeatable migration starts.
    RepeatableStarted {
        /// Its name.
        name: &'a str,
    },
    /// A repeatable migration is applied.
    RepeatableDone(&'a RepeatableApplied),
    /// A statement could not get a lock within its lock timeout: the migration (or, outside
    /// a transaction, the statement) is tried again after `pause` (see
    /// [`crate::Runner::lock_retries`]).
    LockRetry {
        /// What waited: `migration 2`, `repeatable migration \`views\``, `the atomic run`.
        subject: &'a str,
        /// Its file (empty for an atomic run).
        file: &'a str,
        /// The attempt that timed out, from 1.
        attempt: u32,
        /// How many retries the run allows.
        retries: u32,
        /// The lock timeout of each attempt, when one is set.
        timeout: Option<std::time::Duration>,
        /// The pause before the next attempt.
        pause: std::time::Duration,
    },
}
