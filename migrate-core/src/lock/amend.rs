//! `migrate lock --amend`: recording a reviewed edit of a released migration.

use crate::checksum;
use crate::set::MigrationSet;

use super::{Amendment, Lock, NO_REASON};

/// The reason an amendment records: `given` trimmed, which must be one non-empty line, or
/// [`NO_REASON`] when none is given.
pub fn reason(given: Option<&str>) -> Result<String, String> {
    match given.map(str::trim) {
        None => Ok(NO_REASON.to_owned()),
        Some(r) if r.is_empty() || r.contains(['\n', '\r']) => Err(
            "`--reason` must be one non-empty line: say why the released migration was edited"
                .to_owned(),
        ),
        Some(r) => Ok(r.to_owned()),
    }
}

impl MigrationSet {
    /// The lock with the edit of the locked migration `version` recorded: its entry takes
    /// the file's checksum and transaction mode, and an amendment from the checksum it had
    /// to the new one is appended, with `reason` (see [`reason`]).
    ///
    /// The set must have been read with [`crate::Options::check_lock`] off (its lock refuses
    /// the edit). The rest of the set is not checked here: see
    /// [`MigrationSet::lock_problems`].
    pub fn amend(&self, version: i64, reason: &str) -> Result<(Lock, Amendment), String> {
        let Some(mut lock) = self.lock.clone() else {
            return Err(format!(
                "{}: no lock, so there is nothing to amend: run `migrate lock`",
                self.lock_display
            ));
        };
        let show = |file: &str| crate::scan::display_path(&self.display, file);
        let Some(entry) = lock.entries.iter_mut().find(|e| e.version == version) else {
            return Err(format!(
                "migration {version} is not in {}: only a locked migration is amended; an unlocked one may simply be edited",
                self.lock_display
            ));
        };
        let Some(migration) = self.migrations.iter().find(|m| m.version == version) else {
            return Err(format!(
                "{}: locked migration {version} is gone: restore it from version control; an amendment records an edit, not a removal",
                show(&entry.file)
            ));
        };
        if migration.up.rel != entry.file {
            return Err(format!(
                "{}: locked migration {version} was released as `{}`: rename it back; an amendment records an edit, not a rename",
                migration.up.file, entry.file
            ));
        }
        let same_mode = entry
            .no_transaction
            .is_none_or(|n| n == migration.up.no_transaction);
        if migration.checksum == entry.checksum && same_mode {
            return Err(format!(
                "{}: migration {version} has the content and transaction mode it was locked with (sha256 {}): there is no edit to amend",
                migration.up.file,
                checksum::to_hex(&entry.checksum)
            ));
        }
        let amendment = Amendment {
            version,
            old: entry.checksum,
            new: migration.checksum,
            reason: reason.to_owned(),
        };
        entry.checksum = migration.checksum;
        entry.no_transaction = Some(migration.up.no_transaction);
        lock.amendments.push(amendment.clone());
        Ok((lock, amendment))
    }
}
