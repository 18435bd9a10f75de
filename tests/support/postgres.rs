//! A throwaway PostgreSQL cluster for tests, started from the machine's binaries (`initdb`,
//! `pg_ctl`, `postgres`, `psql` on `PATH`) in a fresh temporary directory.
//!
//! The server listens on 127.0.0.1 only, on a free port, with its socket inside the temporary
//! directory, trust authentication and superuser `postgres`. Run as root, it runs as the
//! `postgres` OS user (the server refuses root), so the directory is handed to that user.
//! Dropping the cluster stops it and deletes the directory, also when the test panics; a
//! watchdog process does the same if the test process dies without unwinding.
//!
//! Missing binaries skip the test with a notice, except under `CI=true`, where they fail it.

#![allow(dead_code)] // each test binary uses part of it

use std::io::Write;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const BINARIES: [&str; 4] = ["initdb", "pg_ctl", "postgres", "psql"];
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running cluster; stopped and deleted on drop.
pub struct TempCluster {
    root: PathBuf,
    data: PathBuf,
    log: PathBuf,
    port: u16,
    /// The OS user the server runs as, when it is not the current one.
    run_as: Option<&'static str>,
    watchdog: Option<Child>,
}

impl TempCluster {
    /// Starts a cluster with `extra_conf` appended to `postgresql.conf` (values are quoted
    /// for you). Returns `None`, after printing a notice, when the binaries are missing and
    /// `CI` is not `true`; panics with the server log when the cluster does not start.
    pub fn start(extra_conf: &[(&str, &str)]) -> Option<TempCluster> {
        let missing: Vec<&str> = BINARIES.into_iter().filter(|b| !on_path(b)).collect();
        if !missing.is_empty() {
            let what = format!("PostgreSQL binaries not on PATH: {}", missing.join(", "));
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{what}; CI=true requires them (install PostgreSQL 15's server and client)");
            }
            eprintln!("notice: {what}; skipping the PostgreSQL part of this test");
            return None;
        }
        match Self::try_start(extra_conf) {
            Ok(cluster) => Some(cluster),
            Err(e) => panic!("could not start a temporary PostgreSQL cluster: {e}"),
        }
    }

    fn try_start(extra_conf: &[(&str, &str)]) -> Result<TempCluster, String> {
        let run_as = if is_root() { Some("postgres") } else { None };
        let root = unique_temp_dir()?;
        let mut cluster = TempCluster {
            data: root.join("data"),
            log: root.join("server.log"),
            root,
            port: 0,
            run_as,
            watchdog: None,
        };
        std::fs::create_dir(cluster.root.join("socket")).map_err(|e| e.to_string())?;
        if let Some(user) = run_as {
            let mut chown = Command::new("chown");
            chown.arg("-R").arg(format!("{user}:")).arg(&cluster.root);
            cluster.run(&mut chown, false)?;
        }
        let mut initdb = Command::new("initdb");
        initdb
            .arg("-D")
            .arg(&cluster.data)
            .args(["-U", "postgres", "-A", "trust"]);
        initdb.args(["-E", "UTF8", "--locale=C", "--no-sync"]);
        cluster.run(&mut initdb, true).map_err(|e| match run_as {
            Some(user) => format!(
                "{e}\n(the `{user}` user must be able to enter {})",
                cluster.root.display()
            ),
            None => e,
        })?;

        let socket = cluster.root.join("socket");
        let mut conf = vec![
            ("listen_addresses", "127.0.0.1".to_string()),
            ("unix_socket_directories", socket.display().to_string()),
            ("fsync", "off".into()),
            ("synchronous_commit", "off".into()),
            ("full_page_writes", "off".into()),
            ("lc_messages", "C".into()),
        ];
        conf.extend(extra_conf.iter().map(|&(k, v)| (k, v.to_string())));
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(cluster.data.join("postgresql.conf"))
            .map_err(|e| format!("postgresql.conf: {e}"))?;
        for (key, value) in conf {
            writeln!(file, "{key} = '{}'", value.replace('\'', "''")).map_err(|e| e.to_string())?;
        }
        cluster.watchdog = cluster.spawn_watchdog();

        // Another process may take the port between our probe and the server's bind: retry.
        let mut last_error = String::new();
        for _ in 0..5 {
            cluster.port = free_port()?;
            let port = format!("-p {}", cluster.port);
            let mut start = Command::new("pg_ctl");
            start
                .arg("-D")
                .arg(&cluster.data)
                .arg("-l")
                .arg(&cluster.log);
            start.args(["-w", "-t", "60", "-o", &port, "start"]);
            match cluster.run(&mut start, true) {
                Ok(_) => return cluster.wait_ready().map(|()| cluster),
                Err(e) if cluster.log().contains("could not bind") => last_error = e,
                Err(e) => return Err(e),
            }
        }
        Err(last_error)
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection URL for database `db` as the superuser `postgres`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// A `psql` command connected to `db` (no psqlrc, UTF-8 client encoding); add arguments
    /// and run it.
    pub fn psql(&self, db: &str) -> Command {
        let mut psql = Command::new("psql");
        psql.args([
            "-X",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-p",
            &self.port.to_string(),
        ]);
        psql.args(["-d", db]);
        psql.env("PGCLIENTENCODING", "UTF8")
            .env("PGCONNECT_TIMEOUT", "10");
        psql.env_remove("PGOPTIONS")
            .env_remove("PGSERVICE")
            .env_remove("PGPASSWORD");
        psql
    }

    /// Runs `sql` in `db`, stopping at the first error, which is returned with psql's output.
    pub fn execute(&self, db: &str, sql: &str) -> Result<String, String> {
        let output = self
            .psql(db)
            .args(["-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output();
        let output = output.map_err(|e| format!("psql: {e}"))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(format!("psql -c {sql:?} failed: {}", describe(&output)))
        }
    }

    /// Creates database `name`.
    pub fn create_database(&self, name: &str) -> Result<(), String> {
        let quoted = name.replace('"', "\"\"");
        self.execute("postgres", &format!("CREATE DATABASE \"{quoted}\""))
            .map(drop)
    }

    /// The server log so far.
    pub fn log(&self) -> String {
        std::fs::read(&self.log)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match self.execute("postgres", "SELECT 1") {
                Ok(_) => return Ok(()),
                Err(e) if Instant::now() > deadline => return Err(format!("{e}\n{}", self.log())),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Runs `command`, as the server's user when `as_server` is set; a failure carries its
    /// output and the server log.
    fn run(&self, command: &mut Command, as_server: bool) -> Result<Output, String> {
        let mut runuser;
        let command = match (as_server, self.run_as) {
            (true, Some(user)) => {
                runuser = Command::new("runuser");
                runuser
                    .args(["-u", user, "--"])
                    .arg(command.get_program())
                    .args(command.get_args());
                // the server's user may not be allowed into the test's working directory
                runuser.current_dir(&self.root)
            }
            _ => command,
        };
        let shown = format!("{command:?}");
        let output = command
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{shown}: {e}"))?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(format!(
                "{shown} failed: {}\nserver log:\n{}",
                describe(&output),
                self.log()
            ))
        }
    }

    fn server_command(&self, program: &str) -> String {
        let program = match self.run_as {
            Some(user) => format!("runuser -u {user} -- {program}"),
            None => program.to_string(),
        };
        format!("{program} -D {}", shell_quote(&self.data))
    }

    /// A shell, in its own process group so that ^C reaches only the test, that stops the
    /// cluster and deletes its directory once this process is gone.
    fn spawn_watchdog(&self) -> Option<Child> {
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             {stop} -m immediate -w -t 30 stop >/dev/null 2>&1; rm -rf {root}",
            pid = std::process::id(),
            stop = self.server_command("pg_ctl"),
            root = shell_quote(&self.root),
        );
        let mut sh = Command::new("sh");
        sh.args(["-c", &script]).process_group(0);
        sh.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        let mut stop = Command::new("pg_ctl");
        stop.arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "-t", "30", "stop"]);
        if self.run(&mut stop, true).is_err() {
            // Not running, or not stopping: make sure it is gone.
            let pid = std::fs::read_to_string(self.data.join("postmaster.pid"));
            if let Some(pid) = pid.ok().and_then(|s| s.lines().next().map(str::to_owned)) {
                let _ = Command::new("kill").args(["-KILL", pid.trim()]).output();
            }
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn on_path(binary: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| dir.join(binary).is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn unique_temp_dir() -> Result<PathBuf, String> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("migrate-pg-{}-{n}-{nanos}", std::process::id()));
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

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

fn describe(output: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
