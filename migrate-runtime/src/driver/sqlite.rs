//! SQLite: transactional DDL, run statement by statement inside the transaction (in-process,
//! so a batch saves nothing and a failure is placed without running anything twice); the lock
//! is an exclusive `flock` on a file beside the database, held across processes and released
//! by the OS if the process dies.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write as _};
use std::path::PathBuf;

use migrate_core::split::Dialect;
use sqlx::sqlite::{Sqlite, SqliteConnection};
use sqlx::Row as _;

use super::connect::connect_borrowed;
use super::{hex, quote_with, same_on_every_database, Driver, Table, Types};
use crate::error::Error;

connect_borrowed!(Sqlite, SqliteConnection);

impl super::sealed::Sealed for Sqlite {}

/// The lock file of the main database, or `None` for an in-memory one (no other process can
/// open it).
async fn lock_path(conn: &mut SqliteConnection) -> Result<Option<PathBuf>, sqlx::Error> {
    let rows = sqlx::raw_sql("PRAGMA database_list")
        .fetch_all(conn)
        .await?;
    for row in rows {
        let name: String = row.try_get(1)?;
        let file: String = row.try_get(2)?;
        if name == "main" && !file.is_empty() {
            return Ok(Some(PathBuf::from(format!("{file}-migrate.lock"))));
        }
    }
    Ok(None)
}

/// The lock: the open file holding the `flock`, or nothing for an in-memory database.
pub struct FileLock(Option<(File, PathBuf)>);

impl Driver for Sqlite {
    const NAME: &'static str = "SQLite";
    const DIALECT: Dialect = Dialect::Sqlite;
    const TRANSACTIONAL_DDL: bool = true;
    // The lock is a file, not the connection's: closing a pooled connection would only lose
    // an in-memory database.
    const SESSION_LOCK: bool = false;
    const BATCH: bool = false;
    const TYPES: Types = Types {
        bigint: "INTEGER",
        int: "INTEGER",
        name: "TEXT",
        text: "TEXT",
        bytes: "BLOB",
        boolean: "BOOLEAN",
        applied_at: "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        applied_at_micros: "(CAST(strftime('%s', applied_at) AS INTEGER) * 1000000 \
                            + CAST(substr(strftime('%f', applied_at), 4) AS INTEGER) * 1000)",
    };
    const NOW_MICROS: &'static str =
        "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)";
    type Lock = FileLock;

    fn quote(identifier: &str) -> String {
        quote_with(identifier, '"')
    }

    fn text_literal(text: &str) -> String {
        format!("'{}'", text.replace('\0', "").replace('\'', "''"))
    }

    fn bytes_literal(bytes: &[u8]) -> String {
        format!("X'{}'", hex(bytes))
    }

    fn is_conflict(error: &sqlx::Error) -> bool {
        matches!(Self::cause(error), Some(c) if c.starts_with("the database is locked"))
    }

    fn is_undefined_table(e: &sqlx::Error) -> bool {
        matches!(e, sqlx::Error::Database(db) if db.message().starts_with("no such table"))
    }

    async fn resolve_schema(
        _: &mut SqliteConnection,
        _: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        Ok(None)
    }

    async fn try_lock(
        conn: &mut SqliteConnection,
        _table: &Table,
    ) -> Result<Option<FileLock>, Error> {
        let Some(path) = lock_path(conn).await? else {
            return Ok(Some(FileLock(None)));
        };
        let io = |source| Error::LockFile {
            path: path.display().to_string(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // Who holds it, for the log line of whoever waits next.
        let _ = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| write!(file, "process {}", std::process::id()));
        Ok(Some(FileLock(Some((file, path)))))
    }

    async fn holder(conn: &mut SqliteConnection, _table: &Table) -> Option<String> {
        let path = lock_path(conn).await.ok()??;
        let mut text = String::new();
        File::open(&path).ok()?.read_to_string(&mut text).ok()?;
        let text = text.trim();
        (!text.is_empty()).then(|| format!("{text} (lock file {})", path.display()))
    }

    async fn unlock(
        _: &mut SqliteConnection,
        _: &Table,
        lock: FileLock,
    ) -> Result<(), sqlx::Error> {
        if let FileLock(Some((file, _))) = lock {
            let _ = file.set_len(0);
            let _ = file.unlock();
        }
        Ok(())
    }

    same_on_every_database!(SqliteConnection);

    fn cause(error: &sqlx::Error) -> Option<&'static str> {
        // the primary result code, from the extended one
        let code = error
            .as_database_error()
            .and_then(|db| db.code())
            .and_then(|c| c.parse::<u32>().ok())
            .map(|c| c & 0xff);
        super::transport_cause(error).or_else(|| match code? {
            5 | 6 => Some("the database is locked by another connection (SQLITE_BUSY): another process is writing to it"),
            8 => Some("the database file is read-only (its permissions, or its directory's)"),
            10 => Some("the database could not read or write its file (an I/O error)"),
            13 => Some("the disk is full"),
            14 => Some("the database file cannot be opened"),
            _ => None,
        })
    }
}
