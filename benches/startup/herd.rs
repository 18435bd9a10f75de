//! A thundering herd: `INSTANCES` runners, each with its own one-connection pool, released
//! together on one database — fresh, or with everything applied — as a fleet of application
//! instances starting after a deploy. Run on a two-thread runtime of its own, straight to the
//! cluster (not through the proxy, whose tasks live on the main runtime).

use std::time::{Duration, Instant};

use migrate::sqlx::{self, PgPool};

use crate::common::{median, ms};

/// Instances released together.
pub const INSTANCES: usize = 32;

/// One herd's timings.
struct Run {
    /// From the release until the last instance returned.
    total: Duration,
    /// From the migrating instance's return until the last other one returned (none when no
    /// instance migrated: the database was up to date).
    lag: Option<Duration>,
}

/// Which tool the instances run.
#[derive(Clone, Copy, PartialEq)]
pub enum Tool {
    Migrate,
    Sqlx,
}

/// Releases `INSTANCES` runners of `tool` on the database at `url` and checks that every
/// migration was applied exactly once.
fn release(
    tool: Tool,
    url: &str,
    ours: &'static migrate::Migrator,
    theirs: &'static sqlx::migrate::Migrator,
    n: usize,
) -> Run {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("herd runtime");
    runtime.block_on(async {
        let mut pools = Vec::with_capacity(INSTANCES);
        for _ in 0..INSTANCES {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await
                .expect("herd connect");
            pools.push(pool);
        }
        let gate = std::sync::Arc::new(tokio::sync::Barrier::new(INSTANCES + 1));
        let mut tasks = Vec::with_capacity(INSTANCES);
        for pool in &pools {
            let (pool, gate) = (pool.clone(), gate.clone());
            tasks.push(tokio::spawn(async move {
                gate.wait().await;
                let applied = match tool {
                    Tool::Migrate => ours.run(&pool).await.expect("migrate run").migrations.len(),
                    Tool::Sqlx => {
                        theirs.run(&pool).await.expect("sqlx run");
                        0
                    }
                };
                (Instant::now(), applied)
            }));
        }
        gate.wait().await;
        let start = Instant::now();
        let mut finished = Vec::with_capacity(INSTANCES);
        for task in tasks {
            finished.push(task.await.expect("herd task"));
        }
        let last = finished.iter().map(|f| f.0).max().expect("instances");
        let migrated: usize = finished.iter().map(|f| f.1).sum();
        let check = &pools[0];
        let rows = recorded(tool, check).await;
        assert_eq!(rows, n, "every migration recorded once");
        if tool == Tool::Migrate {
            // exactly once: the instances' reports add up to the set, or to nothing
            assert!(migrated == n || migrated == 0, "applied {migrated} of {n}");
        }
        let sample: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM t_{n}")))
                .fetch_one(check)
                .await
                .expect("side effect");
        assert_eq!(sample, 1, "the last migration's row, once");
        let migrator_done = match tool {
            Tool::Migrate => finished.iter().find(|f| f.1 > 0).map(|f| f.0),
            // sqlx's waiters block until the migrating instance releases: it returns first
            Tool::Sqlx => finished.iter().map(|f| f.0).min(),
        };
        for pool in pools {
            pool.close().await;
        }
        Run {
            total: last - start,
            lag: migrator_done.map(|done| last.saturating_duration_since(done)),
        }
    })
}

/// Tracking rows the tool wrote.
async fn recorded(tool: Tool, pool: &PgPool) -> usize {
    let sql = match tool {
        Tool::Migrate => "SELECT count(*) FROM _migrations WHERE success",
        Tool::Sqlx => "SELECT count(*) FROM _sqlx_migrations WHERE success",
    };
    let rows: i64 = sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .expect("tracking rows");
    usize::try_from(rows).unwrap_or(0)
}

/// The herd rows for one set: fresh and up to date, both tools, `runs` times each, taking
/// turns. `fresh_url` makes a new database and returns a direct URL to it.
pub fn table(
    n: usize,
    runs: usize,
    mut fresh_url: impl FnMut() -> String,
    ours: &'static migrate::Migrator,
    theirs: &'static sqlx::migrate::Migrator,
) -> Vec<String> {
    let mut lines = Vec::new();
    for up_to_date in [false, true] {
        let mut totals = [Vec::new(), Vec::new()];
        let mut lags = [Vec::new(), Vec::new()];
        for run in 0..runs {
            for k in 0..2 {
                let (index, tool) = if (run + k) % 2 == 0 {
                    (0, Tool::Migrate)
                } else {
                    (1, Tool::Sqlx)
                };
                let url = fresh_url();
                if up_to_date {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("setup runtime");
                    runtime.block_on(async {
                        let pool = PgPool::connect(&url).await.expect("setup connect");
                        match tool {
                            Tool::Migrate => drop(ours.run(&pool).await.expect("setup")),
                            Tool::Sqlx => theirs.run(&pool).await.expect("setup"),
                        }
                        pool.close().await;
                    });
                }
                let r = release(tool, &url, ours, theirs, n);
                totals[index].push(r.total);
                if let Some(lag) = r.lag {
                    lags[index].push(lag);
                }
            }
        }
        let state = if up_to_date { "up to date" } else { "fresh" };
        let [ours_total, sqlx_total] = totals.map(median);
        let lag = |v: Vec<Duration>| {
            if v.is_empty() {
                "—".to_owned()
            } else {
                format!("{:.0} ms", ms(median(v)))
            }
        };
        let [ours_lag, sqlx_lag] = lags.map(lag);
        lines.push(format!(
            "| {n} | {state} | {:.0} ms | {:.0} ms | {:.2} | {ours_lag} | {sqlx_lag} |",
            ms(ours_total),
            ms(sqlx_total),
            ms(ours_total) / ms(sqlx_total)
        ));
    }
    lines
}
