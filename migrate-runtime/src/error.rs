//! The one error type of the runtime.

use std::time::Duration;

use crate::version::Version;

/// What went wrong, and what to do about it.
///
/// Every variant about one migration carries its version and file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The migrations directory breaks a rule (only from [`crate::Migrator::from_dir`]; the
    /// macro reports the same problems at compile time).
    #[error("the migrations directory has problems; fix them and try again:\n{0}")]
    Source(#[from] migrate_core::Diagnostics),

    /// The database could not be reached or refused a bookkeeping query.
    #[cfg(feature = "_db")]
    #[error(
        "database error outside any migration (connection, permissions or the tracking table)"
    )]
    Database(#[source] sqlx::Error),

    /// A statement of a migration failed; the database's error is the source (its message
    /// and SQLSTATE: [`DatabaseError`]).
    #[cfg(feature = "_db")]
    #[error(
        "migration {version} failed at {file}{}{}\n  {}",
        position(*line, *column),
        hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default(),
        failed_advice(*version, *statement, *undo)
    )]
    Failed {
        /// The migration.
        version: Version,
        /// Its file.
        file: String,
        /// 1-based line in the file, when the database or the splitter places the error.
        line: Option<u32>,
        /// 1-based column in the file, when the database places the error.
        column: Option<u32>,
        /// The database's hint or a note of ours.
        hint: Option<String>,
        /// For scripts run statement by statement: statements done, and how many there are.
        statement: Option<(usize, usize)>,
        /// The failing script is a down script (`undo`), not an up script.
        undo: bool,
        /// The database's error.
        #[source]
        source: DatabaseError,
    },

    /// An applied migration's file was edited afterwards.
    #[error(
        "migration {version} ({file}) was edited after it was applied: the database recorded sha256 {applied}, the file has {embedded}; restore the file and put the change in a new migration (or, for a reviewed edit, `migrate lock --amend {version}`)"
    )]
    ChecksumMismatch {
        /// The migration.
        version: Version,
        /// Its file.
        file: String,
        /// The checksum the database holds, in hex.
        applied: String,
        /// The checksum of the embedded script, in hex.
        embedded: String,
    },

    /// The database holds migrations this binary does not know.
    #[error(
        "the database has migration {version} ({name}) applied, which this binary does not know: it is older than the database, or the file was deleted; deploy the newer binary, or allow it with `allow_missing`"
    )]
    Missing {
        /// The unknown version.
        version: Version,
        /// Its name as recorded.
        name: String,
    },

    /// A pending migration is older than one already applied.
    #[error(
        "migration {version} ({file}) is pending but older than the applied migration {newest}: it was merged late; renumber it after {newest} (`migrate renumber {version}`), or apply it anyway with `allow_out_of_order`"
    )]
    OutOfOrder {
        /// The pending migration.
        version: Version,
        /// Its file.
        file: String,
        /// The newest applied version.
        newest: Version,
    },

    /// A pending migration whose tracking row was deleted: the newest applied row's chain
    /// shows it was applied before.
    #[error(
        "migration {version} ({file}) has no tracking row, but the applied migration {newest} was applied after it (its recorded chain covers {version}): the row was deleted, by `forget` or by hand. If its effects are still in the database, record it with `force {version}`; if they were reverted, apply it again with `allow_out_of_order`"
    )]
    Unrecorded {
        /// The migration.
        version: Version,
        /// Its file.
        file: String,
        /// The newest applied version.
        newest: Version,
    },

    /// A migration run statement by statement stopped part-way.
    #[error("migration {version} ({file}) is dirty: {}", dirty(*version, file, *done, *total, *line, error.as_deref()))]
    Dirty {
        /// The migration.
        version: Version,
        /// Its file.
        file: String,
        /// Statements done.
        done: usize,
        /// Statements in the script.
        total: usize,
        /// Line of the statement to resume at.
        line: u32,
        /// The error recorded when it stopped, if it failed rather than being killed.
        error: Option<String>,
    },

    /// Another runner held the lock for longer than the timeout.
    #[error(
        "timed out after {waited:?} waiting for the migration lock{}; another instance is migrating (or hung): wait, or raise `lock_timeout`",
        holder.as_ref().map(|h| format!(" held by {h}")).unwrap_or_default()
    )]
    LockTimeout {
        /// How long it waited.
        waited: Duration,
        /// Who holds it, when the database says.
        holder: Option<String>,
    },

    /// `undo` needs a down script that the migration does not have.
    #[error(
        "cannot undo migration {version} ({file}): it has no down script; nothing was changed. Undo to a target at or above {version}, or add the down script"
    )]
    Irreversible {
        /// The migration.
        version: Version,
        /// Its up script.
        file: String,
    },

    /// A script that runs in a transaction ends or nests it: part of it would commit without
    /// its tracking row.
    #[error("migration {version} ({file}:{line}) runs in a transaction but its script has `{statement}`, which ends or nests that transaction, so part of it would be applied without its tracking row; nothing was run. Remove the statement, or mark the file `-- migrate:no-transaction`")]
    TransactionControl {
        /// The migration.
        version: Version,
        /// Its file.
        file: String,
        /// The statement's line in the file.
        line: u32,
        /// The statement's leading keywords (`COMMIT`).
        statement: String,
    },

    /// A version that is not in the migration set.
    #[error("version {version} is not a migration of this set: pick one of the embedded versions")]
    UnknownVersion {
        /// The version asked for.
        version: Version,
    },

    /// A number that cannot be a version: versions are integers from 0 to `i64::MAX`.
    #[error("{value} is not a version: versions are integers from 0 to i64::MAX")]
    InvalidVersion {
        /// The number.
        value: i64,
    },

    /// A tracking row whose version no migration can have (negative): written by hand.
    #[error("the tracking table {table} has a row with version {version}, which no migration can have (versions start at 0): delete that row by hand")]
    InvalidRow {
        /// The tracking table.
        table: String,
        /// The row's version.
        version: i64,
    },

    /// The tracking table's name or schema cannot be used.
    #[error("the tracking table's {what} {name:?} is not usable: give 1 to 63 bytes without NUL")]
    InvalidIdentifier {
        /// `name` or `schema`.
        what: &'static str,
        /// What was given.
        name: String,
    },

    /// Atomic mode on a database whose DDL commits on its own.
    #[error("atomic mode is not possible on {database}: its DDL statements commit on their own; run without atomic")]
    AtomicUnsupported {
        /// The database.
        database: &'static str,
    },

    /// Atomic mode over a migration that must run outside a transaction.
    #[error("atomic mode cannot include migration {version} ({file}): it must run outside a transaction (no-transaction); apply up to the one before it atomically, then the rest without atomic")]
    AtomicNoTransaction {
        /// The migration.
        version: Version,
        /// Its file.
        file: String,
    },

    /// Atomic mode with a dirty migration to resume.
    #[error("atomic mode cannot resume the dirty migration {version} ({file}): resume it without atomic first")]
    AtomicDirty {
        /// The dirty migration.
        version: Version,
        /// Its file.
        file: String,
    },

    /// `baseline` on a database that already records migrations.
    #[error("baseline adopts an untracked database, but {table} already records {rows} migration(s): use `run`, or `force` for single versions")]
    NotEmpty {
        /// The tracking table.
        table: String,
        /// How many rows it has.
        rows: usize,
    },

    /// `forget` of a version that has no tracking row.
    #[error("migration {version} has no tracking row in {table}: there is nothing to forget")]
    NotRecorded {
        /// The version.
        version: Version,
        /// The tracking table.
        table: String,
    },

    /// SQLite's lock file could not be opened or locked.
    #[error("cannot use the migration lock file {path}; check that the database's directory is writable")]
    LockFile {
        /// The lock file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// A migration's path is too long for the table (from [`crate::Migrator::from_dir`]).
    #[error("{file}: the path is longer than 65535 bytes; move the migrations to a shorter path")]
    PathTooLong {
        /// The file.
        file: String,
    },

    /// A migration's description is not part of its path (from
    /// [`crate::Migrator::from_dir`]); not reached for names migrate-core accepts.
    #[error("{file}: the description {name:?} is not part of the path; report this as a bug")]
    NameNotInPath {
        /// The file.
        file: String,
        /// The description.
        name: String,
    },
}

/// A database's error about a statement of a migration: its message and SQLSTATE, and the
/// driver's error behind them ([`DatabaseError::sqlx`]).
#[cfg(feature = "_db")]
#[derive(Debug)]
pub struct DatabaseError(Box<sqlx::Error>);

#[cfg(feature = "_db")]
impl DatabaseError {
    pub(crate) fn new(error: sqlx::Error) -> Self {
        Self(Box::new(error))
    }

    /// The driver's error.
    pub fn sqlx(&self) -> &sqlx::Error {
        &self.0
    }

    /// The SQLSTATE (PostgreSQL, SQLite's extended code, MySQL's), when the database sent one.
    pub fn code(&self) -> Option<String> {
        self.0.as_database_error()?.code().map(|c| c.into_owned())
    }

    /// The driver's error, taken out.
    pub fn into_sqlx(self) -> sqlx::Error {
        *self.0
    }
}

#[cfg(feature = "_db")]
impl std::fmt::Display for DatabaseError {
    /// The database's message and code, without what the driver adds (PostgreSQL's "at line
    /// N" is a line of PostgreSQL's own source, not of the migration).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.as_database_error() {
            Some(db) => match db.code() {
                Some(code) => write!(f, "{} (SQLSTATE {code})", db.message()),
                None => f.write_str(db.message()),
            },
            None => std::fmt::Display::fmt(&self.0, f),
        }
    }
}

#[cfg(feature = "_db")]
impl std::error::Error for DatabaseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.0 {
            sqlx::Error::Database(_) => None,
            other => other.source(),
        }
    }
}

#[cfg(feature = "_db")]
impl Error {
    /// A statement-by-statement failure: `done` of `total` statements applied.
    pub(crate) fn with_progress(mut self, done: usize, total: usize) -> Self {
        if let Error::Failed { statement, .. } = &mut self {
            *statement = Some((done, total));
        }
        self
    }

    /// A failure of a down script, with its progress when it ran statement by statement.
    pub(crate) fn in_undo(mut self, progress: Option<(usize, usize)>) -> Self {
        if let Error::Failed {
            statement, undo, ..
        } = &mut self
        {
            *statement = progress;
            *undo = true;
        }
        self
    }
}

#[cfg(feature = "_db")]
impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Database(e)
    }
}

/// What a dirty migration's error says after "is dirty: ".
fn dirty(
    version: Version,
    file: &str,
    done: usize,
    total: usize,
    line: u32,
    error: Option<&str>,
) -> String {
    let why = error.map_or_else(
        || " (the process stopped mid-way)".to_owned(),
        |e| format!(" ({e})"),
    );
    let resume = "run again with `resume` (CLI `migrate up --resume`)";
    if done >= total {
        return format!(
            "all {total} statements are applied, but it stopped{why} before it was recorded as finished; {resume} to record it, or `force {version}`"
        );
    }
    let (stopped, applied) = match done {
        0 => (
            format!("it stopped at statement 1 of {total}"),
            "none of its statements is applied".to_owned(),
        ),
        _ => (
            format!("it stopped after statement {done} of {total}"),
            format!("statements 1 to {done} are applied"),
        ),
    };
    format!(
        "{stopped}, before {file}:{line}{why}; {applied}. Repair what statement {} may have left, then {resume} to continue from it, or `force {version}` if you finished it by hand",
        done + 1
    )
}

/// `:line:column`, `:line` or nothing.
#[cfg(feature = "_db")]
fn position(line: Option<u32>, column: Option<u32>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(":{line}:{column}"),
        (Some(line), None) => format!(":{line}"),
        _ => String::new(),
    }
}

/// What to do after a failed statement, by how the script ran.
#[cfg(feature = "_db")]
fn failed_advice(version: Version, statement: Option<(usize, usize)>, undo: bool) -> String {
    match (undo, statement) {
        (false, None) => "nothing of it was applied (it ran in a transaction): fix the file and run again".to_owned(),
        (false, Some((0, total))) => format!(
            "none of its {total} statements is applied; it is recorded as dirty: fix the statement, then run again with `resume` (CLI `migrate up --resume`) to start from statement 1"
        ),
        (false, Some((done, total))) => format!(
            "statements 1 to {done} of {total} are applied and recorded: fix the statement, then run again with `resume` (CLI `migrate up --resume`) to continue from statement {}",
            done + 1
        ),
        (true, None) => "the down script was rolled back and the migration stays applied: fix the down script and undo again".to_owned(),
        (true, Some((done, total))) => format!(
            "statements 1 to {done} of the down script's {total} ran outside a transaction and the migration stays recorded as applied: repair the database by hand, then fix the down script and undo again, or `forget {version}` once it is fully undone"
        ),
    }
}
