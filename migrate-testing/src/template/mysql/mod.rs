//! MySQL and MariaDB templates. Neither server can clone or rename a database, so the
//! template is built under its final name and counts as complete only when its tracking
//! table's newest row is the template's last migration, finished; a test database is a copy
//! made from the template's catalog: each table from `SHOW CREATE TABLE` with its rows
//! (`INSERT … SELECT`), then routines, views and triggers from their `SHOW CREATE`. Events
//! are not copied, nor the next value of a sequence.

use sqlx::mysql::{MySql, MySqlConnection};
use sqlx::Connection as _;

use super::{Key, Store};
use crate::fresh::{Server, TempDatabase};
use crate::urls::unique_name;
use crate::Error;
use copy::{exec, texts};
use migrate_runtime::__private::tracking::{self, Newest, Table};
use migrate_runtime::{Driver as _, Migrator, DEFAULT_TABLE};

mod copy;

/// How long a process waits for another one to build a template, in seconds.
const LOCK_WAIT: i64 = 3600;

/// The templates on one MySQL or MariaDB server.
pub(crate) struct MySqlStore {
    server: Server<MySql>,
}

impl MySqlStore {
    /// The templates on `server`.
    pub fn new(server: Server<MySql>) -> MySqlStore {
        MySqlStore { server }
    }

    fn failed(&self, what: String) -> impl FnOnce(sqlx::Error) -> Error {
        let what = format!("{what} (on {})", self.server.shown());
        move |source| Error::Database { what, source }
    }
}

impl Store for MySqlStore {
    type DB = MySql;
    type Session = MySqlConnection;

    fn place(&self) -> String {
        format!("on {}", self.server.shown())
    }

    async fn session(&self) -> Result<MySqlConnection, Error> {
        MySqlConnection::connect_with(&self.server.admin)
            .await
            .map_err(self.failed("could not connect to create a test database".to_owned()))
    }

    async fn close(&self, conn: MySqlConnection) {
        // ending the session releases a lock it still holds
        let _ = conn.close().await;
    }

    async fn clone_of(
        &self,
        conn: &mut MySqlConnection,
        key: &Key,
    ) -> Result<Option<TempDatabase<MySql>>, Error> {
        if !self.is_complete(conn, key).await? {
            return Ok(None);
        }
        let template = key.name();
        let name = unique_name();
        exec(conn, &format!("CREATE DATABASE {}", MySql::quote(&name)))
            .await
            .map_err(self.failed(format!("could not create the test database {name}")))?;
        let options = self.server.admin.clone().database(&name);
        let copied = match MySqlConnection::connect_with(&options).await {
            Ok(mut to) => {
                let copied = copy::copy(&mut to, &template).await;
                let _ = to.close().await;
                copied
            }
            Err(e) => Err(e),
        };
        if let Err(e) = copied {
            let drop = format!("DROP DATABASE IF EXISTS {}", MySql::quote(&name));
            let _ = exec(conn, &drop).await;
            return Err(self.failed(format!(
                "could not copy the template {template} into the test database {name}"
            ))(e));
        }
        Ok(Some(self.server.database(name, Some(template))))
    }

    async fn lock(&self, conn: &mut MySqlConnection, key: &Key) -> Result<(), Error> {
        let name = key.lock_name();
        let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, ?)")
            .bind(&name)
            .bind(LOCK_WAIT)
            .fetch_one(conn)
            .await
            .map_err(self.failed(format!("could not lock the templates {name}…")))?;
        if got != Some(1) {
            return Err(Error::Server(format!(
                "another process held the lock of the templates {name}… for {LOCK_WAIT} s ({}): it may be stuck building one; end it and run the tests again",
                self.server.shown()
            )));
        }
        Ok(())
    }

    async fn unlock(&self, conn: &mut MySqlConnection, key: &Key) -> Result<(), Error> {
        sqlx::query("SELECT RELEASE_LOCK(?)")
            .bind(key.lock_name())
            .execute(conn)
            .await
            .map_err(self.failed("could not release the templates' lock".to_owned()))?;
        Ok(())
    }

    /// Whether the template of `key` holds its last migration, finished.
    async fn is_complete(&self, conn: &mut MySqlConnection, key: &Key) -> Result<bool, Error> {
        let table = Table::new::<MySql>(DEFAULT_TABLE, Some(&key.name()))?;
        let newest = tracking::newest::<MySql>(conn, &table)
            .await
            .map_err(self.failed(format!("could not read the template {}", key.name())))?;
        let (version, chain) = key.newest();
        Ok(
            matches!(newest, Newest::Row { version: v, chain: c, success: true }
            if v == version.get() && c == chain),
        )
    }

    async fn names(&self, conn: &mut MySqlConnection, key: &Key) -> Result<Vec<String>, Error> {
        let names = texts(
            conn,
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA",
            &[],
        )
        .await
        .map_err(self.failed("could not list the databases".to_owned()))?;
        Ok(names
            .into_iter()
            .filter_map(|mut row| row.pop().flatten())
            .filter(|name| key.is_of_set(name))
            .collect())
    }

    async fn remove(&self, conn: &mut MySqlConnection, name: &str) -> Result<(), Error> {
        exec(
            conn,
            &format!("DROP DATABASE IF EXISTS {}", MySql::quote(name)),
        )
        .await
        .map_err(self.failed(format!("could not drop the template {name}")))
    }

    async fn build(
        &self,
        conn: &mut MySqlConnection,
        key: &Key,
        migrator: &Migrator,
    ) -> Result<(), Error> {
        let name = key.name();
        exec(conn, &format!("CREATE DATABASE {}", MySql::quote(&name)))
            .await
            .map_err(self.failed(format!("could not create the template {name}")))?;
        let options = self.server.admin.clone().database(&name);
        if let Err(e) = super::apply::<Self::DB>(options, migrator, key, &self.place()).await {
            let _ = self.remove(conn, &name).await;
            return Err(e);
        }
        Ok(())
    }
}
