//! The one error type of the runtime.

use std::time::Duration;

use crate::version::Version;

#[cfg(feature = "_db")]
mod database;
mod describe;
#[cfg(feature = "_db")]
mod failed;
mod text;

#[cfg(feature = "_db")]
pub use database::DatabaseError;
#[cfg(feature = "_db")]
pub use failed::LockWait;
#[cfg(feature = "_db")]
pub(crate) use failed::Subject;
pub use text::Vocabulary;

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
    #[error("{}", failed::failed(failed::Subject::Migration(*version), file, (*line, *column), hint.as_deref(), (*statement, *undo, *cause), &Vocabulary::LIBRARY))]
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
        /// What went wrong that is not the script's fault (a lost connection, a read-only or
        /// locked database, a cancelled statement), when the error says so.
        cause: Option<&'static str>,
        /// The database's error.
        #[source]
        source: DatabaseError,
    },

    /// A statement of a repeatable migration failed; the database's error is the source.
    #[cfg(feature = "_db")]
    #[error("{}", failed::failed(failed::Subject::Repeatable(name), file, (*line, *column), hint.as_deref(), (*statement, false, *cause), &Vocabulary::LIBRARY))]
    RepeatableFailed {
        /// The repeatable migration's name.
        name: String,
        /// Its file.
        file: String,
        /// 1-based line in the file, when the database or the splitter places the error.
        line: Option<u32>,
        /// 1-based column in the file, when the database places the error.
        column: Option<u32>,
        /// The database's hint or a note of ours.
        hint: Option<String>,
        /// For a script run statement by statement: statements done, and how many there are.
        statement: Option<(usize, usize)>,
        /// What went wrong that is not the script's fault, when the error says so.
        cause: Option<&'static str>,
        /// The database's error.
        #[source]
        source: DatabaseError,
    },

    /// A statement could not get a lock it needs within the lock timeout
    /// (`-- migrate:lock-timeout`, [`crate::Runner::ddl_lock_timeout`]), on its first try and
    /// on every retry: another transaction held a lock on the table it works on all along.
    #[cfg(feature = "_db")]
    #[error("{}", failed::lock_not_available(wait, &Vocabulary::LIBRARY))]
    LockNotAvailable {
        /// Which statement, which table, the timeout, the attempts (boxed: the error stays
        /// small on every path that returns it).
        wait: Box<LockWait>,
        /// The database's error of the last attempt (SQLSTATE 55P03 on PostgreSQL, 1205 on
        /// MySQL and MariaDB).
        #[source]
        source: DatabaseError,
    },

    /// An applied migration's file was edited afterwards, or its tracking row by hand.
    #[error("{}", text::checksum_mismatch(*version, file, applied, embedded, *row_edited, &Vocabulary::LIBRARY))]
    ChecksumMismatch {
        /// The migration.
        version: Version,
        /// Its file.
        file: String,
        /// The checksum the database holds, in hex.
        applied: String,
        /// The checksum of the embedded script, in hex.
        embedded: String,
        /// The row was edited by hand, not the file: the row's chain was written from the
        /// file's checksum.
        row_edited: bool,
    },

    /// A dirty migration's file changed in the statements already applied, so resuming
    /// would run the wrong statements.
    #[error("{}", text::resume_changed(*version, file, *done, &Vocabulary::LIBRARY))]
    ResumeChanged {
        /// The migration.
        version: Version,
        /// Its file.
        file: String,
        /// Statements applied before it stopped.
        done: usize,
    },

    /// The database holds migrations this binary does not know.
    #[error("{}", text::missing(*version, name, &Vocabulary::LIBRARY))]
    Missing {
        /// The unknown version.
        version: Version,
        /// Its name as recorded.
        name: String,
    },

    /// A pending migration is older than one already applied.
    #[error("{}", text::out_of_order(*version, file, *newest, &Vocabulary::LIBRARY))]
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
    #[error("{}", text::unrecorded(*version, file, *newest, &Vocabulary::LIBRARY))]
    Unrecorded {
        /// The migration.
        version: Version,
        /// Its file.
        file: String,
        /// The newest applied version.
        newest: Version,
    },

    /// A migration run statement by statement stopped part-way.
    #[error("{}", text::dirty(*version, file, (*done, *total, *line), error.as_deref(), &Vocabulary::LIBRARY))]
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

    /// A repeatable migration run statement by statement stopped part-way.
    #[error("{}", text::repeatable_dirty(name, file, (*done, *total, *line), error.as_deref(), &Vocabulary::LIBRARY))]
    RepeatableDirty {
        /// The repeatable migration's name.
        name: String,
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
    #[error("{}", text::lock_timeout(*waited, holder.as_deref(), &Vocabulary::LIBRARY))]
    LockTimeout {
        /// How long it waited.
        waited: Duration,
        /// Who holds it, when the database says.
        holder: Option<String>,
    },

    /// The lease lock was lost: it expired and another runner took it over (this runner was
    /// paused or cut off longer than the lease), or it was released by hand. Nothing more was
    /// committed.
    #[error("{}", text::lease_lost(holder, table, *lease, &Vocabulary::LIBRARY))]
    LeaseLost {
        /// This runner.
        holder: String,
        /// The lock table.
        table: String,
        /// The lease's duration.
        lease: Duration,
    },

    /// A fleet target's URL names no database this crate drives.
    #[error("{url}: not a database URL migrate knows: write postgres://…, mysql://…, mariadb://… or sqlite:<file>")]
    UnsupportedUrl {
        /// The URL, without its password.
        url: String,
    },

    /// A schema tenant on a server that is not PostgreSQL (schemas as tenants are
    /// PostgreSQL's; on MySQL a schema is a database: give it as a database URL).
    #[error("{url}: schema tenants need a PostgreSQL server; on MySQL/MariaDB give each tenant database as a URL")]
    SchemaTenantNotPostgres {
        /// The server's URL, without its password.
        url: String,
    },

    /// A fleet target of a database whose feature of `migrate-db` is off.
    #[error("{url}: this build of migrate has no driver for it: turn on the `{feature}` feature")]
    DriverMissing {
        /// The URL, without its password.
        url: String,
        /// The feature that drives it.
        feature: &'static str,
    },

    /// A fleet could not read a server's tenants (its error is shown on every tenant of it).
    #[error("the tenants on {server} could not be read: {cause}")]
    ServerUnreachable {
        /// The server, without its password.
        server: String,
        /// Why, as the server or the connection said.
        cause: String,
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
    #[error("{}", text::not_empty(table, *rows, &Vocabulary::LIBRARY))]
    NotEmpty {
        /// The tracking table.
        table: String,
        /// How many rows it has.
        rows: usize,
    },

    /// `forget` of a migration that is applied cleanly.
    #[error("{}", text::forget_applied(*version, &Vocabulary::LIBRARY))]
    ForgetApplied {
        /// The version.
        version: Version,
    },

    /// A dirty migration whose runner still holds the lock: it is being applied now.
    #[error("migration {version} ({file}) is being applied by another runner{}, which holds the migration lock: wait for it", holder.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    InProgress {
        /// The migration.
        version: Version,
        /// Its file.
        file: String,
        /// Who holds the lock, when the database says.
        holder: Option<String>,
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
    /// [`crate::Migrator::from_dir`]); not reached for names migrate-db-core accepts.
    #[error("{file}: the description {name:?} is not part of the path; report this as a bug")]
    NameNotInPath {
        /// The file.
        file: String,
        /// The description.
        name: String,
    },

    /// `adopt`: the other tool's history table is not in the database.
    #[error("there is no {who} history table {table} in this database: if {who} was configured with another table name or schema, name that table")]
    NoHistory {
        /// Who keeps the history: the tool, or "the home-made runner".
        who: &'static str,
        /// The table looked for.
        table: String,
    },

    /// `adopt`: the other tool's history table could not be read with the columns that tool
    /// writes (or, for a home-made runner, the columns given); the database's error is the
    /// source.
    #[cfg(feature = "_db")]
    #[error("cannot read {who}'s history table {table} with `{sql}`; nothing was written: check that the table is {who}'s and that its columns are the ones named")]
    HistoryQuery {
        /// Who keeps the history.
        who: &'static str,
        /// The table.
        table: String,
        /// The query sent.
        sql: String,
        /// The database's error.
        #[source]
        source: sqlx::Error,
    },

    /// `adopt`: a value in the other tool's history table is not what that tool writes there.
    #[error("{who}'s history table {table} has the row `{row}`, whose {column} is not {expected} as {who} writes it; nothing was written: check that the table and the columns named are {who}'s")]
    UnreadableHistory {
        /// Who keeps the history.
        who: &'static str,
        /// The table.
        table: String,
        /// The row, as the mapping shows it.
        row: String,
        /// The column.
        column: String,
        /// What the tool writes there.
        expected: &'static str,
    },

    /// `adopt`: a migration's file is not the script the other tool applied.
    #[error("migration {version} ({file}) is not the script {who} applied: {who} recorded {algorithm} {recorded}, the file gives {computed}; nothing was written. Restore the file as it was applied (from version control) and adopt again; put the change in a new migration")]
    AdoptChecksumMismatch {
        /// Who keeps the history.
        who: &'static str,
        /// The migration.
        version: Version,
        /// Its up script.
        file: String,
        /// The checksum's algorithm, as the other tool computes it.
        algorithm: &'static str,
        /// What the other tool recorded.
        recorded: String,
        /// What the file gives.
        computed: String,
    },

    /// `adopt`: the other tool applied a migration this set does not have.
    #[error("{}", text::adopt_unknown(who, version, row, &Vocabulary::LIBRARY))]
    AdoptUnknown {
        /// Who keeps the history.
        who: &'static str,
        /// The version as the other tool recorded it.
        version: String,
        /// Its row, as the mapping shows it.
        row: String,
    },

    /// `adopt`: the other tool recorded a migration as failed or dirty.
    #[error("{}", text::adopt_dirty(who, version, file.as_deref(), row, &Vocabulary::LIBRARY))]
    AdoptDirty {
        /// Who keeps the history.
        who: &'static str,
        /// The version as the other tool recorded it.
        version: String,
        /// Its up script, when the set has it.
        file: Option<String>,
        /// Its row, as the mapping shows it.
        row: String,
    },

    /// `adopt`: the other tool has not applied a migration older than one it applied.
    #[error("{}", text::adopt_order(who, (*version, file), *newest, true, &Vocabulary::LIBRARY))]
    AdoptGap {
        /// Who keeps the history.
        who: &'static str,
        /// The migration not applied.
        version: Version,
        /// Its up script.
        file: String,
        /// The newest migration applied.
        newest: Version,
    },

    /// `adopt`: the other tool applied a migration after a newer one.
    #[error("{}", text::adopt_order(who, (*version, file), *after, false, &Vocabulary::LIBRARY))]
    AdoptOutOfOrder {
        /// Who keeps the history.
        who: &'static str,
        /// The migration applied late.
        version: Version,
        /// Its up script.
        file: String,
        /// The newer migration applied before it.
        after: Version,
    },

    /// `adopt` on a database whose tracking table already records migrations.
    #[error("{}", text::already_tracked(table, *rows, &Vocabulary::LIBRARY))]
    AlreadyTracked {
        /// The tracking table.
        table: String,
        /// How many rows it has.
        rows: usize,
    },
}

#[cfg(feature = "_db")]
impl Error {
    /// A statement-by-statement failure: `done` of `total` statements applied.
    pub(crate) fn with_progress(mut self, done: usize, total: usize) -> Self {
        match &mut self {
            Error::Failed { statement, .. } | Error::RepeatableFailed { statement, .. } => {
                *statement = Some((done, total));
            }
            Error::LockNotAvailable { wait, .. } => wait.progress = Some((done, total)),
            _ => {}
        }
        self
    }

    /// The migration a failed statement belongs to.
    pub(crate) fn version(&self) -> Option<Version> {
        match self {
            Error::Failed { version, .. } => Some(*version),
            Error::LockNotAvailable { wait, .. } => wait.version,
            _ => None,
        }
    }

    /// The database's error of a failed statement.
    pub(crate) fn failed_source(&self) -> Option<&sqlx::Error> {
        match self {
            Error::Failed { source, .. }
            | Error::RepeatableFailed { source, .. }
            | Error::LockNotAvailable { source, .. } => Some(source.sqlx()),
            _ => None,
        }
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
