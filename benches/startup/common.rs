//! What every part of the start-up bench shares: generated sets, sampling, floors.

use std::path::Path;
use std::time::{Duration, Instant};

use migrate::sqlx::{self, AssertSqlSafe, SqlitePool};

/// Migration sets: every migration creates a table, an index and a row; or every migration
/// alters one of four tables (so SQLite's cost of loading a schema of N tables does not hide
/// the tools' own cost).
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    Tables,
    Alters,
}

/// Writes a set of `n` migrations of `shape` into `dir`.
pub fn generate(dir: &Path, n: usize, shape: Shape) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("bench directory");
    for i in 1..=n {
        let sql = match shape {
            Shape::Tables => format!(
                "-- migration {i}: a table, an index and a row\n\
                 CREATE TABLE t_{i} (\n    id BIGINT PRIMARY KEY,\n    name VARCHAR(100) NOT NULL,\n    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n);\n\
                 CREATE INDEX t_{i}_name ON t_{i} (name);\n\
                 INSERT INTO t_{i} (id, name) VALUES ({i}, 'row {i}');\n"
            ),
            Shape::Alters if i <= 4 => format!("CREATE TABLE base_{i} (id BIGINT PRIMARY KEY, name VARCHAR(100));\n"),
            Shape::Alters => format!(
                "-- migration {i}: one more column\nALTER TABLE base_{} ADD COLUMN c_{i} INTEGER DEFAULT 0;\n",
                i % 4 + 1
            ),
        };
        std::fs::write(dir.join(format!("{i:06}_m{i}.sql")), sql).expect("bench file");
    }
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

/// (median, p10, p90).
pub fn stats(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.1), at(0.9))
}

pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

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
