//! What the algorithm needs from a database; one file per database implements it.

use std::future::Future;
use std::time::Duration;

use migrate_core::split::Dialect;
use sqlx::pool::PoolConnection;
use sqlx::{Database, Pool};

use crate::error::Error;

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

/// The newest row of the tracking table: all the fast path reads. Its chain was written from
/// the set that applied it and covers every version and checksum below it; rows edited by hand
/// in the tracking table are found by the full validation of the next run that has work to do
/// (and by `status`), not by the fast path, which stays one row whatever the history's length.
#[derive(Debug)]
pub enum Newest {
    /// No tracking table yet.
    NoTable,
    /// The table is empty.
    Empty,
    /// The newest row.
    Row {
        version: i64,
        chain: Vec<u8>,
        success: bool,
    },
}

/// One row of the tracking table.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub version: i64,
    pub name: String,
    pub checksum: Vec<u8>,
    pub chain: Vec<u8>,
    pub applied_at: String,
    pub duration_ms: i64,
    pub success: bool,
    pub statements_done: i64,
    pub error: Option<String>,
}

/// A change to the tracking table.
#[derive(Clone, Copy, Debug)]
pub enum Write<'a> {
    /// A new row.
    Insert {
        version: i64,
        name: &'a str,
        checksum: &'a [u8; 32],
        chain: &'a [u8; 32],
        duration_ms: i64,
        success: bool,
    },
    /// Progress of a script run statement by statement; `error` when it stopped on one.
    Progress {
        version: i64,
        statements_done: i64,
        error: Option<&'a str>,
    },
    /// A row becomes a successfully applied migration with this content.
    Finish {
        version: i64,
        checksum: &'a [u8; 32],
        chain: &'a [u8; 32],
        duration_ms: i64,
    },
    /// The newest row takes the chain of the current set (after out-of-order or forced rows).
    Reseal { version: i64, chain: &'a [u8; 32] },
    /// A row goes.
    Delete { version: i64 },
}

/// The tracking table's name, quoted for one database.
#[derive(Clone, Debug)]
pub struct Table {
    /// The qualified name, quoted: what goes into SQL text.
    pub sql: String,
    /// The qualified name, unquoted: what the lock is keyed on.
    pub key: String,
    /// Whether a schema was given (else the table is in the connection's current one).
    pub qualified: bool,
}

/// A database the runtime can migrate.
pub trait Driver: Database + Sized {
    #[doc(hidden)]
    const NAME: &'static str;
    #[doc(hidden)]
    const DIALECT: Dialect;
    /// Whether DDL can run inside a transaction (not on MySQL, where DDL commits).
    #[doc(hidden)]
    const TRANSACTIONAL_DDL: bool;
    /// Whether the lock belongs to the connection's session, so that a pooled connection
    /// must not go back to the pool while it may hold it.
    #[doc(hidden)]
    const SESSION_LOCK: bool;
    /// What holds the lock until it is released.
    #[doc(hidden)]
    type Lock: Send;

    #[doc(hidden)]
    fn quote(identifier: &str) -> String;

    #[doc(hidden)]
    fn create_table_sql(table: &str) -> String;

    #[doc(hidden)]
    fn newest<'a>(
        conn: &'a mut Self::Connection,
        table: &'a Table,
    ) -> impl Future<Output = Result<Newest, sqlx::Error>> + Send + 'a;

    #[doc(hidden)]
    fn lock<'a>(
        conn: &'a mut Self::Connection,
        table: &'a Table,
        timeout: Duration,
    ) -> impl Future<Output = Result<Self::Lock, Error>> + Send + 'a;

    #[doc(hidden)]
    fn unlock<'a>(
        conn: &'a mut Self::Connection,
        table: &'a Table,
        lock: Self::Lock,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'a;

    /// Runs SQL text as it is (several statements allowed where the database allows them).
    #[doc(hidden)]
    fn exec<'a>(
        conn: &'a mut Self::Connection,
        sql: &'a str,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'a;

    #[doc(hidden)]
    fn history<'a>(
        conn: &'a mut Self::Connection,
        table: &'a Table,
    ) -> impl Future<Output = Result<Vec<Row>, sqlx::Error>> + Send + 'a;

    #[doc(hidden)]
    fn write<'a>(
        conn: &'a mut Self::Connection,
        table: &'a Table,
        write: Write<'a>,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'a;

    /// The tracking row of a transactional migration as literal SQL, so that the script, the
    /// row and the commit go in one round trip (see `BATCH_BEGIN`); `None` where the database
    /// has no transactional DDL. `duration_ms` is measured by the database.
    #[doc(hidden)]
    fn insert_sql(
        table: &Table,
        version: i64,
        name: &str,
        checksum: &[u8; 32],
        chain: &[u8; 32],
    ) -> Option<String> {
        let _ = (table, version, name, checksum, chain);
        None
    }

    /// Where in the SQL text sent the error points, in characters from 0, when the database
    /// says (PostgreSQL does).
    #[doc(hidden)]
    fn error_position(error: &sqlx::Error) -> Option<usize> {
        let _ = error;
        None
    }

    /// A hint from the database or for its error, when there is one.
    #[doc(hidden)]
    fn error_hint(error: &sqlx::Error) -> Option<String> {
        let _ = error;
        None
    }
}

/// A connection for one operation: from a pool, or borrowed from the caller.
#[doc(hidden)]
pub enum Conn<'c, DB: Database> {
    Pooled(PoolConnection<DB>),
    Borrowed(&'c mut DB::Connection),
}

impl<DB: Database> Conn<'_, DB> {
    pub fn get(&mut self) -> &mut DB::Connection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Borrowed(c) => c,
        }
    }

    /// A pooled connection that may hold a session lock is closed rather than returned, so a
    /// run dropped mid-way (a cancelled future) cannot leave the lock with an idle connection.
    pub(crate) fn close_on_drop(&mut self) {
        if let Conn::Pooled(c) = self {
            c.close_on_drop();
        }
    }
}

/// What the runtime accepts as a database: `&Pool<DB>`, `&mut PoolConnection<DB>` or a
/// `&mut` connection (`PgConnection`, `SqliteConnection`, `MySqlConnection`).
pub trait Connect<'c>: Send {
    /// The database.
    type Database: Driver;

    #[doc(hidden)]
    fn connect(self) -> impl Future<Output = Result<Conn<'c, Self::Database>, sqlx::Error>> + Send;
}

impl<'c, DB: Driver> Connect<'c> for &'c Pool<DB> {
    type Database = DB;

    async fn connect(self) -> Result<Conn<'c, DB>, sqlx::Error> {
        Ok(Conn::Pooled(self.acquire().await?))
    }
}

impl<'c, DB: Driver> Connect<'c> for &'c mut PoolConnection<DB> {
    type Database = DB;

    async fn connect(self) -> Result<Conn<'c, DB>, sqlx::Error> {
        Ok(Conn::Borrowed(&mut **self))
    }
}

/// `impl Connect for &mut <the driver's connection>`.
macro_rules! connect_borrowed {
    ($db:ty, $conn:ty) => {
        impl<'c> $crate::driver::Connect<'c> for &'c mut $conn {
            type Database = $db;

            async fn connect(self) -> Result<$crate::driver::Conn<'c, $db>, sqlx::Error> {
                Ok($crate::driver::Conn::Borrowed(self))
            }
        }
    };
}
pub(crate) use connect_borrowed;

/// What a batch sends before a migration's script; error positions in the batch are shifted
/// by its length (ASCII, so bytes and characters agree).
pub(crate) const BATCH_BEGIN: &str = "BEGIN;\n";

/// Parameters as PostgreSQL writes them (`$1`), rewritten for a database that writes them
/// otherwise: `?1` (SQLite) or `?` (MySQL, in order).
pub(crate) fn params(sql: &str, numbered: bool) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                if numbered {
                    out.push(d);
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The tracking table's reads and writes: the same on every database but for how a query
/// writes its parameters (`$params` rewrites PostgreSQL's `$1`) and reads `applied_at` as text.
macro_rules! tracking_queries {
    ($conn:ty, $params:expr, $applied_at:literal) => {
        async fn history(
            conn: &mut $conn,
            table: &$crate::driver::Table,
        ) -> Result<Vec<$crate::driver::Row>, sqlx::Error> {
            use sqlx::Row as _;
            let sql = format!(
                "SELECT version, name, checksum, chain, {}, duration_ms, success, statements_done, error FROM {} ORDER BY version",
                $applied_at, table.sql
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await?;
            rows.iter()
                .map(|r| {
                    Ok($crate::driver::Row {
                        version: r.try_get(0)?,
                        name: r.try_get(1)?,
                        checksum: r.try_get(2)?,
                        chain: r.try_get(3)?,
                        applied_at: r.try_get(4)?,
                        duration_ms: r.try_get(5)?,
                        success: r.try_get(6)?,
                        statements_done: i64::from(r.try_get::<i32, _>(7)?),
                        error: r.try_get(8)?,
                    })
                })
                .collect()
        }

        async fn write(
            conn: &mut $conn,
            table: &$crate::driver::Table,
            write: $crate::driver::Write<'_>,
        ) -> Result<(), sqlx::Error> {
            use $crate::driver::Write;
            let t = &table.sql;
            let sql = |text: String| sqlx::AssertSqlSafe(($params)(&text));
            let query = match write {
                Write::Insert { version, name, checksum, chain, duration_ms, success } => sqlx::query(sql(format!(
                    "INSERT INTO {t} (version, name, checksum, chain, duration_ms, success) VALUES ($1, $2, $3, $4, $5, $6)"
                )))
                .bind(version)
                .bind(name.to_owned())
                .bind(checksum.to_vec())
                .bind(chain.to_vec())
                .bind(duration_ms)
                .bind(success),
                Write::Progress { version, statements_done, error } => {
                    sqlx::query(sql(format!("UPDATE {t} SET statements_done = $1, error = $2 WHERE version = $3")))
                        .bind(i32::try_from(statements_done).unwrap_or(i32::MAX))
                        .bind(error.map(str::to_owned))
                        .bind(version)
                }
                Write::Finish { version, checksum, chain, duration_ms } => sqlx::query(sql(format!(
                    "UPDATE {t} SET success = TRUE, error = NULL, checksum = $1, chain = $2, duration_ms = $3 WHERE version = $4"
                )))
                .bind(checksum.to_vec())
                .bind(chain.to_vec())
                .bind(duration_ms)
                .bind(version),
                Write::Reseal { version, chain } => {
                    sqlx::query(sql(format!("UPDATE {t} SET chain = $1 WHERE version = $2")))
                        .bind(chain.to_vec())
                        .bind(version)
                }
                Write::Delete { version } => {
                    sqlx::query(sql(format!("DELETE FROM {t} WHERE version = $1"))).bind(version)
                }
            };
            query.execute(conn).await.map(drop)
        }
    };
}
pub(crate) use tracking_queries;

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

/// A row's version, the chain its content and the rows below give (`None` when a checksum
/// is not 32 bytes, which nothing can link), and the chain it carries.
pub(crate) type Link<'a> = (i64, Option<[u8; 32]>, &'a [u8]);

/// The chain each row should carry, computed from the rows themselves in version order (see
/// `migrate_core::checksum::chain`), next to the one it carries.
pub(crate) fn links(rows: &[Row]) -> Vec<Link<'_>> {
    let mut previous = Some(migrate_core::checksum::CHAIN_START);
    rows.iter()
        .map(|row| {
            let expected = previous.zip(<[u8; 32]>::try_from(row.checksum.as_slice()).ok());
            let expected =
                expected.map(|(p, c)| migrate_core::checksum::chain(&p, row.version, &c));
            previous = expected;
            (row.version, expected, row.chain.as_slice())
        })
        .collect()
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
    fn parameters_are_rewritten_per_database() {
        let sql = "UPDATE t SET a = $1, b = '$x' WHERE version = $12";
        assert_eq!(
            params(sql, true),
            "UPDATE t SET a = ?1, b = '$x' WHERE version = ?12"
        );
        assert_eq!(
            params(sql, false),
            "UPDATE t SET a = ?, b = '$x' WHERE version = ?"
        );
    }

    #[test]
    fn identifiers_are_quoted_not_pasted() {
        assert_eq!(quote_with("we\"ird", '"'), "\"we\"\"ird\"");
        assert_eq!(quote_with("a`b", '`'), "`a``b`");
    }
}
