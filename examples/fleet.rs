//! A fleet: the embedded `migrations/` applied to three tenant SQLite files, the first as a
//! canary, then every tenant's state.
//!
//! ```text
//! cargo run --example fleet --features sqlite [-- directory]
//! ```
//!
//! For PostgreSQL schemas on one server: `Target::schemas_like(url, "tenant_%")`; for
//! databases anywhere: `Target::database(url)`.

use migrate::fleet::{Fleet, Target, TenantOutcome};

static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("migrations");

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/fleet-example".to_owned());
    std::fs::create_dir_all(&dir)?;
    let mut tenants = Vec::new();
    for name in ["acme", "globex", "initech"] {
        let path = std::path::Path::new(&dir).join(format!("{name}.sqlite3"));
        if !path.exists() {
            // an empty file is an empty SQLite database
            std::fs::write(&path, "")?;
        }
        tenants.push(Target::sqlite(path));
    }

    let fleet = Fleet::new(MIGRATOR.runner()).jobs(2).canary(1);
    let report = fleet.up(&tenants).await;
    for tenant in &report.tenants {
        let what = match &tenant.outcome {
            TenantOutcome::UpToDate => "up to date".to_owned(),
            TenantOutcome::Applied(run) => format!("{} migration(s) applied", run.migrations.len()),
            TenantOutcome::Failed(error) => format!("failed: {error}"),
            _ => "skipped".to_owned(),
        };
        println!("{}: {what}", tenant.target);
    }

    for status in fleet.status(&tenants).await {
        let newest = status.newest.map(|v| v.to_string()).unwrap_or_default();
        println!(
            "{:<40} {:<16} {}",
            status.target.to_string(),
            newest,
            status.state.name()
        );
    }
    if report.failed().next().is_some() {
        return Err("a tenant failed".into());
    }
    Ok(())
}
