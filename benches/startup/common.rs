//! What every part of the start-up bench shares: sampling, floors, and the generated sets
//! and statistics every bench shares ([`crate::sets`]).

use std::path::Path;
use std::time::{Duration, Instant};

use migrate::sqlx::{self, AssertSqlSafe, SqlitePool};

pub use crate::sets::{generate, median, ms, stats, Shape};

/// One set as both databases' tables measure it: its shape and size, the two tools' tables of
/// it, its scripts (for the floors), and the no-op's sample size.
#[derive(Clone, Copy)]
pub struct Case<'a> {
    pub shape: Shape,
    pub n: usize,
    pub ours: &'a migrate::Migrator,
    pub theirs: &'a sqlx::migrate::Migrator,
    pub scripts: &'a [String],
    pub noop_runs: usize,
}

/// Times `$body` `$runs` times after a warm-up of 10: (median, p10, p90).
macro_rules! sample {
    ($runs:expr, $body:expr) => {{
        for _ in 0..10 {
            $body;
        }
        let mut samples = Vec::with_capacity($runs);
        for _ in 0..$runs {
            let t = std::time::Instant::now();
            $body;
            samples.push(t.elapsed());
        }
        $crate::common::stats(samples)
    }};
}
pub(crate) use sample;

/// Runs of each apply measurement (on fresh databases, the tools in a rotating order, the
/// median reported); one at N = 5000, where a run takes seconds.
pub fn apply_runs(n: usize) -> usize {
    if n >= 5000 {
        1
    } else {
        3
    }
}

/// A fresh SQLite file in `dir`, behind a pool of two connections.
pub async fn sqlite_fresh(dir: &Path, name: &str) -> SqlitePool {
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
pub async fn floor_apply<DB>(scripts: &[String], pool: &sqlx::Pool<DB>)
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
pub async fn floor_atomic<DB>(scripts: &[String], pool: &sqlx::Pool<DB>)
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

/// Times `tools` on fresh targets `runs` times each, the tools taking turns to go first; the
/// median of each, and the target each ran on last (kept for the no-op).
pub async fn rotate<T, F, G, R>(
    tools: usize,
    runs: usize,
    mut fresh: F,
    mut run: G,
) -> Vec<(Duration, T)>
where
    F: AsyncFnMut(usize, usize) -> T,
    G: AsyncFnMut(usize, &T) -> R,
{
    let mut last: Vec<Option<T>> = (0..tools).map(|_| None).collect();
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); tools];
    for r in 0..runs {
        for k in 0..tools {
            let tool = (r + k) % tools;
            let target = fresh(tool, r).await;
            let t = Instant::now();
            run(tool, &target).await;
            times[tool].push(t.elapsed());
            last[tool] = Some(target);
        }
    }
    times
        .into_iter()
        .zip(last)
        .map(|(t, target)| (median(t), target.expect("every tool ran")))
        .collect()
}
