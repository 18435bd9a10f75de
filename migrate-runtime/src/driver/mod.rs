//! What the engine needs from a database.
//!
//! The tracking table's SQL is written once, in [`tracking`], as literal SQL text sent with
//! the simple protocol: no parameter markers to rewrite, and no named prepared statement left
//! on a server connection (which a transaction pooler hands to other clients). Each database's
//! file keeps only what truly differs: quoting and literals, column types, the lock primitive,
//! where an error points, and whether a script can travel in one batch.

use std::future::Future;

use migrate_core::split::Dialect;
use sqlx::Database;

mod cell;
mod connect;
pub(crate) mod guard;
pub(crate) mod repeatable;
pub mod tracking;

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use cell::Cell;
pub use connect::{Conn, Connect};
pub(crate) use guard::{Guard, GuardSql, Scope, Support};
pub(crate) use tracking::{Newest, Row, Table};

pub(crate) mod sealed {
    /// Only the databases of this crate are drivers.
    pub trait Sealed {}
}

/// The tracking table's column types on one database.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Types {
    /// A 64-bit integer (`version`, `duration_ms`).
    pub bigint: &'static str,
    /// A 32-bit integer (`statements_done`).
    pub int: &'static str,
    /// A short text (`name`).
    pub name: &'static str,
    /// A long text (`error`).
    pub text: &'static str,
    /// Bytes (`checksum`, `chain`).
    pub bytes: &'static str,
    /// A boolean.
    pub boolean: &'static str,
    /// The `applied_at` column's type and default: the database's clock, in UTC.
    pub applied_at: &'static str,
    /// An expression reading `applied_at` as microseconds since the Unix epoch (BIGINT).
    pub applied_at_micros: &'static str,
}

/// A database the runtime can migrate: PostgreSQL, SQLite, MySQL/MariaDB.
///
/// Sealed; its items are the runtime's plumbing (public for `migrate::testing`), not an API.
pub trait Driver: Database + Sized + sealed::Sealed {
    #[doc(hidden)]
    const NAME: &'static str;
    #[doc(hidden)]
    const DIALECT: Dialect;
    /// Whether DDL can run inside a transaction (not on MySQL, where DDL commits).
    #[doc(hidden)]
    const TRANSACTIONAL_DDL: bool;
    /// Whether the session lock belongs to the connection, so that a pooled connection must
    /// not go back to the pool while it may hold it.
    #[doc(hidden)]
    const SESSION_LOCK: bool;
    /// Whether a transactional script, its tracking row and the commit may go in one batch
    /// (one round trip). Where they may not, the script runs statement by statement inside
    /// its transaction, so that a failure is placed without running anything twice.
    #[doc(hidden)]
    const BATCH: bool;
    /// With [`Driver::BATCH`]: SQL for the milliseconds the batch has taken so far.
    #[doc(hidden)]
    const BATCH_ELAPSED_MS: &'static str = "0";
    /// With [`Driver::BATCH`]: a statement that marks the time in the transaction, for
    /// [`Driver::BATCH_SINCE_MARK_MS`] (atomic mode's batches of several migrations).
    #[doc(hidden)]
    const BATCH_MARK: &'static str = "SELECT 0";
    /// With [`Driver::BATCH`]: SQL for the milliseconds since the last [`Driver::BATCH_MARK`].
    #[doc(hidden)]
    const BATCH_SINCE_MARK_MS: &'static str = "0";
    #[doc(hidden)]
    const TYPES: Types;
    /// A query of one text column: the session state a migration may change and a run puts
    /// back after each one (PostgreSQL's `search_path`, MySQL's current database), so every
    /// migration starts from the session the run started with.
    #[doc(hidden)]
    const SESSION_SQL: Option<&'static str> = None;
    /// The type to cast a value to for reading it as text.
    #[doc(hidden)]
    const TEXT: &'static str = "TEXT";
    /// SQL for the database's clock now, in microseconds since the Unix epoch (BIGINT): the
    /// one clock every runner of a lease reads.
    #[doc(hidden)]
    const NOW_MICROS: &'static str;
    /// What a read that decides what to apply starts with under a lease, so that it sees
    /// every write committed on any node (Galera's causal reads); empty where reads are
    /// always current.
    #[doc(hidden)]
    const CAUSAL_READ: &'static str = "";
    /// What holds the session lock until it is released.
    #[doc(hidden)]
    type Lock: Send;

    /// `identifier` quoted, its quote characters doubled.
    #[doc(hidden)]
    fn quote(identifier: &str) -> String;

    /// `text` as a string literal that reads the same whatever the session's settings.
    #[doc(hidden)]
    fn text_literal(text: &str) -> String;

    /// SQL that puts back the session state [`Driver::SESSION_SQL`] read.
    #[doc(hidden)]
    fn restore_session_sql(saved: &str) -> String {
        let _ = saved;
        String::new()
    }

    /// `INSERT` of `values` into `columns` of `table`, doing nothing when the key exists.
    #[doc(hidden)]
    fn insert_if_absent(table: &str, columns: &str, values: &str) -> String {
        format!("INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT DO NOTHING")
    }

    /// Whether `error` is a conflict with a concurrent transaction (a deadlock, a
    /// serialization failure, Galera's certification failure): the transaction did nothing
    /// and may be tried again.
    #[doc(hidden)]
    fn is_conflict(error: &sqlx::Error) -> bool {
        let _ = error;
        false
    }

    /// `bytes` as a binary literal.
    #[doc(hidden)]
    fn bytes_literal(bytes: &[u8]) -> String;

    /// Whether `error` says the table (or its schema) does not exist.
    #[doc(hidden)]
    fn is_undefined_table(error: &sqlx::Error) -> bool;

    /// The schema (PostgreSQL) or database (MySQL) that an unqualified `table` resolves to
    /// on this connection; `None` where names are not qualified (SQLite).
    #[doc(hidden)]
    fn resolve_schema<'a>(
        conn: &'a mut Self::Connection,
        table: &'a str,
    ) -> impl Future<Output = Result<Option<String>, sqlx::Error>> + Send + 'a;

    /// Takes the session lock of `table` if it is free, at once; `None` when another
    /// session holds it.
    #[doc(hidden)]
    fn try_lock<'a>(
        conn: &'a mut Self::Connection,
        table: &'a Table,
    ) -> impl Future<Output = Result<Option<Self::Lock>, crate::Error>> + Send + 'a;

    /// Who holds the session lock of `table`, for the log and the timeout error.
    #[doc(hidden)]
    fn holder<'a>(
        conn: &'a mut Self::Connection,
        table: &'a Table,
    ) -> impl Future<Output = Option<String>> + Send + 'a;

    #[doc(hidden)]
    fn unlock<'a>(
        conn: &'a mut Self::Connection,
        table: &'a Table,
        lock: Self::Lock,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'a;

    /// Runs SQL text as it is (several statements where the database allows them) and
    /// returns the rows it changed.
    #[doc(hidden)]
    fn exec<'a>(
        conn: &'a mut Self::Connection,
        sql: &'a str,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send + 'a;

    /// Runs SQL text of several statements; on an error, also how many of them completed
    /// before it (the database reports each one), which places the failing statement when
    /// the database gives no position.
    #[doc(hidden)]
    fn exec_counted<'a>(
        conn: &'a mut Self::Connection,
        sql: &'a str,
    ) -> impl Future<Output = Result<(), (usize, sqlx::Error)>> + Send + 'a;

    /// The rows of a query that selects the tracking table's columns (see
    /// [`tracking::history_sql`]).
    #[doc(hidden)]
    fn fetch_rows<'a>(
        conn: &'a mut Self::Connection,
        sql: &'a str,
    ) -> impl Future<Output = Result<Vec<Row>, sqlx::Error>> + Send + 'a;

    /// Every row of a query over a table whose column types another tool chose, each column
    /// decoded as the first common type that fits (see [`Cell`]).
    #[doc(hidden)]
    fn fetch_cells<'a>(
        conn: &'a mut Self::Connection,
        sql: &'a str,
    ) -> impl Future<Output = Result<Vec<Vec<Cell>>, sqlx::Error>> + Send + 'a;

    /// The first row of a query that selects `(BIGINT, bytes, BOOLEAN)`.
    #[doc(hidden)]
    fn fetch_newest<'a>(
        conn: &'a mut Self::Connection,
        sql: &'a str,
    ) -> impl Future<Output = Result<Option<(i64, Vec<u8>, bool)>, sqlx::Error>> + Send + 'a;

    /// Every row of a query whose columns are all text (cast them: [`Driver::TEXT`]).
    #[doc(hidden)]
    fn fetch_texts<'a>(
        conn: &'a mut Self::Connection,
        sql: &'a str,
    ) -> impl Future<Output = Result<Vec<Vec<Option<String>>>, sqlx::Error>> + Send + 'a;

    /// Whether this server wants the lease lock when the settings say `auto`: a Galera node,
    /// CockroachDB, YugabyteDB, where a session lock does not exclude other runners.
    #[doc(hidden)]
    fn wants_lease<'a>(
        conn: &'a mut Self::Connection,
    ) -> impl Future<Output = Result<bool, sqlx::Error>> + Send + 'a {
        let _ = conn;
        async { Ok(false) }
    }

    /// Whether `error` says a statement could not get a lock in time (PostgreSQL's
    /// lock_not_available, 55P03; MySQL's ER_LOCK_WAIT_TIMEOUT, 1205): it did nothing, and
    /// may be tried again once the lock is free.
    #[doc(hidden)]
    fn is_lock_timeout(error: &sqlx::Error) -> bool {
        let _ = error;
        false
    }

    /// Which timeouts this server has (see [`guard_sql`](Driver::guard_sql)).
    #[doc(hidden)]
    fn timeout_support<'a>(
        conn: &'a mut Self::Connection,
    ) -> impl Future<Output = Result<Support, sqlx::Error>> + Send + 'a {
        let _ = conn;
        async { Ok(Support::default()) }
    }

    /// The SQL that sets `guard`'s timeouts in `scope`, those `support` has.
    #[doc(hidden)]
    fn guard_sql(guard: &Guard, support: Support, scope: Scope) -> GuardSql {
        let _ = (guard, support, scope);
        GuardSql::default()
    }

    /// Where in the SQL text sent the error points, in characters from 0, when the database
    /// says (PostgreSQL does).
    #[doc(hidden)]
    fn error_position(error: &sqlx::Error) -> Option<usize> {
        let _ = error;
        None
    }

    /// What went wrong that is not the script's fault, when the error says so: a lost
    /// connection, a read-only or locked database, a cancelled statement, a full disk.
    #[doc(hidden)]
    fn cause(error: &sqlx::Error) -> Option<&'static str> {
        transport_cause(error)
    }

    /// A hint from the database or for its error, when there is one.
    #[doc(hidden)]
    fn error_hint(error: &sqlx::Error) -> Option<String> {
        let _ = error;
        None
    }
}

/// The driver items that are the same code on every database but must be written against
/// its concrete connection type (sqlx's executor bounds do not carry through generics).
macro_rules! same_on_every_database {
    ($conn:ty) => {
        async fn exec(conn: &mut $conn, sql: &str) -> Result<u64, sqlx::Error> {
            let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(conn)
                .await?;
            Ok(done.rows_affected())
        }

        async fn exec_counted(conn: &mut $conn, sql: &str) -> Result<(), (usize, sqlx::Error)> {
            let mut results = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute_many(conn);
            let mut completed = 0;
            while let Some(result) =
                std::future::poll_fn(|cx| futures_core::Stream::poll_next(results.as_mut(), cx))
                    .await
            {
                match result {
                    Ok(_) => completed += 1,
                    Err(e) => return Err((completed, e)),
                }
            }
            Ok(())
        }

        async fn fetch_rows(
            conn: &mut $conn,
            sql: &str,
        ) -> Result<Vec<$crate::driver::Row>, sqlx::Error> {
            use sqlx::Row as _;
            let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .fetch_all(conn)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok($crate::driver::Row {
                        version: r.try_get(0)?,
                        name: r.try_get(1)?,
                        checksum: r.try_get(2)?,
                        chain: r.try_get(3)?,
                        applied_at_micros: r.try_get(4)?,
                        duration_ms: r.try_get(5)?,
                        success: r.try_get(6)?,
                        statements_done: i64::from(r.try_get::<i32, _>(7)?),
                        error: r.try_get(8)?,
                    })
                })
                .collect()
        }

        async fn fetch_cells(
            conn: &mut $conn,
            sql: &str,
        ) -> Result<Vec<Vec<$crate::driver::Cell>>, sqlx::Error> {
            use sqlx::{Row as _, TypeInfo as _, ValueRef as _};
            use $crate::driver::Cell;
            let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .fetch_all(conn)
                .await?;
            let cell =
                |row: &<Self as sqlx::Database>::Row, i: usize| -> Result<Cell, sqlx::Error> {
                    let raw = row.try_get_raw(i)?;
                    if raw.is_null() {
                        return Ok(Cell::Null);
                    }
                    let ty = raw.type_info().name().to_owned();
                    // Integers first: SQLite and MySQL would decode them as booleans too.
                    Ok(if let Ok(n) = row.try_get::<i64, _>(i) {
                        Cell::Int(n)
                    } else if let Ok(n) = row.try_get::<i32, _>(i) {
                        Cell::Int(i64::from(n))
                    } else if let Ok(n) = row.try_get::<i16, _>(i) {
                        Cell::Int(i64::from(n))
                    } else if let Ok(b) = row.try_get::<bool, _>(i) {
                        Cell::Bool(b)
                    } else if let Ok(t) = row.try_get::<String, _>(i) {
                        Cell::Text(t)
                    } else if let Ok(b) = row.try_get::<Vec<u8>, _>(i) {
                        Cell::Bytes(b)
                    } else {
                        Cell::Unreadable(ty)
                    })
                };
            rows.iter()
                .map(|r| (0..r.len()).map(|i| cell(r, i)).collect())
                .collect()
        }

        async fn fetch_newest(
            conn: &mut $conn,
            sql: &str,
        ) -> Result<Option<(i64, Vec<u8>, bool)>, sqlx::Error> {
            use sqlx::Row as _;
            match sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .fetch_optional(conn)
                .await?
            {
                Some(row) => Ok(Some((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))),
                None => Ok(None),
            }
        }

        async fn fetch_texts(
            conn: &mut $conn,
            sql: &str,
        ) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
            use sqlx::Row as _;
            let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .fetch_all(conn)
                .await?;
            rows.iter()
                .map(|r| (0..r.len()).map(|i| r.try_get(i)).collect())
                .collect()
        }
    };
}
pub(crate) use same_on_every_database;

/// The causes every database shares: the connection, not the server, failed.
pub(crate) fn transport_cause(error: &sqlx::Error) -> Option<&'static str> {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::Tls(_) => {
            Some("the connection to the database was lost")
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
            Some("no connection to the database was available")
        }
        _ => None,
    }
}

/// Quotes an identifier with `quote`, doubling the quote inside it.
pub(crate) fn quote_with(identifier: &str, quote: char) -> String {
    let mut out = String::with_capacity(identifier.len() + 2);
    out.push(quote);
    for c in identifier.chars() {
        if c == quote {
            out.push(quote);
        }
        out.push(c);
    }
    out.push(quote);
    out
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A 64-bit lock key from a name, the same in every process.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) fn lock_key(name: &str) -> i64 {
    let digest = migrate_core::checksum::checksum(&format!("migrate lock {name}"));
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_not_pasted() {
        assert_eq!(quote_with("we\"ird", '"'), "\"we\"\"ird\"");
        assert_eq!(quote_with("a`b", '`'), "`a``b`");
        assert_eq!(quote_with("a$1", '"'), "\"a$1\"");
    }
}
