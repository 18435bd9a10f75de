//! What the errors that advise an action say, written once for every audience: the advice
//! names the action in a [`Vocabulary`] — the library's methods for `Display`, a command
//! line's flags for a CLI (see [`crate::Error::describe`]).

use std::time::Duration;

use crate::version::Version;

/// How advice names the actions it suggests. `{v}` stands for the migration's version.
#[derive(Clone, Copy, Debug)]
pub struct Vocabulary {
    /// Continue a dirty migration where it stopped.
    pub resume: &'static str,
    /// Record a migration as applied without running it.
    pub force: &'static str,
    /// Delete an applied migration's tracking row.
    pub forget_applied: &'static str,
    /// Accept applied migrations the set does not have.
    pub allow_missing: &'static str,
    /// Apply a migration older than the newest applied one.
    pub allow_out_of_order: &'static str,
    /// Wait longer for the lock.
    pub lock_timeout: &'static str,
    /// Apply what is pending.
    pub run: &'static str,
    /// Make the lease last longer.
    pub lease: &'static str,
    /// `adopt`: leave out applied migrations the set does not have.
    pub accept_unknown: &'static str,
    /// `adopt`: leave pending the migrations the other tool skipped.
    pub accept_gaps: &'static str,
    /// `adopt`: leave pending a migration the other tool recorded as failed or dirty.
    pub accept_dirty: &'static str,
    /// `adopt`: accept a history applied in another order than the versions'.
    pub accept_out_of_order: &'static str,
    /// Let a migration's statements wait longer for their locks.
    pub ddl_lock_timeout: &'static str,
    /// Try a migration that could not get its locks more times.
    pub lock_retries: &'static str,
}

impl Vocabulary {
    /// The library's: `Runner` methods.
    pub const LIBRARY: Vocabulary = Vocabulary {
        resume: "`Runner::resume(true)`",
        force: "`Runner::force({v})`",
        forget_applied: "`Runner::forget_applied({v})`",
        allow_missing: "`Runner::allow_missing(true)`",
        allow_out_of_order: "`Runner::allow_out_of_order(true)`",
        lock_timeout: "`Runner::lock_timeout`",
        run: "`Runner::run`",
        lease: "`Runner::lease`",
        accept_unknown: "`Source::accept_unknown(true)`",
        accept_gaps: "`Source::accept_gaps(true)`",
        accept_dirty: "`Source::accept_dirty(true)`",
        accept_out_of_order: "`Source::accept_out_of_order(true)`",
        ddl_lock_timeout: "`Runner::ddl_lock_timeout`",
        lock_retries: "`Runner::lock_retries`",
    };

    /// `template` (one of this vocabulary's words) for `version`.
    pub(super) fn say(&self, template: &str, version: impl std::fmt::Display) -> String {
        template.replace("{v}", &version.to_string())
    }
}

/// A checksum mismatch: the file or the row changed.
pub(crate) fn checksum_mismatch(
    version: Version,
    file: &str,
    applied: &str,
    embedded: &str,
    row_edited: bool,
    words: &Vocabulary,
) -> String {
    if row_edited {
        format!(
            "the tracking row of migration {version} ({file}) was changed by hand: it holds sha256 {applied}, but its chain was written from the file's {embedded}, which is what was applied; restore the row ({} records the file's checksum)",
            words.say(words.force, version)
        )
    } else {
        format!(
            "migration {version} ({file}) was edited after it was applied: the database recorded sha256 {applied}, the file has {embedded}; restore the file and {}",
            migrate_core::lock::amend_advice(version.get())
        )
    }
}

/// A resume refused because the statements done changed.
pub(crate) fn resume_changed(
    version: Version,
    file: &str,
    done: usize,
    words: &Vocabulary,
) -> String {
    format!(
        "migration {version} ({file}) stopped after statement {done}, and the file changed since in statements 1 to {done}, which are already applied: resuming would count statements in the new file and run some twice or skip some; nothing was run. Put those statements back as they were and change only what follows, or finish the migration by hand and record it with {}",
        words.say(words.force, version)
    )
}

/// An applied migration the set does not have.
pub(crate) fn missing(version: Version, name: &str, words: &Vocabulary) -> String {
    format!(
        "the database has migration {version} ({name}) applied, which this binary does not know: it is older than the database, or the file was deleted; deploy the newer binary, or accept it with {}",
        words.allow_missing
    )
}

/// A pending migration below the newest applied one.
pub(crate) fn out_of_order(
    version: Version,
    file: &str,
    newest: Version,
    words: &Vocabulary,
) -> String {
    format!(
        "migration {version} ({file}) is pending but older than the applied migration {newest}: it was merged late; renumber it after {newest} (`migrate renumber {version}`), or apply it anyway with {}",
        words.allow_out_of_order
    )
}

/// A pending migration whose row was deleted.
pub(crate) fn unrecorded(
    version: Version,
    file: &str,
    newest: Version,
    words: &Vocabulary,
) -> String {
    format!(
        "migration {version} ({file}) has no tracking row, but the applied migration {newest} was applied after it (its recorded chain covers {version}): the row was deleted, by `forget` or by hand. If its effects are still in the database, record it with {}; if they were reverted, apply it again with {}",
        words.say(words.force, version),
        words.allow_out_of_order
    )
}

/// Why a dirty script stopped, as the messages put it after "stopped".
fn stopped_because(error: Option<&str>) -> String {
    error.map_or_else(
        || " (the process stopped mid-way)".to_owned(),
        |e| format!(" ({e})"),
    )
}

/// A dirty migration: where it stopped, what is applied, what to do.
pub(crate) fn dirty(
    version: Version,
    file: &str,
    (done, total, line): (usize, usize, u32),
    error: Option<&str>,
    words: &Vocabulary,
) -> String {
    let why = stopped_because(error);
    let resume = format!("run again with {}", words.resume);
    let force = words.say(words.force, version);
    if done >= total {
        return format!(
            "migration {version} ({file}) is dirty: all {total} statements are applied, but it stopped{why} before it was recorded as finished; {resume} to record it, or {force}"
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
        "migration {version} ({file}) is dirty: {stopped}, before {file}:{line}{why}; {applied}. Repair what statement {} may have left, then {resume} to continue from it, or {force} if you finished it by hand",
        done + 1
    )
}

/// A dirty repeatable migration: where it stopped, what is applied, what to do.
pub(crate) fn repeatable_dirty(
    name: &str,
    file: &str,
    (done, total, line): (usize, usize, u32),
    error: Option<&str>,
    words: &Vocabulary,
) -> String {
    let why = stopped_because(error);
    format!(
        "repeatable migration `{name}` ({file}) is dirty: it stopped after statement {done} of {total}, before {file}:{line}{why}; statements 1 to {done} are applied. Repair what statement {} may have left, then run again with {}: it continues from that statement, or starts the file over from its first statement if you changed any of the statements already applied",
        done + 1,
        words.resume
    )
}

/// A lock wait that timed out.
pub(crate) fn lock_timeout(waited: Duration, holder: Option<&str>, words: &Vocabulary) -> String {
    format!(
        "timed out after {waited:?} waiting for the migration lock{}; another instance is migrating (or hung): wait, or raise {}",
        holder.map(|h| format!(" held by {h}")).unwrap_or_default(),
        words.lock_timeout
    )
}

/// `forget` of a cleanly applied migration.
pub(crate) fn forget_applied(version: Version, words: &Vocabulary) -> String {
    format!(
        "migration {version} is applied cleanly: forgetting its row makes the next run apply it again over its own effects; nothing was changed. Forgetting is for dirty migrations whose effects were reverted by hand; to take an applied migration back, undo it with its down script, or, when you know its effects are gone, {}",
        words.say(words.forget_applied, version)
    )
}

/// `baseline` on a tracked database.
pub(crate) fn not_empty(table: &str, rows: usize, words: &Vocabulary) -> String {
    format!(
        "baseline adopts an untracked database, but {table} already records {rows} migration(s): use {}, or {} for single versions",
        words.run,
        words.say(words.force, "<version>")
    )
}

/// A lease lost mid-run.
pub(crate) fn lease_lost(holder: &str, table: &str, lease: Duration, words: &Vocabulary) -> String {
    format!(
        "the migration lease in {table} was lost by this runner ({holder}): it was not renewed within {lease:?} (the process was paused or cut off from the database) and another runner took it over, or it was released by hand; this runner stopped before committing anything more, and what it committed is recorded. Run again to see the state; if a single pause can outlast the lease, raise {}",
        words.lease
    )
}

/// `adopt`: the other tool applied a migration the set does not have.
pub(crate) fn adopt_unknown(who: &str, version: &str, row: &str, words: &Vocabulary) -> String {
    format!(
        "{who}'s history has migration {version} applied (`{row}`), which no file of this set has: it was deleted, or this checkout lacks it; nothing was written. Add the file and adopt again, or adopt without it with {} (it is not recorded)",
        words.accept_unknown
    )
}

/// `adopt`: the other tool recorded a migration as failed or dirty.
pub(crate) fn adopt_dirty(
    who: &str,
    version: &str,
    file: Option<&str>,
    row: &str,
    words: &Vocabulary,
) -> String {
    let file = file.map(|f| format!(" ({f})")).unwrap_or_default();
    format!(
        "{who} recorded migration {version}{file} as failed or dirty (`{row}`): part of it may be applied; nothing was written. Repair the database by hand, then adopt with {}: everything else {who} applied is recorded and {version} stays pending, so `up` runs it again; if you finished it by hand instead, record it after adopting with {}",
        words.accept_dirty,
        words.say(words.force, version)
    )
}

/// `adopt`: the other tool's history is not in version order: `version` was not applied
/// although the newer `other` was (a gap), or was applied after it (out of order).
pub(crate) fn adopt_order(
    who: &str,
    (version, file): (Version, &str),
    other: Version,
    gap: bool,
    words: &Vocabulary,
) -> String {
    if gap {
        format!(
            "{who} has not applied migration {version} ({file}), but it applied the newer {other}; nothing was written. Apply {version} with {who} first, or adopt with {}: {version} then stays pending, and applying it needs {}",
            words.accept_gaps, words.allow_out_of_order
        )
    } else {
        format!(
            "{who} applied migration {version} ({file}) after the newer {other}: the database got them in another order than their versions', and may differ from what these files give in order; nothing was written. Check the schema, then adopt with {}",
            words.accept_out_of_order
        )
    }
}

/// `adopt` on a database that migrate already tracks.
pub(crate) fn already_tracked(table: &str, rows: usize, words: &Vocabulary) -> String {
    format!(
        "adopt records another tool's history in an empty tracking table, but {table} already records {rows} migration(s); nothing was written: this database is migrated by migrate already, use {}",
        words.run
    )
}
