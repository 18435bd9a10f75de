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
//!
//! # The lock file
//!
//! `migrations/migrations.lock`, written by `migrate lock` and committed, records each released
//! migration's checksum and transaction mode, a hash chain over them (`head`) and a seal over
//! the whole file. The build refuses a released migration that was edited (unless the edit is
//! recorded with `migrate lock --amend <version>`), deleted, renamed or merged below a newer
//! one, and a lock edited by hand.
//!
//! # At run time
//!
//! [`Migrator::run`] applies what is pending; with nothing pending it costs one query, the
//! newest tracking row, whose chain proves the applied history is exactly the embedded one.
//! Otherwise it takes a lock (the database's session lock, or a lease row that works through
//! PgBouncer and across a Galera cluster: [`Locking`]), validates the whole history and applies
//! each migration with its tracking row in one transaction — or statement by statement with
//! progress recorded, for `-- migrate:no-transaction` files, so that a failure can resume.
//! [`Runner`] holds the settings:
//!
//! ```no_run
//! # #[cfg(feature = "postgres")]
//! # async fn deploy(pool: &migrate::sqlx::PgPool) -> Result<(), migrate::Error> {
//! # static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("migrations");
//! use std::time::Duration;
//!
//! let report = MIGRATOR
//!     .runner()
//!     .locking(migrate::Locking::Lease) // behind a transaction pooler
//!     .lock_timeout(Duration::from_secs(60))
//!     .run(pool)
//!     .await?;
//! for applied in &report.migrations {
//!     println!("{} {} in {:?}", applied.version, applied.name, applied.duration);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Errors are typed ([`Error`]): a failed migration names its file, line and column and keeps
//! the database's error (and SQLSTATE) as its source. [`fleet`] runs one set over many tenant
//! schemas or databases; [`adopt`] takes over another tool's history table.
//!
//! # Features
//!
//! | feature | what |
//! |---|---|
//! | `postgres`, `sqlite`, `mysql` | the runtime and its driver for PostgreSQL, SQLite (bundled), MySQL/MariaDB |
//! | `testing` | [`testing`] and `#[migrate::test]`: test databases cloned from templates, fixtures, reversibility checks |
//! | `lint` | `migrate::testing::lint`: squawk's PostgreSQL rules over the set, as a test |
//!
//! Without a database feature the crate still embeds and checks the set (the macro and the
//! table need no driver).
//!
//! # The command line
//!
//! The package `migrate-db-cli` installs the `migrate` command: `init`, `add`, `lock`,
//! `check` (with `--lint`), `status`, `plan`, `up`, `down`, `baseline`, `force`, `forget`,
//! `adopt` and `fleet`, on the same code as this crate.
//!
//! # Tests
//!
//! `#[migrate::test]` (feature `testing`) gives each test a database migrated from a template
//! built once per head chain, with fixtures and `to = <version>` for tests of data
//! migrations; see [`test`].

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
/// applied, like `#[sqlx::test]` (feature `testing` and a database feature) — a clone of a
/// template that is migrated once, not once per test.
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
/// database on the server of the URL, else on a private MariaDB server). The test runs on a
/// current-thread Tokio runtime; it may return `()` or `Result<(), E>`. Other attributes
/// (`#[ignore]`, `#[should_panic]`) stay on the test. A test with `#[should_panic]` fails,
/// rather than being skipped, on a machine without the database's server: the skip returns
/// without panicking. Prefer asserting on an `Err` the test returns.
///
/// Options:
///
/// - `migrations = "db/migrations"` (default `migrations`, embedded and checked like
///   [`embed_migrations!`]) or `migrator = crate::db::MIGRATOR`;
/// - `fixtures("users", "posts")`: SQL files applied after the migrations, in that order —
///   `fixtures/users.sql`, `fixtures/posts.sql`, relative to the crate root, or in the
///   directory of `fixtures_dir = "tests/fixtures"`. A file that is not there is a compile
///   error naming it; the files are embedded, so an edit rebuilds the test. A statement that
///   fails fails the test with the file, line and column, and the database's message;
/// - `to = db::ADD_EMAILS`: only the migrations up to and including that one (a [`Version`]
///   constant of the item form `embed_migrations!(pub mod db, "migrations")`), to test a data
///   migration: put rows of the old shape in, apply the rest with `db::MIGRATOR.run(&pool)`
///   (the database's tracking table is the default one), look at what became of them.
///
/// ```no_run
/// use migrate::sqlx::{self, SqlitePool};
///
/// migrate::embed_migrations!(pub mod accounts, "tests/fixtures/testing/accounts");
///
/// #[migrate::test(migrator = accounts::MIGRATOR, to = accounts::CREATE_ACCOUNTS)]
/// async fn emails_are_lower_case_after_the_migrations(pool: SqlitePool) -> Result<(), Box<dyn std::error::Error>> {
///     sqlx::query("INSERT INTO accounts (id, email) VALUES (1, 'Ada@Example.com')")
///         .execute(&pool)
///         .await?;
///     accounts::MIGRATOR.run(&pool).await?; // the migrations after CREATE_ACCOUNTS
///     let email: String = sqlx::query_scalar("SELECT email FROM accounts").fetch_one(&pool).await?;
///     assert_eq!(email, "ada@example.com");
///     Ok(())
/// }
///
/// #[migrate::test(fixtures("users", "posts"), fixtures_dir = "tests/fixtures/testing")]
/// async fn posts_have_authors(pool: SqlitePool) {
///     // users.sql, then posts.sql, ran after the migrations
/// }
/// ```
///
/// After the test its database is dropped if the test passed, and kept if it failed (a panic
/// or an `Err`), with a note naming it; `MIGRATE_TEST_KEEP=1` keeps every one. See
/// [`testing`] for templates, and for what happens without a server.
pub use migrate_macros::test;

/// Helpers for `cargo test` (feature `testing`): the embedded table is current, throwaway
/// databases cloned from templates, fixtures, reversible migrations.
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
/// // PostgreSQL, every migration applied: a clone of the set's template, on the server of
/// // MIGRATE_TEST_DATABASE_URL (or DATABASE_URL), else in a private cluster this process
/// // starts once
/// let db = migrate::testing::fresh_postgres_migrated(&MIGRATOR).await?;
/// let pool = db.pool().await?;
/// // ... test ...
/// pool.close().await;
/// db.remove().await?; // drops the database (a dropped value leaves it, for a look)
///
/// // SQLite: a copy of the template file in a temporary directory, deleted on drop
/// let db = migrate::testing::fresh_sqlite_migrated(&MIGRATOR).await?;
///
/// // up to a version only: `to = …` of #[migrate::test]
/// let at = migrate::Version::new(20240102000000).ok_or("negative")?;
/// let db = migrate::testing::TempDatabase::<migrate::sqlx::Sqlite>::from_template_to(&MIGRATOR, at).await?;
///
/// // empty databases, for a check that applies the migrations itself
/// let db = migrate::testing::fresh_postgres().await?;
/// let db = migrate::testing::fresh_sqlite()?;
///
/// // a private PostgreSQL cluster of your own, stopped and deleted on drop
/// let cluster = migrate::testing::TempPostgres::start()?;
/// let pool = cluster.fresh().await?.pool().await?;
/// # Ok(()) }
/// ```
///
/// A private cluster needs PostgreSQL's server binaries (`initdb`, `pg_ctl`, `postgres`) on
/// `PATH`, in `pg_config --bindir` or in `/usr/lib/postgresql/*/bin`; as root the server runs
/// as the `postgres` OS user. It listens on 127.0.0.1 on a free port, keeps its files in
/// `/dev/shm` when that has 1 GiB free (else in the temporary directory;
/// `MIGRATE_TEST_POSTGRES_DIR` chooses), and a watchdog stops it when the test process ends,
/// however it ends. Without a server the functions return [`testing::Error::Unavailable`];
/// `#[migrate::test]` then skips the test with a notice, except under `CI=true`, where it
/// fails.
///
/// # Templates
///
/// A migration set is applied once, into a template named by its hash chain
/// (`migrate_tpl_<set>_h<chain>`, `<set>` from the first migration, `<chain>` the head
/// chain: it names the exact schema), and each test gets a copy:
///
/// - **PostgreSQL**: a database built under the set's advisory lock (parallel test
///   processes build it once: the others wait, then clone), renamed into place when
///   complete, closed to connections and marked as a template; each test is
///   `CREATE DATABASE … TEMPLATE` of it, a copy of its files (`STRATEGY FILE_COPY`) where the
///   server's `fsync` is off, as in the private cluster. Its cost follows the template's size,
///   not the number of migrations.
/// - **SQLite**: a file built under a file lock and renamed into place, in
///   `MIGRATE_TEST_TEMPLATE_DIR` (default: `migrate-templates-<user>` in the temporary
///   directory);
///   each test copies it.
/// - **MySQL and MariaDB**, which cannot clone a database: a template database that counts as
///   complete when its tracking table's newest row is its last migration, finished; each test
///   gets a copy made from its catalog — each table from `SHOW CREATE TABLE` with its rows,
///   then its routines, views and triggers (without their `DEFINER`). Events and the next
///   value of a sequence are not copied.
///
/// On a server of your own (and for SQLite) a template outlives the test run: the next
/// `cargo test` clones it at once, while the migrations are unchanged. When they change, the
/// new head gets a new template and the set's stale ones are dropped (a note says so): the
/// old head's, and those of versions no longer in the set. A build that crashed leaves
/// nothing that is used: its half-built database or file never has the template's name (or,
/// on MySQL, its last tracking row), and the next build drops it. `to = …` uses a template
/// of that version (`…_v<chain>`). A private cluster's templates go with the process: they
/// are built once per test run.
///
/// # Fixtures
///
/// [`testing::apply_fixtures`] applies [`testing::Fixture`]s — what
/// `#[migrate::test(fixtures(…))]` does — statement by statement, and names the file, line
/// and column of one that fails:
///
/// ```text
/// tests/fixtures/bad.sql:5:34: this statement of the fixture failed: correct the fixture (fixtures run after the migrations, in the order given)
///   caused by: error returned from database: INSERT has more expressions than target columns
/// ```
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
            "`#[migrate::test]` needs the `testing` feature of `migrate-db` and a database feature: `migrate-db = { version = \"0.1\", features = [\"testing\", \"postgres\"] }` in [dev-dependencies]"
        );
    };
}
