//! The one error type of the runtime.

use std::time::Duration;

use crate::table::Version;

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

    /// A statement of a migration failed.
    #[error(
        "migration {version} failed at {file}:{line}:{column}: {message}{}\n  {}",
        hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default(),
        failed_advice(*version, *statement, *undo)
    )]
    Failed {
        /// The migration.
        version: Version,
        /// Its file.
        file: String,
        /// 1-based line in the file.
        line: u32,
        /// 1-based column in the file.
        column: u32,
        /// The database's message.
        message: String,
        /// The database's hint or a note of ours.
        hint: Option<String>,
        /// For scripts run statement by statement: statements done, and how many there are.
        statement: Option<(usize, usize)>,
        /// The failing script is a down script (`undo`), not an up script.
        undo: bool,
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

    /// A version that is not in the migration set.
    #[error("version {version} is not a migration of this set: pick one of the embedded versions")]
    UnknownVersion {
        /// The version asked for.
        version: Version,
    },

    /// An option or a request that cannot be honoured, with why.
    #[error("{0}")]
    Refused(String),
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

/// What to do after a failed statement, by how the script ran.
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
