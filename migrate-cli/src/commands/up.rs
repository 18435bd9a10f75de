//! `migrate up`: the plan (`--dry-run`), or the run with a progress bar fed by the runner's
//! events.

use std::sync::{Arc, Mutex};

use migrate::{Report, Transaction};
use migrate_core::hazard;

use super::apply::{version_of, Conn, Context};
use super::repeatables;
use crate::cli;
use crate::exit::{self, Failure};
use crate::output::{Color, Output};
use crate::progress::Progress;

/// Prints the plan with `--dry-run`; else applies what is pending, a line per migration.
pub(super) async fn run(
    conn: &mut impl Conn,
    cx: &Context<'_>,
    args: &cli::Up,
) -> Result<u8, Failure> {
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

pub(super) fn report_lines(out: &Output, verb: &str, report: &Report) -> Vec<String> {
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
