//! The commands that talk to a database: status, up, down, redo, baseline, force, forget;
//! and the connection `adopt` works on.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use migrate::{Connect, MigrationStatus, Migrator, Report, Runner, State, Transaction, Version};
use migrate_core::hazard;
use serde_json::json;

use super::repeatables;
use crate::cli;
use crate::database::{Database, Kind};
use crate::exit::{self, Failure};
use crate::output::{self, Color, Output};
use crate::progress::Progress;
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
    migrator: &'a Migrator,
    /// The migrations directory as messages show it.
    pub(super) dir: &'a str,
    pub(super) settings: &'a Settings,
    kind: Kind,
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
fn version_of(value: i64) -> Result<Version, Failure> {
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
        Op::Status(args) => status(conn, cx, args).await,
        Op::Up(args) => up(conn, cx, args).await,
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

// ------------------------------------------------------------------------------- status

fn state_name(state: &State) -> &'static str {
    match state {
        State::Applied => "applied",
        State::Pending => "pending",
        State::Edited { .. } => "edited",
        State::Missing => "missing",
        State::Dirty { .. } => "dirty",
        State::InProgress { .. } => "in progress",
    }
}

async fn status(conn: &mut impl Conn, cx: &Context<'_>, args: &cli::Status) -> Result<u8, Failure> {
    let list = cx.runner().status(conn.db()).await?;
    let repeatable = cx.runner().repeatable_status(conn.db()).await?;
    match args.format {
        cli::Format::Json => {
            let mut value = status_json(cx.migrator, &list);
            if !repeatable.is_empty() {
                value["repeatables"] = repeatables::json(&repeatable);
            }
            cx.out.line(value.to_string());
        }
        cli::Format::Table => {
            print_status(cx, &list);
            repeatables::print_status(cx.out, &repeatable);
        }
    }
    let clean = list.iter().all(|s| s.state == State::Applied) && repeatables::clean(&repeatable);
    if args.exit_code && !clean {
        return Ok(exit::NOT_UP_TO_DATE);
    }
    Ok(exit::OK)
}

fn millis(duration: Option<Duration>) -> Option<u128> {
    duration.map(|d| d.as_millis())
}

fn status_json(migrator: &Migrator, list: &[MigrationStatus]) -> serde_json::Value {
    let items: Vec<serde_json::Value> = list
        .iter()
        .map(|s| {
            let mut item = json!({
                "version": s.version.get(),
                "name": s.name,
                "file": s.file,
                "state": state_name(&s.state),
                "applied_at": s.applied_at.map(|t| t.to_string()),
                "duration_ms": millis(s.duration),
            });
            match &s.state {
                State::Edited { applied_checksum } => {
                    item["applied_checksum"] = json!(applied_checksum);
                    item["file_checksum"] = json!(migrator
                        .get(s.version)
                        .map(|m| migrate_core::checksum::to_hex(m.checksum())));
                }
                State::Dirty {
                    statements_done,
                    error,
                } => {
                    item["statements_done"] = json!(statements_done);
                    item["error"] = json!(error);
                }
                State::InProgress { statements_done } => {
                    item["statements_done"] = json!(statements_done);
                }
                State::Applied | State::Pending | State::Missing => {}
            }
            item
        })
        .collect();
    json!({ "migrations": items })
}

fn print_status(cx: &Context<'_>, list: &[MigrationStatus]) {
    let out = cx.out;
    if list.is_empty() {
        out.line("no migrations, none applied");
        return;
    }
    let rows: Vec<Vec<output::Cell>> = list
        .iter()
        .map(|s| {
            let color = match s.state {
                State::Applied => Color::Green,
                State::Pending => Color::Yellow,
                _ => Color::Red,
            };
            vec![
                (s.version.to_string(), None),
                (s.name.clone(), None),
                (s.state.to_string(), Some(color)),
                (
                    s.applied_at.map(|t| t.to_string()).unwrap_or_default(),
                    Some(Color::Dim),
                ),
                (
                    millis(s.duration).map_or(String::new(), |ms| format!("{ms} ms")),
                    Some(Color::Dim),
                ),
            ]
        })
        .collect();
    out.line(output::table(
        out,
        &["version", "name", "state", "applied at", "duration"],
        &rows,
    ));
    let count = |name: &str| list.iter().filter(|s| state_name(&s.state) == name).count();
    let summary: Vec<String> = [
        "applied",
        "pending",
        "edited",
        "missing",
        "dirty",
        "in progress",
    ]
    .into_iter()
    .map(|name| (name, count(name)))
    .filter(|(_, n)| *n > 0)
    .map(|(name, n)| format!("{n} {name}"))
    .collect();
    out.line(summary.join(", "));
    for s in list {
        let file = s.file.as_deref().unwrap_or("");
        match &s.state {
            State::Edited { applied_checksum } => out.warning(format!(
                "migration {} ({file}) was edited after it was applied: the database has sha256 {applied_checksum}; restore the file and put the change in a new migration",
                s.version
            )),
            State::Dirty {
                statements_done,
                error,
            } => out.warning(format!(
                "migration {} ({file}) stopped after statement {statements_done}{}: repair, then `migrate up --resume`, or `migrate force {}` if you finished it by hand",
                s.version,
                error.as_ref().map(|e| format!(" ({e})")).unwrap_or_default(),
                s.version
            )),
            State::Missing => out.warning(format!(
                "migration {} ({}) is applied but not in {}: the database is newer than this directory",
                s.version, s.name, cx.dir
            )),
            State::InProgress { .. } => out.note(format!(
                "migration {} ({file}) is being applied by another runner, which holds the migration lock",
                s.version
            )),
            State::Applied | State::Pending => {}
        }
    }
}

// ----------------------------------------------------------------------------------- up

async fn up(conn: &mut impl Conn, cx: &Context<'_>, args: &cli::Up) -> Result<u8, Failure> {
    let target = args.to.map(version_of).transpose()?;
    if let Some(version) = target {
        if cx.migrator.get(version).is_none() {
            return Err(migrate::Error::UnknownVersion { version }.into());
        }
    }
    let runner = cx
        .runner()
        .resume(args.resume)
        .allow_missing(args.allow_missing)
        .allow_out_of_order(args.allow_out_of_order);
    if args.dry_run {
        let steps = match target {
            Some(target) => runner.plan_to(conn.db(), target).await?,
            None => runner.plan(conn.db()).await?,
        };
        dry_run(cx, &steps);
        if target.is_none() {
            let list = runner.repeatable_status(conn.db()).await?;
            let count = repeatables::dry_run(cx.out, cx.migrator, &list);
            if count > 0 {
                cx.out.line(format!(
                    "-- {count} repeatable migration(s) would be applied after them"
                ));
            }
        }
        return Ok(exit::OK);
    }
    // One run: it decides what to do under the lock (a second `migrate up` waits for the
    // first instead of judging its half-done migration), and tells the bar as it goes.
    let bar = Arc::new(Mutex::new(Bar::default()));
    let out = *cx.out;
    let seen = Arc::clone(&bar);
    let runner = runner.on_progress(move |event| {
        if let Ok(mut bar) = seen.lock() {
            bar.on(event, &out);
        }
    });
    let result = match target {
        Some(target) => runner.run_to(conn.db(), target).await,
        None => runner.run(conn.db()).await,
    };
    let applied = bar.lock().map_or(0, |mut bar| bar.finish());
    match result {
        Ok(report) if report.is_empty() => cx.out.line(format!(
            "nothing to apply: {} migration(s), all applied{}",
            cx.migrator.migrations().len(),
            args.to.map(|to| format!(" up to {to}")).unwrap_or_default()
        )),
        Ok(report) if report.repeatables.is_empty() => cx
            .out
            .line(format!("{} migration(s) applied", report.migrations.len())),
        Ok(report) => cx.out.line(format!(
            "{} migration(s) and {} repeatable migration(s) applied",
            report.migrations.len(),
            report.repeatables.len()
        )),
        Err(e) => {
            if applied > 0 {
                cx.out
                    .note(format!("{applied} migration(s) applied before the error"));
            }
            return Err(e.into());
        }
    }
    Ok(exit::OK)
}

/// The progress bar of `up`, fed by the run.
#[derive(Default)]
struct Bar {
    progress: Option<Progress>,
    done: usize,
}

impl Bar {
    fn on(&mut self, event: migrate::Progress<'_>, out: &Output) {
        match event {
            migrate::Progress::Planned { migrations } => {
                self.progress = Some(Progress::start(migrations));
            }
            migrate::Progress::Started { version, name } => {
                if let Some(p) = &self.progress {
                    p.set(self.done, &format!("{version} {name}"));
                }
            }
            migrate::Progress::Done(applied) => {
                self.done += 1;
                self.println(&report_line(out, "applied", applied));
            }
            migrate::Progress::RepeatableStarted { name } => {
                if let Some(p) = &self.progress {
                    p.set(self.done, &format!("repeatable {name}"));
                }
            }
            migrate::Progress::LockRetry {
                subject,
                file,
                attempt,
                retries,
                timeout,
                pause,
            } => {
                let within = timeout.map_or_else(
                    || "at once".to_owned(),
                    |t| format!("within {}", migrate_core::duration::render(t)),
                );
                let file = if file.is_empty() {
                    String::new()
                } else {
                    format!(" ({file})")
                };
                let line = format!(
                    "{subject}{file} could not get a lock {within} (attempt {attempt} of {}): trying again in {:.1?}",
                    retries + 1,
                    pause
                );
                match &self.progress {
                    Some(p) => p.above(|| out.warning(&line)),
                    None => out.warning(&line),
                }
            }
            migrate::Progress::RepeatableDone(applied) => {
                self.done += 1;
                self.println(&format!(
                    "{} repeatable {} {}",
                    out.paint("applied", Color::Green),
                    applied.name,
                    out.paint(
                        &format!("({} ms)", applied.duration.as_millis()),
                        Color::Dim
                    )
                ));
            }
            _ => {}
        }
    }

    fn println(&self, line: &str) {
        match &self.progress {
            Some(p) => p.println(line),
            None => println!("{line}"),
        }
    }

    /// Removes the bar; how many migrations were applied.
    fn finish(&mut self) -> usize {
        if let Some(p) = self.progress.take() {
            p.finish();
        }
        self.done
    }
}

fn report_lines(out: &Output, verb: &str, report: &Report) -> Vec<String> {
    report
        .migrations
        .iter()
        .map(|m| report_line(out, verb, m))
        .collect()
}

fn report_line(out: &Output, verb: &str, m: &migrate::Applied) -> String {
    format!(
        "{} {} {} {}",
        out.paint(verb, Color::Green),
        m.version,
        m.name,
        out.paint(&format!("({} ms)", m.duration.as_millis()), Color::Dim)
    )
}

fn dry_run(cx: &Context<'_>, steps: &[migrate::Step]) {
    let out = cx.out;
    if steps.is_empty() {
        out.line("-- nothing pending");
        return;
    }
    for step in steps {
        let mode = match step.transaction {
            Transaction::Wrapped => "in a transaction",
            Transaction::Disabled => "outside a transaction, statement by statement",
        };
        out.line(out.paint(
            &format!("-- {} {} ({}): {mode}", step.version, step.name, step.file),
            Color::Bold,
        ));
        out.line(step.sql.trim_end());
        out.line("");
        if step.transaction == Transaction::Wrapped {
            let first_line = cx.migrator.get(step.version).map_or(1, |m| m.up().line());
            for h in hazard::find(&step.sql, cx.kind.dialect()) {
                out.warning(format!(
                    "{}:{}: {h}",
                    step.file,
                    first_line.saturating_add(h.line.saturating_sub(1))
                ));
            }
        }
    }
    out.line(format!("-- {} migration(s) would be applied", steps.len()));
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
