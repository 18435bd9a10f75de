//! PostgreSQL: transactional DDL; the lock is a session advisory lock keyed on the tracking
//! table, taken by polling `pg_try_advisory_lock` so that no waiter sits inside a statement:
//! a waiter blocked in `pg_advisory_lock` would hold a snapshot that a `CREATE INDEX
//! CONCURRENTLY` in the holder's migration waits for, a deadlock.

use std::time::{Duration, Instant};

use migrate_core::split::Dialect;
use sqlx::postgres::{PgConnection, PgDatabaseError, PgErrorPosition, Postgres};
use sqlx::{AssertSqlSafe, Row as _};

use migrate_core::checksum::to_hex as hex;

use super::{connect_borrowed, lock_key, quote_with, tracking_queries, Driver, Newest, Table};
use crate::error::Error;

connect_borrowed!(Postgres, PgConnection);

fn pg_error(e: &sqlx::Error) -> Option<&PgDatabaseError> {
    match e {
        sqlx::Error::Database(db) => db.try_downcast_ref::<PgDatabaseError>(),
        _ => None,
    }
}

/// The backend holding the advisory lock `key`, for the log and the timeout error.
async fn holder(conn: &mut PgConnection, key: i64) -> Option<String> {
    // A bigint advisory key shows in pg_locks as classid (high half) and objid (low half).
    let high = (key >> 32) as u32;
    let low = key as u32;
    let sql = format!(
        "SELECT pid, coalesce(application_name, ''), coalesce(client_addr::text, 'local') FROM pg_locks \
         JOIN pg_stat_activity USING (pid) WHERE locktype = 'advisory' AND granted \
         AND classid = {high} AND objid = {low} AND objsubid = 1 \
         AND pg_locks.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    );
    let row = sqlx::raw_sql(AssertSqlSafe(sql))
        .fetch_optional(conn)
        .await
        .ok()??;
    let pid: i32 = row.try_get(0).ok()?;
    let app: String = row.try_get(1).unwrap_or_default();
    let addr: String = row.try_get(2).unwrap_or_default();
    Some(format!(
        "backend pid {pid} ({}{addr})",
        if app.is_empty() {
            String::new()
        } else {
            format!("{app}, ")
        }
    ))
}

impl Driver for Postgres {
    const NAME: &'static str = "PostgreSQL";
    const DIALECT: Dialect = Dialect::Postgres;
    const TRANSACTIONAL_DDL: bool = true;
    const SESSION_LOCK: bool = true;
    type Lock = i64;

    fn quote(identifier: &str) -> String {
        quote_with(identifier, '"')
    }

    fn create_table_sql(table: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {table} (\
             version BIGINT PRIMARY KEY, \
             name TEXT NOT NULL, \
             checksum BYTEA NOT NULL, \
             chain BYTEA NOT NULL, \
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), \
             duration_ms BIGINT NOT NULL DEFAULT 0, \
             success BOOLEAN NOT NULL, \
             statements_done INTEGER NOT NULL DEFAULT 0, \
             error TEXT)"
        )
    }

    async fn newest(conn: &mut PgConnection, table: &Table) -> Result<Newest, sqlx::Error> {
        // The simple query protocol: one round trip, no statement to prepare, one row back.
        let sql = format!(
            "SELECT version, chain, success FROM {} ORDER BY version DESC LIMIT 1",
            table.sql
        );
        match sqlx::raw_sql(AssertSqlSafe(sql)).fetch_optional(conn).await {
            Ok(Some(row)) => Ok(Newest::Row {
                version: row.try_get(0)?,
                chain: row.try_get(1)?,
                success: row.try_get(2)?,
            }),
            Ok(None) => Ok(Newest::Empty),
            // undefined_table, invalid_schema_name
            Err(e) if pg_error(&e).is_some_and(|d| matches!(d.code(), "42P01" | "3F000")) => {
                Ok(Newest::NoTable)
            }
            Err(e) => Err(e),
        }
    }

    async fn lock(conn: &mut PgConnection, table: &Table, timeout: Duration) -> Result<i64, Error> {
        let key = lock_key(&table.key);
        let start = Instant::now();
        let mut pause = Duration::from_millis(5);
        let mut logged = false;
        loop {
            let row = sqlx::raw_sql(AssertSqlSafe(format!("SELECT pg_try_advisory_lock({key})")))
                .fetch_one(&mut *conn)
                .await?;
            if row.try_get::<bool, _>(0)? {
                return Ok(key);
            }
            if start.elapsed() >= timeout {
                let holder = holder(conn, key).await;
                return Err(Error::LockTimeout {
                    waited: start.elapsed(),
                    holder,
                });
            }
            if !logged {
                let holder = holder(conn, key).await;
                tracing::info!(holder = holder.as_deref().unwrap_or("unknown"), table = %table.key, "waiting for the migration lock");
                logged = true;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }

    async fn unlock(conn: &mut PgConnection, _table: &Table, key: i64) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(AssertSqlSafe(format!("SELECT pg_advisory_unlock({key})")))
            .execute(conn)
            .await
            .map(drop)
    }

    async fn exec(conn: &mut PgConnection, sql: &str) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(conn)
            .await
            .map(drop)
    }

    tracking_queries!(PgConnection, |sql: &str| sql.to_owned(), "applied_at::text");

    fn insert_sql(
        table: &Table,
        version: i64,
        name: &str,
        checksum: &[u8; 32],
        chain: &[u8; 32],
    ) -> Option<String> {
        // E'' and decode() read the same whatever standard_conforming_strings says; the
        // duration is the time since the batch (the query message) arrived.
        let name = name.replace('\\', "\\\\").replace('\'', "''");
        Some(format!(
            "INSERT INTO {} (version, name, checksum, chain, duration_ms, success) VALUES ({version}, E'{name}', \
             decode('{}', 'hex'), decode('{}', 'hex'), (extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::bigint, TRUE)",
            table.sql,
            hex(checksum),
            hex(chain)
        ))
    }

    fn error_position(error: &sqlx::Error) -> Option<usize> {
        match pg_error(error)?.position()? {
            PgErrorPosition::Original(position) => position.checked_sub(1),
            _ => None,
        }
    }

    fn error_hint(error: &sqlx::Error) -> Option<String> {
        pg_error(error)?.hint().map(str::to_owned)
    }
}
