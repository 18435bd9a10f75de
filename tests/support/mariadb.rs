//! A throwaway MariaDB server for tests, started from the machine's `mariadbd` (Debian's
//! mariadb-server, which `.ci/run` installs) in a fresh temporary directory.
//!
//! It listens on 127.0.0.1 only, on a free port, with grant tables skipped (every client is
//! a superuser, no password). Dropping it kills the server and deletes the directory; a
//! watchdog does the same if the test process dies without unwinding.
//!
//! A missing server skips the test with a notice, except under `CI=true`, where it fails it.

#![allow(dead_code)] // each test binary uses part of it

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server; killed and deleted on drop.
pub struct TempMariaDb {
    root: PathBuf,
    port: u16,
    server: Child,
    watchdog: Option<Child>,
}

fn binary(names: &[&str]) -> Option<String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.extend(["/usr/sbin", "/usr/bin", "/usr/local/sbin"].map(PathBuf::from));
    names
        .iter()
        .find_map(|name| dirs.iter().map(|d| d.join(name)).find(|p| p.is_file()))
        .map(|p| p.display().to_string())
}

impl TempMariaDb {
    /// Starts a server. Returns `None`, after printing a notice, when MariaDB is not
    /// installed and `CI` is not `true`; panics with the server log when it does not start.
    pub fn start() -> Option<TempMariaDb> {
        let (Some(server), Some(install)) = (
            binary(&["mariadbd", "mysqld"]),
            binary(&["mariadb-install-db", "mysql_install_db"]),
        ) else {
            let what = "MariaDB is not installed (mariadbd, mariadb-install-db)";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{what}; CI=true requires it (`apt-get install -y mariadb-server`)");
            }
            eprintln!("notice: {what}; skipping the MariaDB part of this test");
            return None;
        };
        match Self::try_start(&server, &install) {
            Ok(db) => Some(db),
            Err(e) => panic!("could not start a temporary MariaDB server: {e}"),
        }
    }

    fn try_start(server: &str, install: &str) -> Result<TempMariaDb, String> {
        let root = unique_temp_dir()?;
        let data = root.join("data");
        let user = if is_root() { "root" } else { "" };
        let mut init = Command::new(install);
        init.arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
        if !user.is_empty() {
            init.arg(format!("--user={user}"));
        }
        let out = init
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{install}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{install} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port()?;
            let log = root.join("server.log");
            let mut cmd = Command::new(server);
            cmd.arg("--no-defaults")
                .arg(format!("--datadir={}", data.display()))
                .arg(format!("--socket={}", root.join("mysqld.sock").display()))
                .arg(format!("--pid-file={}", root.join("mysqld.pid").display()))
                .arg(format!("--log-error={}", log.display()))
                .arg(format!("--port={port}"))
                .args([
                    "--bind-address=127.0.0.1",
                    "--skip-grant-tables",
                    "--innodb-flush-log-at-trx-commit=0",
                ])
                .args([
                    "--innodb-buffer-pool-size=64M",
                    "--max-connections=400",
                    "--skip-log-bin",
                ]);
            if !user.is_empty() {
                cmd.arg(format!("--user={user}"));
            }
            let child = cmd
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("{server}: {e}"))?;
            let mut db = TempMariaDb {
                root: root.clone(),
                port,
                server: child,
                watchdog: None,
            };
            db.watchdog = db.spawn_watchdog();
            match db.wait_ready() {
                Ok(()) => return Ok(db),
                Err(e) => {
                    last = e;
                    if !db.log().contains("Can't start server: Bind") {
                        return Err(last);
                    }
                    let _ = db.server.kill();
                    let _ = db.server.wait();
                    std::mem::forget(db);
                }
            }
        }
        Err(last)
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection URL for database `db` (which must exist; see [`TempMariaDb::create_database`]).
    pub fn url(&self, db: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{db}", self.port)
    }

    /// The server's error log so far.
    pub fn log(&self) -> String {
        std::fs::read(self.root.join("server.log"))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Creates database `name` (through the `mariadb` client when present, else through sqlx).
    pub async fn create_database(&self, name: &str) -> Result<(), String> {
        use migrate::sqlx::{self, Connection as _};
        let mut conn = sqlx::MySqlConnection::connect(&self.url(""))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let sql = format!("CREATE DATABASE `{}`", name.replace('`', "``"));
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        conn.close().await.map_err(|e| e.to_string())
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.server.try_wait() {
                return Err(format!("mariadbd exited with {status}:\n{}", self.log()));
            }
            let listening = TcpStream::connect(("127.0.0.1", self.port)).is_ok();
            if listening && self.log().contains("ready for connections") {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "mariadbd not ready after {START_TIMEOUT:?}:\n{}",
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn spawn_watchdog(&self) -> Option<Child> {
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; kill -9 {server} 2>/dev/null; rm -rf '{root}'",
            pid = std::process::id(),
            server = self.server.id(),
            root = self.root.display().to_string().replace('\'', r"'\''"),
        );
        Command::new("sh")
            .args(["-c", &script])
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()
    }
}

impl Drop for TempMariaDb {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn unique_temp_dir() -> Result<PathBuf, String> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("migrate-mariadb-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}
