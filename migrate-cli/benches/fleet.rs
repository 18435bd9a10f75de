//! Fleets of schema tenants on the private PostgreSQL cluster: `fleet status` over 1,000 and
//! 10,000 schemas (time and statements, counted by a proxy in front of the server), and `up`
//! of 20 migrations over 1,000 fresh schemas with `--jobs 1, 4, 8` against the shell loop a
//! user would write today, one `migrate up --schema T` per tenant.
//!
//! `cargo bench -p migrate-db-cli --bench fleet` (`-- --quick`: 200 schemas for `up`)

#[path = "../../benches/support/proxy.rs"]
mod proxy;
#[path = "../../tests/support/servers.rs"]
mod servers;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use migrate::fleet::{Fleet, Target, TenantState};
use migrate::Migrator;
use proxy::{proxy, Counters};
use servers::TempCluster;

const MIGRATIONS: usize = 20;
const STATUS_ROUNDS: usize = 5;

/// `MIGRATIONS` migrations, each a table with an index and a row, in `dir`.
fn set(dir: &Path) -> Migrator {
    std::fs::create_dir_all(dir).expect("bench dir");
    for i in 1..=MIGRATIONS {
        let sql = format!(
            "CREATE TABLE t{i} (id INT PRIMARY KEY, v TEXT);\n\
             CREATE INDEX t{i}_v ON t{i} (v);\n\
             INSERT INTO t{i} VALUES (1, current_schema());\n"
        );
        std::fs::write(dir.join(format!("{i:02}_t{i}.sql")), sql).expect("bench file");
    }
    Migrator::from_dir(dir).expect("bench set")
}

/// Database `db` with `count` empty schemas `tenant_00000…`.
fn tenants(cluster: &TempCluster, db: &str, count: usize) {
    cluster.create_database(db).expect("create database");
    cluster
        .execute(
            db,
            &format!(
                "DO $$ BEGIN FOR i IN 0..{} LOOP \
                 EXECUTE format('CREATE SCHEMA %I', 'tenant_' || lpad(i::text, 5, '0')); END LOOP; END $$",
                count - 1
            ),
        )
        .expect("schemas");
}

/// Database `db` with `count` schemas whose tracking tables are copies of the one a real run
/// wrote in `tenant_00000` (the tenants' own tables are left out: status reads only the
/// tracking table).
fn at_head(cluster: &TempCluster, db: &str, count: usize, dir: &Path) {
    tenants(cluster, db, count);
    let url = cluster.url(db);
    run_cli(
        dir,
        &[
            "--database-url",
            &url,
            "fleet",
            "--schemas",
            "tenant_00000",
            "up",
        ],
    );
    // in transactions of 500 tables, each within the server's lock table
    for from in (1..count).step_by(500) {
        let to = (from + 499).min(count - 1);
        cluster
            .execute(
                db,
                &format!(
                    "DO $$ BEGIN FOR i IN {from}..{to} LOOP \
                     EXECUTE format('CREATE TABLE %I._migrations (LIKE tenant_00000._migrations INCLUDING ALL); \
                     INSERT INTO %I._migrations SELECT * FROM tenant_00000._migrations', \
                     'tenant_' || lpad(i::text, 5, '0'), 'tenant_' || lpad(i::text, 5, '0')); END LOOP; END $$"
                ),
            )
            .expect("tracking tables");
    }
}

/// Runs the CLI in `dir`, panicking with its output unless it succeeds.
fn run_cli(dir: &Path, args: &[&str]) -> Duration {
    let t = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_migrate"))
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .args(args)
        .output()
        .expect("run migrate");
    assert!(
        output.status.success(),
        "migrate {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    t.elapsed()
}

/// Checks that every schema tenant of `url` is at the head.
fn all_at_head(dir: &Path, url: &str) {
    run_cli(
        dir,
        &[
            "--database-url",
            url,
            "fleet",
            "--schemas",
            "tenant_%",
            "status",
            "--exit-code",
        ],
    );
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `fleet status` through the library over every schema of `db`, through the counting proxy:
/// (median time, statements per status), listing the schemas included.
async fn status(
    set: &Migrator,
    port: u16,
    db: &str,
    counters: &Counters,
    count: usize,
) -> (Duration, f64) {
    let url = format!("postgres://postgres@127.0.0.1:{port}/{db}");
    let mut times = Vec::new();
    let before = counters.read();
    for _ in 0..STATUS_ROUNDS {
        let t = Instant::now();
        let targets = Target::schemas_like(&url, "tenant\\_%")
            .await
            .expect("schemas");
        let statuses = Fleet::new(set.runner()).jobs(8).status(&targets).await;
        times.push(t.elapsed());
        assert_eq!(statuses.len(), count);
        assert!(statuses
            .iter()
            .all(|s| matches!(s.state, TenantState::AtHead)));
    }
    let statements = (counters.read() - before).statements as f64 / STATUS_ROUNDS as f64;
    (median(times), statements)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let up_count = if quick { 200 } else { 1000 };
    let work = std::env::temp_dir().join(format!("migrate-bench-fleet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let dir = work.join("app");
    let set = set(&dir.join("migrations"));
    // PostgreSQL's default connection limit, which sizes the lock table and so the batches
    let Some(cluster) = TempCluster::start(&[("max_connections", "100")]) else {
        eprintln!("PostgreSQL binaries missing: no benchmark");
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let counters = Arc::new(Counters::default());
    let port = runtime.block_on(proxy(cluster.port(), counters.clone()));

    println!(
        "# fleets of PostgreSQL schemas ({} cores), {MIGRATIONS} migrations\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("## fleet status, every tenant at the head (median of {STATUS_ROUNDS}, catalogue listing included)\n");
    println!("| schemas | time | statements |");
    println!("|---|---|---|");
    for count in [1_000, 10_000] {
        let db = format!("status_{count}");
        at_head(&cluster, &db, count, &dir);
        let (time, statements) = runtime.block_on(status(&set, port, &db, &counters, count));
        println!("| {count} | {:.0} ms | {statements:.0} |", ms(time));
        let url = cluster.url(&db);
        let cli = run_cli(
            &dir,
            &[
                "--database-url",
                &url,
                "fleet",
                "--schemas",
                "tenant_%",
                "status",
                "--format",
                "json",
            ],
        );
        eprintln!("  (the CLI, process included: {:.0} ms)", ms(cli));
    }

    println!("\n## up: {MIGRATIONS} migrations over {up_count} fresh schemas (one run each)\n");
    println!("| how | time | per tenant | against the shell loop |");
    println!("|---|---|---|---|");
    let mut n = 0;
    let mut fresh = || {
        n += 1;
        let db = format!("up_{n}");
        tenants(&cluster, &db, up_count);
        cluster.url(&db)
    };
    let url = fresh();
    let script = format!(
        "for t in $(psql -X -At -h 127.0.0.1 -p {port} -U postgres -d {db} -c \"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' ORDER BY 1\"); do \
         \"$MIGRATE\" --database-url \"{url}?options=-csearch_path%3D$t\" --schema \"$t\" up > /dev/null || exit 1; done",
        port = cluster.port(),
        db = url.rsplit('/').next().unwrap_or_default(),
    );
    let t = Instant::now();
    let looped = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(&dir)
        .env("MIGRATE", env!("CARGO_BIN_EXE_migrate"))
        .status()
        .expect("sh");
    assert!(looped.success(), "the shell loop failed");
    let baseline = t.elapsed();
    all_at_head(&dir, &url);
    println!(
        "| shell loop, `migrate up --schema T` per tenant | {:.1} s | {:.1} ms | 1.00× |",
        baseline.as_secs_f64(),
        ms(baseline) / up_count as f64
    );
    for jobs in [1, 4, 8] {
        let url = fresh();
        let jobs_arg = jobs.to_string();
        let time = run_cli(
            &dir,
            &[
                "--database-url",
                &url,
                "fleet",
                "--schemas",
                "tenant_%",
                "up",
                "--jobs",
                &jobs_arg,
            ],
        );
        all_at_head(&dir, &url);
        println!(
            "| `migrate fleet up --jobs {jobs}` | {:.1} s | {:.1} ms | {:.2}× |",
            time.as_secs_f64(),
            ms(time) / up_count as f64,
            baseline.as_secs_f64() / time.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}
