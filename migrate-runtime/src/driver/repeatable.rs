//! The table of repeatable migrations, `<table>_repeatable` beside the tracking table: one row
//! per name with the checksum last applied (or being applied). It is created only when a run
//! first applies a repeatable migration, so a set without them adds no table.

use super::tracking::{Row, Table};
use super::Driver;

/// The suffix of the table's name.
pub(crate) const SUFFIX: &str = "_repeatable";

/// The table beside `tracking`.
pub(crate) fn table<DB: Driver>(tracking: &Table) -> Table {
    tracking.sibling::<DB>(SUFFIX)
}

/// One row: a repeatable migration as the database last applied it, or is applying it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Applied {
    /// Its name.
    pub name: String,
    /// The checksum of the script applied (or being applied, while not `success`).
    pub checksum: Vec<u8>,
    /// The hash of the statements done of a script run statement by statement (see
    /// `engine::validate::statements_hash`).
    pub done_hash: Vec<u8>,
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

impl Applied {
    /// A row read through the tracking table's decoder (see [`history_sql`]).
    pub(crate) fn from_row(row: Row) -> Self {
        Self {
            name: row.name,
            checksum: row.checksum,
            done_hash: row.chain,
            applied_at_micros: row.applied_at_micros,
            duration_ms: row.duration_ms,
            success: row.success,
            statements_done: row.statements_done,
            error: row.error,
        }
    }
}

/// A change to the table.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Write<'a> {
    /// The row of `name` starts over: applied (`success`, with the script in its
    /// transaction), or started statement by statement. `duration_ms` is SQL.
    Start {
        name: &'a str,
        checksum: &'a [u8; 32],
        duration_ms: &'a str,
        success: bool,
    },
    /// Progress of a script run statement by statement; `error` when it stopped on one.
    Progress {
        name: &'a str,
        statements_done: i64,
        done_hash: &'a [u8; 32],
        error: Option<&'a str>,
    },
    /// The script run statement by statement finished.
    Finish { name: &'a str, duration_ms: i64 },
}

/// `CREATE TABLE` of the table.
pub(crate) fn create_sql<DB: Driver>(table: &Table) -> String {
    let t = DB::TYPES;
    format!(
        "CREATE TABLE IF NOT EXISTS {} (name {} NOT NULL PRIMARY KEY, checksum {bytes} NOT NULL, \
         done_hash {bytes} NOT NULL, applied_at {}, duration_ms {} NOT NULL DEFAULT 0, \
         success {} NOT NULL, statements_done {} NOT NULL DEFAULT 0, error {})",
        table.sql,
        t.name,
        t.applied_at,
        t.bigint,
        t.boolean,
        t.int,
        t.text,
        bytes = t.bytes,
    )
}

/// Every row, by name, in the column order of the tracking table's rows, so that
/// `Driver::fetch_rows` decodes them (`duration_ms` stands in for the version, which a
/// repeatable migration has not, and is ignored).
pub(crate) fn history_sql<DB: Driver>(table: &Table) -> String {
    format!(
        "SELECT duration_ms, name, checksum, done_hash, {}, duration_ms, success, \
         statements_done, error FROM {} ORDER BY name",
        DB::TYPES.applied_at_micros,
        table.sql
    )
}

/// The rows `sql` (a [`history_sql`], perhaps prefixed) reads; `None` when the table does not
/// exist (reads create nothing).
pub(crate) async fn fetch<DB: Driver>(
    conn: &mut DB::Connection,
    sql: &str,
) -> Result<Option<Vec<Applied>>, sqlx::Error> {
    match DB::fetch_rows(conn, sql).await {
        Err(e) if DB::is_undefined_table(&e) => Ok(None),
        Err(e) => Err(e),
        Ok(rows) => Ok(Some(rows.into_iter().map(Applied::from_row).collect())),
    }
}

/// The SQL of one change.
pub(crate) fn write_sql<DB: Driver>(table: &Table, write: Write<'_>) -> String {
    let t = &table.sql;
    match write {
        Write::Start {
            name,
            checksum,
            duration_ms,
            success,
        } => {
            let name = DB::text_literal(name);
            // a row per name, whatever was there: delete and insert work the same everywhere
            format!(
                "DELETE FROM {t} WHERE name = {name};\nINSERT INTO {t} (name, checksum, done_hash, \
                 duration_ms, success) VALUES ({name}, {}, {}, {duration_ms}, {})",
                DB::bytes_literal(checksum),
                DB::bytes_literal(&migrate_core::checksum::CHAIN_START),
                if success { "TRUE" } else { "FALSE" }
            )
        }
        Write::Progress {
            name,
            statements_done,
            done_hash,
            error,
        } => format!(
            "UPDATE {t} SET statements_done = {}, done_hash = {}, error = {} WHERE name = {}",
            i32::try_from(statements_done).unwrap_or(i32::MAX),
            DB::bytes_literal(done_hash),
            error.map_or_else(|| "NULL".to_owned(), DB::text_literal),
            DB::text_literal(name)
        ),
        Write::Finish { name, duration_ms } => format!(
            "UPDATE {t} SET success = TRUE, error = NULL, duration_ms = {duration_ms} WHERE name = {}",
            DB::text_literal(name)
        ),
    }
}
