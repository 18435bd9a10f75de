//! The build-script helper that makes cargo notice added and removed migration files.

use std::io::Write;
use std::path::Path;

/// Asks cargo to rebuild the crate when anything in `dir` changes, including files being
/// added or removed. Call it from the crate's `build.rs`:
///
/// ```no_run
/// // in build.rs, in `fn main` (as `migrate::build::track` through `migrate-db`)
/// migrate_core::build::track("migrations");
/// ```
///
/// `embed_migrations!` already tracks every file it embeds, so edits are seen without this;
/// a new file is not, because a procedural macro on stable Rust cannot watch a directory.
/// Cargo scans a directory named in `rerun-if-changed` for any modified entry.
pub fn track(dir: impl AsRef<Path>) {
    let mut out = std::io::stdout().lock();
    // A failed write to cargo's pipe means there is no cargo to tell.
    let _ = writeln!(out, "cargo:rerun-if-changed={}", dir.as_ref().display());
}
