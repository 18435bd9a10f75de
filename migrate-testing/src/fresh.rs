//! Throwaway databases: a new database per test on a server, or a temporary SQLite file —
//! empty, or cloned from the template of a migration set (see `template`).

use std::future::Future;
use std::path::{Path, PathBuf};

use sqlx::pool::PoolOptions;
use sqlx::{Connection as _, Database, Pool};

use crate::server::io;
use crate::urls::{unique_name, with_path, without_password};
use crate::Error;
use migrate_runtime::{Driver, Migrator, Version};

/// The connection options of a database.
pub(crate) type Opts<DB> = <<DB as Database>::Connection as sqlx::Connection>::Options;

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

    /// A new database cloned from the template of `migrator` up to `to` (default: all).
    #[doc(hidden)]
    fn from_template(
        migrator: &Migrator,
        to: Option<Version>,
    ) -> impl Future<Output = Result<TempDatabase<Self>, Error>> + Send + '_;

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
        /// On a private server of this process, which goes when the process ends.
        private: bool,
    },
}

/// A throwaway database: a new database on a server, or a SQLite file in a directory of its
/// own.
///
/// A SQLite database is deleted on drop. A database on a server is dropped by
/// [`TempDatabase::remove`] (`#[migrate::test]` calls it after a test that passed); one
/// that is only dropped stays on the server, so that a failed test can be looked into. In
/// the private cluster every database goes when the test process ends.
#[derive(Debug)]
pub struct TempDatabase<DB: Database> {
    options: Opts<DB>,
    url: String,
    place: Place<DB>,
    template: Option<String>,
}

impl<DB: TestDriver> TempDatabase<DB> {
    /// A new database with every migration of `migrator` applied: a clone of the set's
    /// template, which the first call builds (see the guide of `migrate::testing`).
    pub async fn from_template(migrator: &Migrator) -> Result<Self, Error> {
        DB::from_template(migrator, None).await
    }

    /// A new database with the migrations of `migrator` up to and including `version`
    /// applied, and none after it: a clone of a template of that version. Apply the rest in
    /// the test with `migrator.run(&pool)` — the database's tracking table is the default one.
    ///
    /// [`Error::UnknownVersion`] when `version` is not a migration of `migrator`.
    pub async fn from_template_to(migrator: &Migrator, version: Version) -> Result<Self, Error> {
        DB::from_template(migrator, Some(version)).await
    }

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

    /// The template the database was cloned from (a database on the server, or a SQLite
    /// file); `None` for an empty one.
    pub fn template(&self) -> Option<&str> {
        self.template.as_deref()
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

    /// A pool to the database after applying every migration of `migrator` to it, one by
    /// one (for an empty database; [`TempDatabase::from_template`] is faster).
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
                ..
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

    /// Leaves the database where it is — a SQLite file is no longer deleted on drop — and
    /// says where it is, for a look after a failed test.
    pub fn keep(mut self) -> String {
        let place = std::mem::replace(&mut self.place, Place::Dir(PathBuf::new()));
        match place {
            Place::Dir(dir) => format!("the SQLite file {}", dir.join(SQLITE_FILE).display()),
            Place::Server {
                server,
                name,
                private: true,
                ..
            } => format!(
                "the database {name} on {server} (a private server of this test process, which deletes it when the process ends: set MIGRATE_TEST_DATABASE_URL to a server of your own to keep it longer)"
            ),
            Place::Server { server, name, .. } => format!("the database {name} on {server}"),
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

/// A server where tests create databases: how to connect to it to create and drop them,
/// its URL, and whether this process started it.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
#[derive(Clone, Debug)]
pub(crate) struct Server<DB: Database> {
    pub admin: Opts<DB>,
    pub url: String,
    pub private: bool,
}

#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
impl<DB: TestDriver> Server<DB> {
    /// The URL without its password, for messages.
    pub fn shown(&self) -> String {
        without_password(&self.url)
    }

    /// Creates a uniquely named database.
    pub async fn fresh(&self) -> Result<TempDatabase<DB>, Error> {
        let name = unique_name();
        create_named::<DB>(self.admin.clone(), &self.url, &name).await?;
        Ok(self.database(name, None))
    }

    /// The database `name`, which exists, cloned from `template` when given.
    pub fn database(&self, name: String, template: Option<String>) -> TempDatabase<DB> {
        TempDatabase {
            options: DB::with_database(&self.admin, &name),
            url: with_path(&self.url, &name),
            place: Place::Server {
                admin: self.admin.clone(),
                server: self.shown(),
                name,
                private: self.private,
            },
            template,
        }
    }
}

/// A SQLite database in `dir` (its file is [`SQLITE_FILE`]), deleted with the directory on
/// drop; cloned from `template` when given.
#[cfg(feature = "sqlite")]
pub(crate) fn sqlite_in(dir: PathBuf, template: Option<String>) -> TempDatabase<sqlx::Sqlite> {
    let file = dir.join(SQLITE_FILE);
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&file)
        .create_if_missing(true);
    TempDatabase {
        options,
        url: format!("sqlite://{}?mode=rwc", file.display()),
        place: Place::Dir(dir),
        template,
    }
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

/// The file of a SQLite test database, inside its own directory.
pub(crate) const SQLITE_FILE: &str = "test.sqlite3";

fn remove_dir(dir: &Path) -> Result<(), Error> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("remove", dir, e)),
        _ => Ok(()),
    }
}

/// A new, empty PostgreSQL database: on the server of `MIGRATE_TEST_DATABASE_URL` (or
/// `DATABASE_URL`) when one of them is a `postgres://` URL, else in a private cluster that
/// this process starts once from the machine's PostgreSQL binaries (see
/// [`crate::TempPostgres`]) and that goes when the process ends.
///
/// The first call may block for a few seconds while the cluster starts.
#[cfg(feature = "postgres")]
pub async fn fresh_postgres() -> Result<TempDatabase<sqlx::Postgres>, Error> {
    <sqlx::Postgres as TestDriver>::fresh().await
}

/// A new PostgreSQL database, on the server [`fresh_postgres`] uses, with every migration
/// of `migrator` applied: a clone (`CREATE DATABASE … TEMPLATE`) of the set's template,
/// which the first call builds (see [`TempDatabase::from_template`]).
#[cfg(feature = "postgres")]
pub async fn fresh_postgres_migrated(
    migrator: &Migrator,
) -> Result<TempDatabase<sqlx::Postgres>, Error> {
    TempDatabase::from_template(migrator).await
}

/// A new, empty MySQL or MariaDB database on the server of `MIGRATE_TEST_DATABASE_URL` (or
/// `DATABASE_URL`) when one of them is a `mysql://` or `mariadb://` URL (the user needs the
/// right to create databases), else on a private MariaDB server that this process starts once
/// from the machine's binaries (see [`crate::TempMariaDb`]) and that goes when the process
/// ends. [`Error::Unavailable`] without either.
#[cfg(feature = "mysql")]
pub async fn fresh_mysql() -> Result<TempDatabase<sqlx::MySql>, Error> {
    <sqlx::MySql as TestDriver>::fresh().await
}

/// A new MySQL or MariaDB database, on the server [`fresh_mysql`] uses, with every
/// migration of `migrator` applied: a copy of the set's template database, which the first
/// call builds (see [`TempDatabase::from_template`]).
#[cfg(feature = "mysql")]
pub async fn fresh_mysql_migrated(migrator: &Migrator) -> Result<TempDatabase<sqlx::MySql>, Error> {
    TempDatabase::from_template(migrator).await
}

/// A new, empty SQLite database in a file of its own temporary directory, deleted on drop.
#[cfg(feature = "sqlite")]
pub fn fresh_sqlite() -> Result<TempDatabase<sqlx::Sqlite>, Error> {
    Ok(sqlite_in(crate::server::temp_dir("migrate-sqlite")?, None))
}

/// A new SQLite database with every migration of `migrator` applied: a copy of the set's
/// template file, which the first call builds (see [`TempDatabase::from_template`]), in a
/// temporary directory of its own, deleted on drop.
#[cfg(feature = "sqlite")]
pub async fn fresh_sqlite_migrated(
    migrator: &Migrator,
) -> Result<TempDatabase<sqlx::Sqlite>, Error> {
    TempDatabase::from_template(migrator).await
}
