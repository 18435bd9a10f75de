//! A private PostgreSQL cluster, started from the machine's binaries in a temporary directory.
//!
//! The server listens on 127.0.0.1 only, on a free port, with its socket inside the
//! directory, trust authentication and superuser `postgres`, and settings for speed over
//! durability (`fsync = off`), in memory (`/dev/shm`) when there is room. As root it runs as
//! the `postgres` OS user, because the server refuses to run as root. A watchdog process stops
//! it and deletes the directory once this process is gone, so a cluster kept in a `static` or a
//! test process that is killed leaves nothing behind.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sqlx::postgres::{PgConnectOptions, Postgres};

use super::{
    as_user, chown, describe, free_port, io, is_root, read_log, shell_quote, temp_dir_in, Watchdog,
};
use crate::fresh::{Server, TempDatabase};
use crate::Error;

/// The programs the cluster needs, all from one directory.
const PROGRAMS: [&str; 3] = ["initdb", "pg_ctl", "postgres"];

/// The OS user the server runs as when the tests run as root.
const SERVER_USER: &str = "postgres";

/// The variable naming the directory where private clusters are made.
const DIR_VARIABLE: &str = "MIGRATE_TEST_POSTGRES_DIR";

/// The room `/dev/shm` must have for a cluster to be made there, in KiB.
const SHM_ROOM_KIB: u64 = 1 << 20;

/// A private PostgreSQL cluster, stopped and deleted on drop.
///
/// ```no_run
/// # use migrate_testing as testing;
/// # async fn example() -> Result<(), testing::Error> {
/// let cluster = testing::TempPostgres::start()?;
/// let db = cluster.fresh().await?;
/// let pool = db.pool().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TempPostgres {
    root: PathBuf,
    bin: PathBuf,
    port: u16,
    /// The OS user the server runs as, when it is not the current one.
    run_as: Option<&'static str>,
    watchdog: Option<Watchdog>,
    stopped: bool,
}

impl TempPostgres {
    /// Starts a cluster from the PostgreSQL binaries on `PATH`, in `pg_config --bindir` or in
    /// `/usr/lib/postgresql/<version>/bin` (the newest).
    ///
    /// [`Error::Unavailable`] when there are none; [`Error::Server`], with the server's log,
    /// when the cluster does not start.
    pub fn start() -> Result<TempPostgres, Error> {
        Self::start_with(&[])
    }

    /// Starts a cluster with `settings` appended to `postgresql.conf` (values are quoted for
    /// you), e.g. `[("max_connections", "300")]`.
    pub fn start_with(settings: &[(&str, &str)]) -> Result<TempPostgres, Error> {
        let bin = bin_dir().ok_or_else(|| {
            Error::Unavailable(
                "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH, in `pg_config --bindir` or in /usr/lib/postgresql/*/bin: install PostgreSQL's server package, or set MIGRATE_TEST_DATABASE_URL to a server where tests may create databases".to_owned(),
            )
        })?;
        let run_as = is_root().then_some(SERVER_USER);
        let root = temp_dir_in(&parent_dir(), "migrate-pg")?;
        let mut cluster = TempPostgres {
            root,
            bin,
            port: 0,
            run_as,
            watchdog: None,
            stopped: false,
        };
        // On failure `cluster` is dropped here, which stops what started and deletes the
        // directory.
        cluster.init(settings)?;
        cluster.watchdog = Some(cluster.spawn_watchdog());
        cluster.launch()?;
        Ok(cluster)
    }

    fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.root.join("server.log")
    }

    fn init(&self, settings: &[(&str, &str)]) -> Result<(), Error> {
        let socket = self.root.join("socket");
        std::fs::create_dir(&socket).map_err(|e| io("create", &socket, e))?;
        if let Some(user) = self.run_as {
            chown(&self.root, user)?;
        }
        let mut initdb = self.program("initdb");
        initdb.arg("-D").arg(self.data()).args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        self.run(&mut initdb).map_err(Error::Server)?;

        let mut conf = vec![
            ("listen_addresses", "127.0.0.1".to_owned()),
            ("unix_socket_directories", socket.display().to_string()),
            ("fsync", "off".into()),
            ("synchronous_commit", "off".into()),
            ("full_page_writes", "off".into()),
            ("lc_messages", "C".into()),
            // one pool per concurrent test
            ("max_connections", "300".into()),
        ];
        conf.extend(settings.iter().map(|&(k, v)| (k, v.to_owned())));
        let path = self.data().join("postgresql.conf");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| io("open", &path, e))?;
        for (key, value) in conf {
            writeln!(file, "{key} = '{}'", value.replace('\'', "''"))
                .map_err(|e| io("write", &path, e))?;
        }
        Ok(())
    }

    /// Starts the server, on another port when another process took the one probed.
    fn launch(&mut self) -> Result<(), Error> {
        let mut last = String::new();
        for _ in 0..5 {
            self.port = free_port()?;
            let mut start = self.program("pg_ctl");
            start
                .arg("-D")
                .arg(self.data())
                .arg("-l")
                .arg(self.log_file())
                .args([
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    &format!("-p {}", self.port),
                    "start",
                ]);
            match self.run(&mut start) {
                Ok(_) => return Ok(()),
                Err(e) if self.log().contains("could not bind") => last = e,
                Err(e) => return Err(Error::Server(e)),
            }
        }
        Err(Error::Server(last))
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection URL for database `db` as the superuser `postgres` (no password).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Connection options for database `db` as the superuser `postgres`.
    pub fn options(&self, db: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username("postgres")
            .database(db)
    }

    /// The cluster's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.data()
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        read_log(&self.log_file())
    }

    /// Creates a database with a unique name; see [`TempDatabase`].
    pub async fn fresh(&self) -> Result<TempDatabase<Postgres>, Error> {
        self.server().fresh().await
    }

    /// Where tests create databases: the `postgres` database as the superuser.
    pub(crate) fn server(&self) -> Server<Postgres> {
        Server {
            admin: self.options("postgres"),
            url: self.url("postgres"),
            private: true,
        }
    }

    /// Stops the server and deletes the directory, reporting what failed (dropping the
    /// cluster does the same, quietly).
    pub fn stop(mut self) -> Result<(), Error> {
        let stopped = self.shutdown();
        let removed = std::fs::remove_dir_all(&self.root).map_err(|e| io("remove", &self.root, e));
        stopped?;
        removed
    }

    fn shutdown(&mut self) -> Result<(), Error> {
        if std::mem::replace(&mut self.stopped, true) {
            return Ok(());
        }
        let mut stop = self.program("pg_ctl");
        stop.arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "-t", "30", "stop"]);
        let result = self.run(&mut stop).map(drop);
        if result.is_err() {
            // not running, or not stopping: make sure it is gone
            let pid = std::fs::read_to_string(self.data().join("postmaster.pid"));
            if let Some(pid) = pid.ok().and_then(|s| s.lines().next().map(str::to_owned)) {
                let _ = Command::new("kill").args(["-KILL", pid.trim()]).output();
            }
        }
        self.watchdog = None;
        result.map_err(Error::Server)
    }

    fn program(&self, name: &str) -> Command {
        Command::new(self.bin.join(name))
    }

    /// Runs `command` as the server's user; a failure carries its output and the server's
    /// log.
    fn run(&self, command: &mut Command) -> Result<Output, String> {
        let mut command = as_user(command, self.run_as, &self.root);
        let shown = format!("{command:?}");
        let output = command
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{shown}: {e}"))?;
        if output.status.success() {
            return Ok(output);
        }
        let log = self.log();
        Err(format!(
            "{shown} failed: {}{}",
            describe(&output),
            if log.is_empty() {
                String::new()
            } else {
                format!("\nserver log:\n{log}")
            }
        ))
    }

    /// Stops the cluster and deletes its directory once this process is gone.
    fn spawn_watchdog(&self) -> Watchdog {
        let pg_ctl = shell_quote(&self.bin.join("pg_ctl"));
        let stop = match self.run_as {
            Some(user) => format!("runuser -u {user} -- {pg_ctl}"),
            None => pg_ctl,
        };
        Watchdog::spawn(&format!(
            "{stop} -D {data} -m immediate -w -t 30 stop >/dev/null 2>&1; rm -rf {root}",
            data = shell_quote(&self.data()),
            root = shell_quote(&self.root),
        ))
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let _ = self.shutdown();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The first directory holding every program of [`PROGRAMS`].
fn bin_dir() -> Option<PathBuf> {
    let complete = |dir: &Path| PROGRAMS.iter().all(|p| dir.join(p).is_file());
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path = std::env::split_paths(&path).find(|d| complete(d));
    // a symlink on PATH (Debian's wrappers, /usr/local/bin links) is fine: pg_ctl finds
    // `postgres` beside its own resolved path
    on_path
        .or_else(|| {
            let out = Command::new("pg_config").arg("--bindir").output().ok()?;
            let dir = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
            complete(&dir).then_some(dir)
        })
        .or_else(|| {
            let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
                .ok()?
                .filter_map(|e| {
                    let e = e.ok()?;
                    let version = e.file_name().to_str()?.parse().ok()?;
                    Some((version, e.path().join("bin")))
                })
                .filter(|(_, dir)| complete(dir))
                .collect();
            versions.sort();
            versions.pop().map(|(_, dir)| dir)
        })
}

/// Where a cluster's directory goes: `MIGRATE_TEST_POSTGRES_DIR`; else `/dev/shm` when it has
/// 1 GiB free, because a cluster is thousands of small files and a test database per test
/// creates thousands more (on this project's VM, cloning a template of 3,000 relations takes
/// 1.3 s on ext4 and 0.1 s in memory); else the system's temporary directory.
fn parent_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DIR_VARIABLE).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let shm = Path::new("/dev/shm");
    if shm.is_dir() && available_kib(shm).is_some_and(|kib| kib >= SHM_ROOM_KIB) {
        return shm.to_owned();
    }
    std::env::temp_dir()
}

/// The space available in `dir`'s file system, in KiB, as `df` says.
fn available_kib(dir: &Path) -> Option<u64> {
    let out = Command::new("df").arg("-Pk").arg(dir).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    text.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()
}
