//! Start-up and apply cost of `migrate` beside sqlx's `Migrator` and a floor, in one run, on
//! generated migration sets: PostgreSQL in two private clusters — durable (fsync and
//! synchronous_commit on, as production runs) and with fsync off — and SQLite in a temporary
//! file; then where SQLite's no-op time goes as the schema grows, and a herd of 32 instances
//! starting at once.
//!
//! ```text
//! cargo bench --bench startup --features postgres,sqlite,testing            # N = 10, 100, 1000
//! cargo bench --bench startup --features postgres,sqlite,testing -- --full  # also N = 5000
//! cargo bench --bench startup --features postgres,sqlite,testing -- --herd  # the herd alone
//! ```
//!
//! The floors: for the no-op, one trivial query (`SELECT 1`) through the same kind of pool;
//! for apply, each migration's SQL sent as `BEGIN; <sql> COMMIT;` in one round trip with no
//! bookkeeping; for atomic mode, all of it in one transaction. PostgreSQL traffic goes
//! through a counting proxy: statements are the Query and Execute messages the client sends,
//! round trips the ReadyForQuery messages the server answers, bytes what the server sends.
//! Apply and atomic times are the median of three runs on fresh databases, the tools taking
//! turns to go first (one run at N = 5000).

#[path = "startup/common.rs"]
mod common;
#[path = "startup/herd.rs"]
mod herd;
#[path = "startup/postgres.rs"]
mod postgres;
#[path = "support/proxy.rs"]
mod proxy;
#[path = "../tests/support/servers.rs"]
mod servers;
#[path = "support/sets.rs"]
mod sets;
#[path = "startup/sqlite.rs"]
mod sqlite;

use migrate::sqlx;
use postgres::Pg;
use sets::{generate, Shape};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let full = std::env::args().any(|a| a == "--full");
    let herd_only = std::env::args().any(|a| a == "--herd");
    let sizes: &[usize] = if full {
        &[10, 100, 1000, 5000]
    } else {
        &[10, 100, 1000]
    };
    let noop_runs = 200;
    let work = std::env::temp_dir().join(format!("migrate-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("work dir");

    // Both clusters on the disk, not in /dev/shm (where the test suite puts its clusters and
    // where fsync would cost nothing): the durable cluster must pay for its commits.
    if std::env::var_os("MIGRATE_TEST_POSTGRES_DIR").is_none() {
        std::env::set_var("MIGRATE_TEST_POSTGRES_DIR", std::env::temp_dir());
    }
    let locks = ("max_locks_per_transaction", "64");
    let durable = [
        locks,
        ("fsync", "on"),
        ("synchronous_commit", "on"),
        ("full_page_writes", "on"),
    ];
    let Some(mut durable) = Pg::start("durable", &durable).await else {
        eprintln!("PostgreSQL binaries missing: no benchmark");
        return;
    };
    let Some(mut fast) = Pg::start("fsync off", &[locks]).await else {
        return;
    };
    let postgres = durable.version().await;
    let lite = common::sqlite_fresh(&work, "version").await;
    let sqlite: String = sqlx::query_scalar("SELECT sqlite_version()")
        .fetch_one(&lite)
        .await
        .expect("sqlite_version");
    lite.close().await;
    println!("# migrate vs sqlx 0.9 Migrator — start-up and apply");
    println!(
        "machine: {} cores; PostgreSQL {postgres}, two private clusters: durable (fsync, synchronous_commit, full_page_writes on) and fsync off; SQLite {sqlite} bundled (file, default journal)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("no-op: median of {noop_runs} runs after a warm-up (p10–p90 in brackets); apply and atomic: median of 3 runs on fresh databases, tools in a rotating order (one run at N = 5000)\n");

    let shapes: &[Shape] = if herd_only {
        &[]
    } else {
        &[Shape::Tables, Shape::Alters]
    };
    for &shape in shapes {
        for &n in sizes {
            let dir = work.join(format!("{shape:?}-{n}"));
            generate(&dir, n, shape);
            let ours = migrate::Migrator::from_dir(&dir).expect("our table");
            let theirs = sqlx::migrate::Migrator::new(dir.as_path())
                .await
                .expect("sqlx table");
            let scripts: Vec<String> = ours
                .migrations()
                .iter()
                .map(|m| m.up_sql().to_owned())
                .collect();
            let case = common::Case {
                shape,
                n,
                ours: &ours,
                theirs: &theirs,
                scripts: &scripts,
                noop_runs,
            };
            for pg in [&mut durable, &mut fast] {
                postgres::tables(pg, &case).await;
            }
            sqlite::tables(&work, &case).await;
        }
    }

    if !herd_only {
        sqlite::alone(&work, &[100, 1000, 5000], noop_runs).await;
    }

    println!(
        "## Herd: {} instances released together, each with its own one-connection pool (PostgreSQL, durable; median of runs, tools taking turns)",
        herd::INSTANCES
    );
    println!("| N | database | migrate: all done | sqlx: all done | ÷ sqlx | migrate: last waiter after the migrating instance | sqlx: same |");
    println!("|---|---|---|---|---|---|---|");
    for (n, runs) in [(100, 5), (1000, 3)] {
        let dir = work.join(format!("herd-{n}"));
        generate(&dir, n, Shape::Tables);
        // the herd's tasks need 'static sets: two per size, for the life of the bench
        let ours: &'static migrate::Migrator = Box::leak(Box::new(
            migrate::Migrator::from_dir(&dir).expect("our table"),
        ));
        let theirs: &'static sqlx::migrate::Migrator = Box::leak(Box::new(
            sqlx::migrate::Migrator::new(dir.as_path())
                .await
                .expect("sqlx table"),
        ));
        let pg = &mut durable;
        // the herd runs on a runtime of its own, in a thread of its own
        let lines = std::thread::scope(|s| {
            s.spawn(|| herd::table(n, runs, || pg.fresh_direct_url(), ours, theirs))
                .join()
                .expect("herd")
        });
        for line in lines {
            println!("{line}");
        }
    }
    println!();
    let _ = std::fs::remove_dir_all(&work);
}
