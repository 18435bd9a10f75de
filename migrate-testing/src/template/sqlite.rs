//! SQLite templates: one migrated file per version of a set, in a directory that outlives
//! the test run, built under another name and renamed into place when complete; every test
//! database is a copy of it in a temporary directory of its own.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqliteSynchronous};

use super::{Key, Store};
use crate::fresh::{sqlite_in, TempDatabase, SQLITE_FILE};
use crate::server::{io, temp_dir};
use crate::Error;
use migrate_runtime::Migrator;

/// The variable naming the directory of the SQLite templates (default: `migrate-templates-<user>`
/// in the system's temporary directory).
pub(crate) const TEMPLATE_DIR_VARIABLE: &str = "MIGRATE_TEST_TEMPLATE_DIR";

/// How long a process waits between two looks at a lock another process holds.
const POLL: Duration = Duration::from_millis(20);

/// The templates in one directory.
pub(crate) struct SqliteStore {
    dir: PathBuf,
}

impl SqliteStore {
    /// The templates in `MIGRATE_TEST_TEMPLATE_DIR`, else in the system's temporary directory
    /// (one directory per user, where `USER` says who).
    pub fn new() -> Result<SqliteStore, Error> {
        let dir = match std::env::var_os(TEMPLATE_DIR_VARIABLE) {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => {
                let user: String = std::env::var("USER")
                    .unwrap_or_default()
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect();
                let name = match user.as_str() {
                    "" => "migrate-templates".to_owned(),
                    user => format!("migrate-templates-{user}"),
                };
                std::env::temp_dir().join(name)
            }
        };
        std::fs::create_dir_all(&dir).map_err(|e| io("create", &dir, e))?;
        Ok(SqliteStore { dir })
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.sqlite3"))
    }
}

impl Store for SqliteStore {
    type DB = Sqlite;
    /// The set's lock file, while it is held.
    type Session = Option<File>;

    fn place(&self) -> String {
        format!("in {}", self.dir.display())
    }

    async fn session(&self) -> Result<Option<File>, Error> {
        Ok(None)
    }

    async fn close(&self, lock: Option<File>) {
        // closing the file releases the lock
        drop(lock);
    }

    async fn clone_of(
        &self,
        _: &mut Option<File>,
        key: &Key,
    ) -> Result<Option<TempDatabase<Sqlite>>, Error> {
        let template = self.file(&key.name());
        let dir = temp_dir("migrate-sqlite")?;
        match std::fs::copy(&template, dir.join(SQLITE_FILE)) {
            Ok(_) => Ok(Some(sqlite_in(dir, Some(template.display().to_string())))),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                match e.kind() {
                    std::io::ErrorKind::NotFound => Ok(None),
                    _ => Err(io("copy", &template, e)),
                }
            }
        }
    }

    async fn lock(&self, held: &mut Option<File>, key: &Key) -> Result<(), Error> {
        let path = self.dir.join(format!("{}.lock", key.lock_name()));
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io("open", &path, e))?;
        // polled, so that a wait does not block the test's runtime; the OS releases the lock
        // of a process that dies
        loop {
            match file.try_lock() {
                Ok(()) => {
                    *held = Some(file);
                    return Ok(());
                }
                Err(TryLockError::WouldBlock) => tokio::time::sleep(POLL).await,
                Err(TryLockError::Error(e)) => return Err(io("lock", &path, e)),
            }
        }
    }

    async fn unlock(&self, held: &mut Option<File>, _: &Key) -> Result<(), Error> {
        // closing the file releases the lock
        drop(held.take());
        Ok(())
    }

    async fn is_complete(&self, _: &mut Option<File>, key: &Key) -> Result<bool, Error> {
        // under its final name a template is complete: it is renamed there when it is
        Ok(self.file(&key.name()).is_file())
    }

    async fn names(&self, _: &mut Option<File>, key: &Key) -> Result<Vec<String>, Error> {
        let entries = std::fs::read_dir(&self.dir).map_err(|e| io("read", &self.dir, e))?;
        let mut names: Vec<String> = entries
            .filter_map(|entry| {
                let file = entry.ok()?.file_name().into_string().ok()?;
                // names have no dots: what follows is the file's kind (.sqlite3, its journal,
                // the runtime's lock beside it)
                let name = file.split('.').next()?.to_owned();
                key.is_of_set(&name).then_some(name)
            })
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    async fn remove(&self, _: &mut Option<File>, name: &str) -> Result<(), Error> {
        let entries = std::fs::read_dir(&self.dir).map_err(|e| io("read", &self.dir, e))?;
        let prefix = format!("{name}.");
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let path = entry.path();
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(io("remove", &path, e))
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    async fn build(
        &self,
        lock: &mut Option<File>,
        key: &Key,
        migrator: &Migrator,
    ) -> Result<(), Error> {
        let building = self.file(&key.building());
        // Its commits need not reach the disk one by one: the file is synced once, before
        // the rename gives it the name clones look for. Built without the runtime's lock: no
        // lock file is left beside it.
        let options = SqliteConnectOptions::new()
            .filename(&building)
            .create_if_missing(true)
            .synchronous(SqliteSynchronous::Off);
        let built = super::apply::<Self::DB>(options, migrator, key, &self.place())
            .await
            .and_then(|()| sync(&building));
        if let Err(e) = built {
            let _ = self.remove(lock, &key.building()).await;
            return Err(e);
        }
        // only a complete template has the name that clones look for
        let complete = self.file(&key.name());
        std::fs::rename(&building, &complete).map_err(|e| io("rename", &building, e))
    }
}

/// Writes `file`'s data to the disk.
fn sync(file: &Path) -> Result<(), Error> {
    File::open(file)
        .and_then(|f| f.sync_all())
        .map_err(|e| io("sync", file, e))
}
