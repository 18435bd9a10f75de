//! The quickstart: applies the embedded `migrations/` to a SQLite file and prints the status.
//!
//! ```text
//! cargo run --example quickstart --features sqlite [-- path/to/app.sqlite3]
//! ```
//!
//! Run it twice: the second run finds everything applied with one query.

use migrate::sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("migrations");

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/quickstart.sqlite3".to_owned());
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let pool = SqlitePool::connect_with(options).await?;

    let report = MIGRATOR.run(&pool).await?;
    if report.migrations.is_empty() {
        println!("{path}: up to date");
    }
    for applied in &report.migrations {
        println!(
            "{path}: applied {} {} in {:?}",
            applied.version, applied.name, applied.duration
        );
    }

    println!(
        "\n{:<16}  {:<18}  {:<10}  applied at",
        "version", "name", "state"
    );
    for line in MIGRATOR.status(&pool).await? {
        let state = line.state.to_string();
        let at = line.applied_at.map(|t| t.to_string()).unwrap_or_default();
        println!(
            "{:<16}  {:<18}  {:<10}  {at}",
            line.version, line.name, state
        );
    }
    pool.close().await;
    Ok(())
}
