//! PostgreSQL: transactional DDL; a transactional migration travels in one batch with its
//! tracking row and the commit; the session lock is an advisory lock keyed on the tracking
//! table's qualified name.

use migrate_core::split::Dialect;
use sqlx::postgres::{PgConnection, PgDatabaseError, PgErrorPosition, Postgres};
use sqlx::{AssertSqlSafe, Row as _};

use super::connect::connect_borrowed;
use super::guard::pg_millis;
use super::{
    hex, lock_key, quote_with, same_on_every_database, Driver, Guard, GuardSql, Scope, Support,
    Table, Types,
};
use crate::error::Error;

connect_borrowed!(Postgres, PgConnection);

impl super::sealed::Sealed for Postgres {}

fn pg_error(e: &sqlx::Error) -> Option<&PgDatabaseError> {
    match e {
        sqlx::Error::Database(db) => db.try_downcast_ref::<PgDatabaseError>(),
        _ => None,
    }
}

impl Driver for Postgres {
    const NAME: &'static str = "PostgreSQL";
    const DIALECT: Dialect = Dialect::Postgres;
    const TRANSACTIONAL_DDL: bool = true;
    const SESSION_LOCK: bool = true;
    const BATCH: bool = true;
    // the time since the batch (the query message) arrived
    const BATCH_ELAPSED_MS: &'static str =
        "CAST(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000 AS BIGINT)";
    // a transaction-local setting: nothing outlives the transaction, under a pooler too
    const BATCH_MARK: &'static str =
        "SELECT set_config('migrate.mark', extract(epoch FROM clock_timestamp())::text, true)";
    const BATCH_SINCE_MARK_MS: &'static str = "CAST((extract(epoch FROM clock_timestamp()) \
        - current_setting('migrate.mark')::numeric) * 1000 AS BIGINT)";
    const TYPES: Types = Types {
        bigint: "BIGINT",
        int: "INTEGER",
        name: "TEXT",
        text: "TEXT",
        bytes: "BYTEA",
        boolean: "BOOLEAN",
        applied_at: "TIMESTAMPTZ NOT NULL DEFAULT now()",
        applied_at_micros: "CAST(extract(epoch FROM applied_at) * 1000000 AS BIGINT)",
    };
    const SESSION_SQL: Option<&'static str> = Some("SELECT current_setting('search_path')");
    const NOW_MICROS: &'static str =
        "CAST(extract(epoch FROM clock_timestamp()) * 1000000 AS BIGINT)";
    type Lock = i64;

    fn quote(identifier: &str) -> String {
        quote_with(identifier, '"')
    }

    fn text_literal(text: &str) -> String {
        // E'' reads the same whatever standard_conforming_strings says; text cannot hold NUL
        let escaped = text
            .replace('\0', "")
            .replace('\\', "\\\\")
            .replace('\'', "''");
        format!("E'{escaped}'")
    }

    fn restore_session_sql(saved: &str) -> String {
        format!(
            "SELECT set_config('search_path', {}, false)",
            Self::text_literal(saved)
        )
    }

    fn bytes_literal(bytes: &[u8]) -> String {
        format!("'\\x{}'::bytea", hex(bytes))
    }

    fn is_undefined_table(e: &sqlx::Error) -> bool {
        // undefined_table, invalid_schema_name
        pg_error(e).is_some_and(|d| matches!(d.code(), "42P01" | "3F000"))
    }

    async fn resolve_schema(
        conn: &mut PgConnection,
        table: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        // Where the unqualified name resolves now, else where it would be created.
        let sql = format!(
            "SELECT coalesce((SELECT n.nspname::text FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass({})), \
             current_schema()::text)",
            Self::text_literal(&Self::quote(table))
        );
        let row = sqlx::raw_sql(AssertSqlSafe(sql)).fetch_one(conn).await?;
        row.try_get(0)
    }

    async fn try_lock(conn: &mut PgConnection, table: &Table) -> Result<Option<i64>, Error> {
        let key = lock_key(&table.key);
        let row = sqlx::raw_sql(AssertSqlSafe(format!("SELECT pg_try_advisory_lock({key})")))
            .fetch_one(conn)
            .await?;
        Ok(row.try_get::<bool, _>(0)?.then_some(key))
    }

    async fn holder(conn: &mut PgConnection, table: &Table) -> Option<String> {
        // A bigint advisory key shows in pg_locks as classid (high half) and objid (low half).
        let key = lock_key(&table.key);
        let (high, low) = ((key >> 32) as u32, key as u32);
        let sql = format!(
            "SELECT pid, coalesce(application_name, ''), coalesce(client_addr::text, 'local') \
             FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE locktype = 'advisory' \
             AND granted AND classid = {high} AND objid = {low} AND objsubid = 1 \
             AND pg_locks.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        );
        let row = sqlx::raw_sql(AssertSqlSafe(sql))
            .fetch_optional(conn)
            .await
            .ok()??;
        let pid: i32 = row.try_get(0).ok()?;
        let app: String = row.try_get(1).unwrap_or_default();
        let addr: String = row.try_get(2).unwrap_or_default();
        let app = if app.is_empty() {
            String::new()
        } else {
            format!("{app}, ")
        };
        Some(format!("backend pid {pid} ({app}{addr})"))
    }

    async fn unlock(conn: &mut PgConnection, _table: &Table, key: i64) -> Result<(), sqlx::Error> {
        let sql = format!("SELECT pg_advisory_unlock({key})");
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await?;
        Ok(())
    }

    same_on_every_database!(PgConnection);

    fn error_position(error: &sqlx::Error) -> Option<usize> {
        match pg_error(error)?.position()? {
            PgErrorPosition::Original(position) => position.checked_sub(1),
            _ => None,
        }
    }

    fn cause(error: &sqlx::Error) -> Option<&'static str> {
        let code = pg_error(error).map(PgDatabaseError::code);
        super::transport_cause(error).or_else(|| match code? {
            c if c.starts_with("08") => Some("the connection to the database failed"),
            "57P01" | "57P02" | "57P03" => Some("the server shut down or ended the session"),
            "57014" => Some("the statement was cancelled (statement_timeout, or a cancel request)"),
            "25006" => Some("the database is read-only (a standby, or default_transaction_read_only)"),
            "40001" | "40P01" => Some("a concurrent transaction conflicted with it (a deadlock or a serialization failure)"),
            "55P03" => Some("it could not get a lock in time (lock_timeout): another transaction holds one it needs"),
            c if c.starts_with("53") => Some("the server ran out of resources (disk, memory or connections)"),
            _ => None,
        })
    }

    fn is_conflict(error: &sqlx::Error) -> bool {
        // serialization_failure, deadlock_detected
        pg_error(error).is_some_and(|d| matches!(d.code(), "40001" | "40P01"))
    }

    fn is_lock_timeout(error: &sqlx::Error) -> bool {
        pg_error(error).is_some_and(|d| d.code() == "55P03")
    }

    async fn timeout_support(_: &mut PgConnection) -> Result<Support, sqlx::Error> {
        Ok(Support {
            lock: true,
            statement: true,
            per_statement: false,
        })
    }

    fn guard_sql(guard: &Guard, _: Support, scope: Scope) -> GuardSql {
        let settings = [
            ("lock_timeout", guard.lock),
            ("statement_timeout", guard.statement),
        ];
        let mut set = Vec::new();
        let mut reset = Vec::new();
        for (name, value) in settings {
            match (value, scope) {
                (Some(d), Scope::Transaction { .. }) => {
                    set.push(format!("SET LOCAL {name} = {}", pg_millis(d)));
                }
                (None, Scope::Transaction { reset: true }) => {
                    set.push(format!("SET LOCAL {name} TO DEFAULT"));
                }
                (Some(d), Scope::Session) => {
                    set.push(format!("SET {name} = {}", pg_millis(d)));
                    reset.push(format!("RESET {name}"));
                }
                (None, _) => {}
            }
        }
        GuardSql::begin_with(set, reset.join("; "))
    }

    async fn wants_lease(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
        // CockroachDB and YugabyteDB speak PostgreSQL's protocol, without a usable session
        // advisory lock.
        let row = sqlx::raw_sql("SELECT version()").fetch_one(conn).await?;
        let version: String = row.try_get(0)?;
        Ok(version.contains("CockroachDB") || version.contains("-YB-"))
    }

    fn error_hint(error: &sqlx::Error) -> Option<String> {
        pg_error(error)?.hint().map(str::to_owned)
    }
}
