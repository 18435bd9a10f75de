//! Private database servers started from the machine's binaries, for tests: PostgreSQL
//! ([`TempPostgres`]) and MariaDB ([`TempMariaDb`]).
//!
//! Each lives in a temporary directory, listens on 127.0.0.1 on a free port, and is stopped
//! and deleted on drop. A watchdog process does the same once the test process is gone,
//! however it ends (a server kept in a `static` is never dropped; a killed test never
//! unwinds). As root, servers run as their own OS user, because PostgreSQL refuses root and
//! Galera's state transfer needs files owned by the server's user.

// Each server uses part of what is here; with one database feature, the rest is unused.
#![cfg_attr(not(all(feature = "postgres", feature = "mysql")), allow(dead_code))]

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use crate::Error;

#[cfg(feature = "mysql")]
mod galera;
#[cfg(feature = "mysql")]
mod mariadb;
#[cfg(feature = "postgres")]
mod pgbouncer;
#[cfg(feature = "postgres")]
mod postgres;

#[cfg(feature = "mysql")]
pub use galera::TempGalera;
#[cfg(feature = "mysql")]
pub use mariadb::TempMariaDb;
#[cfg(feature = "postgres")]
pub use pgbouncer::TempPgBouncer;
#[cfg(feature = "postgres")]
pub use postgres::TempPostgres;

/// A shell in its own process group (so ^C reaches only the tests) that runs `cleanup` once
/// this process is gone; killed, with nothing cleaned, when dropped.
#[derive(Debug)]
pub(crate) struct Watchdog(Option<Child>);

impl Watchdog {
    /// Watches this process; `cleanup` is a shell script.
    pub fn spawn(cleanup: &str) -> Watchdog {
        let script = format!(
            "cd /; while kill -0 {pid} 2>/dev/null; do sleep 1; done; {cleanup}",
            pid = std::process::id()
        );
        let child = Command::new("sh")
            .args(["-c", &script])
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok();
        Watchdog(child)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// How a server shared by a whole test process started, or why it did not: (unavailable,
/// the error with its causes).
pub(crate) type Shared<S> = OnceLock<Result<S, (bool, String)>>;

/// The server in `cell`, started by `start` at the first call. Statics are not dropped: the
/// server's watchdog stops it when the process ends.
pub(crate) fn shared<S>(
    cell: &'static Shared<S>,
    start: impl FnOnce() -> Result<S, Error>,
    what: &str,
) -> Result<&'static S, Error> {
    let started = cell.get_or_init(|| start().map_err(|e| (e.is_unavailable(), crate::chain(&e))));
    match started {
        Ok(server) => Ok(server),
        Err((true, why)) => Err(Error::Unavailable(format!(
            "no {what} to test on: MIGRATE_TEST_DATABASE_URL and DATABASE_URL name no such server, and a private one cannot start: {why}"
        ))),
        Err((false, why)) => Err(Error::Server(format!(
            "the private {what} server for tests did not start: {why}"
        ))),
    }
}

/// Whether this process runs as root.
pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// The user and group ids of OS user `name`, from `/etc/passwd`.
pub(crate) fn os_user(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        match fields.as_slice() {
            [user, _, uid, gid, ..] if *user == name => {
                Some((uid.parse().ok()?, gid.parse().ok()?))
            }
            _ => None,
        }
    })
}

/// Starts `command` in a process group of its own (so ^C reaches only the tests), as OS user
/// `user` when given (with that user's ids: the child is the server itself, not a wrapper),
/// its output to `log`.
pub(crate) fn spawn_server(
    command: &mut Command,
    user: Option<(u32, u32)>,
    log: &Path,
) -> Result<Child, Error> {
    use std::os::unix::process::CommandExt as _;
    let out = std::fs::File::create(log).map_err(|e| io("create", log, e))?;
    let err = out.try_clone().map_err(|e| io("open", log, e))?;
    if let Some((uid, gid)) = user {
        // (supplementary groups stay root's: `CommandExt::groups` is unstable; the server
        // needs only its own files)
        command.uid(uid).gid(gid);
    }
    command
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| Error::Server(format!("{:?}: {e}", command.get_program())))
}

/// `count` free TCP ports on 127.0.0.1, distinct (each held until all are chosen).
pub(crate) fn free_ports(count: usize) -> Result<Vec<u16>, Error> {
    let unavailable = |e: std::io::Error| {
        Error::Server(format!(
            "no free TCP port on 127.0.0.1 for a private server: {e}"
        ))
    };
    let listeners = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0").map_err(unavailable))
        .collect::<Result<Vec<_>, _>>()?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()).map_err(unavailable))
        .collect()
}

/// A free TCP port on 127.0.0.1 (free when probed: a server that loses the race retries).
pub(crate) fn free_port() -> Result<u16, Error> {
    let port = free_ports(1)?.into_iter().next();
    port.ok_or_else(|| Error::Server("no free TCP port on 127.0.0.1".to_owned()))
}

/// The first of `names` found on `PATH` or in the usual system directories.
pub(crate) fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.extend(["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"].map(PathBuf::from));
    names
        .iter()
        .find_map(|name| dirs.iter().map(|d| d.join(name)).find(|p| p.is_file()))
}

/// A new directory under the system's temporary directory.
pub(crate) fn temp_dir(prefix: &str) -> Result<PathBuf, Error> {
    temp_dir_in(&std::env::temp_dir(), prefix)
}

/// A new directory under `parent`.
pub(crate) fn temp_dir_in(parent: &Path, prefix: &str) -> Result<PathBuf, Error> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = parent.join(format!("{prefix}-{}-{n}-{nanos}", std::process::id()));
    std::fs::create_dir(&dir).map_err(|e| io("create", &dir, e))?;
    Ok(dir)
}

/// An I/O error on `path`.
pub(crate) fn io(what: &'static str, path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        what,
        path: path.display().to_string(),
        source,
    }
}

/// Gives `dir` and everything in it to OS user `user` (`chown -R user: dir`).
pub(crate) fn chown(dir: &Path, user: &str) -> Result<(), Error> {
    let out = Command::new("chown")
        .arg("-R")
        .arg(format!("{user}:"))
        .arg(dir)
        .output()
        .map_err(|e| Error::Server(format!("chown: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::Server(format!(
            "the server must run as the `{user}` OS user, which must exist: chown failed: {}",
            describe(&out)
        )))
    }
}

/// `command`, as OS user `user` when given (through `runuser`, in `dir`, which that user may
/// enter where the current directory may not be).
pub(crate) fn as_user(command: &Command, user: Option<&str>, dir: &Path) -> Command {
    match user {
        Some(user) => {
            let mut runuser = Command::new("runuser");
            runuser
                .args(["-u", user, "--"])
                .arg(command.get_program())
                .args(command.get_args())
                .current_dir(dir);
            runuser
        }
        None => {
            let mut same = Command::new(command.get_program());
            same.args(command.get_args()).current_dir(dir);
            same
        }
    }
}

/// `path` quoted for a shell.
pub(crate) fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// A command's exit status and output, for an error message.
pub(crate) fn describe(output: &Output) -> String {
    let mut out = output.status.to_string();
    for (name, text) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        let text = String::from_utf8_lossy(text);
        if !text.trim().is_empty() {
            out.push_str(&format!("\n{name}:\n{}", text.trim_end()));
        }
    }
    out
}

/// A file's text so far, empty when it cannot be read.
pub(crate) fn read_log(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}
