//! The lock where production runs: what the lease costs against the session lock, the no-op
//! start-up through PgBouncer, and 16 runners racing on a fresh database — PostgreSQL direct
//! with each lock, through PgBouncer with the lease, MariaDB direct, a 3-node Galera cluster.
//!
//! `cargo bench --bench locks --features postgres,sqlite,mysql,testing`

#[path = "support/proxy.rs"]
mod proxy;
#[path = "../tests/support/servers.rs"]
mod servers;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use migrate::sqlx::{self, pool::PoolOptions, Database, Pool};
use migrate::testing::{TempGalera, TempMariaDb, TempPgBouncer};
use migrate::{Locking, Migrator, Version};
use proxy::{proxy, Counters, Traffic};

const CYCLES: usize = 200;
const RUNNERS: usize = 16;
const ROUNDS: usize = 5;

/// A set of `n` migrations, each a table.
fn set(dir: &Path, n: usize) -> Migrator {
    std::fs::create_dir_all(dir).expect("bench dir");
    for i in 1..=n {
        let sql = format!("CREATE TABLE t{i} (id INT PRIMARY KEY, v INT);\n");
        std::fs::write(dir.join(format!("{i:04}_t{i}.sql")), sql).expect("bench file");
    }
    Migrator::from_dir(dir).expect("bench set")
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn pool<DB: Database>(url: &str, size: u32) -> Pool<DB> {
    PoolOptions::<DB>::new()
        .max_connections(size)
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// `RUNNERS` runners with a pool of one connection each, released together on a fresh database
/// behind `urls` (taken in turn); the time until the last one finishes.
async fn herd<DB: Database>(set: &Arc<Migrator>, urls: &[String], lock: Locking) -> Duration
where
    for<'c> &'c Pool<DB>: migrate::Connect<'c>,
{
    let start = Arc::new(tokio::sync::Barrier::new(RUNNERS + 1));
    let mut tasks = Vec::new();
    for i in 0..RUNNERS {
        let pool = pool::<DB>(&urls[i % urls.len()], 1).await;
        let (set, start) = (Arc::clone(set), Arc::clone(&start));
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let run = set.runner().locking(lock).run(&pool).await;
            run.map(|r| r.migrations.len()).map_err(|e| e.to_string())
        }));
    }
    start.wait().await;
    let t = Instant::now();
    let mut applied = 0;
    for task in tasks {
        applied += task
            .await
            .expect("join")
            .unwrap_or_else(|e| panic!("a runner: {e}"));
    }
    assert_eq!(applied, set.migrations().len(), "each migration once");
    t.elapsed()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let work = std::env::temp_dir().join(format!("migrate-bench-locks-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let small = Arc::new(set(&work.join("small"), 5));
    let race = Arc::new(set(&work.join("race"), 20));
    let Some(cluster) = servers::TempCluster::start(&[]) else {
        eprintln!("PostgreSQL binaries missing: no benchmark");
        return;
    };
    let bouncer = servers::available(TempPgBouncer::start(&cluster));
    let counters = Arc::new(Counters::default());
    let direct = proxy(cluster.port(), counters.clone()).await;
    let mut n = 0;
    let mut fresh = |host_port: u16| {
        n += 1;
        let name = format!("bench_{n}");
        cluster.create_database(&name).expect("create database");
        format!("postgres://postgres@127.0.0.1:{host_port}/{name}")
    };
    println!(
        "# the lock: session lock and lease ({} cores)\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    // ---- a locked operation that does nothing: its cost is the lock's
    println!("## one locked operation with nothing to do (undo to the head), PostgreSQL direct, median of {CYCLES}\n");
    println!("| lock | time | statements | round trips |\n|---|---|---|---|");
    let url = fresh(direct);
    let db = pool::<sqlx::Postgres>(&url, 2).await;
    small.run(&db).await.expect("apply");
    let head = small
        .head()
        .map(|m| m.version())
        .unwrap_or(Version::__checked(0));
    for lock in [Locking::Session, Locking::Lease] {
        let runner = small.runner().locking(lock);
        let before = counters.read();
        let mut times = Vec::new();
        for _ in 0..CYCLES {
            let t = Instant::now();
            runner.undo_to(&db, head).await.expect("undo to the head");
            times.push(t.elapsed());
        }
        let Traffic {
            statements,
            round_trips,
            ..
        } = counters.read() - before;
        println!(
            "| {lock:?} | {:.3} ms | {:.1} | {:.1} |",
            ms(median(times)),
            statements as f64 / CYCLES as f64,
            round_trips as f64 / CYCLES as f64
        );
    }

    // ---- the no-op start-up through PgBouncer
    if let Some(bouncer) = &bouncer {
        println!("\n## no-op start-up (everything applied), median of {CYCLES}\n");
        println!("| path | time | statements | round trips |\n|---|---|---|---|");
        let through = proxy(bouncer.port(), counters.clone()).await;
        let name = url.rsplit('/').next().unwrap_or_default().to_owned();
        for (what, port) in [("direct", direct), ("through PgBouncer", through)] {
            let db =
                pool::<sqlx::Postgres>(&format!("postgres://postgres@127.0.0.1:{port}/{name}"), 1)
                    .await;
            let runner = small.runner().locking(Locking::Lease);
            let before = counters.read();
            let mut times = Vec::new();
            for _ in 0..CYCLES {
                let t = Instant::now();
                runner.run(&db).await.expect("no-op");
                times.push(t.elapsed());
            }
            let Traffic {
                statements,
                round_trips,
                ..
            } = counters.read() - before;
            println!(
                "| {what} | {:.3} ms | {:.1} | {:.1} |",
                ms(median(times)),
                statements as f64 / CYCLES as f64,
                round_trips as f64 / CYCLES as f64
            );
        }
    }

    // ---- herds
    println!("\n## {RUNNERS} runners released together on a fresh database, 20 migrations: until the last finishes (median of {ROUNDS})\n");
    println!("| where | lock | time |\n|---|---|---|");
    for lock in [Locking::Session, Locking::Lease] {
        let mut times = Vec::new();
        for _ in 0..ROUNDS {
            times.push(herd::<sqlx::Postgres>(&race, &[fresh(cluster.port())], lock).await);
        }
        println!(
            "| PostgreSQL direct | {lock:?} | {:.0} ms |",
            ms(median(times))
        );
    }
    if let Some(bouncer) = &bouncer {
        let mut times = Vec::new();
        for _ in 0..ROUNDS {
            let url = fresh(cluster.port());
            let name = url.rsplit('/').next().unwrap_or_default();
            times.push(herd::<sqlx::Postgres>(&race, &[bouncer.url(name)], Locking::Lease).await);
        }
        println!(
            "| PostgreSQL through PgBouncer (transaction mode) | Lease | {:.0} ms |",
            ms(median(times))
        );
    }
    if let Some(server) = servers::available(TempMariaDb::start()) {
        for lock in [Locking::Session, Locking::Lease] {
            let mut times = Vec::new();
            for round in 0..ROUNDS {
                let name = format!("herd_{lock:?}_{round}");
                server
                    .create_database(&name)
                    .await
                    .expect("create database");
                times.push(herd::<sqlx::MySql>(&race, &[server.url(&name)], lock).await);
            }
            println!(
                "| MariaDB direct | {lock:?} | {:.0} ms |",
                ms(median(times))
            );
        }
    }
    if let Some(galera) = servers::available(TempGalera::start(3)) {
        let mut times = Vec::new();
        for round in 0..ROUNDS {
            let name = format!("herd_{round}");
            galera.create_database(&name).expect("create database");
            let urls: Vec<String> = (0..3).map(|node| galera.url(node, &name)).collect();
            times.push(herd::<sqlx::MySql>(&race, &urls, Locking::Auto).await);
        }
        println!(
            "| MariaDB Galera, 3 nodes, runners spread over them | Auto (lease) | {:.0} ms |",
            ms(median(times))
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}
