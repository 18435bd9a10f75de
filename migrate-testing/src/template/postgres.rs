//! PostgreSQL templates: a database built once under the set's advisory lock, renamed into
//! place when complete, closed to connections and marked as a template; every test database
//! is `CREATE DATABASE … TEMPLATE` of it.

use sqlx::postgres::{PgConnection, PgDatabaseError, Postgres};
use sqlx::{AssertSqlSafe, Connection as _, Row as _};

use super::{Key, Store};
use crate::fresh::{Server, TempDatabase};
use crate::urls::unique_name;
use crate::Error;
use migrate_runtime::{Driver as _, Migrator};

/// The first key of the set locks (`pg_advisory_lock(int, int)`): ours, apart from the
/// runtime's locks, which take one `bigint`.
const LOCK_CLASS: i32 = 0x6d74_706c;

/// The templates on one PostgreSQL server.
pub(crate) struct PgStore {
    server: Server<Postgres>,
}

impl PgStore {
    /// The templates on `server`.
    pub fn new(server: Server<Postgres>) -> PgStore {
        PgStore { server }
    }

    fn failed(&self, what: String) -> impl FnOnce(sqlx::Error) -> Error {
        let what = format!("{what} (on {})", self.server.shown());
        move |source| Error::Database { what, source }
    }
}

impl Store for PgStore {
    type DB = Postgres;
    type Session = PgConnection;

    fn place(&self) -> String {
        format!("on {}", self.server.shown())
    }

    async fn session(&self) -> Result<PgConnection, Error> {
        PgConnection::connect_with(&self.server.admin)
            .await
            .map_err(self.failed("could not connect to create a test database".to_owned()))
    }

    async fn close(&self, conn: PgConnection) {
        // ending the session releases a lock it still holds
        let _ = conn.close().await;
    }

    async fn clone_of(
        &self,
        conn: &mut PgConnection,
        key: &Key,
    ) -> Result<Option<TempDatabase<Postgres>>, Error> {
        let template = key.name();
        let name = unique_name();
        let strategy = if copies_files(conn).await {
            " STRATEGY FILE_COPY"
        } else {
            ""
        };
        let sql = format!(
            "CREATE DATABASE {} TEMPLATE {}{strategy}",
            Postgres::quote(&name),
            Postgres::quote(&template)
        );
        let mut created = exec(conn, &sql).await;
        if created.as_ref().is_err_and(|e| code(e) == Some("55006")) {
            // "source database is being accessed by other users": the template takes no new
            // connections, but a session from before that may be there (someone had a look)
            let _ = terminate(conn, &template).await;
            created = exec(conn, &sql).await;
        }
        match created {
            Ok(()) => Ok(Some(self.server.database(name, Some(template)))),
            // invalid_catalog_name: no template (yet, or any more)
            Err(e) if code(&e) == Some("3D000") => Ok(None),
            Err(e) => Err(self.failed(format!(
                "could not create the test database {name} from the template {template}"
            ))(e)),
        }
    }

    async fn lock(&self, conn: &mut PgConnection, key: &Key) -> Result<(), Error> {
        // Waits on the server, however long the other build takes; a builder that dies ends
        // its session, and so releases the lock.
        sqlx::query("SELECT pg_advisory_lock($1, $2)")
            .bind(LOCK_CLASS)
            .bind(key.lock_id())
            .execute(conn)
            .await
            .map_err(self.failed(format!("could not lock the templates {}…", key.lock_name())))?;
        Ok(())
    }

    async fn unlock(&self, conn: &mut PgConnection, key: &Key) -> Result<(), Error> {
        sqlx::query("SELECT pg_advisory_unlock($1, $2)")
            .bind(LOCK_CLASS)
            .bind(key.lock_id())
            .execute(conn)
            .await
            .map_err(self.failed("could not release the templates' lock".to_owned()))?;
        Ok(())
    }

    async fn is_complete(&self, conn: &mut PgConnection, key: &Key) -> Result<bool, Error> {
        // under its final name a template is complete: it is renamed there when it is
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(key.name())
            .fetch_one(conn)
            .await
            .map_err(self.failed("could not list the databases".to_owned()))
    }

    async fn names(&self, conn: &mut PgConnection, key: &Key) -> Result<Vec<String>, Error> {
        let rows = sqlx::query("SELECT datname::text FROM pg_database")
            .fetch_all(conn)
            .await
            .map_err(self.failed("could not list the databases".to_owned()))?;
        Ok(rows
            .iter()
            .filter_map(|row| row.try_get::<String, _>(0).ok())
            .filter(|name| key.is_of_set(name))
            .collect())
    }

    async fn remove(&self, conn: &mut PgConnection, name: &str) -> Result<(), Error> {
        let quoted = Postgres::quote(name);
        // a template cannot be dropped; one that does not exist is fine
        let unmarked = exec(conn, &format!("ALTER DATABASE {quoted} IS_TEMPLATE false")).await;
        if let Err(e) = unmarked {
            if code(&e) != Some("3D000") {
                return Err(self.failed(format!("could not drop the template {name}"))(
                    e,
                ));
            }
        }
        exec(
            conn,
            &format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"),
        )
        .await
        .map_err(self.failed(format!("could not drop the template {name}")))
    }

    async fn build(
        &self,
        conn: &mut PgConnection,
        key: &Key,
        migrator: &Migrator,
    ) -> Result<(), Error> {
        let building = key.building();
        let quoted = Postgres::quote(&building);
        exec(conn, &format!("CREATE DATABASE {quoted}"))
            .await
            .map_err(self.failed(format!("could not create the template {building}")))?;
        // Its commits need not wait for the disk: the rename below, on a session that waits,
        // makes the whole build durable at once (the WAL is one sequence).
        let options = self
            .server
            .admin
            .clone()
            .database(&building)
            .options([("synchronous_commit", "off")]);
        if let Err(e) = super::apply::<Self::DB>(options, migrator, key, &self.place()).await {
            let _ = self.remove(conn, &building).await;
            return Err(e);
        }
        // Closed to connections before it gets its name, so none can stop a clone; marked
        // as a template, so a role without superuser rights may clone it too. Then renamed:
        // only a complete template has the name that clones look for.
        let _ = terminate(conn, &building).await;
        for sql in [
            format!("ALTER DATABASE {quoted} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true"),
            format!(
                "ALTER DATABASE {quoted} RENAME TO {}",
                Postgres::quote(&key.name())
            ),
        ] {
            exec(conn, &sql)
                .await
                .map_err(self.failed(format!("could not finish the template {building}")))?;
        }
        Ok(())
    }
}

async fn exec(conn: &mut PgConnection, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await?;
    Ok(())
}

/// Whether a clone copies the template's files (`STRATEGY FILE_COPY`) rather than its blocks
/// through the WAL, PostgreSQL 15's default: where `fsync` is off, as in the private cluster.
/// There a file copy is about 1.5 times faster (BENCHMARKS.md, "Test databases"); with
/// `fsync` on its two checkpoints per clone write and sync all the server holds dirty, a cost
/// to every session on it. Before 15 a file copy is the only way.
async fn copies_files(conn: &mut PgConnection) -> bool {
    if conn.server_version_num().is_none_or(|v| v < 150_000) {
        return false;
    }
    sqlx::query_scalar::<_, String>("SELECT current_setting('fsync')")
        .fetch_one(conn)
        .await
        .is_ok_and(|fsync| fsync == "off")
}

/// Ends every other session connected to database `name`.
async fn terminate(conn: &mut PgConnection, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(name)
    .execute(conn)
    .await?;
    Ok(())
}

/// The SQLSTATE of a database error.
fn code(error: &sqlx::Error) -> Option<&str> {
    match error {
        sqlx::Error::Database(e) => e
            .try_downcast_ref::<PgDatabaseError>()
            .map(PgDatabaseError::code),
        _ => None,
    }
}
