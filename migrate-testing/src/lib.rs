//! Implementation detail of [`migrate`](https://docs.rs/migrate): use it as `migrate::testing`
//! (feature `testing`), where the guide is.
//!
//! - `current`: the embedded table equals the directory and the lock.
//! - `server`: private PostgreSQL and MariaDB servers started from the machine's binaries,
//!   with one watchdog; the workspace's own tests use them too.
//! - `fresh`: throwaway databases — a fresh database per test on a server, a temporary
//!   SQLite file — empty, or cloned from a template.
//! - `template`: a migration set applied once into a template named by its hash chain,
//!   and cloned per test (PostgreSQL `CREATE DATABASE … TEMPLATE`, a copied SQLite file, a
//!   copy of the catalog and rows on MySQL).
//! - `fixtures`: SQL files applied after the migrations, failures placed by file and line.
//! - `snapshot`, `reversible`: catalog snapshots, and the up/down/up check of every migration.
//! - `harness`: what `#[migrate::test]` expands to call, and the test database's cleanup.
//! - `urls`: server URLs from the environment, and test database names.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod current;
#[cfg(feature = "lint")]
pub mod lint;

pub use current::{assert_current, check_current, Problem, Stale};

#[cfg(feature = "_db")]
mod fixtures;
#[cfg(feature = "_db")]
mod fresh;
#[cfg(feature = "_db")]
mod harness;
#[cfg(feature = "_db")]
mod reversible;
#[cfg(all(feature = "_db", unix))]
pub mod server;
#[cfg(feature = "_db")]
mod snapshot;
#[cfg(feature = "_db")]
mod template;
#[cfg(feature = "_db")]
mod urls;

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "_db")]
pub use fixtures::{apply_fixtures, Fixture};
#[cfg(feature = "mysql")]
pub use fresh::{fresh_mysql, fresh_mysql_migrated};
#[cfg(feature = "postgres")]
pub use fresh::{fresh_postgres, fresh_postgres_migrated};
#[cfg(feature = "sqlite")]
pub use fresh::{fresh_sqlite, fresh_sqlite_migrated};
#[cfg(feature = "_db")]
pub use fresh::{TempDatabase, TestDriver};
#[cfg(feature = "_db")]
pub use harness::TestPool;
#[cfg(feature = "_db")]
pub use reversible::{
    assert_reversible, check_reversible, check_reversible_with, Finding, Irreversibility,
    Reversible, SkipReason, Skipped,
};
#[cfg(all(feature = "mysql", unix))]
pub use server::{TempGalera, TempMariaDb};
#[cfg(all(feature = "postgres", unix))]
pub use server::{TempPgBouncer, TempPostgres};
#[cfg(feature = "_db")]
pub use snapshot::{Diff, Snapshot};

/// What `#[migrate::test]` expands to call; not a public API.
#[cfg(feature = "_db")]
#[doc(hidden)]
pub mod __private {
    pub use super::harness::{run_test, Test, TestOutput};
}

/// Why a test database could not be had.
#[cfg(feature = "_db")]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No server to test on: no URL in the environment and no binaries to start one.
    /// `#[migrate::test]` skips the test with a notice, unless `CI=true`.
    #[error("{0}")]
    Unavailable(String),

    /// A private server did not start or stop; the message holds the command's output and
    /// the server's log.
    #[error("{0}")]
    Server(String),

    /// A file or directory of a test database could not be made or removed.
    #[error("{path}: could not {what}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// The server refused to create, connect to or drop a test database.
    #[error("{what}")]
    Database {
        /// What was being done, and on which server.
        what: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// A check that needs a database where no migration is applied got one that has some.
    #[error("the database has migration {version} recorded ({state}): the check needs one where no migration is applied; use a fresh one (`migrate::testing::fresh_postgres()` and its peers)")]
    NotFresh {
        /// The first migration recorded.
        version: migrate_runtime::Version,
        /// Its state.
        state: String,
    },

    /// Migrating the test database failed.
    #[error(transparent)]
    Migrate(Box<migrate_runtime::Error>),

    /// `to = …` names a version that is not a migration of the set.
    #[error("{version} is not a migration of this set{}: give `to` the version constant of one of its migrations (`embed_migrations!(pub mod db, \"migrations\")` makes one per migration, such as `db::CREATE_USERS`)", newest.map_or_else(|| " (it has none)".to_owned(), |v| format!(" (its newest is {v})")))]
    UnknownVersion {
        /// The version asked for.
        version: migrate_runtime::Version,
        /// The set's newest migration, if it has any.
        newest: Option<migrate_runtime::Version>,
    },

    /// Building the template of a migration set failed; nothing was left under its name.
    #[error("could not build the template {template} ({place})")]
    Template {
        /// The template's name.
        template: String,
        /// Its server or directory.
        place: String,
        /// Why.
        #[source]
        source: Box<Error>,
    },

    /// A template kept being dropped between its build and the clone: another test run, of
    /// another version of the same migrations, uses the same server or directory.
    #[error("the template {template} ({place}) was dropped again and again before this test could clone it: a test run of another version of these migrations uses the same server and drops it as stale; give each its own server (MIGRATE_TEST_DATABASE_URL) or, for SQLite, directory (MIGRATE_TEST_TEMPLATE_DIR)")]
    TemplateDropped {
        /// The template's name.
        template: String,
        /// Its server or directory.
        place: String,
    },

    /// A statement of a fixture failed.
    #[error("{file}:{line}:{column}: this statement of the fixture failed: correct the fixture (fixtures run after the migrations, in the order given)")]
    Fixture {
        /// The fixture's file.
        file: String,
        /// The line of the statement (of the error, where the database says).
        line: u32,
        /// The column.
        column: u32,
        /// The database's error.
        #[source]
        source: sqlx::Error,
    },
}

#[cfg(feature = "_db")]
impl From<migrate_runtime::Error> for Error {
    fn from(error: migrate_runtime::Error) -> Self {
        Error::Migrate(Box::new(error))
    }
}

#[cfg(feature = "_db")]
impl Error {
    /// Whether no server is available (rather than one that failed).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Error::Unavailable(_))
    }
}

/// An error and its sources, one per line, for a panic message.
#[cfg(feature = "_db")]
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        out.push_str("\n  caused by: ");
        out.push_str(&e.to_string());
        source = e.source();
    }
    out
}

/// Whether the environment says this is CI (`CI=true`), where a missing server is a failure.
#[cfg(feature = "_db")]
pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}
