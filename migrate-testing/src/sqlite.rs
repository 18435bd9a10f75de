//! SQLite: a test database is a file in a temporary directory; the catalog is
//! `sqlite_master`.

use sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqliteConnection};
use sqlx::Row as _;

use crate::fresh::{TempDatabase, TestDriver, Tracked};
use crate::template::{self, sqlite::SqliteStore};
use crate::Error;
use migrate_runtime::{Migrator, Version};

/// Every schema object but SQLite's own (`sqlite_%`, which includes the automatic indexes
/// of UNIQUE and PRIMARY KEY constraints, part of their table's SQL) and the tracking table's.
const CATALOG: &str = "SELECT type, name, sql FROM sqlite_master \
     WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name <> ?1";

impl TestDriver for Sqlite {
    async fn fresh() -> Result<TempDatabase<Sqlite>, Error> {
        crate::fresh_sqlite()
    }

    async fn from_template(
        migrator: &Migrator,
        to: Option<Version>,
    ) -> Result<TempDatabase<Sqlite>, Error> {
        template::migrated(&SqliteStore::new()?, migrator, to).await
    }

    fn with_database(server: &SqliteConnectOptions, name: &str) -> SqliteConnectOptions {
        server.clone().filename(name)
    }

    async fn create_database(_: &mut SqliteConnection, _: &str) -> Result<(), sqlx::Error> {
        Ok(())
    }

    async fn drop_database(_: &mut SqliteConnection, _: &str) -> Result<(), sqlx::Error> {
        Ok(())
    }

    async fn catalog(
        conn: &mut SqliteConnection,
        tracked: &Tracked,
    ) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query(CATALOG)
            .bind(tracked.name.as_str())
            .fetch_all(conn)
            .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get(0)?;
                let name: String = row.try_get(1)?;
                let sql: Option<String> = row.try_get(2)?;
                Ok(format!(
                    "{kind} {name}: {}",
                    normalise(&kind, sql.as_deref().unwrap_or_default())
                ))
            })
            .collect()
    }
}

/// The SQL SQLite keeps, with runs of whitespace made one space. A table's name is left out
/// of its `CREATE TABLE` (the line names it already): `ALTER TABLE ... RENAME TO` rewrites
/// it quoted, so a down script that rebuilds a table under another name and renames it (the
/// way SQLite changes a column) would otherwise differ from the original in quotes alone.
fn normalise(kind: &str, sql: &str) -> String {
    let collapsed = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if kind == "table" {
        if let Some(open) = collapsed.find('(') {
            return format!("CREATE TABLE {}", &collapsed[open..]);
        }
    }
    collapsed
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn a_renamed_table_reads_as_the_original() {
        assert_eq!(
            normalise("table", "CREATE TABLE \"users\"(id int,\n  name text)"),
            normalise("table", "CREATE TABLE users (id int, name text)")
        );
        assert_eq!(
            normalise("index", "CREATE INDEX i\n  ON t (a)"),
            "CREATE INDEX i ON t (a)"
        );
    }
}
