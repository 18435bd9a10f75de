//! `migrate lock`: write, check or amend the lock file.

use migrate_core::checksum;
use migrate_core::lock::{Amendment, Lock};
use migrate_core::MigrationSet;

use crate::cli;
use crate::exit::{self, Failure};
use crate::output::Output;
use crate::source::Source;

/// `lock`, `lock --check` and `lock --amend`.
pub fn run(source: &Source, args: &cli::Lock, out: &Output) -> Result<u8, Failure> {
    if let (Some(version), Some(reason)) = (args.amend, &args.reason) {
        return amend(source, version, reason, out);
    }
    let set = source.load()?;
    let wanted = set.to_lock();
    let unlocked = unlocked(&set);
    if set.lock.is_none() && wanted.entries.is_empty() {
        out.line(format!(
            "{}: no migrations, nothing to lock",
            source.display
        ));
        return Ok(exit::OK);
    }
    if unlocked.is_empty() && current(&set) == wanted {
        out.line(format!(
            "{}: up to date ({} migrations locked)",
            set.lock_display,
            wanted.entries.len()
        ));
        return Ok(exit::OK);
    }
    if args.check {
        let what = if set.lock.is_none() {
            "does not exist".to_owned()
        } else if unlocked.is_empty() {
            "differs from what `migrate lock` writes".to_owned()
        } else {
            format!("does not lock migration(s) {}", unlocked.join(", "))
        };
        out.error(format!(
            "{} {what}: run `migrate lock` and commit it",
            set.lock_display
        ));
        return Ok(exit::LOCK_STALE);
    }
    write(&set, &wanted)?;
    if unlocked.is_empty() {
        out.line(format!("{}: rewritten", set.lock_display));
    } else {
        out.line(format!(
            "{}: locked {} new migration(s): {}",
            set.lock_display,
            unlocked.len(),
            unlocked.join(", ")
        ));
    }
    Ok(exit::OK)
}

/// Records a reviewed edit of a locked migration, then locks like `lock`.
fn amend(source: &Source, version: i64, reason: &str, out: &Output) -> Result<u8, Failure> {
    let reason = reason.trim();
    if reason.is_empty() || reason.contains(['\n', '\r']) {
        return Err(Failure::usage(
            "`--reason` must be one non-empty line: say why the released migration was edited",
        ));
    }
    let mut set = source.load_with(false)?;
    let Some(mut lock) = set.lock.clone() else {
        return Err(Failure::error(format!(
            "{}: no lock, so there is nothing to amend: run `migrate lock`",
            set.lock_display
        )));
    };
    let Some(entry) = lock.entries.iter_mut().find(|e| e.version == version) else {
        return Err(Failure::error(format!(
            "migration {version} is not in {}: only a locked migration is amended; an unlocked one may simply be edited",
            set.lock_display
        )));
    };
    let Some(migration) = set.migrations.iter().find(|m| m.version == version) else {
        return Err(Failure::error(format!(
            "{}: locked migration {version} is gone: restore it from version control; an amendment records an edit, not a removal",
            source.show(&entry.file)
        )));
    };
    if migration.up.rel != entry.file {
        return Err(Failure::error(format!(
            "{}: locked migration {version} was released as `{}`: rename it back; an amendment records an edit, not a rename",
            migration.up.file, entry.file
        )));
    }
    if migration.checksum == entry.checksum {
        return Err(Failure::error(format!(
            "{}: migration {version} has the content it was locked with (sha256 {}): there is no edit to amend",
            migration.up.file,
            checksum::to_hex(&entry.checksum)
        )));
    }
    let amendment = Amendment {
        version,
        old: entry.checksum,
        new: migration.checksum,
        reason: reason.to_owned(),
    };
    entry.checksum = migration.checksum;
    lock.amendments.push(amendment.clone());
    let problems = set.lock_problems(&lock, false);
    if !problems.is_empty() {
        return Err(Failure::diagnostics(&problems));
    }
    let file = migration.up.file.clone();
    set.lock = Some(lock);
    let unlocked = unlocked(&set);
    let wanted = set.to_lock();
    write(&set, &wanted)?;
    out.line(format!(
        "{}: amended migration {version} ({file}): sha256 {} -> {}",
        set.lock_display,
        checksum::to_hex(&amendment.old),
        checksum::to_hex(&amendment.new)
    ));
    if !unlocked.is_empty() {
        out.line(format!(
            "{}: locked {} new migration(s): {}",
            set.lock_display,
            unlocked.len(),
            unlocked.join(", ")
        ));
    }
    Ok(exit::OK)
}

/// The versions of the set that the lock does not have yet.
fn unlocked(set: &MigrationSet) -> Vec<String> {
    set.migrations
        .iter()
        .filter(|m| set.lock.as_ref().and_then(|l| l.entry(m.version)).is_none())
        .map(|m| m.version.to_string())
        .collect()
}

/// The lock as read, without the line numbers that make it differ from a written one.
fn current(set: &MigrationSet) -> Lock {
    let mut lock = set.lock.clone().unwrap_or_default();
    lock.entries.iter_mut().for_each(|e| e.line = 0);
    lock
}

/// Replaces the lock file (through a temporary file beside it, so it is never half written).
fn write(set: &MigrationSet, lock: &Lock) -> Result<(), Failure> {
    let path = &set.lock_path;
    let temporary = path.with_extension("lock.tmp");
    std::fs::write(&temporary, lock.render()).map_err(|e| exit::io(&temporary, "write", e))?;
    std::fs::rename(&temporary, path).map_err(|e| exit::io(path, "replace", e))
}
