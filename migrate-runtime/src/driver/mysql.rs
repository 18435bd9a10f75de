//! MySQL and MariaDB: DDL commits on its own, so every migration runs statement by statement
//! with progress recorded; the lock is `GET_LOCK` on a name derived from the database and the
//! tracking table.

use std::time::{Duration, Instant};

use migrate_core::split::Dialect;
use sqlx::mysql::{MySql, MySqlConnection, MySqlDatabaseError};
use sqlx::{AssertSqlSafe, Row as _};

use super::{connect_borrowed, lock_key, quote_with, tracking_queries, Driver, Newest, Table};
use crate::error::Error;

connect_borrowed!(MySql, MySqlConnection);

/// The lock's name: at most 64 characters, the same for every client of one tracking table.
/// `GET_LOCK` is server-wide, so an unqualified table is told apart by the current database;
/// a qualified one is the same table whatever database a client is connected to.
fn lock_name(table: &Table) -> String {
    let database = if table.qualified {
        "''"
    } else {
        "COALESCE(DATABASE(), '')"
    };
    format!(
        "CONCAT('migrate:', LEFT(SHA2(CONCAT({database}, ':{:016x}'), 256), 56))",
        lock_key(&table.key)
    )
}

impl Driver for MySql {
    const NAME: &'static str = "MySQL";
    const DIALECT: Dialect = Dialect::MySql;
    const TRANSACTIONAL_DDL: bool = false;
    const SESSION_LOCK: bool = true;
    type Lock = ();

    fn quote(identifier: &str) -> String {
        quote_with(identifier, '`')
    }

    fn create_table_sql(table: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {table} (\
             version BIGINT NOT NULL PRIMARY KEY, \
             name VARCHAR(255) NOT NULL, \
             checksum VARBINARY(32) NOT NULL, \
             chain VARBINARY(32) NOT NULL, \
             applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \
             duration_ms BIGINT NOT NULL DEFAULT 0, \
             success BOOLEAN NOT NULL, \
             statements_done INT NOT NULL DEFAULT 0, \
             error TEXT)"
        )
    }

    async fn newest(conn: &mut MySqlConnection, table: &Table) -> Result<Newest, sqlx::Error> {
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
            // ER_NO_SUCH_TABLE
            Err(sqlx::Error::Database(db))
                if db
                    .try_downcast_ref::<MySqlDatabaseError>()
                    .is_some_and(|e| e.number() == 1146) =>
            {
                Ok(Newest::NoTable)
            }
            Err(e) => Err(e),
        }
    }

    async fn lock(
        conn: &mut MySqlConnection,
        table: &Table,
        timeout: Duration,
    ) -> Result<(), Error> {
        let name = lock_name(table);
        let start = Instant::now();
        let used = format!("SELECT CAST(IS_USED_LOCK({name}) AS SIGNED)");
        let holder: Option<i64> = sqlx::raw_sql(AssertSqlSafe(used.clone()))
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        if let Some(id) = holder {
            tracing::info!(holder = %format!("connection id {id}"), table = %table.key, "waiting for the migration lock");
        }
        let seconds = timeout.as_secs_f64().ceil().max(0.0);
        let sql = format!("SELECT CAST(GET_LOCK({name}, {seconds}) AS SIGNED)");
        let got: Option<i64> = sqlx::raw_sql(AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        if got == Some(1) {
            return Ok(());
        }
        let holder: Option<i64> = sqlx::raw_sql(AssertSqlSafe(used))
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        Err(Error::LockTimeout {
            waited: start.elapsed(),
            holder: holder.map(|id| format!("connection id {id}")),
        })
    }

    async fn unlock(conn: &mut MySqlConnection, table: &Table, (): ()) -> Result<(), sqlx::Error> {
        let sql = format!("SELECT RELEASE_LOCK({})", lock_name(table));
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(conn)
            .await
            .map(drop)
    }

    async fn exec(conn: &mut MySqlConnection, sql: &str) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(conn)
            .await
            .map(drop)
    }

    tracking_queries!(
        MySqlConnection,
        |sql: &str| super::params(sql, false),
        "CAST(applied_at AS CHAR)"
    );
}
