//! `migrate lock`: write, check or amend the lock file. Every rule comes from core: what the
//! lock refuses (`lock_problems`), whether it is current (`lock_state`), what an amendment
//! records (`amend`), which scripts are still empty (`is_empty_script`).

use migrate_core::lock::{self, Lock, LockState};
use migrate_core::split::{is_empty_script, Dialect};
use migrate_core::{checksum, MigrationSet};

use crate::cli;
use crate::exit::{self, Failure};
use crate::output::Output;
use crate::source::Source;

/// `lock`, `lock --check` and `lock --amend`.
pub fn run(source: &Source, args: &cli::Lock, out: &Output) -> Result<u8, Failure> {
    // The checks that would refuse an older lock format are left out: rewriting it is the fix.
    let mut set = source.load_with(false)?;
    if let Some(version) = args.amend {
        return amend(&mut set, version, args, out);
    }
    let lock = set.lock.clone().unwrap_or_default();
    refuse(set.lock_problems(&lock, false))?;
    let state = set.lock_state();
    if state == LockState::Current {
        match &set.lock {
            None => out.line(format!(
                "{}: no migrations, nothing to lock",
                source.display
            )),
            Some(lock) => out.line(format!(
                "{}: up to date ({} migrations locked{})",
                set.lock_display,
                lock.entries.len(),
                match lock.repeatables.len() {
                    0 => String::new(),
                    n => format!(", {n} repeatable"),
                }
            )),
        }
        return Ok(exit::OK);
    }
    if args.check {
        let what = match &state {
            LockState::Missing => "does not exist".to_owned(),
            LockState::Unlocked(unlocked) => {
                format!("does not lock migration(s) {}", versions(unlocked))
            }
            LockState::Repeatables(names) => format!(
                "does not hold the current content of repeatable migration(s) {}",
                names.join(", ")
            ),
            _ if lock.format < lock::FORMAT => format!(
                "is in format {}, which the build refuses; `migrate lock` rewrites it in format {}",
                lock.format,
                lock::FORMAT
            ),
            _ => "differs from what `migrate lock` writes".to_owned(),
        };
        out.error(format!(
            "{} {what}: run `migrate lock` and commit it",
            set.lock_display
        ));
        return Ok(exit::LOCK_STALE);
    }
    refuse_empty(&set, args.allow_empty)?;
    let unlocked = versions(&set.unlocked());
    let repeatables = set.repeatables_to_lock(&lock);
    write(&set)?;
    if !unlocked.is_empty() {
        out.line(format!(
            "{}: locked {} new migration(s): {unlocked}",
            set.lock_display,
            set.unlocked().len()
        ));
    }
    if !repeatables.is_empty() {
        out.line(format!(
            "{}: recorded the current content of repeatable migration(s) {}",
            set.lock_display,
            repeatables.join(", ")
        ));
    }
    if unlocked.is_empty() && repeatables.is_empty() {
        out.line(format!(
            "{}: rewritten in format {}",
            set.lock_display,
            lock::FORMAT
        ));
    }
    Ok(exit::OK)
}

/// Records a reviewed edit of a locked migration, then locks like `lock`.
fn amend(
    set: &mut MigrationSet,
    version: i64,
    args: &cli::Lock,
    out: &Output,
) -> Result<u8, Failure> {
    let reason = lock::reason(args.reason.as_deref()).map_err(Failure::usage)?;
    let (lock, amendment) = set.amend(version, &reason).map_err(Failure::error)?;
    refuse(set.lock_problems(&lock, false))?;
    set.lock = Some(lock);
    refuse_empty(set, args.allow_empty)?;
    let unlocked = set.unlocked().len();
    let unlocked_versions = versions(&set.unlocked());
    write(set)?;
    let file = set
        .migrations
        .iter()
        .find(|m| m.version == version)
        .map_or_else(String::new, |m| m.up.file.clone());
    out.line(format!(
        "{}: amended migration {version} ({file}): sha256 {} -> {}",
        set.lock_display,
        checksum::to_hex(&amendment.old),
        checksum::to_hex(&amendment.new)
    ));
    if args.reason.is_none() {
        out.note(format!(
            "recorded the reason `{}`: pass `--reason \"...\"` to say why the released migration changed",
            lock::NO_REASON
        ));
    }
    if unlocked > 0 {
        out.line(format!(
            "{}: locked {unlocked} new migration(s): {unlocked_versions}",
            set.lock_display
        ));
    }
    Ok(exit::OK)
}

fn refuse(problems: migrate_core::Diagnostics) -> Result<(), Failure> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::diagnostics(&problems))
    }
}

/// A migration `migrate add` just created holds only a comment: locked like that, its first
/// real edit would be refused as an edit of a released migration.
fn refuse_empty(set: &MigrationSet, allow_empty: bool) -> Result<(), Failure> {
    if allow_empty {
        return Ok(());
    }
    // A repeatable migration may change after it is locked: an empty one is not refused.
    let messages: Vec<String> = set
        .unlocked()
        .iter()
        .filter(|m| is_empty_script(&m.up.sql, Dialect::Postgres))
        .map(|m| {
            format!(
                "{}: migration {} holds no SQL yet (empty or only comments), and a locked migration cannot change: write it first, then run `migrate lock` (or lock it as it is with `migrate lock --allow-empty`)",
                m.up.file, m.version
            )
        })
        .collect();
    if messages.is_empty() {
        Ok(())
    } else {
        Err(Failure {
            code: exit::ERROR,
            messages,
        })
    }
}

fn versions(migrations: &[&migrate_core::set::Migration]) -> String {
    let list: Vec<String> = migrations.iter().map(|m| m.version.to_string()).collect();
    list.join(", ")
}

/// Replaces the lock file with the one the set calls for (through a temporary file beside
/// it, so it is never half written).
fn write(set: &MigrationSet) -> Result<(), Failure> {
    let lock: Lock = set.to_lock();
    let path = &set.lock_path;
    let temporary = path.with_extension("lock.tmp");
    std::fs::write(&temporary, lock.render()).map_err(|e| exit::io(&temporary, "write", e))?;
    std::fs::rename(&temporary, path).map_err(|e| exit::io(path, "replace", e))
}
