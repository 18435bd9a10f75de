//! Start-up and apply cost of `migrate` beside sqlx's `Migrator` and a floor, in one run, on
//! generated migration sets (PostgreSQL in a private cluster, SQLite in a temporary file).
//!
//! ```text
//! cargo bench --bench startup --features postgres,sqlite,testing            # N = 10, 100, 1000
//! cargo bench --bench startup --features postgres,sqlite,testing -- --full  # also N = 5000
//! ```
//!
//! The floors: for the no-op, one trivial query (`SELECT 1`) through the same kind of pool;
//! for apply, each migration's SQL sent as `BEGIN; <sql> COMMIT;` in one round trip with no
//! bookkeeping; for atomic mode, all of it in one transaction. PostgreSQL traffic goes
//! through a counting proxy: statements are the Query and Execute messages the client sends,
//! round trips the ReadyForQuery messages the server answers, bytes what the server sends.
//! Apply and atomic times are the median of three runs on fresh databases, the tools taking
//! turns to go first (one run at N = 5000).

#[path = "support/proxy.rs"]
mod proxy;
#[path = "../tests/support/servers.rs"]
mod servers;
#[path = "support/sets.rs"]
mod sets;

use proxy::{proxy, Counters, Traffic};
use sets::{generate, median, ms, stats, Shape};

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use migrate::sqlx::{self, AssertSqlSafe, PgPool, SqlitePool};

/// Times `$body` `$runs` times after a warm-up of 10: (median, p10, p90).
macro_rules! sample {
    ($runs:expr, $body:expr) => {{
        for _ in 0..10 {
            $body;
        }
        let mut samples = Vec::with_capacity($runs);
        for _ in 0..$runs {
            let t = Instant::now();
            $body;
            samples.push(t.elapsed());
        }
        stats(samples)
    }};
}

struct Pg {
    cluster: servers::TempCluster,
    proxy_port: u16,
    next: usize,
}

impl Pg {
    async fn fresh(&mut self) -> PgPool {
        self.next += 1;
        let name = format!("bench{}", self.next);
        self.cluster
            .create_database(&name)
            .expect("create database");
        let url = format!(
            "postgres://postgres@127.0.0.1:{}/{name}?sslmode=disable",
            self.proxy_port
        );
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect(&url)
            .await
            .expect("connect")
    }
}

async fn sqlite_fresh(dir: &Path, name: &str) -> SqlitePool {
    let path = dir.join(format!("{name}.sqlite3"));
    let _ = std::fs::remove_file(&path);
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
        .expect("sqlite")
}

/// The apply floor: every migration's SQL in its own transaction, one round trip each, on
/// one connection (as both tools use one: on SQLite, statements spread over the pool's
/// connections make each reload the schema changed by the other).
async fn floor_apply<DB>(scripts: &[String], pool: &sqlx::Pool<DB>)
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let mut conn = pool.acquire().await.expect("floor connection");
    for sql in scripts {
        sqlx::raw_sql(AssertSqlSafe(format!("BEGIN;\n{sql}\nCOMMIT;")))
            .execute(&mut *conn)
            .await
            .expect("floor apply");
    }
}

/// The atomic floor: all of it in one transaction, in one round trip.
async fn floor_atomic<DB>(scripts: &[String], pool: &sqlx::Pool<DB>)
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let all = scripts.concat();
    let mut conn = pool.acquire().await.expect("floor connection");
    sqlx::raw_sql(AssertSqlSafe(format!("BEGIN;\n{all}\nCOMMIT;")))
        .execute(&mut *conn)
        .await
        .expect("floor atomic");
}

/// Runs of each apply measurement (on fresh databases, the tools in a rotating order, the
/// median reported); one at N = 5000, where a run takes seconds.
fn apply_runs(n: usize) -> usize {
    if n >= 5000 {
        1
    } else {
        3
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let full = std::env::args().any(|a| a == "--full");
    let sizes: &[usize] = if full {
        &[10, 100, 1000, 5000]
    } else {
        &[10, 100, 1000]
    };
    let noop_runs = 200;
    let work = std::env::temp_dir().join(format!("migrate-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("work dir");

    let Some(cluster) = servers::TempCluster::start(&[("max_locks_per_transaction", "64")]) else {
        eprintln!("PostgreSQL binaries missing: no benchmark");
        return;
    };
    let counters = Arc::new(Counters::default());
    let proxy_port = proxy(cluster.port(), counters.clone()).await;
    let mut pg = Pg {
        cluster,
        proxy_port,
        next: 0,
    };

    let versions = {
        let pool = pg.fresh().await;
        let postgres: String = sqlx::query_scalar("SHOW server_version")
            .fetch_one(&pool)
            .await
            .expect("server_version");
        pool.close().await;
        let lite = sqlite_fresh(&work, "version").await;
        let sqlite: String = sqlx::query_scalar("SELECT sqlite_version()")
            .fetch_one(&lite)
            .await
            .expect("sqlite_version");
        lite.close().await;
        format!("PostgreSQL {postgres} (private cluster, fsync off); SQLite {sqlite} bundled (file, default journal)")
    };
    println!("# migrate vs sqlx 0.9 Migrator — start-up and apply");
    println!(
        "machine: {} cores; {versions}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("no-op: median of {noop_runs} runs after a warm-up (p10–p90 in brackets); apply and atomic: median of 3 runs on fresh databases, tools in a rotating order (one run at N = 5000)\n");

    for shape in [Shape::Tables, Shape::Alters] {
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

            // ---- PostgreSQL
            let runs = apply_runs(n);
            let mut pools: [Option<PgPool>; 3] = [None, None, None];
            let mut times: [Vec<Duration>; 3] = Default::default();
            for run in 0..runs {
                for k in 0..3 {
                    let tool = (run + k) % 3;
                    let pool = pg.fresh().await;
                    let t = Instant::now();
                    match tool {
                        0 => drop(ours.run(&pool).await.expect("ours apply")),
                        1 => theirs.run(&pool).await.expect("sqlx apply"),
                        _ => floor_apply(&scripts, &pool).await,
                    }
                    times[tool].push(t.elapsed());
                    if let Some(old) = pools[tool].replace(pool) {
                        old.close().await;
                    }
                }
            }
            let [Some(pool_ours), Some(pool_sqlx), Some(pool_floor)] = pools else {
                unreachable!("every tool ran")
            };
            let [apply_ours, apply_sqlx, apply_floor] = times.map(median);
            let atomic = if n <= 1000 || matches!(shape, Shape::Alters) {
                let mut ours_times = Vec::new();
                let mut floor_times = Vec::new();
                let mut failure = None;
                for run in 0..runs {
                    for k in 0..2 {
                        let pool = pg.fresh().await;
                        let t = Instant::now();
                        if (run + k) % 2 == 0 {
                            let result = ours.runner().atomic(true).run(&pool).await;
                            ours_times.push(t.elapsed());
                            if let Err(e) = result {
                                failure = Some(e);
                            }
                        } else {
                            floor_atomic(&scripts, &pool).await;
                            floor_times.push(t.elapsed());
                        }
                        pool.close().await;
                    }
                }
                let (atomic_ours, atomic_floor) = (median(ours_times), median(floor_times));
                match failure {
                    None => format!(
                        "atomic {:.1} ms vs one-transaction floor {:.1} ms ({:.2}×)",
                        ms(atomic_ours),
                        ms(atomic_floor),
                        ms(atomic_ours) / ms(atomic_floor)
                    ),
                    Some(e) => format!("atomic refused/failed: {e}"),
                }
            } else {
                "atomic: skipped (N tables exceed max_locks_per_transaction = 64 × connections)"
                    .to_owned()
            };

            let traffic = |before: Traffic| {
                let t = counters.read() - before;
                let per = |v: u64| v as f64 / noop_runs as f64;
                (per(t.statements), per(t.round_trips), per(t.bytes_in))
            };
            let before = counters.read();
            let o = sample!(noop_runs, ours.run(&pool_ours).await.expect("ours no-op"));
            let o_traffic = traffic(before);
            let before = counters.read();
            let s = sample!(noop_runs, theirs.run(&pool_sqlx).await.expect("sqlx no-op"));
            let s_traffic = traffic(before);
            let before = counters.read();
            let f = sample!(
                noop_runs,
                sqlx::raw_sql("SELECT 1")
                    .execute(&pool_floor)
                    .await
                    .expect("floor")
            );
            let f_traffic = traffic(before);
            println!("## PostgreSQL, {shape:?}, N = {n}");
            println!("| | no-op median (p10–p90) | statements | round trips | bytes in | apply all N | apply per migration |");
            println!("|---|---|---|---|---|---|---|");
            for (name, r, t, apply) in [
                ("migrate", o, o_traffic, apply_ours),
                ("sqlx", s, s_traffic, apply_sqlx),
                ("floor", f, f_traffic, apply_floor),
            ] {
                println!(
                    "| {name} | {:.3} ms ({:.3}–{:.3}) | {:.1} | {:.1} | {:.0} | {:.1} ms | {:.3} ms |",
                    ms(r.0), ms(r.1), ms(r.2), t.0, t.1, t.2, ms(apply), ms(apply) / n as f64
                );
            }
            println!(
                "ratios: no-op migrate/sqlx {:.2} (sqlx {:.1}× slower); no-op overhead above floor {:.3} ms; apply overhead above floor {:.3} ms per migration (sqlx {:.3}); {atomic}\n",
                ms(o.0) / ms(s.0), ms(s.0) / ms(o.0), ms(o.0) - ms(f.0),
                (ms(apply_ours) - ms(apply_floor)) / n as f64, (ms(apply_sqlx) - ms(apply_floor)) / n as f64
            );
            pool_ours.close().await;
            pool_sqlx.close().await;
            pool_floor.close().await;

            // ---- SQLite
            let mut pools: [Option<SqlitePool>; 3] = [None, None, None];
            let mut times: [Vec<Duration>; 3] = Default::default();
            for run in 0..runs {
                for k in 0..3 {
                    let tool = (run + k) % 3;
                    let pool = sqlite_fresh(&work, &format!("{tool}-{shape:?}-{n}-{run}")).await;
                    let t = Instant::now();
                    match tool {
                        0 => drop(ours.run(&pool).await.expect("ours sqlite apply")),
                        1 => theirs.run(&pool).await.expect("sqlx sqlite apply"),
                        _ => floor_apply(&scripts, &pool).await,
                    }
                    times[tool].push(t.elapsed());
                    if let Some(old) = pools[tool].replace(pool) {
                        old.close().await;
                    }
                }
            }
            let [Some(lite_ours), Some(lite_sqlx), Some(lite_floor)] = pools else {
                unreachable!("every tool ran")
            };
            let [apply_ours, apply_sqlx, apply_floor] = times.map(median);
            let mut ours_times = Vec::new();
            let mut floor_times = Vec::new();
            for run in 0..runs {
                for k in 0..2 {
                    let pool =
                        sqlite_fresh(&work, &format!("atomic-{k}-{shape:?}-{n}-{run}")).await;
                    let t = Instant::now();
                    if (run + k) % 2 == 0 {
                        ours.runner()
                            .atomic(true)
                            .run(&pool)
                            .await
                            .expect("ours sqlite atomic");
                        ours_times.push(t.elapsed());
                    } else {
                        floor_atomic(&scripts, &pool).await;
                        floor_times.push(t.elapsed());
                    }
                    pool.close().await;
                }
            }
            let (atomic_ours, atomic_floor) = (median(ours_times), median(floor_times));

            let o = sample!(noop_runs, ours.run(&lite_ours).await.expect("ours no-op"));
            let s = sample!(noop_runs, theirs.run(&lite_sqlx).await.expect("sqlx no-op"));
            let f = sample!(
                noop_runs,
                sqlx::raw_sql("SELECT 1")
                    .execute(&lite_floor)
                    .await
                    .expect("floor")
            );
            println!("## SQLite, {shape:?}, N = {n}");
            println!("| | no-op median (p10–p90) | apply all N | apply per migration |");
            println!("|---|---|---|---|");
            for (name, r, apply) in [
                ("migrate", o, apply_ours),
                ("sqlx", s, apply_sqlx),
                ("floor", f, apply_floor),
            ] {
                println!(
                    "| {name} | {:.3} ms ({:.3}–{:.3}) | {:.1} ms | {:.3} ms |",
                    ms(r.0),
                    ms(r.1),
                    ms(r.2),
                    ms(apply),
                    ms(apply) / n as f64
                );
            }
            println!(
                "ratios: no-op migrate/sqlx {:.2} (sqlx {:.1}× slower); no-op overhead above floor {:.3} ms; apply overhead above floor {:.3} ms per migration (sqlx {:.3}); atomic {:.1} ms vs one-transaction floor {:.1} ms ({:.2}×)\n",
                ms(o.0) / ms(s.0), ms(s.0) / ms(o.0), ms(o.0) - ms(f.0),
                (ms(apply_ours) - ms(apply_floor)) / n as f64, (ms(apply_sqlx) - ms(apply_floor)) / n as f64,
                ms(atomic_ours), ms(atomic_floor), ms(atomic_ours) / ms(atomic_floor)
            );
            for pool in [lite_ours, lite_sqlx, lite_floor] {
                pool.close().await;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);
}
