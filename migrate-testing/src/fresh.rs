//! Throwaway databases: a new database per test on a server, or a temporary SQLite file.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::pool::PoolOptions;
use sqlx::{Connection as _, Database, Pool};

use crate::server::io;
use crate::Error;
use migrate_runtime::Driver;
use migrate_runtime::Migrator;

/// The connection options of a database.
pub(crate) type Opts<DB> = <<DB as Database>::Connection as sqlx::Connection>::Options;

/// The variables naming a server where tests may create databases, in the order read.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) const URL_VARIABLES: [&str; 2] = ["MIGRATE_TEST_DATABASE_URL", "DATABASE_URL"];

/// How many connections the pool of a test database opens at most.
const POOL_SIZE: u32 = 5;

mod sealed {
    pub trait Sealed {}
}

/// The tracking table a snapshot leaves out.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct Tracked {
    pub schema: Option<String>,
    pub name: String,
}

/// A database that the testing helpers support: PostgreSQL, SQLite, MySQL/MariaDB.
///
/// Sealed: its methods are what [`TempDatabase`], [`crate::Snapshot`] and
/// [`crate::check_reversible`] use.
pub trait TestDriver: Driver + sealed::Sealed {
    /// A new, empty database (see `fresh_postgres`, `fresh_sqlite`, `fresh_mysql`).
    fn fresh() -> impl Future<Output = Result<TempDatabase<Self>, Error>> + Send;

    #[doc(hidden)]
    fn with_database(server: &Opts<Self>, name: &str) -> Opts<Self>;

    #[doc(hidden)]
    fn create_database<'a>(
        conn: &'a mut Self::Connection,
        name: &'a str,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'a;

    #[doc(hidden)]
    fn drop_database<'a>(
        conn: &'a mut Self::Connection,
        name: &'a str,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'a;

    /// The catalog of the connection's database as text lines, without the tracking table.
    #[doc(hidden)]
    fn catalog<'a>(
        conn: &'a mut Self::Connection,
        tracked: &'a Tracked,
    ) -> impl Future<Output = Result<Vec<String>, sqlx::Error>> + Send + 'a;
}

#[cfg(feature = "mysql")]
impl sealed::Sealed for sqlx::MySql {}
#[cfg(feature = "postgres")]
impl sealed::Sealed for sqlx::Postgres {}
#[cfg(feature = "sqlite")]
impl sealed::Sealed for sqlx::Sqlite {}

/// Where a [`TempDatabase`] lives, and so how it goes away.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
#[derive(Debug)]
enum Place<DB: Database> {
    /// A directory of its own, deleted on drop.
    Dir(PathBuf),
    /// A database on a server, dropped by [`TempDatabase::remove`].
    Server {
        admin: Opts<DB>,
        server: String,
        name: String,
    },
}

/// A throwaway database: a new database on a server, or a SQLite file in a directory of its
/// own.
///
/// A SQLite database is deleted on drop. A database on a server is dropped by
/// [`TempDatabase::remove`] (`#[migrate::test]` calls it after the test body returns); one
/// that is only dropped stays on the server, so that a failed test can be looked into. In
/// the private cluster every database goes when the test process ends.
#[derive(Debug)]
pub struct TempDatabase<DB: Database> {
    options: Opts<DB>,
    url: String,
    place: Place<DB>,
}

impl<DB: TestDriver> TempDatabase<DB> {
    /// A URL for the database (with the server's password, if it has one).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's connection options.
    pub fn options(&self) -> &Opts<DB> {
        &self.options
    }

    /// The database's name on the server, or the SQLite file.
    pub fn name(&self) -> String {
        match &self.place {
            Place::Dir(dir) => dir.join(SQLITE_FILE).display().to_string(),
            Place::Server { name, .. } => name.clone(),
        }
    }

    /// A pool of up to 5 connections to the database.
    pub async fn pool(&self) -> Result<Pool<DB>, Error> {
        PoolOptions::<DB>::new()
            .max_connections(POOL_SIZE)
            .connect_with(self.options.clone())
            .await
            .map_err(|source| Error::Database {
                what: format!(
                    "could not connect to the test database {} (on {})",
                    self.name(),
                    self.server()
                ),
                source,
            })
    }

    /// A pool to the database with every migration of `migrator` applied.
    pub async fn migrated(&self, migrator: &Migrator) -> Result<Pool<DB>, Error> {
        let pool = self.pool().await?;
        migrator.run(&pool).await?;
        Ok(pool)
    }

    /// Drops the database from its server, or deletes the SQLite file. Close its pools
    /// first: PostgreSQL's drop ends the sessions still connected, MySQL's waits for them.
    pub async fn remove(mut self) -> Result<(), Error> {
        let place = std::mem::replace(&mut self.place, Place::Dir(PathBuf::new()));
        match place {
            Place::Dir(dir) => remove_dir(&dir),
            Place::Server {
                admin,
                server,
                name,
            } => {
                let failed = |source| Error::Database {
                    what: format!("could not drop the test database {name} (on {server})"),
                    source,
                };
                let mut conn = DB::Connection::connect_with(&admin).await.map_err(failed)?;
                DB::drop_database(&mut conn, &name).await.map_err(failed)?;
                let _ = conn.close().await;
                Ok(())
            }
        }
    }

    fn server(&self) -> String {
        match &self.place {
            Place::Dir(dir) => dir.display().to_string(),
            Place::Server { server, .. } => server.clone(),
        }
    }
}

impl<DB: Database> Drop for TempDatabase<DB> {
    fn drop(&mut self) {
        if let Place::Dir(dir) = &self.place {
            if !dir.as_os_str().is_empty() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
}

/// A pool type that `#[migrate::test]` can hand to a test: `PgPool`, `SqlitePool`,
/// `MySqlPool`. The parameter's type picks the database.
#[diagnostic::on_unimplemented(
    message = "`#[migrate::test]` cannot give a test a `{Self}`",
    label = "not a pool of a database `migrate` supports",
    note = "take a `PgPool`, `SqlitePool` or `MySqlPool` (from `migrate::sqlx`), with the matching feature of `migrate` on"
)]
pub trait TestPool: Sized + Clone + Send + 'static {
    /// The database.
    type Database: TestDriver;

    /// A fresh database with every migration of `migrator` applied, and a pool to it.
    fn fresh(
        migrator: &Migrator,
    ) -> impl Future<Output = Result<(Self, TempDatabase<Self::Database>), Error>> + Send + '_;

    /// Closes the pool's connections.
    fn close(&self) -> impl Future<Output = ()> + Send + '_;
}

impl<DB: TestDriver> TestPool for Pool<DB> {
    type Database = DB;

    async fn fresh(migrator: &Migrator) -> Result<(Self, TempDatabase<DB>), Error> {
        let db = DB::fresh().await?;
        let pool = db.migrated(migrator).await?;
        Ok((pool, db))
    }

    async fn close(&self) {
        Pool::close(self).await;
    }
}

/// Creates a uniquely named database on the server that `admin` connects to.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) async fn create_on<DB: TestDriver>(
    admin: Opts<DB>,
    url: &str,
) -> Result<TempDatabase<DB>, Error> {
    let name = unique_name();
    create_named::<DB>(admin.clone(), url, &name).await?;
    Ok(TempDatabase {
        options: DB::with_database(&admin, &name),
        url: with_path(url, &name),
        place: Place::Server {
            admin,
            server: without_password(url),
            name,
        },
    })
}

/// Creates database `name` on the server that `admin` connects to (`url`, for messages).
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) async fn create_named<DB: TestDriver>(
    admin: Opts<DB>,
    url: &str,
    name: &str,
) -> Result<(), Error> {
    let server = without_password(url);
    let failed = |what: String| {
        let what = format!("{what} (on {server})");
        move |source| Error::Database { what, source }
    };
    let mut conn = DB::Connection::connect_with(&admin).await.map_err(failed(
        "could not connect to create a test database".to_owned(),
    ))?;
    DB::create_database(&mut conn, name)
        .await
        .map_err(failed(format!("could not create the test database {name}")))?;
    let _ = conn.close().await;
    Ok(())
}

/// The URL of a server for `DB` from the environment: the first of [`URL_VARIABLES`] whose
/// scheme is one of `schemes`.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) fn server_url(schemes: &[&str]) -> Option<String> {
    URL_VARIABLES.iter().find_map(|var| {
        let url = std::env::var(var).ok()?;
        let scheme = url.split(':').next()?;
        schemes.contains(&scheme).then_some(url)
    })
}

/// A database name no other test of any process uses at the same time.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("migrate_test_{}_{n}_{nanos:09}", std::process::id())
}

/// `url` with its path (the database) replaced by `name`; the query stays.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
fn with_path(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// A URL as shown in messages: without the password.
pub(crate) fn without_password(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => {
            let userinfo = &url[start..start + at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}@{}", &url[..start], &url[start + at + 1..])
        }
        None => url.to_owned(),
    }
}

/// The file of a SQLite test database, inside its own directory.
const SQLITE_FILE: &str = "test.sqlite3";

fn remove_dir(dir: &Path) -> Result<(), Error> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("remove", dir, e)),
        _ => Ok(()),
    }
}

/// A new PostgreSQL database: on the server of `MIGRATE_TEST_DATABASE_URL` (or
/// `DATABASE_URL`) when one of them is a `postgres://` URL, else in a private cluster that
/// this process starts once from the machine's PostgreSQL binaries (see
/// [`crate::TempPostgres`]) and that goes when the process ends.
///
/// The first call may block for a few seconds while the cluster starts.
#[cfg(feature = "postgres")]
pub async fn fresh_postgres() -> Result<TempDatabase<sqlx::Postgres>, Error> {
    <sqlx::Postgres as TestDriver>::fresh().await
}

/// A new MySQL or MariaDB database on the server of `MIGRATE_TEST_DATABASE_URL` (or
/// `DATABASE_URL`) when one of them is a `mysql://` or `mariadb://` URL (the user needs the
/// right to create databases), else on a private MariaDB server that this process starts once
/// from the machine's binaries (see [`crate::TempMariaDb`]) and that goes when the process
/// ends. [`Error::Unavailable`] without either.
#[cfg(feature = "mysql")]
pub async fn fresh_mysql() -> Result<TempDatabase<sqlx::MySql>, Error> {
    <sqlx::MySql as TestDriver>::fresh().await
}

/// A new SQLite database in a file of its own temporary directory, deleted on drop.
#[cfg(feature = "sqlite")]
pub fn fresh_sqlite() -> Result<TempDatabase<sqlx::Sqlite>, Error> {
    let dir = crate::server::temp_dir("migrate-sqlite")?;
    let file = dir.join(SQLITE_FILE);
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&file)
        .create_if_missing(true);
    Ok(TempDatabase {
        options,
        url: format!("sqlite://{}?mode=rwc", file.display()),
        place: Place::Dir(dir),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_take_the_database_name() {
        assert_eq!(
            with_path("postgres://u:p@h:5432/app?sslmode=disable", "t"),
            "postgres://u:p@h:5432/t?sslmode=disable"
        );
        assert_eq!(with_path("postgres://h", "t"), "postgres://h/t");
        assert_eq!(
            with_path("mysql://root@h:3306/", "t"),
            "mysql://root@h:3306/t"
        );
    }

    #[test]
    fn shown_urls_have_no_password() {
        assert_eq!(
            without_password("postgres://u:secret@h/app"),
            "postgres://u@h/app"
        );
        assert_eq!(without_password("postgres://h/app"), "postgres://h/app");
    }
}
