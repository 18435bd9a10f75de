//! Shared by the runtime tests (tests/runtime_*.rs): a fresh database per test on a server that
//! the test binary starts once, migration sets written to temporary directories, and child
//! processes for what one process cannot show (races, crashes, a lock held by another process).
//!
//! A test binary includes this file, and runtime_scenarios.rs for the scenarios every database
//! runs:
//!
//! ```ignore
//! #[path = "support/runtime.rs"] mod runtime;
//! #[path = "support/runtime_scenarios.rs"] mod scenarios;
//! ```

#![allow(dead_code)] // each test binary uses part of it

use std::any::Any;
use std::fmt::Display;
use std::future::Future;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use migrate::sqlx::pool::PoolOptions;
use migrate::sqlx::{Database, Pool};
use migrate::{Driver, MigrationStatus, Migrator, Report, State};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

#[path = "dir.rs"]
mod dir;
#[cfg(feature = "postgres")]
#[path = "servers.rs"]
pub mod servers;

pub use dir::Dir;

/// The default tracking table.
pub const TRACKING: &str = "_migrations";

/// The version `n`, which a test knows is one.
pub fn v(n: i64) -> migrate::Version {
    migrate::Version::new(n).unwrap_or_else(|| panic!("{n} is not a version"))
}

/// The versions a run applied or undid, in order.
pub fn versions(report: &Report) -> Vec<i64> {
    report.migrations.iter().map(|m| m.version.get()).collect()
}

/// The version and state of every line of a status.
pub fn states(status: &[MigrationStatus]) -> Vec<(i64, State)> {
    status
        .iter()
        .map(|s| (s.version.get(), s.state.clone()))
        .collect()
}

/// Lower-case hex, as errors show checksums.
pub fn hex(bytes: &[u8; 32]) -> String {
    migrate_core::checksum::to_hex(bytes)
}

/// What an error's message must say.
pub trait Says: Display {
    /// Panics unless the message holds every one of `phrases`.
    #[track_caller]
    fn assert_says<P: AsRef<str>>(&self, phrases: impl IntoIterator<Item = P>) {
        let text = self.to_string();
        for phrase in phrases {
            let phrase = phrase.as_ref();
            assert!(text.contains(phrase), "{phrase:?} not in {text}");
        }
    }
}

impl<T: Display> Says for T {}

/// A pool of at most `size` connections on `url`; panics when it cannot connect.
pub async fn connect<DB: Database>(url: &str, size: u32) -> Pool<DB> {
    PoolOptions::<DB>::new()
        .max_connections(size)
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// Polls `check` every 20 ms until it is true; panics after `limit` with `what`.
pub async fn wait_until<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {limit:?} waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The migration lock, held as another instance would hold it, until dropped.
pub struct Held {
    _guard: Box<dyn Any + Send>,
    /// What the runtime should name as the holder.
    pub id: String,
}

/// One test database and what the scenarios need to look into it.
pub trait Db {
    /// The sqlx database.
    type Database: Driver;
    /// Whether DDL runs inside transactions (not on MariaDB).
    const TRANSACTIONAL_DDL: bool;

    /// A pool on the database.
    fn pool(&self) -> &Pool<Self::Database>;
    /// Quotes an identifier.
    fn quote(identifier: &str) -> String;
    /// Runs SQL (several statements allowed); panics on error.
    fn exec(&self, sql: &str) -> impl Future<Output = ()>;
    /// The integer the query returns; panics on error.
    fn count(&self, sql: &str) -> impl Future<Output = i64>;
    /// Whether the table exists in the connection's schema.
    fn has_table(&self, name: &str) -> impl Future<Output = bool>;
    /// Takes the migration lock of the default tracking table on a connection of its own.
    fn hold_lock(&self) -> impl Future<Output = Held>;

    /// Rows in the default tracking table, 0 when it does not exist.
    fn tracked(&self) -> impl Future<Output = i64> {
        async {
            if self.has_table(TRACKING).await {
                self.count("SELECT COUNT(*) FROM _migrations").await
            } else {
                0
            }
        }
    }
}

/// Takes the session lock of the default tracking table on `conn`, through the driver's own
/// code, as another instance would; it is held until `conn` closes.
async fn hold_session_lock<DB: Driver>(conn: &mut DB::Connection) {
    use migrate::__private::runtime::Table;
    let table = Table::new::<DB>(TRACKING, None).expect("the tracking table");
    let table = table.resolve::<DB>(conn).await.expect("resolve");
    let lock = DB::try_lock(conn, &table).await.expect("try_lock");
    assert!(lock.is_some(), "the lock was not free");
}

#[cfg(feature = "postgres")]
#[allow(unused_imports)] // not every test binary uses every database
pub use pg::{cluster as pg_cluster, logged, Pg};

#[cfg(feature = "postgres")]
mod pg {
    use std::sync::LazyLock;

    use std::future::Future;

    use migrate::sqlx::postgres::{PgConnection, PgPool, Postgres};
    use migrate::sqlx::{self, AssertSqlSafe, Connection as _, Row as _};

    use super::servers::TempCluster;
    use super::{connect, hold_session_lock, Db, Held};

    /// The cluster of this test binary, started on first use; `None` when PostgreSQL is
    /// missing outside CI. Never dropped: the harness's watchdog stops it when the process ends.
    pub fn cluster() -> Option<&'static TempCluster> {
        static CLUSTER: LazyLock<Option<TempCluster>> = LazyLock::new(|| {
            TempCluster::start(&[
                // the fast-path test counts the statements the server ran
                ("log_statement", "all"),
                // a killed client's session ends at once, as the crash tests need
                ("client_connection_check_interval", "100ms"),
                ("max_connections", "200"),
            ])
        });
        CLUSTER.as_ref()
    }

    /// The statements the server logged for `pool`'s one connection while `body` ran.
    pub async fn logged<F: Future>(db: &Pg, pool: &PgPool, body: F) -> (F::Output, Vec<String>) {
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(pool)
            .await
            .expect("pid");
        let marker = |n: u32| format!("marker of backend {pid} number {n}");
        let mark =
            |n: u32| sqlx::raw_sql(AssertSqlSafe(format!("SELECT '{}'", marker(n)))).execute(pool);
        mark(1).await.expect("marker");
        let output = body.await;
        mark(2).await.expect("marker");
        let log = db.cluster.log();
        let start = log.rfind(&marker(1)).expect("the first marker is logged");
        let end = log.rfind(&marker(2)).expect("the second marker is logged");
        let end = log[..end].rfind('\n').expect("a line");
        let prefix = format!("[{pid}] LOG:  ");
        let statements = log[start..end]
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(&prefix).map(|(_, rest)| rest))
            .filter(|rest| rest.starts_with("statement: ") || rest.starts_with("execute "))
            .map(str::to_owned)
            .collect();
        (output, statements)
    }

    /// A fresh database on the shared cluster.
    pub struct Pg {
        pub pool: PgPool,
        pub url: String,
        pub cluster: &'static TempCluster,
    }

    impl Pg {
        /// Creates database `name`; `None` when PostgreSQL is missing outside CI.
        pub async fn fresh(name: &str) -> Option<Pg> {
            let cluster = cluster()?;
            cluster
                .create_database(name)
                .unwrap_or_else(|e| panic!("{e}"));
            let url = cluster.url(name);
            let pool = connect(&url, 4).await;
            Some(Pg { pool, url, cluster })
        }

        /// A pool of its own on the same database, of at most `size` connections.
        pub async fn new_pool(&self, size: u32) -> PgPool {
            connect(&self.url, size).await
        }
    }

    impl Db for Pg {
        type Database = Postgres;
        const TRANSACTIONAL_DDL: bool = true;

        fn pool(&self) -> &PgPool {
            &self.pool
        }

        fn quote(identifier: &str) -> String {
            format!("\"{}\"", identifier.replace('"', "\"\""))
        }

        async fn exec(&self, sql: &str) {
            sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                .execute(&self.pool)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }

        async fn count(&self, sql: &str) -> i64 {
            let row = sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                .fetch_one(&self.pool)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            row.try_get::<i64, _>(0)
                .or_else(|_| row.try_get::<i32, _>(0).map(i64::from))
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
        }

        async fn has_table(&self, name: &str) -> bool {
            let sql = format!(
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = '{}'",
                name.replace('\'', "''")
            );
            self.count(&sql).await == 1
        }

        async fn hold_lock(&self) -> Held {
            let mut conn = PgConnection::connect(&self.url).await.expect("connect");
            let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                .fetch_one(&mut conn)
                .await
                .expect("pg_backend_pid");
            hold_session_lock::<Postgres>(&mut conn).await;
            Held {
                _guard: Box::new(conn),
                id: format!("pid {pid}"),
            }
        }
    }
}

#[cfg(feature = "sqlite")]
#[allow(unused_imports)] // not every test binary uses every database
pub use lite::Lite;

#[cfg(feature = "sqlite")]
mod lite {
    use std::io::Write as _;
    use std::path::PathBuf;

    use migrate::sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
    use migrate::sqlx::{self, AssertSqlSafe, Row as _};

    use super::{Db, Dir, Held};

    /// A fresh database file in a temporary directory, deleted on drop.
    pub struct Lite {
        pub pool: SqlitePool,
        pub file: PathBuf,
        _dir: Dir,
    }

    impl Lite {
        /// A new database file.
        pub async fn fresh() -> Lite {
            let dir = Dir::new(&[]);
            let file = dir.path().join("test.sqlite3");
            let pool = Self::open(&file).await;
            Lite {
                pool,
                file,
                _dir: dir,
            }
        }

        /// A pool on `file`, created if missing.
        pub async fn open(file: &std::path::Path) -> SqlitePool {
            let options = SqliteConnectOptions::new()
                .filename(file)
                .create_if_missing(true);
            SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        }

        /// The URL a child process connects with.
        pub fn url(&self) -> String {
            format!("sqlite://{}?mode=rwc", self.file.display())
        }
    }

    impl Db for Lite {
        type Database = Sqlite;
        const TRANSACTIONAL_DDL: bool = true;

        fn pool(&self) -> &SqlitePool {
            &self.pool
        }

        fn quote(identifier: &str) -> String {
            format!("\"{}\"", identifier.replace('"', "\"\""))
        }

        async fn exec(&self, sql: &str) {
            sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                .execute(&self.pool)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }

        async fn count(&self, sql: &str) -> i64 {
            let row = sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                .fetch_one(&self.pool)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            row.try_get::<i64, _>(0)
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
        }

        async fn has_table(&self, name: &str) -> bool {
            let sql = format!(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{}'",
                name.replace('\'', "''")
            );
            self.count(&sql).await == 1
        }

        async fn hold_lock(&self) -> Held {
            // The driver's guard: an exclusive flock on this file, with the holder's name in it.
            let path = format!("{}-migrate.lock", self.file.display());
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .expect("open the lock file");
            file.lock().expect("flock");
            file.set_len(0).expect("truncate the lock file");
            write!(file, "the test's holder").expect("write the lock file");
            Held {
                _guard: Box::new(file),
                id: "the test's holder".to_owned(),
            }
        }
    }
}

#[cfg(feature = "mysql")]
#[allow(unused_imports)] // not every test binary uses every database
pub use maria::Maria;

#[cfg(feature = "mysql")]
mod maria {
    use std::sync::LazyLock;

    use migrate::sqlx::mysql::{MySql, MySqlConnection, MySqlPool};
    use migrate::sqlx::{self, AssertSqlSafe, Connection as _, Row as _};

    use migrate::testing::TempMariaDb;

    use super::{connect, hold_session_lock, servers, Db, Held};

    /// The server of this test binary, started on first use; `None` when MariaDB is missing
    /// outside CI. Never dropped: its watchdog kills it when the process ends.
    pub fn server() -> Option<&'static TempMariaDb> {
        static SERVER: LazyLock<Option<TempMariaDb>> =
            LazyLock::new(|| servers::available(TempMariaDb::start()));
        SERVER.as_ref()
    }

    /// A fresh database on the shared server.
    pub struct Maria {
        pub pool: MySqlPool,
        pub url: String,
        pub server: &'static TempMariaDb,
    }

    impl Maria {
        /// Creates database `name`; `None` when MariaDB is missing outside CI.
        pub async fn fresh(name: &str) -> Option<Maria> {
            let server = server()?;
            server
                .create_database(name)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let url = server.url(name);
            let pool = connect(&url, 4).await;
            Some(Maria { pool, url, server })
        }

        /// A pool of its own on the same database, of at most `size` connections.
        pub async fn new_pool(&self, size: u32) -> MySqlPool {
            connect(&self.url, size).await
        }
    }

    impl Db for Maria {
        type Database = MySql;
        const TRANSACTIONAL_DDL: bool = false;

        fn pool(&self) -> &MySqlPool {
            &self.pool
        }

        fn quote(identifier: &str) -> String {
            format!("`{}`", identifier.replace('`', "``"))
        }

        async fn exec(&self, sql: &str) {
            sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                .execute(&self.pool)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }

        async fn count(&self, sql: &str) -> i64 {
            let row = sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                .fetch_one(&self.pool)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            row.try_get::<i64, _>(0)
                .or_else(|_| row.try_get::<u64, _>(0).map(|n| n as i64))
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
        }

        async fn has_table(&self, name: &str) -> bool {
            let sql = format!(
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name = '{}'",
                name.replace('\'', "''")
            );
            self.count(&sql).await == 1
        }

        async fn hold_lock(&self) -> Held {
            let mut conn = MySqlConnection::connect(&self.url).await.expect("connect");
            let id: u64 = sqlx::query_scalar("SELECT CONNECTION_ID()")
                .fetch_one(&mut conn)
                .await
                .expect("CONNECTION_ID");
            hold_session_lock::<MySql>(&mut conn).await;
            Held {
                _guard: Box::new(conn),
                id: format!("connection id {id}"),
            }
        }
    }
}

/// The environment variable that turns this test binary into a child process: the database
/// kind (`postgres`, `sqlite`, `mysql`).
const CHILD_KIND: &str = "MIGRATE_TEST_CHILD";
const CHILD_URL: &str = "MIGRATE_TEST_CHILD_URL";
const CHILD_DIR: &str = "MIGRATE_TEST_CHILD_DIR";
const CHILD_WAIT: &str = "MIGRATE_TEST_CHILD_WAIT";
/// The child's locking: `auto`, `session`, `lease` or `none`, and its lease in milliseconds.
const CHILD_LOCK: &str = "MIGRATE_TEST_CHILD_LOCK";
const CHILD_LEASE_MS: &str = "MIGRATE_TEST_CHILD_LEASE_MS";
const CHILD_TIMEOUT_MS: &str = "MIGRATE_TEST_CHILD_TIMEOUT_MS";

/// How a runner locks: the strategy, the lease's duration and the lock timeout.
#[derive(Clone, Copy, Debug)]
pub struct Lock(pub migrate::Locking, pub Duration, pub Duration);

impl Lock {
    /// The default: `auto`, a 30 s lease.
    pub const AUTO: Lock = Lock(
        migrate::Locking::Auto,
        Duration::from_secs(30),
        Duration::from_secs(120),
    );
    /// The session lock.
    pub const SESSION: Lock = Lock(
        migrate::Locking::Session,
        Duration::from_secs(30),
        Duration::from_secs(120),
    );
    /// The lease, of 30 s.
    pub const LEASE: Lock = Lock(
        migrate::Locking::Lease,
        Duration::from_secs(30),
        Duration::from_secs(120),
    );

    fn name(self) -> &'static str {
        match self.0 {
            migrate::Locking::Session => "session",
            migrate::Locking::Lease => "lease",
            migrate::Locking::None => "none",
            _ => "auto",
        }
    }

    fn parse(name: &str, lease_ms: u64, timeout_ms: u64) -> Lock {
        let locking = match name {
            "session" => migrate::Locking::Session,
            "lease" => migrate::Locking::Lease,
            "none" => migrate::Locking::None,
            _ => migrate::Locking::Auto,
        };
        Lock(
            locking,
            Duration::from_millis(lease_ms),
            Duration::from_millis(timeout_ms),
        )
    }

    /// `migrator`'s runner with this lock.
    pub fn runner(self, migrator: &Migrator) -> migrate::Runner<'_> {
        migrator
            .runner()
            .locking(self.0)
            .lease(self.1)
            .lock_timeout(self.2)
    }
}

/// A child process: this test binary re-executed to run one migrator with a pool of its own.
///
/// It prints `child: ready`, waits for a line on stdin when asked to (so that many start
/// together), prints `child: running`, runs, and prints `child: ok <applied>` or
/// `child: error <error>`.
pub struct ChildProc {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    seen: Vec<String>,
}

impl ChildProc {
    /// Starts a child that runs the migrations of `dir` on `url`.
    pub fn spawn(kind: &str, url: &str, dir: &Path, wait_for_go: bool) -> ChildProc {
        Self::spawn_locked(kind, url, dir, wait_for_go, Lock::AUTO)
    }

    /// [`ChildProc::spawn`], locking with `lock`.
    pub fn spawn_locked(
        kind: &str,
        url: &str,
        dir: &Path,
        wait_for_go: bool,
        lock: Lock,
    ) -> ChildProc {
        let exe = std::env::current_exe().expect("the test binary");
        let mut command = tokio::process::Command::new(exe);
        command
            .args(["runtime::child_process", "--exact", "--nocapture"])
            .args(["--test-threads=1", "-q"])
            .env(CHILD_KIND, kind)
            .env(CHILD_URL, url)
            .env(CHILD_DIR, dir)
            .env(CHILD_WAIT, if wait_for_go { "1" } else { "0" })
            .env(CHILD_LOCK, lock.name())
            .env(CHILD_LEASE_MS, lock.1.as_millis().to_string())
            .env(CHILD_TIMEOUT_MS, lock.2.as_millis().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("spawn the child process");
        let stdout = child.stdout.take().expect("the child's stdout");
        ChildProc {
            child,
            lines: BufReader::new(stdout).lines(),
            seen: Vec::new(),
        }
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id().expect("the child is running")
    }

    /// Reads the child's output until a line starting with `prefix`, and returns it.
    pub async fn wait_for(&mut self, prefix: &str) -> String {
        let read = async {
            while let Some(line) = self.lines.next_line().await.expect("read the child") {
                self.seen.push(line.clone());
                if line.starts_with(prefix) {
                    return Some(line);
                }
            }
            None
        };
        match tokio::time::timeout(Duration::from_secs(120), read).await {
            Ok(Some(line)) => line,
            outcome => {
                let mut stderr = String::new();
                if let Some(mut pipe) = self.child.stderr.take() {
                    let _ = tokio::time::timeout(
                        Duration::from_secs(5),
                        pipe.read_to_string(&mut stderr),
                    )
                    .await;
                }
                panic!(
                    "the child {} before printing `{prefix}`; its output:\n{}\n{stderr}",
                    if outcome.is_err() {
                        "timed out"
                    } else {
                        "ended"
                    },
                    self.seen.join("\n")
                );
            }
        }
    }

    /// Lets a child that waits for it start.
    pub async fn go(&mut self) {
        let stdin = self.child.stdin.as_mut().expect("the child's stdin");
        stdin.write_all(b"go\n").await.expect("write to the child");
        stdin.flush().await.expect("write to the child");
    }

    /// The outcome of the child's run: migrations applied, or the error's text.
    pub async fn outcome(mut self) -> Result<usize, String> {
        loop {
            let line = self.wait_for("child: ").await;
            let outcome = if let Some(applied) = line.strip_prefix("child: ok ") {
                Ok(applied.parse().expect("a count"))
            } else if let Some(error) = line.strip_prefix("child: error ") {
                Err(error.to_owned())
            } else {
                continue;
            };
            let _ = self.child.wait().await;
            return outcome;
        }
    }

    /// Kills the child with SIGKILL, as a crash would, and reaps it.
    pub async fn kill(mut self) {
        self.child.start_kill().expect("SIGKILL the child");
        let status = self.child.wait().await.expect("reap the child");
        assert!(!status.success(), "the child ended on its own: {status}");
    }
}

/// The child side of [`ChildProc`]: a no-op test unless the environment says otherwise.
#[test]
fn child_process() {
    let Ok(kind) = std::env::var(CHILD_KIND) else {
        return;
    };
    let url = std::env::var(CHILD_URL).expect("MIGRATE_TEST_CHILD_URL");
    let dir = std::env::var(CHILD_DIR).expect("MIGRATE_TEST_CHILD_DIR");
    let wait = std::env::var(CHILD_WAIT).is_ok_and(|v| v == "1");
    let ms = |var: &str, default: u64| {
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let lock = Lock::parse(
        &std::env::var(CHILD_LOCK).unwrap_or_default(),
        ms(CHILD_LEASE_MS, 30_000),
        ms(CHILD_TIMEOUT_MS, 120_000),
    );
    let migrator = Migrator::from_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let ready = || {
        println!("child: ready");
        if wait {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).expect("read stdin");
        }
        println!("child: running");
    };
    let result = runtime.block_on(async {
        match kind.as_str() {
            #[cfg(feature = "postgres")]
            "postgres" => {
                let pool = migrate::sqlx::PgPool::connect(&url).await.expect("connect");
                ready();
                lock.runner(&migrator).run(&pool).await
            }
            #[cfg(feature = "sqlite")]
            "sqlite" => {
                let pool = migrate::sqlx::SqlitePool::connect(&url)
                    .await
                    .expect("connect");
                ready();
                lock.runner(&migrator).run(&pool).await
            }
            #[cfg(feature = "mysql")]
            "mysql" => {
                let pool = migrate::sqlx::MySqlPool::connect(&url)
                    .await
                    .expect("connect");
                ready();
                lock.runner(&migrator).run(&pool).await
            }
            other => panic!("unknown database kind {other}"),
        }
    });
    match result {
        Ok(report) => println!("child: ok {}", report.migrations.len()),
        Err(e) => {
            println!("child: error {e}");
            std::process::exit(3);
        }
    }
}
