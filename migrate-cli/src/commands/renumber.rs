//! `migrate renumber`: move a late-merged, unlocked migration after the newest one.

use migrate_core::render::Layout;
use migrate_core::time;

use crate::exit::{self, Failure};
use crate::output::Output;
use crate::source::Source;

/// Renames the migration's file(s) or diesel directory to the next free version.
pub fn run(source: &Source, version: i64, out: &Output) -> Result<u8, Failure> {
    // The late merge is exactly what the lock refuses: read the set without those checks.
    let set = source.load_with(false)?;
    let Some(migration) = set.migrations.iter().find(|m| m.version == version) else {
        return Err(Failure::error(format!(
            "{}: there is no migration {version}: give the version of the migration to move",
            source.display
        )));
    };
    if let Some(entry) = set.lock.as_ref().and_then(|l| l.entry(version)) {
        return Err(Failure::error(format!(
            "{}: migration {version} is locked (released as `{}`): a released migration keeps its version; put further changes in a new migration",
            migration.up.file, entry.file
        )));
    }
    let newest_other = set
        .migrations
        .iter()
        .filter(|m| m.version != version)
        .map(|m| m.version)
        .max();
    if newest_other.is_none_or(|newest| version > newest) {
        out.line(format!(
            "{}: migration {version} is already the newest: nothing to renumber",
            migration.up.file
        ));
        return Ok(exit::OK);
    }
    let layout = Layout::infer(&set);
    let target = layout
        .next_version(newest_other, time::now().timestamp())
        .map_err(Failure::error)?;
    let renames = layout.renames(migration, target);
    if let Some((_, to)) = renames.iter().find(|(_, to)| source.join(to).exists()) {
        return Err(Failure::error(format!(
            "{}: already exists: move it away, then renumber again",
            source.show(to)
        )));
    }
    for (from, to) in &renames {
        std::fs::rename(source.join(from), source.join(to))
            .map_err(|e| exit::io(&source.join(from), "rename", e))?;
        out.line(format!(
            "renamed {} -> {}",
            source.show(from),
            source.show(to)
        ));
    }
    out.note(format!(
        "migration {version} is now {target}: run `migrate lock` to lock it"
    ));
    Ok(exit::OK)
}
