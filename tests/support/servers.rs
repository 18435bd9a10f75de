//! The private servers of `migrate::testing` ([`TempPostgres`], [`TempMariaDb`]) with what
//! the workspace's tests need beside them: `psql` against the cluster, databases created by
//! name, and the policy for a machine without a server — the test is skipped with a notice,
//! except under `CI=true`, where it fails.

#![allow(dead_code)] // each test binary uses part of it

use std::ops::Deref;
use std::process::Command;

use migrate::testing::{self, TempPostgres};

/// A running cluster, with `psql` on `PATH` to talk to it; stopped and deleted on drop.
pub struct TempCluster(TempPostgres);

impl TempCluster {
    /// Starts a cluster with `settings` appended to `postgresql.conf` (see
    /// [`TempPostgres::start_with`]). `None`, after a notice, when PostgreSQL is missing and
    /// `CI` is not `true`; panics with the server's log when the cluster does not start.
    pub fn start(settings: &[(&str, &str)]) -> Option<TempCluster> {
        let cluster = if on_path("psql") {
            TempPostgres::start_with(settings)
        } else {
            Err(testing::Error::Unavailable(
                "psql is not on PATH: install PostgreSQL's client".to_owned(),
            ))
        };
        available(cluster).map(TempCluster)
    }

    /// A `psql` command connected to `db` (no psqlrc, UTF-8 client encoding); add arguments
    /// and run it.
    pub fn psql(&self, db: &str) -> Command {
        let mut psql = self.client("psql", db);
        psql.arg("-X");
        psql
    }

    /// `program` (a PostgreSQL client: psql, pg_dump, …) connected to `db` as `postgres`,
    /// with no connection settings taken from the environment.
    pub fn client(&self, program: impl AsRef<std::ffi::OsStr>, db: &str) -> Command {
        let mut client = Command::new(program);
        let port = self.port().to_string();
        client.args(["-h", "127.0.0.1", "-U", "postgres", "-p", &port, "-d", db]);
        client
            .env("PGCLIENTENCODING", "UTF8")
            .env("PGCONNECT_TIMEOUT", "10");
        client
            .env_remove("PGOPTIONS")
            .env_remove("PGSERVICE")
            .env_remove("PGPASSWORD");
        client
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
            Err(format!(
                "psql -c {sql:?} failed: {}\nstdout:\n{}\nstderr:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    /// Creates database `name`.
    pub fn create_database(&self, name: &str) -> Result<(), String> {
        let quoted = name.replace('"', "\"\"");
        self.execute("postgres", &format!("CREATE DATABASE \"{quoted}\""))
            .map(drop)
    }
}

impl Deref for TempCluster {
    type Target = TempPostgres;

    fn deref(&self) -> &TempPostgres {
        &self.0
    }
}

/// What `result` holds; `None`, after a notice, when PostgreSQL is unavailable and `CI` is not
/// `true`. Panics on any other error, and on an unavailable PostgreSQL under `CI=true`.
pub fn available<T>(result: Result<T, testing::Error>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) if e.is_unavailable() && std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("notice: skipping the part of this test that needs it: {e}");
            None
        }
        Err(e) if e.is_unavailable() => panic!("{e}; CI=true requires every server"),
        Err(e) => {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            panic!("a private server: {message}")
        }
    }
}

fn on_path(binary: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| dir.join(binary).is_file())
}
