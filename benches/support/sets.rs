//! What the benches share: generated migration sets, and the statistics of their timings.

#![allow(dead_code)] // each bench uses part of it

use std::path::Path;
use std::time::Duration;

/// Migration sets: every migration creates a table, an index and a row; or every migration
/// alters one of four tables (so SQLite's cost of loading a schema of N tables does not hide
/// the tools' own cost).
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    Tables,
    Alters,
}

/// Writes `n` migrations of `shape` into `dir`, which is emptied first.
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

/// (median, p10, p90)
pub fn stats(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.1), at(0.9))
}

pub fn median(times: Vec<Duration>) -> Duration {
    stats(times).0
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
