//! MySQL and MariaDB: test databases on the server of the environment's URL; the catalog
//! from `information_schema`.

use std::str::FromStr as _;

use sqlx::mysql::{MySql, MySqlConnectOptions, MySqlConnection};
use sqlx::{AssertSqlSafe, Row as _};

use crate::fresh::{Server, TempDatabase, TestDriver, Tracked};
use crate::template::{self, mysql::MySqlStore};
use crate::{urls, Error};
use migrate_runtime::{Driver as _, Migrator, Version};

/// The catalog of the current database as text lines, one query per kind of object; `?` is
/// the tracking table. Column order is not compared, as on PostgreSQL.
const CATALOG: [(&str, bool); 8] = [
    (
        "SELECT CAST(CONCAT('table ', TABLE_NAME, ' ', LOWER(TABLE_TYPE)) AS CHAR) \
         FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> ?",
        true,
    ),
    (
        "SELECT CAST(CONCAT('column ', TABLE_NAME, '.', COLUMN_NAME, ' ', COLUMN_TYPE, \
         IF(IS_NULLABLE = 'NO', ' not null', ''), IFNULL(CONCAT(' default ', COLUMN_DEFAULT), ''), \
         IF(EXTRA <> '', CONCAT(' ', EXTRA), ''), IFNULL(CONCAT(' collate ', COLLATION_NAME), '')) AS CHAR) \
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> ?",
        true,
    ),
    (
        "SELECT CAST(CONCAT('index ', TABLE_NAME, '.', INDEX_NAME, IF(NON_UNIQUE = 0, ' unique', ''), ' ', \
         INDEX_TYPE, ' (', GROUP_CONCAT(CONCAT(IFNULL(COLUMN_NAME, '?'), IFNULL(CONCAT('(', SUB_PART, ')'), '')) \
         ORDER BY SEQ_IN_INDEX SEPARATOR ', '), ')') AS CHAR) \
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> ? \
         GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE, INDEX_TYPE",
        true,
    ),
    (
        "SELECT CAST(CONCAT('constraint ', TABLE_NAME, '.', CONSTRAINT_NAME, ' ', CONSTRAINT_TYPE) AS CHAR) \
         FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME <> ?",
        true,
    ),
    (
        "SELECT CAST(CONCAT('foreign key ', k.TABLE_NAME, '.', k.CONSTRAINT_NAME, ' (', \
         GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ', '), ') references ', \
         k.REFERENCED_TABLE_NAME, ' (', GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ', '), \
         ') on update ', r.UPDATE_RULE, ' on delete ', r.DELETE_RULE) AS CHAR) \
         FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
         ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME \
         WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL AND k.TABLE_NAME <> ? \
         GROUP BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.REFERENCED_TABLE_NAME, r.UPDATE_RULE, r.DELETE_RULE",
        true,
    ),
    (
        "SELECT CAST(CONCAT('view ', TABLE_NAME, ': ', VIEW_DEFINITION) AS CHAR) \
         FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()",
        false,
    ),
    (
        "SELECT CAST(CONCAT(LOWER(ROUTINE_TYPE), ' ', ROUTINE_NAME, ': ', IFNULL(ROUTINE_DEFINITION, '')) AS CHAR) \
         FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()",
        false,
    ),
    (
        "SELECT CAST(CONCAT('trigger ', TRIGGER_NAME, ' ', ACTION_TIMING, ' ', EVENT_MANIPULATION, ' on ', \
         EVENT_OBJECT_TABLE, ': ', ACTION_STATEMENT) AS CHAR) \
         FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()",
        false,
    ),
];

impl TestDriver for MySql {
    async fn fresh() -> Result<TempDatabase<MySql>, Error> {
        server()?.fresh().await
    }

    async fn from_template(
        migrator: &Migrator,
        to: Option<Version>,
    ) -> Result<TempDatabase<MySql>, Error> {
        template::migrated(&MySqlStore::new(server()?), migrator, to).await
    }

    fn with_database(server: &MySqlConnectOptions, name: &str) -> MySqlConnectOptions {
        server.clone().database(name)
    }

    async fn create_database(conn: &mut MySqlConnection, name: &str) -> Result<(), sqlx::Error> {
        let sql = format!("CREATE DATABASE {}", MySql::quote(name));
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await?;
        Ok(())
    }

    async fn drop_database(conn: &mut MySqlConnection, name: &str) -> Result<(), sqlx::Error> {
        let sql = format!("DROP DATABASE IF EXISTS {}", MySql::quote(name));
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await?;
        Ok(())
    }

    async fn catalog(
        conn: &mut MySqlConnection,
        tracked: &Tracked,
    ) -> Result<Vec<String>, sqlx::Error> {
        let mut lines = Vec::new();
        for (sql, binds_table) in CATALOG {
            let mut query = sqlx::query(sql);
            if binds_table {
                query = query.bind(tracked.name.as_str());
            }
            for row in query.fetch_all(&mut *conn).await? {
                // CONCAT gives NULL when a part is NULL: such a row has nothing to compare
                if let Some(line) = row.try_get::<Option<String>, _>(0)? {
                    lines.push(line);
                }
            }
        }
        Ok(lines)
    }
}

/// The server of `MIGRATE_TEST_DATABASE_URL` (or `DATABASE_URL`) when one of them is a
/// `mysql://` or `mariadb://` URL, else this process's private MariaDB server.
fn server() -> Result<Server<MySql>, Error> {
    let Some(url) = urls::server_url(&["mysql", "mariadb"]) else {
        static SERVER: crate::server::Shared<crate::TempMariaDb> = crate::server::Shared::new();
        let server = crate::server::shared(&SERVER, crate::TempMariaDb::start, "MariaDB")?;
        return Ok(server.server());
    };
    let admin = MySqlConnectOptions::from_str(&url).map_err(|source| Error::Database {
        what: format!(
            "the test server's URL {} is not usable",
            urls::without_password(&url)
        ),
        source,
    })?;
    Ok(Server {
        admin,
        url,
        private: false,
    })
}
