//! A private MariaDB (or MySQL) server, started from the machine's `mariadbd` in a temporary
//! directory.
//!
//! It listens on 127.0.0.1 only, on a free port, with grant tables skipped (every client is a
//! superuser, no password) and settings for speed over durability. Dropping it kills the
//! server and deletes the directory; the [`Watchdog`] does the same if the process dies.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::mysql::{MySql, MySqlConnectOptions};

use super::{
    describe, find_program, free_port, is_root, read_log, shell_quote, temp_dir, Watchdog,
};
use crate::fresh::{self, Server, TempDatabase};
use crate::Error;

const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A private MariaDB server, killed and deleted on drop.
///
/// ```no_run
/// # use migrate_testing as testing;
/// # async fn example() -> Result<(), testing::Error> {
/// let server = testing::TempMariaDb::start()?;
/// let db = server.fresh().await?;
/// let pool = db.pool().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TempMariaDb {
    root: PathBuf,
    port: u16,
    server: Child,
    _watchdog: Watchdog,
}

impl TempMariaDb {
    /// Starts a server from `mariadbd` (or `mysqld`) and `mariadb-install-db` (or
    /// `mysql_install_db`) on `PATH` or in `/usr/sbin`, `/usr/bin`.
    ///
    /// [`Error::Unavailable`] when they are missing; [`Error::Server`], with the server's
    /// log, when it does not start.
    pub fn start() -> Result<TempMariaDb, Error> {
        Self::start_with(&[])
    }

    /// Starts a server with extra `--name=value` options, e.g.
    /// `[("max-connections", "500")]`.
    pub fn start_with(settings: &[(&str, &str)]) -> Result<TempMariaDb, Error> {
        let (Some(server), Some(install)) = (
            find_program(&["mariadbd", "mysqld"]),
            find_program(&["mariadb-install-db", "mysql_install_db"]),
        ) else {
            return Err(Error::Unavailable(
                "MariaDB is not installed (mariadbd, mariadb-install-db): install Debian's mariadb-server, or set MIGRATE_TEST_DATABASE_URL to a mysql:// server where tests may create databases".to_owned(),
            ));
        };
        let root = temp_dir("migrate-mariadb")?;
        let data = root.join("data");
        let user = is_root().then_some("root");
        let mut init = Command::new(&install);
        init.arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
        if let Some(user) = user {
            init.arg(format!("--user={user}"));
        }
        let out = init
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::Server(format!("{}: {e}", install.display())))?;
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&root);
            return Err(Error::Server(format!(
                "{} failed: {}",
                install.display(),
                describe(&out)
            )));
        }
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port()?;
            let mut cmd = Command::new(&server);
            cmd.arg("--no-defaults")
                .arg(format!("--datadir={}", data.display()))
                .arg(format!("--socket={}", root.join("mysqld.sock").display()))
                .arg(format!("--pid-file={}", root.join("mysqld.pid").display()))
                .arg(format!("--log-error={}", root.join("server.log").display()))
                .arg(format!("--port={port}"))
                .args([
                    "--bind-address=127.0.0.1",
                    "--skip-grant-tables",
                    "--innodb-flush-log-at-trx-commit=0",
                    "--innodb-buffer-pool-size=64M",
                    "--max-connections=400",
                    "--skip-log-bin",
                ])
                .args(settings.iter().map(|(k, v)| format!("--{k}={v}")));
            if let Some(user) = user {
                cmd.arg(format!("--user={user}"));
            }
            let child = cmd
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| Error::Server(format!("{}: {e}", server.display())))?;
            let watchdog = Watchdog::spawn(&format!(
                "kill -9 {} 2>/dev/null; rm -rf {}",
                child.id(),
                shell_quote(&root)
            ));
            let mut db = TempMariaDb {
                root: root.clone(),
                port,
                server: child,
                _watchdog: watchdog,
            };
            match db.wait_ready() {
                Ok(()) => return Ok(db),
                Err(e) if db.log().contains("Can't start server: Bind") => {
                    last = e;
                    let _ = db.server.kill();
                    let _ = db.server.wait();
                    // the directory is reused by the next attempt
                    std::mem::forget(db);
                }
                Err(e) => return Err(Error::Server(e)),
            }
        }
        Err(Error::Server(last))
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection URL for database `db` as `root` (no password); `""` for none.
    pub fn url(&self, db: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{db}", self.port)
    }

    /// Connection options for database `db` as `root`.
    pub fn options(&self, db: &str) -> MySqlConnectOptions {
        let options = MySqlConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username("root");
        if db.is_empty() {
            options
        } else {
            options.database(db)
        }
    }

    /// The server's directory (data, socket, log).
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// The server's error log so far.
    pub fn log(&self) -> String {
        read_log(&self.root.join("server.log"))
    }

    /// Creates a database with a unique name; see [`TempDatabase`].
    pub async fn fresh(&self) -> Result<TempDatabase<MySql>, Error> {
        self.server().fresh().await
    }

    /// Where tests create databases: the server as `root`.
    pub(crate) fn server(&self) -> Server<MySql> {
        Server {
            admin: self.options(""),
            url: self.url(""),
            private: true,
        }
    }

    /// Creates database `name`.
    pub async fn create_database(&self, name: &str) -> Result<(), Error> {
        fresh::create_named::<MySql>(self.options(""), &self.url(""), name).await
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
}

impl Drop for TempMariaDb {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
