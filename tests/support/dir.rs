//! A migrations directory in a fresh temporary directory, read with `Migrator::from_dir`
//! (which builds the same table as `embed_migrations!`).

#![allow(dead_code)] // each test binary uses part of it

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use migrate::Migrator;

/// A temporary directory (of migrations, or anything else a test keeps on disk) that no other
/// test of any process uses; deleted on drop.
pub struct Dir {
    path: PathBuf,
}

impl Dir {
    /// A directory holding `files` (name, content).
    pub fn new(files: &[(&str, &str)]) -> Dir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("migrate-dir-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let dir = Dir { path };
        for (name, sql) in files {
            dir.write(name, sql);
        }
        dir
    }

    /// A copy of the files of directory `from`.
    pub fn copy_of(from: &str) -> Dir {
        let dir = Dir::new(&[]);
        let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("{from}: {e}"));
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("{from}: {e}"));
            let to = dir.path.join(entry.file_name());
            std::fs::copy(entry.path(), &to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
        }
        dir
    }

    /// A directory of `n` migrations, each creating its own table.
    pub fn generated(n: usize) -> Dir {
        let dir = Dir::new(&[]);
        for i in 1..=n {
            dir.write(
                &format!("{i}_t{i}.sql"),
                &format!("CREATE TABLE t{i} (id INT);\n"),
            );
        }
        dir
    }

    /// Writes (or overwrites) one file.
    pub fn write(&self, name: &str, sql: &str) {
        let path = self.path.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create a subdirectory");
        }
        std::fs::write(path, sql).expect("write a migration");
    }

    /// Deletes one file.
    pub fn remove(&self, name: &str) {
        std::fs::remove_file(self.path.join(name)).expect("remove a migration");
    }

    /// The set as it is now on disk.
    pub fn migrator(&self) -> Migrator {
        Migrator::from_dir(&self.path).unwrap_or_else(|e| panic!("{}: {e}", self.path.display()))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A file's path as the migrator shows it in errors.
    pub fn shown(&self, name: &str) -> String {
        format!("{}/{name}", self.path.display())
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
