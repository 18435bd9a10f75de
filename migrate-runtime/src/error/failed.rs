//! What the error of a failed statement says: where it failed, the database's hint, what of
//! the script is applied and what to do — and, for a statement that never got its lock, the
//! timeout and the attempts. The advice names actions in a [`Vocabulary`].

use std::time::Duration;

use super::text::Vocabulary;
use crate::version::Version;

/// What a failed script belongs to, for messages.
#[cfg(feature = "_db")]
#[derive(Clone, Copy, Debug)]
pub(crate) enum Subject<'a> {
    /// A versioned migration.
    Migration(Version),
    /// A repeatable migration, by name.
    Repeatable(&'a str),
}

#[cfg(feature = "_db")]
impl std::fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Migration(version) => write!(f, "migration {version}"),
            Subject::Repeatable(name) => write!(f, "repeatable migration `{name}`"),
        }
    }
}

/// A failed statement: where, the database's hint, what was applied and what to do.
#[cfg(feature = "_db")]
pub(crate) fn failed(
    subject: Subject<'_>,
    file: &str,
    (line, column): (Option<u32>, Option<u32>),
    hint: Option<&str>,
    (statement, undo, cause): (Option<(usize, usize)>, bool, Option<&str>),
    words: &Vocabulary,
) -> String {
    format!(
        "{subject} failed at {file}{}{}\n  {}",
        position(line, column),
        hint.map(|h| format!("\n  hint: {h}")).unwrap_or_default(),
        failed_advice(subject, statement, undo, cause, words)
    )
}

/// What [`crate::Error::LockNotAvailable`] says: which statement waited for which table's
/// lock, within which timeout, how often and for how long.
#[cfg(feature = "_db")]
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LockWait {
    /// The migration; `None` for a repeatable migration (named by its file).
    pub version: Option<Version>,
    /// Its file.
    pub file: String,
    /// The statement's line in the file.
    pub line: Option<u32>,
    /// The table the statement works on, as written in it (`ALTER TABLE`, `CREATE INDEX …
    /// ON`, `LOCK`, …; see `migrate_core::relation`): the one whose lock it waited for.
    pub table: Option<String>,
    /// The statement, abridged.
    pub statement: String,
    /// The lock timeout each attempt had, when one was set (a `NOWAIT` fails at once).
    pub timeout: Option<Duration>,
    /// How many times it was tried.
    pub attempts: u32,
    /// How long the attempts and the pauses between them took.
    pub waited: Duration,
    /// For a script run statement by statement: statements done, and how many there are.
    pub progress: Option<(usize, usize)>,
}

/// Retries exhausted on a lock: which statement, the timeout, the attempts, what to do.
#[cfg(feature = "_db")]
pub(crate) fn lock_not_available(wait: &LockWait, words: &Vocabulary) -> String {
    let subject = match wait.version {
        Some(version) => format!("migration {version}"),
        None => "repeatable migration".to_owned(),
    };
    let within = match wait.timeout {
        Some(timeout) => format!(
            "within its lock timeout of {}",
            migrate_core::duration::render(timeout)
        ),
        None => "at once (NOWAIT)".to_owned(),
    };
    let tries = match wait.attempts {
        1 => "in 1 attempt (no retries)".to_owned(),
        2 => format!("in 2 attempts (1 retry) over {:.1?}", wait.waited),
        n => format!(
            "in {n} attempts ({} retries) over {:.1?}",
            n - 1,
            wait.waited
        ),
    };
    let applied = match wait.progress {
        None => "it was rolled back after each attempt, and nothing of it is applied".to_owned(),
        Some((0, total)) => {
            format!("none of its {total} statements is applied; it is recorded as dirty")
        }
        Some((done, total)) => format!(
            "statements 1 to {done} of {total} are applied and recorded (it is dirty); {} continues from statement {}",
            words.resume,
            done + 1
        ),
    };
    let lock = match &wait.table {
        Some(table) => format!(
            "a lock on table {table} for its statement `{}`",
            wait.statement
        ),
        None => format!("the lock its statement `{}` needs", wait.statement),
    };
    format!(
        "{subject} ({}{}) could not get {lock} {within}, {tries}: another transaction held a lock on that table all along; {applied}. Run again when the table is less busy (see which session holds the lock in pg_locks or SHOW PROCESSLIST), or raise {} or {}",
        wait.file,
        wait.line.map(|l| format!(":{l}")).unwrap_or_default(),
        words.ddl_lock_timeout,
        words.lock_retries
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

/// After "migration V failed at …": what was applied and what to do.
#[cfg(feature = "_db")]
fn failed_advice(
    subject: Subject<'_>,
    statement: Option<(usize, usize)>,
    undo: bool,
    cause: Option<&str>,
    words: &Vocabulary,
) -> String {
    let fix = match cause {
        Some(cause) => format!("{cause}, which is not the script's fault: once that is fixed"),
        None => "fix the script, then".to_owned(),
    };
    let resume = format!("run again with {}", words.resume);
    match (undo, statement) {
        (false, None) => format!("nothing of it was applied (it ran in a transaction): {fix} run again"),
        (false, Some((0, total))) => format!(
            "none of its {total} statements is applied; it is recorded as dirty: {fix} {resume} to start from statement 1"
        ),
        (false, Some((done, total))) => format!(
            "statements 1 to {done} of {total} are applied and recorded: {fix} {resume} to continue from statement {}",
            done + 1
        ),
        (true, None) => format!(
            "the down script was rolled back and the migration stays applied: {fix} undo again"
        ),
        (true, Some((done, total))) => {
            let forget = match subject {
                Subject::Migration(version) => words.say(words.forget_applied, version),
                Subject::Repeatable(_) => words.say(words.forget_applied, "<version>"),
            };
            format!(
                "statements 1 to {done} of the down script's {total} ran outside a transaction and the migration stays recorded as applied: repair the database by hand, then undo again, or {forget} once it is fully undone"
            )
        }
    }
}
