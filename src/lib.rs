//! Compile-time checked, embedded database migrations.
//!
//! ```
//! static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("migrations");
//!
//! # #[cfg(feature = "sqlite")]
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // one connection: each connection to `sqlite::memory:` is a database of its own
//!     let pool = migrate::sqlx::sqlite::SqlitePoolOptions::new()
//!         .max_connections(1)
//!         .connect("sqlite::memory:")
//!         .await?;
//!     let report = MIGRATOR.run(&pool).await?;
//!     assert_eq!(report.migrations.len(), MIGRATOR.migrations().len());
//!     // nothing pending: one query, nothing applied
//!     assert!(MIGRATOR.run(&pool).await?.migrations.is_empty());
//!     Ok(())
//! }
//! # #[cfg(not(feature = "sqlite"))]
//! # fn main() {}
//! ```
//!
//! At `cargo build`, `embed_migrations!` reads the directory, checks every file name, the
//! order, the directives and the committed lock file, and fails the build — naming the file
//! and the fix — when a released migration was edited, deleted or merged out of order.
//! What it emits is a static, typed table: nothing is parsed at run time.
//!
//! # Layouts
//!
//! A directory is read as it is, in the layout of sqlx (`<v>_<desc>.sql`, or `.up.sql` with
//! `.down.sql`), golang-migrate (the same, padded), diesel (`<v>_<desc>/up.sql`), refinery
//! (`V<v>__<desc>.sql`), goose (`-- +goose Up` sections) or dbmate (`-- migrate:up`).
//!
//! # New files
//!
//! The expansion includes every migration and the lock, so editing one rebuilds the crate.
//! A procedural macro cannot watch a directory on stable Rust, so a *new* file is seen at
//! the next build only with this one-line `build.rs` (and `migrate` in `[build-dependencies]`):
//!
//! ```no_run
//! fn main() {
//!     migrate::build::track("migrations");
//! }
//! ```
//!
//! # Typed versions
//!
//! The item form emits a module with the table and one [`Version`] constant per migration:
//!
//! ```
//! migrate::embed_migrations!(pub mod db, "migrations");
//!
//! assert_eq!(db::CREATE_USERS.get(), 20240101000000);
//! assert!(db::MIGRATOR.get(db::CREATE_USERS).is_some());
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// the build.rs example is the whole file, its `fn main` included
#![allow(clippy::needless_doctest_main)]

#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
pub use migrate_runtime::{
    sqlx, Applied, Connect, DatabaseError, Driver, LockWait, Locking, MigrationStatus, Progress,
    RepeatableApplied, RepeatableState, RepeatableStatus, Report, Runner, State, Step,
    DEFAULT_TABLE,
};
/// Switching from another migration tool: [`crate::Runner::adopt`] and its [`crate::adopt::Source`].
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
pub mod adopt {
    pub use migrate_runtime::adopt::*;
}
/// One migration set over many tenants: [`fleet::Fleet`] and its [`fleet::Target`]s.
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
pub mod fleet {
    pub use migrate_runtime::fleet::*;
}
pub use migrate_runtime::{
    Amendment, Error, Migration, Migrator, NegativeVersion, Repeatable, Script, Timestamp,
    Transaction, Version, Vocabulary,
};

/// Embeds a migrations directory, checked at compile time, as a [`Migrator`].
///
/// ```
/// // the directory `migrations`, relative to the crate root (the default)
/// static MIGRATOR: migrate::Migrator = migrate::embed_migrations!();
/// // another directory and lock, and every migration required to be in the lock
/// static RELEASED: migrate::Migrator =
///     migrate::embed_migrations!("migrations", lock = "migrations/migrations.lock", require_locked = true);
/// assert_eq!(MIGRATOR, RELEASED);
/// ```
///
/// Options: `lock = "path"` (default `<dir>/migrations.lock`), `require_locked = true`
/// (migrations missing from the lock fail the build). The item form
/// `embed_migrations!(pub mod db, "migrations")` emits `db::MIGRATOR` and one [`Version`]
/// constant per migration, named after its description in upper case.
///
/// Every problem is a compile error on the macro's path literal that starts with the file's
/// path relative to the crate, states the rule and the fix; all of them appear in one build.
pub use migrate_macros::embed_migrations;

/// Build-script support: see [`build::track`].
pub mod build {
    pub use migrate_core::build::track;
}

/// Makes an `async fn` that takes a pool a test on a fresh database with every migration
/// applied, like `#[sqlx::test]` (feature `testing` and a database feature).
///
/// ```no_run
/// use migrate::sqlx::SqlitePool;
///
/// #[migrate::test]
/// async fn users_start_empty(pool: SqlitePool) {
///     let users: i64 = migrate::sqlx::query_scalar("SELECT count(*) FROM users")
///         .fetch_one(&pool)
///         .await
///         .unwrap();
///     assert_eq!(users, 0);
/// }
/// ```
///
/// The parameter's type picks the database: `PgPool` (a new database on the server of
/// `MIGRATE_TEST_DATABASE_URL` or `DATABASE_URL`, else in a private cluster started from the
/// machine's PostgreSQL binaries), `SqlitePool` (a temporary file), `MySqlPool` (a new
/// database on the server of the URL). The test runs on a current-thread Tokio runtime; it
/// may return `()` or `Result<(), E>`. Other attributes (`#[ignore]`, `#[should_panic]`)
/// stay on the test.
///
/// Options: `migrations = "db/migrations"` (default `migrations`, embedded and checked like
/// [`embed_migrations!`]) or `migrator = crate::db::MIGRATOR`. See [`testing`] for what
/// happens without a server, and for the database afterwards.
pub use migrate_macros::test;

/// Helpers for `cargo test` (feature `testing`): the embedded table is current, throwaway
/// databases, reversible migrations.
///
/// # The embedded table equals the directory and the lock
///
/// ```
/// static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("migrations");
///
/// // in a #[test]:
/// migrate::testing::assert_current(&MIGRATOR, "migrations");
/// ```
///
/// It fails, naming the file and the fix, when a migration was added, removed or edited
/// after the test binary was built (`migrations/0005_x.sql: not in the embedded table: the
/// build is stale — add `migrate::build::track("migrations")` to build.rs (or `cargo clean
/// -p app`)`), and when the lock lacks a migration (`migrations/migrations.lock: stale: it
/// lacks 5 (migrations/0005_x.sql); run `migrate lock` and commit it`).
/// [`testing::check_current`] returns the problems instead of panicking.
///
/// # Throwaway databases
///
/// ```no_run
/// # #[cfg(all(feature = "postgres", feature = "sqlite"))]
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("migrations");
///
/// // PostgreSQL: a new database on the server of MIGRATE_TEST_DATABASE_URL (or
/// // DATABASE_URL), else in a private cluster this process starts once
/// let db = migrate::testing::fresh_postgres().await?;
/// let pool = db.migrated(&MIGRATOR).await?;
/// // ... test ...
/// pool.close().await;
/// db.remove().await?; // drops the database (a dropped value leaves it, for a look)
///
/// // SQLite: a file in a temporary directory, deleted on drop
/// let db = migrate::testing::fresh_sqlite()?;
/// let pool = db.migrated(&MIGRATOR).await?;
///
/// // a private PostgreSQL cluster of your own, stopped and deleted on drop
/// let cluster = migrate::testing::TempPostgres::start()?;
/// let pool = cluster.fresh().await?.pool().await?;
/// # Ok(()) }
/// ```
///
/// A private cluster needs PostgreSQL's server binaries (`initdb`, `pg_ctl`, `postgres`) on
/// `PATH`, in `pg_config --bindir` or in `/usr/lib/postgresql/*/bin`; as root the server runs
/// as the `postgres` OS user. It listens on 127.0.0.1 on a free port, and a watchdog stops it
/// when the test process ends, however it ends. Without a server the functions return
/// [`testing::Error::Unavailable`]; `#[migrate::test]` then skips the test with a notice,
/// except under `CI=true`, where it fails.
///
/// # Reversible migrations
///
/// ```no_run
/// # #[cfg(feature = "postgres")]
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("migrations");
///
/// let db = migrate::testing::fresh_postgres().await?;
/// let report = migrate::testing::check_reversible(&MIGRATOR, &db.pool().await?).await?;
/// println!("checked {:?}, no down script: {:?}", report.checked, report.skipped);
/// # Ok(()) }
/// ```
///
/// For every migration in order: up, snapshot the catalog, down, compare with the snapshot
/// before its up, up again. The error names the first migration whose down script does not
/// undo its up script and shows the database's error or the difference:
///
/// ```text
/// migration 20210316025847: its down script migrations/20210316025847_setup.down.sql does not undo its up script; from before the up to after the down (- gone, + left behind):
/// + extension "uuid-ossp" 1.1 in schema public
/// ```
///
/// A migration without a down script is irreversible by design: it is applied and listed
/// in [`testing::Reversible::skipped`]. [`testing::Snapshot`] takes the catalog on its own.
#[cfg(feature = "testing")]
pub mod testing {
    pub use migrate_testing::*;
}

#[doc(hidden)]
pub mod __private {
    pub use migrate_runtime::{
        Amendment, Migration, Migrator, Repeatable, Script, Transaction, Version,
    };

    /// The runtime's plumbing, for the workspace's tests and `migrate::testing`.
    #[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
    pub use migrate_runtime::__private as runtime;

    pub use crate::__migrate_require_testing as require_testing;
}

#[cfg(all(
    feature = "testing",
    any(feature = "postgres", feature = "sqlite", feature = "mysql")
))]
#[doc(hidden)]
#[macro_export]
macro_rules! __migrate_require_testing {
    () => {};
}

#[cfg(not(all(
    feature = "testing",
    any(feature = "postgres", feature = "sqlite", feature = "mysql")
)))]
#[doc(hidden)]
#[macro_export]
macro_rules! __migrate_require_testing {
    () => {
        ::core::compile_error!(
            "`#[migrate::test]` needs the `testing` feature of `migrate` and a database feature: `migrate = { version = \"0.1\", features = [\"testing\", \"postgres\"] }` in [dev-dependencies]"
        );
    };
}
