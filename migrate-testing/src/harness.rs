//! What `#[migrate::test]` expands to call: a runtime, a fresh migrated pool, the body.

use std::future::Future;

use crate::fresh::TestPool;
use migrate_runtime::Migrator;

/// What a `#[migrate::test]` function may return: `()` or a `Result<(), E>`.
#[diagnostic::on_unimplemented(
    message = "a `#[migrate::test]` function cannot return `{Self}`",
    note = "return `()` or `Result<(), E>`"
)]
pub trait TestOutput {
    /// The value of a test skipped for want of a server.
    fn skipped() -> Self;
}

impl TestOutput for () {
    fn skipped() -> Self {}
}

impl<E> TestOutput for Result<(), E> {
    fn skipped() -> Self {
        Ok(())
    }
}

/// Runs `body` on a current-thread Tokio runtime with a pool to a fresh database that has
/// every migration of `migrator` applied; the parameter's type picks the database.
///
/// Without a server to test on (no URL in the environment, no PostgreSQL binaries) the test
/// is skipped with a notice, except under `CI=true`, where that fails it. After the body
/// returns the database is dropped; after a panic it stays, for a look (the private
/// cluster's go when the process ends).
pub fn run_test<P, F, Fut>(migrator: &Migrator, test: &str, body: F) -> Fut::Output
where
    P: TestPool,
    F: FnOnce(P) -> Fut,
    Fut: Future,
    Fut::Output: TestOutput,
{
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => panic!("{test}: could not start a Tokio runtime: {e}"),
    };
    runtime.block_on(async {
        let (pool, db) = match P::fresh(migrator).await {
            Ok(fresh) => fresh,
            Err(e) if e.is_unavailable() && !crate::in_ci() => {
                eprintln!("notice: {test} skipped: {e}");
                return Fut::Output::skipped();
            }
            Err(e) => panic!("{test}: no fresh test database: {}", crate::chain(&e)),
        };
        let output = body(pool.clone()).await;
        pool.close().await;
        if let Err(e) = db.remove().await {
            eprintln!("warning: {test}: {}", crate::chain(&e));
        }
        output
    })
}
