//! `migrate check`: the directory and the lock, without a database; with `--lint`, squawk's
//! PostgreSQL rules over the scripts (the statements unsafe in a transaction folded in).

use migrate_core::split::Dialect;
use migrate_core::{hazard, Diagnostic};
use serde_json::json;

use crate::cli;
use crate::exit::{self, Failure};
use crate::output::Output;
use crate::source::Source;

/// What the lint may take as set for every migration: the timeouts the command line gives
/// (`--ddl-lock-timeout`, `--statement-timeout`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Defaults {
    /// `--ddl-lock-timeout` was given.
    pub lock_timeout: bool,
    /// `--statement-timeout` was given.
    pub statement_timeout: bool,
}

/// Reports errors (exit 1), warnings and lint findings (exit 5 with `--strict`) and a
/// summary.
pub fn run(
    source: &Source,
    args: &cli::Check,
    url_dialect: Option<Dialect>,
    defaults: Defaults,
    out: &Output,
) -> Result<u8, Failure> {
    let dialect = match args.dialect {
        Some(cli::Dialect::Postgres) => Dialect::Postgres,
        Some(cli::Dialect::Sqlite) => Dialect::Sqlite,
        Some(cli::Dialect::Mysql) => Dialect::MySql,
        None => url_dialect.unwrap_or(Dialect::Postgres),
    };
    if args.lint && dialect != Dialect::Postgres {
        return Err(Failure::usage(format!(
            "`--lint` checks PostgreSQL migrations (squawk's rules), and these are checked as {dialect:?} (from --dialect or the database URL): leave out --lint, or check them as postgres"
        )));
    }
    let set = source.load()?;
    let scripts: Vec<&str> = set
        .migrations
        .iter()
        .flat_map(|m| std::iter::once(&m.up).chain(&m.down))
        .chain(set.repeatables.iter().map(|r| &r.script))
        .map(|s| s.file.as_str())
        .collect();
    // Core notices are empty scripts (worth a warning) and entries passed over (README.md,
    // stray directories): those are only mentioned, and the lock file not at all.
    let (empty, passed_over): (Vec<&Diagnostic>, Vec<&Diagnostic>) = set
        .notices
        .iter()
        .filter(|n| n.file != set.lock_display)
        .partition(|n| scripts.contains(&n.file.as_str()));
    let mut warnings: Vec<Diagnostic> = empty.into_iter().cloned().collect();
    let lint = if args.lint {
        let options = migrate_lint::Options {
            pg_version: args.pg_version.clone(),
            default_lock_timeout: defaults.lock_timeout,
            default_statement_timeout: defaults.statement_timeout,
            unreleased_only: args.unreleased,
        };
        // the up scripts' unsafe statements are lint findings now; the down scripts' stay
        // warnings
        let downs = set.migrations.iter().filter_map(|m| m.down.as_ref());
        warnings.extend(
            downs
                .filter(|d| !d.no_transaction)
                .flat_map(|d| in_script(d, dialect)),
        );
        Some(migrate_lint::lint(&set, &options).map_err(Failure::usage)?)
    } else {
        warnings.extend(hazard::in_set(&set, dialect));
        None
    };
    let locked = set
        .migrations
        .iter()
        .filter(|m| set.lock.as_ref().and_then(|l| l.entry(m.version)).is_some())
        .count();
    let findings = lint.as_ref().map_or(0, |l| l.findings.len());
    if args.format == cli::Format::Json {
        let mut report = json!({
            "migrations": set.migrations.len(),
            "repeatables": set.repeatables.len(),
            "locked": locked,
            "warnings": warnings.iter().map(|w| json!({"file": w.file, "line": w.line, "message": w.message})).collect::<Vec<_>>(),
        });
        if let Some(lint) = &lint {
            report["findings"] = lint
                .findings
                .iter()
                .map(|f| json!({"file": f.file, "line": f.line, "column": f.column, "rule": f.rule, "message": f.message, "help": f.help}))
                .collect();
            report["allowed"] = json!(lint.allowed);
            report["new_tables"] = json!(lint.new_tables);
        }
        out.line(report.to_string());
    } else {
        for note in passed_over {
            out.note(note.to_string());
        }
        for warning in &warnings {
            out.warning(warning.to_string());
        }
        for finding in lint.iter().flat_map(|l| &l.findings) {
            out.line(finding.to_string());
        }
        let layout = set.scheme.map_or("no".to_owned(), |s| s.to_string());
        let repeatables = match set.repeatables.len() {
            0 => String::new(),
            n => format!(" and {n} repeatable"),
        };
        let linted = lint.as_ref().map_or(String::new(), |l| {
            format!(
                ", {findings} lint finding(s) ({} acknowledged with `-- migrate:allow`, {} about tables new in the set left out)",
                l.allowed, l.new_tables
            )
        });
        out.line(format!(
            "{}: {} migrations{repeatables} ({layout} layout), {locked} locked, {} not locked yet; {} warning(s){linted}",
            source.display,
            set.migrations.len(),
            set.migrations.len() - locked,
            warnings.len()
        ));
    }
    if args.strict && (!warnings.is_empty() || findings > 0) {
        return Ok(exit::WARNINGS);
    }
    Ok(exit::OK)
}

/// The unsafe statements of one transactional script, as warnings on its lines.
fn in_script(script: &migrate_core::set::Script, dialect: Dialect) -> Vec<Diagnostic> {
    hazard::find(&script.sql, dialect)
        .into_iter()
        .map(|h| {
            let line = script.line.saturating_add(h.line.saturating_sub(1));
            Diagnostic::at_line(script.file.clone(), line, h.to_string())
        })
        .collect()
}
