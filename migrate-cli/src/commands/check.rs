//! `migrate check`: the directory and the lock, without a database.

use migrate_core::split::Dialect;
use migrate_core::{hazard, Diagnostic};

use crate::cli;
use crate::exit::{self, Failure};
use crate::output::Output;
use crate::source::Source;

/// Reports errors (exit 1), warnings (exit 5 with `--strict`) and a summary.
pub fn run(
    source: &Source,
    args: &cli::Check,
    url_dialect: Option<Dialect>,
    out: &Output,
) -> Result<u8, Failure> {
    let set = source.load()?;
    let dialect = match args.dialect {
        Some(cli::Dialect::Postgres) => Dialect::Postgres,
        Some(cli::Dialect::Sqlite) => Dialect::Sqlite,
        Some(cli::Dialect::Mysql) => Dialect::MySql,
        None => url_dialect.unwrap_or(Dialect::Postgres),
    };
    let scripts: Vec<&str> = set
        .migrations
        .iter()
        .flat_map(|m| std::iter::once(&m.up).chain(&m.down))
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
    warnings.extend(hazard::in_set(&set, dialect));
    for note in passed_over {
        out.note(note.to_string());
    }
    for warning in &warnings {
        out.warning(warning.to_string());
    }
    let locked = set
        .migrations
        .iter()
        .filter(|m| set.lock.as_ref().and_then(|l| l.entry(m.version)).is_some())
        .count();
    let layout = set.scheme.map_or("no".to_owned(), |s| s.to_string());
    out.line(format!(
        "{}: {} migrations ({layout} layout), {locked} locked, {} not locked yet; {} warning(s)",
        source.display,
        set.migrations.len(),
        set.migrations.len() - locked,
        warnings.len()
    ));
    if args.strict && !warnings.is_empty() {
        return Ok(exit::WARNINGS);
    }
    Ok(exit::OK)
}
