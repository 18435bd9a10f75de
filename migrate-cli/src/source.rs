//! The migrations directory a command works on.

use std::path::{Path, PathBuf};

use migrate_core::{MigrationSet, Options};

use crate::exit::Failure;

/// `--source`: where the migrations are and how to show their paths.
#[derive(Clone, Debug)]
pub struct Source {
    /// The directory on disk.
    pub path: PathBuf,
    /// The directory as the user gave it, `/`-separated, as messages show it.
    pub display: String,
}

impl Source {
    /// The directory `given` (relative to the current directory, or absolute), shown as
    /// `embed_migrations!` shows its directory.
    pub fn new(given: &str) -> Self {
        Self {
            path: PathBuf::from(given),
            display: migrate_core::scan::normalise(given),
        }
    }

    /// Reads the set with every check the build makes.
    pub fn load(&self) -> Result<MigrationSet, Failure> {
        self.load_with(true)
    }

    /// Reads the set; with `check_lock` off, migrations the lock refuses are read anyway
    /// (the lock itself must still verify).
    pub fn load_with(&self, check_lock: bool) -> Result<MigrationSet, Failure> {
        self.require_dir()?;
        let options = Options {
            check_lock,
            ..Options::default()
        };
        migrate_core::load(&self.path, &self.display, &options)
            .map_err(|problems| Failure::diagnostics(&problems))
    }

    /// Fails, saying what to do, unless the directory exists.
    pub fn require_dir(&self) -> Result<(), Failure> {
        if self.path.is_dir() {
            return Ok(());
        }
        Err(Failure::error(format!(
            "{}: no such directory: create it with `migrate init`, or point `--source` at the migrations",
            self.display
        )))
    }

    /// A path relative to the directory, as messages show it.
    pub fn show(&self, rel: &str) -> String {
        migrate_core::scan::display_path(&self.display, rel)
    }

    /// A path relative to the directory, on disk.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.path.join(Path::new(rel))
    }
}
