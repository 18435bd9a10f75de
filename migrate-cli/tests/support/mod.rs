//! Runs the `migrate` binary in a temporary directory and looks at what it did.

#![allow(dead_code)] // each test binary uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A temporary working directory, deleted on drop.
pub struct Work {
    root: PathBuf,
    /// Variables every run here gets.
    env: Vec<(String, String)>,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with the whole run unless the exit code is `code`.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "unexpected exit code:\n{self}");
        self
    }

    /// Panics unless stdout contains `text`.
    #[track_caller]
    pub fn out(&self, text: &str) -> &Run {
        assert!(self.stdout.contains(text), "stdout lacks {text:?}:\n{self}");
        self
    }

    /// Panics if stdout contains `text`.
    #[track_caller]
    pub fn no_out(&self, text: &str) -> &Run {
        assert!(!self.stdout.contains(text), "stdout has {text:?}:\n{self}");
        self
    }

    /// Panics unless stderr contains `text`.
    #[track_caller]
    pub fn err(&self, text: &str) -> &Run {
        assert!(self.stderr.contains(text), "stderr lacks {text:?}:\n{self}");
        self
    }

    /// Panics if stderr contains `text`.
    #[track_caller]
    pub fn no_err(&self, text: &str) -> &Run {
        assert!(!self.stderr.contains(text), "stderr has {text:?}:\n{self}");
        self
    }

    /// stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Work {
    pub fn new(name: &str) -> Work {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let root =
            std::env::temp_dir().join(format!("migrate-cli-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
        Work {
            root,
            env: Vec::new(),
        }
    }

    /// The same directory, with `key=value` in the environment of every run.
    pub fn with_env(mut self, key: &str, value: &str) -> Work {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Writes `text` to `rel`, creating directories.
    pub fn write(&self, rel: &str, text: &str) -> &Work {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        self
    }

    pub fn read(&self, rel: &str) -> String {
        let path = self.root.join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.root.join(rel).exists()
    }

    pub fn remove(&self, rel: &str) -> &Work {
        let path = self.root.join(rel);
        if path.is_dir() {
            std::fs::remove_dir_all(&path).ok();
        } else {
            std::fs::remove_file(&path).ok();
        }
        self
    }

    /// The entries of directory `rel`, sorted.
    pub fn list(&self, rel: &str) -> Vec<String> {
        let path = self.root.join(rel);
        let mut names: Vec<String> = std::fs::read_dir(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Runs `migrate <args>` here, with no `DATABASE_URL` from outside and no colours.
    pub fn migrate(&self, args: &[&str]) -> Run {
        self.migrate_env(args, &[])
    }

    /// `migrate <args>` here, with no `DATABASE_URL` from outside and no colours.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_migrate"));
        command
            .args(args)
            .current_dir(&self.root)
            .env_remove("DATABASE_URL")
            .env_remove("MIGRATE_LOCK")
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Starts `migrate <args>` here without waiting for it (see [`finish`]).
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run migrate: {e}"))
    }

    /// [`Work::migrate`] with extra environment variables.
    pub fn migrate_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = self.command(args);
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("cannot run migrate: {e}"));
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Waits for a command [`Work::spawn`] started.
pub fn finish(child: std::process::Child) -> Run {
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("cannot wait for migrate: {e}"));
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on (free when asked).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}
