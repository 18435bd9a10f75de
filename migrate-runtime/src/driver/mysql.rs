//! MySQL and MariaDB: DDL commits on its own, so every migration runs statement by statement
//! with progress recorded; the session lock is `GET_LOCK` on a name derived from the tracking
//! table's qualified name.

use migrate_core::split::Dialect;
use sqlx::mysql::{MySql, MySqlConnection, MySqlDatabaseError};
use sqlx::{AssertSqlSafe, Row as _};

use super::connect::connect_borrowed;
use super::guard::mysql_seconds;
use super::{
    hex, lock_key, quote_with, same_on_every_database, Driver, Guard, GuardSql, Scope, Support,
    Table, Types,
};
use crate::error::Error;

connect_borrowed!(MySql, MySqlConnection);

impl super::sealed::Sealed for MySql {}

/// The lock's name (at most 64 characters): `GET_LOCK` is server-wide, and the table's
/// qualified name tells tracking tables apart.
fn lock_name(table: &Table) -> String {
    format!("'migrate:{:016x}'", lock_key(&table.key))
}

/// The server's error number, for errors from the server.
pub(crate) fn error_number(e: &sqlx::Error) -> Option<u16> {
    match e {
        sqlx::Error::Database(db) => db
            .try_downcast_ref::<MySqlDatabaseError>()
            .map(MySqlDatabaseError::number),
        _ => None,
    }
}

impl Driver for MySql {
    const NAME: &'static str = "MySQL";
    const DIALECT: Dialect = Dialect::MySql;
    const TRANSACTIONAL_DDL: bool = false;
    const SESSION_LOCK: bool = true;
    const BATCH: bool = false;
    const TYPES: Types = Types {
        bigint: "BIGINT",
        int: "INT",
        name: "VARCHAR(255)",
        text: "TEXT",
        bytes: "VARBINARY(32)",
        boolean: "BOOLEAN",
        applied_at: "TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)",
        applied_at_micros: "CAST(UNIX_TIMESTAMP(applied_at) * 1000000 AS SIGNED)",
    };
    const SESSION_SQL: Option<&'static str> = Some("SELECT DATABASE()");
    const TEXT: &'static str = "CHAR";
    const NOW_MICROS: &'static str = "CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)";
    // MariaDB's per-statement setting: nothing outlives the statement
    const CAUSAL_READ: &'static str = "SET STATEMENT wsrep_sync_wait = 1 FOR ";
    type Lock = ();

    fn quote(identifier: &str) -> String {
        quote_with(identifier, '`')
    }

    fn text_literal(text: &str) -> String {
        // hex reads the same whatever sql_mode says of backslashes
        format!("CONVERT(X'{}' USING utf8mb4)", hex(text.as_bytes()))
    }

    fn restore_session_sql(saved: &str) -> String {
        format!("USE {}", Self::quote(saved))
    }

    fn bytes_literal(bytes: &[u8]) -> String {
        format!("X'{}'", hex(bytes))
    }

    fn insert_if_absent(table: &str, columns: &str, values: &str) -> String {
        format!("INSERT IGNORE INTO {table} ({columns}) VALUES ({values})")
    }

    fn is_conflict(error: &sqlx::Error) -> bool {
        // ER_LOCK_DEADLOCK: a deadlock, or a Galera certification failure
        error_number(error) == Some(1213)
    }

    async fn wants_lease(conn: &mut MySqlConnection) -> Result<bool, sqlx::Error> {
        // A Galera node: GET_LOCK is local to it. MySQL has no wsrep_on (ER_UNKNOWN_SYSTEM_VARIABLE).
        match sqlx::raw_sql("SELECT CAST(@@global.wsrep_on AS CHAR)")
            .fetch_one(conn)
            .await
        {
            Ok(row) => {
                let on: Option<String> = row.try_get(0)?;
                Ok(on.is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("ON")))
            }
            Err(e) if error_number(&e) == Some(1193) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn is_lock_timeout(error: &sqlx::Error) -> bool {
        // ER_LOCK_WAIT_TIMEOUT: a metadata lock (lock_wait_timeout) or a row lock
        // (innodb_lock_wait_timeout) not granted in time
        error_number(error) == Some(1205)
    }

    async fn timeout_support(conn: &mut MySqlConnection) -> Result<Support, sqlx::Error> {
        // MariaDB has a statement timeout for every statement and per-statement settings;
        // MySQL's max_execution_time covers only SELECT.
        let row = sqlx::raw_sql("SELECT VERSION()").fetch_one(conn).await?;
        let version: String = row.try_get(0)?;
        let mariadb = version.contains("MariaDB");
        Ok(Support {
            lock: true,
            statement: mariadb,
            per_statement: mariadb,
        })
    }

    fn guard_sql(guard: &Guard, support: Support, scope: Scope) -> GuardSql {
        // DDL commits on its own here: there is no transaction scope, only the statement's
        // (MariaDB) or the session's (MySQL)
        let _ = scope;
        let mut set = Vec::new();
        // 0 is "none": the server's own setting stays
        if let Some(lock) = guard.lock.filter(|d| !d.is_zero()) {
            let seconds = mysql_seconds(lock);
            set.push(format!("lock_wait_timeout = {seconds}"));
            set.push(format!("innodb_lock_wait_timeout = {seconds}"));
        }
        if let Some(statement) = guard.statement.filter(|_| support.statement) {
            let seconds = statement.as_secs_f64();
            set.push(format!("max_statement_time = {seconds:.3}"));
        }
        if set.is_empty() {
            return GuardSql::default();
        }
        if support.per_statement {
            return GuardSql {
                prefix: format!("SET STATEMENT {} FOR ", set.join(", ")),
                ..GuardSql::default()
            };
        }
        GuardSql::begin_with(
            vec![format!("SET SESSION {}", set.join(", "))],
            "SET SESSION lock_wait_timeout = DEFAULT, innodb_lock_wait_timeout = DEFAULT"
                .to_owned(),
        )
    }

    fn is_undefined_table(e: &sqlx::Error) -> bool {
        // ER_NO_SUCH_TABLE, ER_BAD_DB_ERROR
        matches!(error_number(e), Some(1146 | 1049))
    }

    async fn resolve_schema(
        conn: &mut MySqlConnection,
        _table: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::raw_sql("SELECT DATABASE()").fetch_one(conn).await?;
        row.try_get(0)
    }

    async fn try_lock(conn: &mut MySqlConnection, table: &Table) -> Result<Option<()>, Error> {
        let sql = format!("SELECT CAST(GET_LOCK({}, 0) AS SIGNED)", lock_name(table));
        let got: Option<i64> = sqlx::raw_sql(AssertSqlSafe(sql))
            .fetch_one(conn)
            .await?
            .try_get(0)?;
        Ok((got == Some(1)).then_some(()))
    }

    async fn holder(conn: &mut MySqlConnection, table: &Table) -> Option<String> {
        let sql = format!("SELECT CAST(IS_USED_LOCK({}) AS SIGNED)", lock_name(table));
        let row = sqlx::raw_sql(AssertSqlSafe(sql))
            .fetch_one(conn)
            .await
            .ok()?;
        let id: Option<i64> = row.try_get(0).ok()?;
        id.map(|id| format!("connection id {id}"))
    }

    async fn unlock(conn: &mut MySqlConnection, table: &Table, (): ()) -> Result<(), sqlx::Error> {
        let sql = format!("SELECT RELEASE_LOCK({})", lock_name(table));
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await?;
        Ok(())
    }

    same_on_every_database!(MySqlConnection);

    fn cause(error: &sqlx::Error) -> Option<&'static str> {
        super::transport_cause(error).or_else(|| match error_number(error)? {
            1290 | 1836 => Some("the server is read-only (--read-only)"),
            1205 => Some("it waited too long for a lock another transaction holds (innodb_lock_wait_timeout)"),
            1213 => Some("a concurrent transaction conflicted with it (a deadlock, or a Galera certification failure)"),
            1040 | 1203 => Some("the server has too many connections"),
            1053 | 1927 => Some("the server shut down or killed the connection"),
            3024 | 1969 => Some("the statement ran past its time limit (max_execution_time, max_statement_time)"),
            _ => None,
        })
    }
}
