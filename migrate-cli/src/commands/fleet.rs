//! `migrate fleet status|plan|up`: the set over many tenants, through the library's `Fleet`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use migrate::fleet::{
    Fleet, FleetReport, Target, TenantOutcome, TenantPlan, TenantState, TenantStatus,
};
use migrate::{Migrator, Transaction};
use serde_json::json;

use crate::cli::{self, FleetAction, Format};
use crate::commands::apply::Settings;
use crate::exit::{self, Failure};
use crate::output::{self, Color, Output};
use crate::progress::Progress;
use crate::source::Source;

/// Reads the directory and the tenants, and does `args.action` on them.
pub async fn run(
    url: Option<&str>,
    source: &Source,
    settings: &Settings,
    args: &cli::Fleet,
    out: &Output,
) -> Result<u8, Failure> {
    source.require_dir()?;
    let migrator = Migrator::from_dir(&source.path)?;
    let targets = targets(url, args).await?;
    let fleet = Fleet::new(settings.runner(&migrator).resume(args.resume))
        .jobs(args.jobs)
        .canary(args.canary)
        .continue_on_error(args.continue_on_error)
        .shared_schemas(args.shared_schemas.clone());
    match args.action {
        FleetAction::Status => {
            let statuses = fleet.status(&targets).await;
            print_status(out, args.format, &statuses);
            let unread = statuses
                .iter()
                .any(|s| matches!(s.state, TenantState::Unreachable(_)));
            let behind = statuses
                .iter()
                .any(|s| !matches!(s.state, TenantState::AtHead));
            Ok(if unread {
                exit::ERROR
            } else if args.exit_code && behind {
                exit::NOT_UP_TO_DATE
            } else {
                exit::OK
            })
        }
        FleetAction::Plan => {
            let plans = fleet.plan(&targets).await;
            print_plan(out, args.format, &plans);
            Ok(if plans.iter().any(|p| p.steps.is_err()) {
                exit::ERROR
            } else {
                exit::OK
            })
        }
        FleetAction::Up => {
            let bar = Arc::new(Mutex::new(Some(Progress::start(targets.len()))));
            let seen = Arc::clone(&bar);
            let fleet = fleet.on_progress(move |p| {
                if let Some(progress) = seen.lock().ok().as_ref().and_then(|b| b.as_ref()) {
                    let label = format!(
                        "{} done, {} failed, {} remaining",
                        p.done, p.failed, p.remaining
                    );
                    progress.set(p.done + p.failed, &label);
                }
            });
            let report = fleet.up(&targets).await;
            if let Some(progress) = bar.lock().ok().and_then(|mut b| b.take()) {
                progress.finish();
            }
            print_report(out, args.format, &report);
            Ok(if report.failed().next().is_some() {
                exit::ERROR
            } else {
                exit::OK
            })
        }
    }
}

/// The tenants the arguments name, in the order given: schemas, then databases, then SQLite
/// files.
async fn targets(url: Option<&str>, args: &cli::Fleet) -> Result<Vec<Target>, Failure> {
    let mut targets = Vec::new();
    if let Some(schemas) = &args.schemas {
        let Some(server) = url else {
            return Err(Failure::usage(
                "--schemas names schemas of the --database-url server (or DATABASE_URL): give one",
            ));
        };
        if schemas.contains('%') {
            targets.extend(Target::schemas_like(server, schemas).await?);
        } else {
            targets.extend(
                schemas
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Target::schema(server, s)),
            );
        }
    }
    if let Some(file) = &args.databases {
        let text = std::fs::read_to_string(file).map_err(|e| exit::io(file, "read", e))?;
        targets.extend(
            text.lines()
                .map(|l| l.split('#').next().unwrap_or("").trim())
                .filter(|l| !l.is_empty())
                .map(Target::database),
        );
    }
    if let Some(pattern) = &args.sqlite {
        targets.extend(glob(pattern)?.into_iter().map(Target::sqlite));
    }
    if targets.is_empty() {
        return Err(Failure::usage(
            "no tenants: give --schemas, --databases or --sqlite (and check that they match something)",
        ));
    }
    Ok(targets)
}

/// The files matching `pattern`, whose file name may hold `*` and `?`, in name order.
fn glob(pattern: &str) -> Result<Vec<PathBuf>, Failure> {
    let path = Path::new(pattern);
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let entries = std::fs::read_dir(dir).map_err(|e| exit::io(dir, "list", e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| matches(name.as_bytes(), n.as_bytes()))
        })
        .map(|e| e.path())
        .collect();
    files.sort();
    Ok(files)
}

/// Whether `text` matches `pattern` (`*`: any run, `?`: any one byte).
fn matches(pattern: &[u8], text: &[u8]) -> bool {
    match (pattern.first(), text.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            matches(&pattern[1..], text) || (!text.is_empty() && matches(pattern, &text[1..]))
        }
        (Some(b'?'), Some(_)) => matches(&pattern[1..], &text[1..]),
        (Some(p), Some(t)) if p == t => matches(&pattern[1..], &text[1..]),
        _ => false,
    }
}

fn version(v: Option<migrate::Version>) -> serde_json::Value {
    v.map_or(serde_json::Value::Null, |v| json!(v.get()))
}

fn shown(v: Option<migrate::Version>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn print_status(out: &Output, format: Format, statuses: &[TenantStatus]) {
    let pending = |s: &TenantStatus| match s.state {
        TenantState::Behind { pending, .. } => Some(pending),
        _ => None,
    };
    let repeatables = |s: &TenantStatus| match s.state {
        TenantState::Behind { repeatables, .. } => Some(repeatables),
        _ => None,
    };
    let error = |s: &TenantStatus| match &s.state {
        TenantState::Unreachable(e) => Some(exit::describe(e)),
        _ => None,
    };
    if format == Format::Json {
        let tenants: Vec<_> = statuses
            .iter()
            .map(|s| {
                json!({"target": s.target.to_string(), "newest": version(s.newest),
                       "state": s.state.name(), "pending": pending(s),
                       "repeatables": repeatables(s), "error": error(s)})
            })
            .collect();
        out.line(json!({ "tenants": tenants }).to_string());
        return;
    }
    let rows: Vec<Vec<output::Cell>> = statuses
        .iter()
        .map(|s| {
            let color = match s.state {
                TenantState::AtHead => Color::Green,
                TenantState::Behind { .. } | TenantState::Untracked => Color::Yellow,
                _ => Color::Red,
            };
            vec![
                (s.target.to_string(), None),
                (shown(s.newest), None),
                (s.state.name().to_owned(), Some(color)),
                (
                    match (pending(s), repeatables(s)) {
                        (Some(p), Some(r)) if r > 0 => format!("{p} + {r} repeatable"),
                        (p, _) => p.map_or(String::new(), |p| p.to_string()),
                    },
                    Some(Color::Dim),
                ),
            ]
        })
        .collect();
    out.line(output::table(
        out,
        &["tenant", "newest", "state", "pending"],
        &rows,
    ));
    summary(out, statuses.iter().map(|s| s.state.name()));
    for s in statuses {
        if let Some(e) = error(s) {
            out.warning(format!("{}: {e}", s.target));
        }
    }
}

fn print_plan(out: &Output, format: Format, plans: &[TenantPlan]) {
    if format == Format::Json {
        let tenants: Vec<_> = plans
            .iter()
            .map(|p| match &p.steps {
                Ok(steps) => {
                    json!({"target": p.target.to_string(), "steps": steps.iter().map(|s| json!({
                    "version": s.version.get(), "name": s.name, "file": s.file,
                    "transaction": s.transaction == Transaction::Wrapped})).collect::<Vec<_>>(),
                    "repeatables": p.repeatables})
                }
                Err(e) => json!({"target": p.target.to_string(), "error": exit::describe(e)}),
            })
            .collect();
        out.line(json!({ "tenants": tenants }).to_string());
        return;
    }
    let has_work = |p: &TenantPlan| {
        p.steps
            .as_ref()
            .is_ok_and(|s| !s.is_empty() || !p.repeatables.is_empty())
    };
    for plan in plans {
        match &plan.steps {
            Ok(_) if !has_work(plan) => {}
            Ok(steps) => {
                let list: Vec<String> = steps
                    .iter()
                    .map(|s| format!("{} {}", s.version, s.name))
                    .chain(plan.repeatables.iter().map(|r| format!("repeatable {r}")))
                    .collect();
                out.line(format!("{}: {}", plan.target, list.join(", ")));
            }
            Err(e) => out.error(format!("{}: {}", plan.target, exit::describe(e))),
        }
    }
    let work = plans.iter().filter(|p| has_work(p)).count();
    let stuck = plans.iter().filter(|p| p.steps.is_err()).count();
    let stuck = match stuck {
        0 => String::new(),
        n => format!(", {n} cannot be migrated as they stand (see above)"),
    };
    out.line(format!(
        "{work} of {} tenant(s) have migrations to apply{stuck}",
        plans.len()
    ));
}

/// A tenant outcome's name.
fn outcome_name(outcome: &TenantOutcome) -> &'static str {
    match outcome {
        TenantOutcome::UpToDate => "up to date",
        TenantOutcome::Applied(_) => "migrated",
        TenantOutcome::Failed(_) => "failed",
        _ => "skipped",
    }
}

fn print_report(out: &Output, format: Format, report: &FleetReport) {
    if format == Format::Json {
        let tenants: Vec<_> = report
            .tenants
            .iter()
            .map(|t| {
                let applied = match &t.outcome {
                    TenantOutcome::Applied(r) => r.migrations.len(),
                    _ => 0,
                };
                let error = match &t.outcome {
                    TenantOutcome::Failed(e) => Some(exit::describe(e)),
                    _ => None,
                };
                json!({"target": t.target.to_string(), "before": version(t.before),
                       "after": version(t.after), "state": outcome_name(&t.outcome),
                       "applied": applied, "error": error})
            })
            .collect();
        out.line(json!({ "tenants": tenants }).to_string());
        return;
    }
    let rows: Vec<Vec<output::Cell>> = report
        .tenants
        .iter()
        .filter(|t| !matches!(t.outcome, TenantOutcome::UpToDate))
        .map(|t| {
            let color = match t.outcome {
                TenantOutcome::Applied(_) => Color::Green,
                TenantOutcome::Failed(_) => Color::Red,
                _ => Color::Yellow,
            };
            vec![
                (t.target.to_string(), None),
                (shown(t.before), Some(Color::Dim)),
                (shown(t.after), None),
                (outcome_name(&t.outcome).to_owned(), Some(color)),
            ]
        })
        .collect();
    if !rows.is_empty() {
        out.line(output::table(
            out,
            &["tenant", "before", "after", "state"],
            &rows,
        ));
    }
    summary(out, report.tenants.iter().map(|t| outcome_name(&t.outcome)));
    for t in &report.tenants {
        if let TenantOutcome::Failed(e) = &t.outcome {
            out.error(format!("{}: {}", t.target, exit::describe(e)));
        }
    }
}

/// `3 at head, 1 behind`: each name with its count, in the order first seen.
fn summary<'a>(out: &Output, names: impl Iterator<Item = &'a str>) {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for name in names {
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => *count += 1,
            None => counts.push((name, 1)),
        }
    }
    let parts: Vec<String> = counts.iter().map(|(n, c)| format!("{c} {n}")).collect();
    out.line(parts.join(", "));
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        assert!(matches(b"*.db", b"tenant_1.db"));
        assert!(matches(b"tenant_?.db", b"tenant_1.db"));
        assert!(!matches(b"tenant_?.db", b"tenant_12.db"));
        assert!(matches(b"t*_*.db", b"tenant_12.db"));
        assert!(!matches(b"*.db", b"tenant.sqlite"));
    }
}
