//! The commands that talk to a database: the settings, the connection and the dispatch of
//! each (`status` and `up` have modules of their own); down, redo, baseline, force and
//! forget here; and the connection `adopt` works on.

use std::time::Duration;

use migrate::{Connect, Migrator, Report, Runner, State, Version};

use super::up::report_lines;
use crate::cli;
use crate::database::{Database, Kind};
use crate::exit::{self, Failure};
use crate::output::Output;
use crate::source::Source;

/// The tracking table and lock settings of every database command.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `--table`.
    pub table: String,
    /// `--schema`.
    pub schema: Option<String>,
    /// `--lock-timeout`.
    pub lock_timeout: Duration,
    /// `--lock`.
    pub locking: migrate::Locking,
    /// `--lease`.
    pub lease: Duration,
    /// The timeouts and retries of the migrations' statements.
    pub guard: Guard,
}

/// `--ddl-lock-timeout`, `--statement-timeout`, `--lock-retries`, `--lock-retry-pause`.
#[derive(Clone, Copy, Debug)]
pub struct Guard {
    /// `--ddl-lock-timeout`.
    pub ddl_lock_timeout: Option<Duration>,
    /// `--statement-timeout`.
    pub statement_timeout: Option<Duration>,
    /// `--lock-retries`.
    pub lock_retries: u32,
    /// `--lock-retry-pause`.
    pub lock_retry_pause: Duration,
}

/// A database command.
#[derive(Clone, Copy, Debug)]
pub enum Op<'a> {
    /// `status`.
    Status(&'a cli::Status),
    /// `up`.
    Up(&'a cli::Up),
    /// `down`.
    Down(&'a cli::Down),
    /// `redo`.
    Redo,
    /// `baseline`.
    Baseline(i64),
    /// `force`.
    Force(i64),
    /// `forget`, and whether `--force` was given.
    Forget(i64, bool),
    /// `adopt`.
    Adopt(&'a cli::Adopt),
}

impl Op<'_> {
    /// Whether the command starts from a database that may not exist yet (a SQLite file is
    /// then created); the others need one that has a history.
    fn creates(self) -> bool {
        match self {
            Op::Up(up) => !up.dry_run,
            Op::Baseline(_) => true,
            _ => false,
        }
    }
}

pub(super) struct Context<'a> {
    pub(super) migrator: &'a Migrator,
    /// The migrations directory as messages show it.
    pub(super) dir: &'a str,
    pub(super) settings: &'a Settings,
    pub(super) kind: Kind,
    pub(super) out: &'a Output,
}

impl Context<'_> {
    pub(super) fn runner(&self) -> Runner<'_> {
        self.settings.runner(self.migrator)
    }
}

impl Settings {
    /// `migrator`'s runner with these settings.
    pub fn runner<'m>(&self, migrator: &'m Migrator) -> Runner<'m> {
        let runner = migrator
            .runner()
            .table(self.table.clone())
            .lock_timeout(self.lock_timeout)
            .locking(self.locking)
            .lease(self.lease)
            .lock_retries(self.guard.lock_retries)
            .lock_retry_pause(self.guard.lock_retry_pause);
        let runner = match self.guard.ddl_lock_timeout {
            Some(timeout) => runner.ddl_lock_timeout(timeout),
            None => runner,
        };
        let runner = match self.guard.statement_timeout {
            Some(timeout) => runner.statement_timeout(timeout),
            None => runner,
        };
        match &self.schema {
            Some(schema) => runner.schema(schema.clone()),
            None => runner,
        }
    }
}

/// Reads the directory, connects and runs `op`.
pub async fn run(
    url: &str,
    source: &Source,
    settings: &Settings,
    op: Op<'_>,
    out: &Output,
) -> Result<u8, Failure> {
    let kind = Kind::of(url)?;
    source.require_dir()?;
    let migrator = Migrator::from_dir(&source.path)?;
    let context = Context {
        migrator: &migrator,
        dir: &source.display,
        settings,
        kind,
        out,
    };
    let mut database = Database::connect(url, op.creates()).await?;
    let result = match &mut database {
        Database::Postgres(c) => on(c, &context, op).await,
        Database::Sqlite(c) => on(c, &context, op).await,
        Database::MySql(c) => on(c, &context, op).await,
    };
    database.close().await;
    result
}

/// A version from the command line (the parser let only non-negative numbers through).
pub(super) fn version_of(value: i64) -> Result<Version, Failure> {
    Version::new(value).ok_or_else(|| Failure::usage(migrate::NegativeVersion(value).to_string()))
}

/// A connection the runtime can migrate through.
pub(super) trait Conn: Send {
    /// The runtime's handle on it.
    fn db(&mut self) -> impl Connect<'_>;
}

impl<C: Send> Conn for C
where
    for<'c> &'c mut C: Connect<'c>,
{
    fn db(&mut self) -> impl Connect<'_> {
        self
    }
}

async fn on(conn: &mut impl Conn, cx: &Context<'_>, op: Op<'_>) -> Result<u8, Failure> {
    match op {
        Op::Status(args) => super::status::run(conn, cx, args).await,
        Op::Up(args) => super::up::run(conn, cx, args).await,
        Op::Down(args) => down(conn, cx, args).await,
        Op::Redo => redo(conn, cx).await,
        Op::Baseline(version) => {
            let report = cx
                .runner()
                .baseline(conn.db(), version_of(version)?)
                .await?;
            cx.out.line(format!(
                "baseline: recorded {} migration(s) up to {version} as applied, without running them",
                report.migrations.len()
            ));
            Ok(exit::OK)
        }
        Op::Force(version) => {
            cx.runner().force(conn.db(), version_of(version)?).await?;
            cx.out.line(format!(
                "forced: migration {version} is recorded as applied with its current content, without running it"
            ));
            Ok(exit::OK)
        }
        Op::Forget(version, force) => {
            let version = version_of(version)?;
            if force {
                cx.runner().forget_applied(conn.db(), version).await?;
            } else {
                cx.runner().forget(conn.db(), version).await?;
            }
            cx.out.line(format!(
                "forgot migration {version}: its tracking row is gone; the next `migrate up` runs it from its first statement"
            ));
            Ok(exit::OK)
        }
        Op::Adopt(args) => super::adopt::run(conn, cx, args).await,
    }
}

// --------------------------------------------------------------------------- down, redo

/// Undoes what is newer than `target`, or everything.
async fn undo(
    conn: &mut impl Conn,
    cx: &Context<'_>,
    target: Option<Version>,
) -> Result<Report, Failure> {
    Ok(match target {
        Some(target) => cx.runner().undo_to(conn.db(), target).await?,
        None => cx.runner().undo_all(conn.db()).await?,
    })
}

/// Applied versions of the set, oldest first (missing ones are the runtime's to report).
async fn applied(conn: &mut impl Conn, cx: &Context<'_>) -> Result<Vec<Version>, Failure> {
    let list = cx.runner().status(conn.db()).await?;
    Ok(list
        .iter()
        .filter(|s| !matches!(s.state, State::Pending | State::Missing))
        .map(|s| s.version)
        .collect())
}

async fn down(conn: &mut impl Conn, cx: &Context<'_>, args: &cli::Down) -> Result<u8, Failure> {
    let target = if args.all {
        None
    } else if let Some(to) = args.to {
        Some(version_of(to)?)
    } else {
        let applied = applied(conn, cx).await?;
        if applied.is_empty() {
            cx.out.line("nothing to undo: no migration is applied");
            return Ok(exit::OK);
        }
        let count = usize::try_from(args.count.unwrap_or(1)).unwrap_or(usize::MAX);
        applied
            .len()
            .checked_sub(count + 1)
            .and_then(|i| applied.get(i).copied())
    };
    let report = undo(conn, cx, target).await?;
    for line in report_lines(cx.out, "undone", &report) {
        cx.out.line(line);
    }
    cx.out
        .line(format!("{} migration(s) undone", report.migrations.len()));
    Ok(exit::OK)
}

async fn redo(conn: &mut impl Conn, cx: &Context<'_>) -> Result<u8, Failure> {
    let applied = applied(conn, cx).await?;
    let Some(&newest) = applied.last() else {
        cx.out.line("nothing to redo: no migration is applied");
        return Ok(exit::OK);
    };
    let target = applied
        .len()
        .checked_sub(2)
        .and_then(|i| applied.get(i).copied());
    let undone = undo(conn, cx, target).await?;
    for line in report_lines(cx.out, "undone", &undone) {
        cx.out.line(line);
    }
    let again = cx.runner().run_to(conn.db(), newest).await?;
    for line in report_lines(cx.out, "applied", &again) {
        cx.out.line(line);
    }
    Ok(exit::OK)
}
