//! PgBouncer in transaction pooling mode in front of a private PostgreSQL cluster: the pooler
//! most production PostgreSQL deployments put between the application and the server.
//!
//! It runs as the `postgres` OS user (PgBouncer refuses root) on a free port of 127.0.0.1,
//! with trust authentication for the user `postgres` and a wildcard database entry, so
//! databases created later are reachable through it. sqlx sends `extra_float_digits` at
//! start-up, which PgBouncer 1.18 refuses unless told to ignore it.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use super::{
    chown, find_program, free_port, io, is_root, os_user, read_log, shell_quote, spawn_server,
    temp_dir, TempPostgres, Watchdog,
};
use crate::Error;

const START_TIMEOUT: Duration = Duration::from_secs(30);

/// PgBouncer (transaction pooling) in front of a [`TempPostgres`]; stopped and deleted on drop.
///
/// ```no_run
/// # use migrate_testing as testing;
/// # fn example() -> Result<(), testing::Error> {
/// let cluster = testing::TempPostgres::start()?;
/// let bouncer = testing::TempPgBouncer::start(&cluster)?;
/// let url = bouncer.url("postgres");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TempPgBouncer {
    root: PathBuf,
    port: u16,
    child: Child,
    _watchdog: Watchdog,
}

impl TempPgBouncer {
    /// Starts PgBouncer in front of `cluster`, from `pgbouncer` on `PATH` or in `/usr/sbin`.
    ///
    /// [`Error::Unavailable`] without the program; [`Error::Server`], with its log, when it
    /// does not start.
    pub fn start(cluster: &TempPostgres) -> Result<TempPgBouncer, Error> {
        let Some(program) = find_program(&["pgbouncer"]) else {
            return Err(Error::Unavailable(
                "PgBouncer is not installed (pgbouncer): install Debian's pgbouncer".to_owned(),
            ));
        };
        let root = temp_dir("migrate-pgbouncer")?;
        let port = free_port()?;
        let write = |name: &str, text: String| {
            let path = root.join(name);
            std::fs::write(&path, text).map_err(|e| io("write", &path, e))
        };
        // `trust` still wants the user in the auth file
        write("userlist.txt", "\"postgres\" \"\"\n".to_owned())?;
        write(
            "pgbouncer.ini",
            format!(
                "[databases]\n* = host=127.0.0.1 port={upstream}\n\n[pgbouncer]\n\
                 listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
                 auth_type = trust\nauth_file = {users}\nadmin_users = postgres\n\
                 pool_mode = transaction\nmax_client_conn = 400\ndefault_pool_size = 20\n\
                 ignore_startup_parameters = extra_float_digits,options\n\
                 query_wait_timeout = 30\nserver_login_retry = 1\n\
                 logfile = {log}\npidfile = {pid}\n",
                upstream = cluster.port(),
                users = root.join("userlist.txt").display(),
                log = root.join("pgbouncer.log").display(),
                pid = root.join("pgbouncer.pid").display(),
            ),
        )?;
        let user = if is_root() {
            chown(&root, "postgres")?;
            Some(os_user("postgres").ok_or_else(|| {
                Error::Server("running as root, PgBouncer must run as the `postgres` OS user, which must exist".to_owned())
            })?)
        } else {
            None
        };
        let mut command = Command::new(&program);
        command.arg(root.join("pgbouncer.ini")).current_dir(&root);
        let child = spawn_server(&mut command, user, &root.join("stdout.log"))?;
        let watchdog = Watchdog::spawn(&format!(
            "kill -9 {} 2>/dev/null; rm -rf {}",
            child.id(),
            shell_quote(&root)
        ));
        let mut bouncer = TempPgBouncer {
            root,
            port,
            child,
            _watchdog: watchdog,
        };
        bouncer.wait_ready()?;
        Ok(bouncer)
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection URL for database `db` through the pooler, as `postgres`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// PgBouncer's log so far.
    pub fn log(&self) -> String {
        read_log(&self.root.join("pgbouncer.log")) + &read_log(&self.root.join("stdout.log"))
    }

    /// The directory of its files.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    fn wait_ready(&mut self) -> Result<(), Error> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(Error::Server(format!(
                    "pgbouncer exited with {status}:\n{}",
                    self.log()
                )));
            }
            // it listens once its configuration is loaded
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Error::Server(format!(
                    "pgbouncer not listening after {START_TIMEOUT:?}:\n{}",
                    self.log()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TempPgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
