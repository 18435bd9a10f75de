//! The tracking table, defined once for every database: its name, its DDL, its reads and its
//! writes, rendered as literal SQL with each database's quoting, literals and column types.

use super::Driver;
use crate::error::Error;

/// The tracking table's name, checked and quoted for one database.
#[derive(Clone, Debug)]
pub struct Table {
    /// The name as given.
    pub name: String,
    /// The schema (PostgreSQL) or database (MySQL): as given, or as resolved on the
    /// connection; `None` before resolving, and always on SQLite.
    pub schema: Option<String>,
    /// The name as it goes into SQL text: quoted, and qualified when `schema` is known.
    pub sql: String,
    /// The qualified name, unquoted: what the lock is keyed on and messages show.
    pub key: String,
}

impl Table {
    /// The table `name` in `schema` (default: the connection's), checked and quoted.
    pub fn new<DB: Driver>(name: &str, schema: Option<&str>) -> Result<Table, Error> {
        let check = |what: &'static str, name: &str| {
            if name.is_empty() || name.len() > 63 || name.contains('\0') {
                Err(Error::InvalidIdentifier {
                    what,
                    name: name.to_owned(),
                })
            } else {
                Ok(())
            }
        };
        check("name", name)?;
        if let Some(schema) = schema {
            check("schema", schema)?;
        }
        Ok(Self::quoted::<DB>(name, schema.map(str::to_owned)))
    }

    fn quoted<DB: Driver>(name: &str, schema: Option<String>) -> Table {
        let (sql, key) = match &schema {
            Some(schema) => (
                format!("{}.{}", DB::quote(schema), DB::quote(name)),
                format!("{schema}.{name}"),
            ),
            None => (DB::quote(name), name.to_owned()),
        };
        Table {
            name: name.to_owned(),
            schema,
            sql,
            key,
        }
    }

    /// The same table qualified with the schema it resolves to on `conn`, so that every
    /// runner keys the lock on the same name however it spelled the table, and a migration
    /// that changes the session's search path cannot hide it.
    pub async fn resolve<DB: Driver>(&self, conn: &mut DB::Connection) -> Result<Table, Error> {
        if self.schema.is_some() {
            return Ok(self.clone());
        }
        let schema = DB::resolve_schema(conn, &self.name).await?;
        Ok(Self::quoted::<DB>(&self.name, schema))
    }

    /// A table beside this one, named `<name><suffix>` in the same schema.
    pub fn sibling<DB: Driver>(&self, suffix: &str) -> Table {
        Self::quoted::<DB>(&format!("{}{suffix}", self.name), self.schema.clone())
    }
}

/// The newest row of the tracking table: all the fast path reads. Its chain was written from
/// the set that applied it and covers every version and checksum below it; rows edited by hand
/// are found by the full validation of the next run that has work to do (and by `status`), not
/// by the fast path, which stays one row whatever the history's length.
#[derive(Debug, PartialEq, Eq)]
pub enum Newest {
    /// No tracking table yet.
    NoTable,
    /// The table is empty.
    Empty,
    /// The newest row.
    Row {
        /// Its version.
        version: i64,
        /// Its chain.
        chain: Vec<u8>,
        /// Whether it finished.
        success: bool,
    },
}

/// One row of the tracking table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    /// The migration's version.
    pub version: i64,
    /// Its description.
    pub name: String,
    /// The checksum of the script applied.
    pub checksum: Vec<u8>,
    /// The chain at this row, as the set that wrote it computed it.
    pub chain: Vec<u8>,
    /// When it was applied, in microseconds since the Unix epoch.
    pub applied_at_micros: i64,
    /// How long it took.
    pub duration_ms: i64,
    /// Whether it finished.
    pub success: bool,
    /// Statements done of a script run statement by statement.
    pub statements_done: i64,
    /// The error it stopped on, if it failed.
    pub error: Option<String>,
}

/// A change to the tracking table.
#[derive(Clone, Copy, Debug)]
pub enum Write<'a> {
    /// A new row; `duration_ms` is SQL (a number, or an expression the database evaluates).
    Insert {
        /// The migration's version.
        version: i64,
        /// Its description.
        name: &'a str,
        /// The checksum applied.
        checksum: &'a [u8; 32],
        /// The chain at this migration.
        chain: &'a [u8; 32],
        /// How long it took, as SQL.
        duration_ms: &'a str,
        /// Whether it finished.
        success: bool,
    },
    /// Progress of a script run statement by statement; `error` when it stopped on one.
    Progress {
        /// The migration's version.
        version: i64,
        /// Statements done.
        statements_done: i64,
        /// The hash of the statements done, kept in `chain` while the row is dirty (see
        /// `engine::validate::statements_hash`).
        done_hash: &'a [u8; 32],
        /// The error it stopped on.
        error: Option<&'a str>,
    },
    /// A row becomes a successfully applied migration with this content.
    Finish {
        /// The migration's version.
        version: i64,
        /// The checksum applied.
        checksum: &'a [u8; 32],
        /// The chain at this migration.
        chain: &'a [u8; 32],
        /// How long it took.
        duration_ms: i64,
    },
    /// A row takes the chain of the current set (after out-of-order or forced rows).
    Reseal {
        /// The row's version.
        version: i64,
        /// Its new chain.
        chain: &'a [u8; 32],
    },
    /// A row goes.
    Delete {
        /// The row's version.
        version: i64,
    },
}

/// `CREATE TABLE` of the tracking table.
pub fn create_sql<DB: Driver>(table: &Table) -> String {
    let t = DB::TYPES;
    format!(
        "CREATE TABLE IF NOT EXISTS {} (version {} NOT NULL PRIMARY KEY, name {} NOT NULL, \
         checksum {bytes} NOT NULL, chain {bytes} NOT NULL, applied_at {}, \
         duration_ms {} NOT NULL DEFAULT 0, success {} NOT NULL, \
         statements_done {} NOT NULL DEFAULT 0, error {})",
        table.sql,
        t.bigint,
        t.name,
        t.applied_at,
        t.bigint,
        t.boolean,
        t.int,
        t.text,
        bytes = t.bytes,
    )
}

/// The fast path's query: the newest row's version, chain and success.
pub fn newest_sql(table: &Table) -> String {
    format!(
        "SELECT version, chain, success FROM {} ORDER BY version DESC LIMIT 1",
        table.sql
    )
}

/// Every row, oldest first, in the column order [`Driver::fetch_rows`] reads.
pub fn history_sql<DB: Driver>(table: &Table) -> String {
    format!(
        "SELECT version, name, checksum, chain, {}, duration_ms, success, statements_done, error \
         FROM {} ORDER BY version",
        DB::TYPES.applied_at_micros,
        table.sql
    )
}

/// The SQL of one change to the tracking table.
pub fn write_sql<DB: Driver>(table: &Table, write: Write<'_>) -> String {
    let t = &table.sql;
    let bool_sql = |b: bool| if b { "TRUE" } else { "FALSE" };
    match write {
        Write::Insert {
            version,
            name,
            checksum,
            chain,
            duration_ms,
            success,
        } => format!(
            "INSERT INTO {t} (version, name, checksum, chain, duration_ms, success) \
             VALUES ({version}, {}, {}, {}, {duration_ms}, {})",
            DB::text_literal(name),
            DB::bytes_literal(checksum),
            DB::bytes_literal(chain),
            bool_sql(success)
        ),
        Write::Progress {
            version,
            statements_done,
            done_hash,
            error,
        } => format!(
            "UPDATE {t} SET statements_done = {}, chain = {}, error = {} WHERE version = {version}",
            i32::try_from(statements_done).unwrap_or(i32::MAX),
            DB::bytes_literal(done_hash),
            error.map_or_else(|| "NULL".to_owned(), DB::text_literal)
        ),
        Write::Finish {
            version,
            checksum,
            chain,
            duration_ms,
        } => format!(
            "UPDATE {t} SET success = TRUE, error = NULL, checksum = {}, chain = {}, \
             duration_ms = {duration_ms} WHERE version = {version}",
            DB::bytes_literal(checksum),
            DB::bytes_literal(chain)
        ),
        Write::Reseal { version, chain } => format!(
            "UPDATE {t} SET chain = {} WHERE version = {version}",
            DB::bytes_literal(chain)
        ),
        Write::Delete { version } => format!("DELETE FROM {t} WHERE version = {version}"),
    }
}

/// Runs one change to the tracking table; the number of rows it changed.
pub async fn write<DB: Driver>(
    conn: &mut DB::Connection,
    table: &Table,
    write: Write<'_>,
) -> Result<u64, sqlx::Error> {
    DB::exec(conn, &write_sql::<DB>(table, write)).await
}

/// The newest row, or why there is none.
pub async fn newest<DB: Driver>(
    conn: &mut DB::Connection,
    table: &Table,
) -> Result<Newest, sqlx::Error> {
    newest_from::<DB>(conn, &newest_sql(table)).await
}

/// The newest row as `sql` (a [`newest_sql`], perhaps prefixed) reads it.
pub async fn newest_from<DB: Driver>(
    conn: &mut DB::Connection,
    sql: &str,
) -> Result<Newest, sqlx::Error> {
    match DB::fetch_newest(conn, sql).await {
        Ok(Some((version, chain, success))) => Ok(Newest::Row {
            version,
            chain,
            success,
        }),
        Ok(None) => Ok(Newest::Empty),
        Err(e) if DB::is_undefined_table(&e) => Ok(Newest::NoTable),
        Err(e) => Err(e),
    }
}

/// Every row, oldest first.
pub async fn history<DB: Driver>(
    conn: &mut DB::Connection,
    table: &Table,
) -> Result<Vec<Row>, sqlx::Error> {
    DB::fetch_rows(conn, &history_sql::<DB>(table)).await
}

/// Every row, oldest first; none when the table does not exist (reads create nothing).
pub async fn history_if_any<DB: Driver>(
    conn: &mut DB::Connection,
    table: &Table,
) -> Result<Vec<Row>, sqlx::Error> {
    match history::<DB>(conn, table).await {
        Err(e) if DB::is_undefined_table(&e) => Ok(Vec::new()),
        other => other,
    }
}

/// Creates the tracking table when `newest` says it is missing: a role with rights on an
/// existing table but none to create tables can still migrate.
pub async fn ensure<DB: Driver>(
    conn: &mut DB::Connection,
    table: &Table,
    newest: &Newest,
) -> Result<(), sqlx::Error> {
    if *newest == Newest::NoTable {
        DB::exec(conn, &create_sql::<DB>(table)).await?;
    }
    Ok(())
}

/// A row's version, the chain its content and the rows below give (`None` when a checksum
/// is not 32 bytes, which nothing can link), and the chain it carries.
pub type Link<'a> = (i64, Option<[u8; 32]>, &'a [u8]);

/// The chain each row should carry, computed from the rows themselves in version order (see
/// `migrate_core::checksum::chain`), next to the one it carries.
pub fn links(rows: &[Row]) -> Vec<Link<'_>> {
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
