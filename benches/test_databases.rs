//! Per-test setup of a migrated test database: `migrate::testing`'s template clone against
//! what `#[sqlx::test]` does — a new database and sqlx 0.9's `Migrator::run` over the whole
//! set — in one run, on PostgreSQL (private clusters, `fsync = off`: one where the tests put
//! it, in memory when `/dev/shm` has room, and one on disk) and SQLite (files on disk).
//!
//! ```text
//! cargo bench --bench test_databases --features postgres,sqlite,testing
//! ```
//!
//! Sets: the crates.io migrations of `../shared/corpus` (285, diesel's layout; PostgreSQL
//! only — they are PostgreSQL's SQL; sqlx gets the same scripts as `<n>_<name>.sql` files, with
//! `-- no-transaction` where diesel's metadata says so), skipped with a notice without the
//! corpus; and a generated set of 1000 migrations (each a table, an index and a row). Setup is
//! what a test waits for before its body runs: the database made and migrated, and a pool
//! connected to it. "First test" is a test that finds no template and builds it (the
//! templates are dropped before each run of it); "later test" clones it. Medians; sqlx and
//! the first test take turns, five runs each; later tests twenty runs, taking turns with the
//! floor of any database per test: a new, empty database (`CREATE DATABASE`, a new SQLite
//! file) and a pool connected to it — what sqlx pays before its migrations run. A second
//! table times the PostgreSQL clone alone, in both of PostgreSQL 15's strategies.

#[path = "../tests/support/corpus.rs"]
mod corpus;
#[path = "../tests/support/servers.rs"]
mod servers;
#[path = "support/sets.rs"]
mod sets;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use migrate::sqlx::{self, AssertSqlSafe, Connection as _, PgConnection, Postgres, Sqlite};
use migrate::testing::TempDatabase;
use migrate::{Migrator, Transaction};
use sets::{generate, median, ms, stats, Shape};

const TURNS: usize = 5;
const LATER: usize = 20;

#[derive(Clone, Copy, PartialEq)]
enum Db {
    Postgres,
    Sqlite,
}

struct Case {
    name: String,
    ours: Migrator,
    theirs: sqlx::migrate::Migrator,
    dbs: &'static [Db],
}

impl Case {
    fn on(&self, db: Db) -> bool {
        self.dbs.contains(&db)
    }
}

struct Row {
    floor: Duration,
    sqlx: Duration,
    first: Duration,
    later: (Duration, Duration, Duration),
    size: u64,
}

struct Bench {
    cluster: servers::TempCluster,
    work: PathBuf,
    next: usize,
}

/// Where the cluster's files are, for the table.
fn storage(cluster: &servers::TempCluster) -> String {
    let data = cluster.data_dir();
    let root = data
        .ancestors()
        .nth(2)
        .map_or(data.clone(), Path::to_path_buf);
    format!("PostgreSQL in {}", root.display())
}

impl Bench {
    async fn admin(&self) -> PgConnection {
        PgConnection::connect(&self.cluster.url("postgres"))
            .await
            .expect("admin connection")
    }

    async fn pg_exec(&self, sql: String) {
        let mut admin = self.admin().await;
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
            .expect("admin statement");
        admin.close().await.expect("close");
    }

    /// What `#[sqlx::test]` does before a test: a new database, sqlx's migrator over it;
    /// or, without `case`, the floor of any database per test: a new, empty database and a
    /// pool connected to it.
    async fn sqlx_setup(&mut self, case: Option<&Case>, db: Db) -> Duration {
        self.next += 1;
        let name = format!("sqlx_bench_{}", self.next);
        match db {
            Db::Postgres => {
                let started = Instant::now();
                self.pg_exec(format!("CREATE DATABASE {name}")).await;
                let pool = sqlx::PgPool::connect(&self.cluster.url(&name))
                    .await
                    .expect("connect");
                if let Some(case) = case {
                    case.theirs.run(&pool).await.expect("sqlx migrates");
                }
                let took = started.elapsed();
                pool.close().await;
                self.pg_exec(format!("DROP DATABASE {name}")).await;
                took
            }
            Db::Sqlite => {
                let file = self.work.join(format!("{name}.sqlite3"));
                let started = Instant::now();
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(&file)
                    .create_if_missing(true);
                let pool = sqlx::SqlitePool::connect_with(options)
                    .await
                    .expect("connect");
                if let Some(case) = case {
                    case.theirs.run(&pool).await.expect("sqlx migrates");
                }
                let took = started.elapsed();
                pool.close().await;
                let _ = std::fs::remove_file(&file);
                took
            }
        }
    }

    /// What `#[migrate::test]` does before a test: a clone of the template, a pool to it.
    async fn migrate_setup(&self, case: &Case, db: Db) -> Duration {
        macro_rules! clone {
            ($db:ty) => {{
                let started = Instant::now();
                let test = TempDatabase::<$db>::from_template(&case.ours)
                    .await
                    .expect("clone");
                let pool = test.pool().await.expect("connect");
                let took = started.elapsed();
                pool.close().await;
                test.remove().await.expect("remove");
                took
            }};
        }
        match db {
            Db::Postgres => clone!(Postgres),
            Db::Sqlite => clone!(Sqlite),
        }
    }

    /// Drops every template, so that the next test builds one.
    async fn drop_templates(&self, db: Db) {
        match db {
            Db::Postgres => {
                let mut admin = self.admin().await;
                let names: Vec<String> = sqlx::query_scalar(
                    "SELECT datname::text FROM pg_database WHERE datname LIKE 'migrate\\_%'",
                )
                .fetch_all(&mut admin)
                .await
                .expect("templates");
                for name in names {
                    for sql in [
                        format!("ALTER DATABASE \"{name}\" IS_TEMPLATE false"),
                        format!("DROP DATABASE \"{name}\""),
                    ] {
                        sqlx::raw_sql(AssertSqlSafe(sql))
                            .execute(&mut admin)
                            .await
                            .expect("drop");
                    }
                }
            }
            Db::Sqlite => {
                let dir = self.work.join("templates");
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).expect("template directory");
            }
        }
    }

    /// The template's size on disk, in bytes.
    async fn template_size(&self, case: &Case, db: Db) -> u64 {
        match db {
            Db::Postgres => {
                let test = TempDatabase::<Postgres>::from_template(&case.ours)
                    .await
                    .expect("clone");
                let mut admin = self.admin().await;
                let size: i64 = sqlx::query_scalar("SELECT pg_database_size($1)")
                    .bind(test.template())
                    .fetch_one(&mut admin)
                    .await
                    .expect("size");
                test.remove().await.expect("remove");
                u64::try_from(size).unwrap_or(0)
            }
            Db::Sqlite => {
                let test = TempDatabase::<Sqlite>::from_template(&case.ours)
                    .await
                    .expect("clone");
                std::fs::metadata(test.template().expect("a template")).map_or(0, |m| m.len())
            }
        }
    }

    /// `CREATE DATABASE … TEMPLATE` of the case's template alone, on one open connection:
    /// PostgreSQL 15's default (`WAL_LOG`) against `FILE_COPY`, taking turns; medians.
    async fn strategies(&mut self, case: &Case) -> (Duration, Duration) {
        let test = TempDatabase::<Postgres>::from_template(&case.ours)
            .await
            .expect("clone");
        let template = test.template().expect("a template").to_owned();
        test.remove().await.expect("remove");
        let mut admin = self.admin().await;
        let (mut wal, mut files) = (Vec::new(), Vec::new());
        for _ in 0..LATER {
            for (strategy, times) in [("WAL_LOG", &mut wal), ("FILE_COPY", &mut files)] {
                self.next += 1;
                let name = format!("strategy_bench_{}", self.next);
                let sql =
                    format!("CREATE DATABASE {name} TEMPLATE \"{template}\" STRATEGY {strategy}");
                let started = Instant::now();
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&mut admin)
                    .await
                    .expect("clone");
                times.push(started.elapsed());
                sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("drop");
            }
        }
        admin.close().await.expect("close");
        (median(wal), median(files))
    }

    async fn measure(&mut self, case: &Case, db: Db) -> Row {
        let mut floor_times = Vec::new();
        let mut sqlx_times = Vec::new();
        let mut first_times = Vec::new();
        for turn in 0..TURNS {
            for k in 0..2 {
                if (turn + k) % 2 == 0 {
                    sqlx_times.push(self.sqlx_setup(Some(case), db).await);
                } else {
                    self.drop_templates(db).await;
                    first_times.push(self.migrate_setup(case, db).await);
                }
            }
        }
        // the floor and the later tests take turns too, as the machine's load comes and goes
        let mut later = Vec::new();
        for _ in 0..LATER {
            floor_times.push(self.sqlx_setup(None, db).await);
            later.push(self.migrate_setup(case, db).await);
        }
        Row {
            floor: median(floor_times),
            sqlx: median(sqlx_times),
            first: median(first_times),
            later: stats(later),
            size: self.template_size(case, db).await,
        }
    }
}

/// The scripts of `ours` in sqlx's layout, in order, with sqlx's `-- no-transaction` where
/// they run outside a transaction.
fn as_sqlx_files(ours: &Migrator, dir: &Path) {
    std::fs::create_dir_all(dir).expect("sqlx directory");
    for (i, m) in ours.migrations().iter().enumerate() {
        let directive = match m.transaction() {
            Transaction::Disabled => "-- no-transaction\n",
            _ => "",
        };
        let file = dir.join(format!("{:06}_m{i}.sql", i + 1));
        std::fs::write(file, format!("{directive}{}", m.up_sql())).expect("sqlx file");
    }
}

async fn case(name: String, ours: Migrator, sqlx_dir: &Path, dbs: &'static [Db]) -> Case {
    as_sqlx_files(&ours, sqlx_dir);
    let theirs = sqlx::migrate::Migrator::new(sqlx_dir)
        .await
        .expect("sqlx reads the set");
    Case {
        name,
        ours,
        theirs,
        dbs,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let work = std::env::temp_dir().join(format!("migrate-bench-tdb-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("work directory");
    // The SQLite templates in the work directory. Set before anything reads it, while this
    // process has one thread; so are the variables that pick a cluster below.
    std::env::set_var("MIGRATE_TEST_TEMPLATE_DIR", work.join("templates"));

    let mut cases = Vec::new();
    if corpus::available().is_some() {
        let dir = format!("{}/crates-io/migrations", corpus::root());
        let ours = Migrator::from_dir(&dir).expect("crates.io reads");
        let name = format!("crates.io ({})", ours.migrations().len());
        cases.push(case(name, ours, &work.join("sqlx-crates-io"), &[Db::Postgres]).await);
    } else {
        println!("notice: no corpus: the crates.io rows are left out\n");
    }
    let generated = work.join("generated");
    generate(&generated, 1000, Shape::Tables);
    let ours = Migrator::from_dir(&generated).expect("generated set reads");
    let dbs = &[Db::Postgres, Db::Sqlite];
    cases.push(
        case(
            "generated (1000)".to_owned(),
            ours,
            &work.join("sqlx-generated"),
            dbs,
        )
        .await,
    );

    println!("# Per-test setup of a migrated database: migrate's template clone vs sqlx 0.9");
    println!(
        "machine: {} cores; PostgreSQL private clusters (fsync off), in memory (/dev/shm, the default) and on disk; SQLite bundled (files on disk)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("sqlx and migrate's first test: median of {TURNS} runs each, taking turns; later tests and the floor: median of {LATER} runs each, taking turns (p10–p90)\n");
    println!("| database | set | sqlx: new database + `Migrator::run` | migrate: first test (builds the template) | migrate: later test (clone) | later ÷ sqlx | first ÷ sqlx | floor: new empty database | later − floor | template size |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut strategies = Vec::new();
    // the default place of the private cluster (memory when there is room), then the disk
    for dir in [None, Some(std::env::temp_dir())] {
        if let Some(dir) = &dir {
            std::env::set_var("MIGRATE_TEST_POSTGRES_DIR", dir);
        }
        let Some(cluster) = servers::TempCluster::start(&[]) else {
            eprintln!("PostgreSQL binaries missing: no PostgreSQL rows");
            break;
        };
        std::env::set_var("MIGRATE_TEST_DATABASE_URL", cluster.url("postgres"));
        let mut bench = Bench {
            cluster,
            work: work.clone(),
            next: 0,
        };
        let database = storage(&bench.cluster);
        for case in cases.iter().filter(|c| c.on(Db::Postgres)) {
            let row = bench.measure(case, Db::Postgres).await;
            print_row(&database, case, &row);
            let (wal, files) = bench.strategies(case).await;
            strategies.push(format!(
                "| {database} | {} | {:.1} ms | {:.1} ms | {:.1}× |",
                case.name,
                ms(wal),
                ms(files),
                ms(wal) / ms(files)
            ));
        }
        if dir.is_some() {
            let row = bench.measure(&cases[cases.len() - 1], Db::Sqlite).await;
            print_row("SQLite (a file on disk)", &cases[cases.len() - 1], &row);
        }
    }
    println!("\n# The clone alone: `CREATE DATABASE … TEMPLATE` on an open connection, median of {LATER} each, taking turns\n");
    println!("| database | set | `STRATEGY WAL_LOG` (PostgreSQL 15's default) | `STRATEGY FILE_COPY` (what migrate uses where fsync is off) | WAL_LOG ÷ FILE_COPY |");
    println!("|---|---|---|---|---|");
    for row in strategies {
        println!("{row}");
    }
    let _ = std::fs::remove_dir_all(&work);
}

fn print_row(database: &str, case: &Case, row: &Row) {
    println!(
        "| {database} | {} | {:.0} ms | {:.0} ms | {:.1} ms ({:.1}–{:.1}) | **{:.3}** ({:.0}× faster) | {:.2} | {:.1} ms | {:+.1} ms | {:.1} MB |",
        case.name,
        ms(row.sqlx),
        ms(row.first),
        ms(row.later.0),
        ms(row.later.1),
        ms(row.later.2),
        ms(row.later.0) / ms(row.sqlx),
        ms(row.sqlx) / ms(row.later.0),
        ms(row.first) / ms(row.sqlx),
        ms(row.floor),
        ms(row.later.0) - ms(row.floor),
        row.size as f64 / 1e6
    );
}
