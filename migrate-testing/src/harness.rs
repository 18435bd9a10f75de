//! What `#[migrate::test]` expands to call: a runtime, a database cloned from the template,
//! the fixtures, the body; then the database is dropped, or kept when the test failed.

use std::future::Future;
use std::io::Write as _;

use crate::fixtures::{apply_fixtures, Fixture};
use crate::fresh::{TempDatabase, TestDriver};
use crate::Error;
use migrate_runtime::{Migrator, Version};
use sqlx::Pool;

/// The variable that keeps every test database, also those of tests that passed.
pub(crate) const KEEP_VARIABLE: &str = "MIGRATE_TEST_KEEP";

/// What a `#[migrate::test]` function may return: `()` or a `Result<(), E>`.
#[diagnostic::on_unimplemented(
    message = "a `#[migrate::test]` function cannot return `{Self}`",
    note = "return `()` or `Result<(), E>`"
)]
pub trait TestOutput {
    /// The value of a test skipped for want of a server.
    fn skipped() -> Self;

    /// Whether the test failed (returned an error).
    fn is_failure(&self) -> bool;
}

impl TestOutput for () {
    fn skipped() -> Self {}

    fn is_failure(&self) -> bool {
        false
    }
}

impl<E> TestOutput for Result<(), E> {
    fn skipped() -> Self {
        Ok(())
    }

    fn is_failure(&self) -> bool {
        self.is_err()
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

    /// A new database with every migration of `migrator` applied (a clone of its template,
    /// see [`TempDatabase::from_template`]), and a pool to it.
    fn fresh(
        migrator: &Migrator,
    ) -> impl Future<Output = Result<(Self, TempDatabase<Self::Database>), Error>> + Send + '_;

    /// The pool itself: what `#[migrate::test]` hands to the test.
    #[doc(hidden)]
    fn from_pool(pool: Pool<Self::Database>) -> Self;

    /// Closes the pool's connections.
    fn close(&self) -> impl Future<Output = ()> + Send + '_;
}

impl<DB: TestDriver> TestPool for Pool<DB> {
    type Database = DB;

    async fn fresh(migrator: &Migrator) -> Result<(Self, TempDatabase<DB>), Error> {
        let db = TempDatabase::<DB>::from_template(migrator).await?;
        let pool = db.pool().await?;
        Ok((pool, db))
    }

    fn from_pool(pool: Pool<DB>) -> Self {
        pool
    }

    async fn close(&self) {
        Pool::close(self).await;
    }
}

/// What a `#[migrate::test]` asks for.
#[derive(Clone, Copy, Debug)]
pub struct Test<'a> {
    /// The test's path, for messages.
    pub name: &'static str,
    /// The migrations.
    pub migrator: &'a Migrator,
    /// `to = …`: the newest migration to apply (default: all).
    pub to: Option<Version>,
    /// `fixtures(…)`, in order.
    pub fixtures: &'a [Fixture<'a>],
}

/// Runs `body` on a current-thread Tokio runtime with a pool to a new database: a clone of
/// the template of `test.migrator` (up to `test.to`), with `test.fixtures` applied. The
/// parameter's type picks the database.
///
/// Without a server to test on (no URL in the environment, no binaries to start one) the
/// test is skipped with a notice, except under `CI=true`, where that fails it. After a test
/// that passed the database is dropped; after one that failed (a panic, an `Err`) it is kept
/// and its name printed; `MIGRATE_TEST_KEEP=1` keeps them all.
pub fn run_test<P, F, Fut>(test: Test<'_>, body: F) -> Fut::Output
where
    P: TestPool,
    F: FnOnce(P) -> Fut,
    Fut: Future,
    Fut::Output: TestOutput,
{
    let name = test.name;
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => panic!("{name}: could not start a Tokio runtime: {e}"),
    };
    runtime.block_on(async {
        let db = match TempDatabase::<P::Database>::from_spec(test.migrator, test.to).await {
            Ok(db) => db,
            Err(e) if e.is_unavailable() && !crate::in_ci() => {
                eprintln!("notice: {name} skipped: {e}");
                return Fut::Output::skipped();
            }
            Err(e) => panic!("{name}: no test database: {}", crate::chain(&e)),
        };
        let pool = match db.pool().await {
            Ok(pool) => pool,
            Err(e) => panic!("{name}: {}", crate::chain(&e)),
        };
        // from here on, a panic keeps the database
        let kept = Kept {
            db: Some(db),
            test: name,
        };
        if let Err(e) = apply_fixtures(&pool, test.fixtures).await {
            panic!("{name}: {}", crate::chain(&e));
        }
        let output = body(P::from_pool(pool.clone())).await;
        pool.close().await;
        kept.finish(output.is_failure()).await;
        output
    })
}

impl<DB: TestDriver> TempDatabase<DB> {
    async fn from_spec(migrator: &Migrator, to: Option<Version>) -> Result<Self, crate::Error> {
        match to {
            Some(version) => Self::from_template_to(migrator, version).await,
            None => Self::from_template(migrator).await,
        }
    }
}

/// A test's database: dropped by [`Kept::finish`] after a test that passed, kept otherwise
/// — also when the test panics, and this is dropped while unwinding.
struct Kept<DB: TestDriver> {
    db: Option<TempDatabase<DB>>,
    test: &'static str,
}

impl<DB: TestDriver> Kept<DB> {
    async fn finish(mut self, failed: bool) {
        let Some(db) = self.db.take() else {
            return;
        };
        if failed {
            eprintln!("note: {}: the test failed; kept {}", self.test, db.keep());
        } else if keep_all() {
            // past the harness's capture: a test that passes shows nothing it printed
            let _ = writeln!(
                std::io::stderr(),
                "note: {}: {KEEP_VARIABLE} is set; kept {}",
                self.test,
                db.keep()
            );
        } else if let Err(e) = db.remove().await {
            eprintln!("warning: {}: {}", self.test, crate::chain(&e));
        }
    }
}

impl<DB: TestDriver> Drop for Kept<DB> {
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            eprintln!("note: {}: the test failed; kept {}", self.test, db.keep());
        }
    }
}

/// Whether `MIGRATE_TEST_KEEP` asks to keep every database.
fn keep_all() -> bool {
    std::env::var(KEEP_VARIABLE).is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}
