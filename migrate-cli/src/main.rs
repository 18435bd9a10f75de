//! `migrate`: the command line of `migrate-db` (package `migrate-db-cli`).
//!
//! Files: `init`, `add`, `lock`, `check`, `renumber`. Database (`--database-url`,
//! `DATABASE_URL`, `./.env`): `status`, `up`, `down`, `redo`, `baseline`, `force`, `forget`,
//! `adopt`.
//! Exit codes are in `migrate --help` and the README.

#![forbid(unsafe_code)]

mod cli;
mod commands;
mod database;
mod exit;
mod output;
mod progress;
mod source;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::commands::apply::{self, Op, Settings};
use crate::commands::{add, check, fleet, init, lock, renumber};
use crate::database::Kind;
use crate::exit::Failure;
use crate::output::Output;
use crate::source::Source;

fn main() -> ExitCode {
    let out = Output::detect();
    // Before parsing, so that `DATABASE_URL` from the file reaches `--database-url`; the
    // environment wins over the file.
    if let Err(e) = read_dotenv() {
        out.error(e);
        return ExitCode::from(exit::ERROR);
    }
    let cli = Cli::parse();
    match run(&cli, &out) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            for message in &failure.messages {
                out.error(message);
            }
            ExitCode::from(failure.code)
        }
    }
}

/// `./.env`, if there is one.
fn read_dotenv() -> Result<(), String> {
    match dotenvy::from_path(".env") {
        Ok(()) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(format!(".env: {e}: fix or remove the file")),
    }
}

fn run(cli: &Cli, out: &Output) -> Result<u8, Failure> {
    let source = Source::new(&cli.source);
    let op = match &cli.command {
        Command::Init => return init::run(&source, out),
        Command::Add(args) => return add::run(&source, args, out),
        Command::Lock(args) => return lock::run(&source, args, out),
        Command::Renumber(args) => return renumber::run(&source, args.version, out),
        Command::Check(args) => {
            // Only a hint for splitting: a URL that names no known database is not
            // `check`'s business.
            let dialect = cli
                .database_url
                .as_deref()
                .and_then(|url| Kind::of(url).ok())
                .map(Kind::dialect);
            let defaults = check::Defaults {
                lock_timeout: cli.guard.ddl_lock_timeout.is_some(),
                statement_timeout: cli.guard.statement_timeout.is_some(),
            };
            return check::run(&source, args, dialect, defaults, out);
        }
        Command::Status(args) => Op::Status(args),
        Command::Up(args) => Op::Up(args),
        Command::Down(args) => Op::Down(args),
        Command::Redo => Op::Redo,
        Command::Baseline(args) => Op::Baseline(args.version),
        Command::Force(args) => Op::Force(args.version),
        Command::Forget(args) => Op::Forget(args.version, args.force),
        Command::Adopt(args) => Op::Adopt(args),
        Command::Fleet(args) => {
            let settings = settings(cli);
            let url = cli.database_url.as_deref().filter(|u| !u.is_empty());
            return runtime()?.block_on(fleet::run(url, &source, &settings, args, out));
        }
    };
    let Some(url) = cli.database_url.as_deref().filter(|u| !u.is_empty()) else {
        return Err(Failure::usage(
            "no database: pass `--database-url <url>`, or set DATABASE_URL (in the environment or in ./.env)",
        ));
    };
    runtime()?.block_on(apply::run(url, &source, &settings(cli), op, out))
}

/// The tracking table and lock settings of the command line.
fn settings(cli: &Cli) -> Settings {
    Settings {
        table: cli.table.clone(),
        schema: cli.schema.clone(),
        lock_timeout: Duration::from_secs(cli.lock_timeout),
        locking: cli.locking.locking(),
        lease: Duration::from_secs(cli.lease.max(1)),
        guard: apply::Guard {
            ddl_lock_timeout: cli.guard.ddl_lock_timeout,
            statement_timeout: cli.guard.statement_timeout,
            lock_retries: cli.guard.lock_retries,
            lock_retry_pause: cli.guard.lock_retry_pause,
        },
    }
}

/// The async runtime of a database command: one thread, the work waits on databases.
fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::error(format!("cannot start the async runtime: {e}")))
}
