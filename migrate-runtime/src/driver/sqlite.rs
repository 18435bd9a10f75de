//! SQLite: transactional DDL; the lock is an exclusive `flock` on a file beside the database,
//! held across processes and released by the OS if the process dies.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write as _};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use migrate_core::split::Dialect;
use sqlx::sqlite::{Sqlite, SqliteConnection};
use sqlx::{AssertSqlSafe, Row as _};

use migrate_core::checksum::to_hex as hex;

use super::{connect_borrowed, quote_with, tracking_queries, Driver, Newest, Table};
use crate::error::Error;

connect_borrowed!(Sqlite, SqliteConnection);

fn no_table(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.message().starts_with("no such table"))
}

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

impl Driver for Sqlite {
    const NAME: &'static str = "SQLite";
    const DIALECT: Dialect = Dialect::Sqlite;
    const TRANSACTIONAL_DDL: bool = true;
    // The lock is a file, not the connection's: closing a pooled connection would only lose
    // an in-memory database.
    const SESSION_LOCK: bool = false;
    type Lock = Option<File>;

    fn quote(identifier: &str) -> String {
        quote_with(identifier, '"')
    }

    fn create_table_sql(table: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {table} (\
             version INTEGER PRIMARY KEY, \
             name TEXT NOT NULL, \
             checksum BLOB NOT NULL, \
             chain BLOB NOT NULL, \
             applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), \
             duration_ms INTEGER NOT NULL DEFAULT 0, \
             success BOOLEAN NOT NULL, \
             statements_done INTEGER NOT NULL DEFAULT 0, \
             error TEXT)"
        )
    }

    async fn newest(conn: &mut SqliteConnection, table: &Table) -> Result<Newest, sqlx::Error> {
        let sql = format!(
            "SELECT version, chain, success FROM {} ORDER BY version DESC LIMIT 1",
            table.sql
        );
        match sqlx::query(AssertSqlSafe(sql)).fetch_optional(conn).await {
            Ok(Some(row)) => Ok(Newest::Row {
                version: row.try_get(0)?,
                chain: row.try_get(1)?,
                success: row.try_get(2)?,
            }),
            Ok(None) => Ok(Newest::Empty),
            Err(e) if no_table(&e) => Ok(Newest::NoTable),
            Err(e) => Err(e),
        }
    }

    async fn lock(
        conn: &mut SqliteConnection,
        _table: &Table,
        timeout: Duration,
    ) -> Result<Option<File>, Error> {
        let Some(path) = lock_path(conn).await? else {
            return Ok(None);
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| {
                Error::Refused(format!("cannot open the lock file {}: {e}", path.display()))
            })?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(5);
        let mut logged = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => {
                    return Err(Error::Refused(format!(
                        "cannot lock {}: {e}",
                        path.display()
                    )))
                }
            }
            let holder = {
                let mut text = String::new();
                let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
                let text = text.trim().to_owned();
                (!text.is_empty()).then(|| format!("{text} (lock file {})", path.display()))
            };
            if start.elapsed() >= timeout {
                return Err(Error::LockTimeout {
                    waited: start.elapsed(),
                    holder,
                });
            }
            if !logged {
                tracing::info!(
                    holder = holder.as_deref().unwrap_or("unknown"),
                    "waiting for the migration lock"
                );
                logged = true;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(100));
        }
        // Who holds it, for the log line of whoever waits next.
        let _ = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| write!(file, "process {}", std::process::id()));
        Ok(Some(file))
    }

    async fn unlock(
        _conn: &mut SqliteConnection,
        _table: &Table,
        lock: Option<File>,
    ) -> Result<(), sqlx::Error> {
        if let Some(file) = lock {
            let _ = file.set_len(0);
            let _ = file.unlock();
        }
        Ok(())
    }

    fn insert_sql(
        table: &Table,
        version: i64,
        name: &str,
        checksum: &[u8; 32],
        chain: &[u8; 32],
    ) -> Option<String> {
        // 'now' is read per statement: the row's time minus the batch's start, both from this
        // machine's clock
        let start_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        Some(format!(
            "INSERT INTO {} (version, name, checksum, chain, duration_ms, success) VALUES ({version}, '{}', X'{}', X'{}', \
             max(0, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) - {start_ms}), TRUE)",
            table.sql,
            name.replace('\'', "''"),
            hex(checksum),
            hex(chain)
        ))
    }

    async fn exec(conn: &mut SqliteConnection, sql: &str) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(conn)
            .await
            .map(drop)
    }

    tracking_queries!(
        SqliteConnection,
        |sql: &str| super::params(sql, true),
        "applied_at"
    );
}
