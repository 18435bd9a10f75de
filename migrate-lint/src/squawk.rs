//! squawk over one script: parsed with squawk's parser, linted by a fresh `Linter` (one per
//! script: squawk 2.68 keeps a linter's findings from one call to the next) with the script's
//! real transaction mode, and its findings placed in the file.

use std::collections::BTreeSet;

use migrate_core::set::Script;
use squawk_linter::{Linter, Rule, Version};
use squawk_syntax::SourceFile;

use crate::{tables, Finding, Options};

/// The rule of a script squawk cannot parse: the first error is reported and the script is
/// not linted, as squawk's own command line does.
pub const SYNTAX_ERROR: &str = "syntax-error";

/// What every script is linted with.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pg_version: Option<Version>,
    default_lock_timeout: bool,
    default_statement_timeout: bool,
}

impl Settings {
    pub fn new(options: &Options) -> Result<Self, String> {
        let pg_version = match &options.pg_version {
            Some(text) => Some(text.parse::<Version>().map_err(|e| {
                format!("`{text}` is not a PostgreSQL version (write `16` or `15.4`): {e:?}")
            })?),
            None => None,
        };
        Ok(Self {
            pg_version,
            default_lock_timeout: options.default_lock_timeout,
            default_statement_timeout: options.default_statement_timeout,
        })
    }
}

/// A finding before it is placed in its file: where it starts in the script's SQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Raw {
    pub rule: String,
    /// Byte offset in the script's SQL.
    pub start: usize,
    pub message: String,
    pub help: Option<String>,
    /// The table the statement locks, for the rules about a table that holds rows.
    pub table: Option<String>,
}

impl Raw {
    /// The finding in its file.
    pub fn finding(self, script: &Script) -> Finding {
        let (line, column) = position(script, self.start);
        Finding {
            file: script.file.clone(),
            line,
            column,
            rule: self.rule,
            message: self.message,
            help: self.help,
        }
    }
}

/// The file line and column of byte `offset` of the script's SQL.
pub(crate) fn position(script: &Script, offset: usize) -> (u32, u32) {
    let (line, column) = migrate_core::split::line_col(&script.sql, offset);
    (script.line.saturating_add(line.saturating_sub(1)), column)
}

/// squawk's findings about one script, and the tables it creates.
#[derive(Debug, Default)]
pub(crate) struct Linted {
    pub findings: Vec<Raw>,
    pub created: BTreeSet<String>,
}

/// Lints `script`.
pub(crate) fn lint(script: &Script, settings: &Settings) -> Linted {
    let sql = script.sql.as_str();
    let parse = SourceFile::parse(sql);
    let file = parse.tree();
    let created = tables::created_in(&file);
    if let Some(error) = parse.errors().into_iter().next() {
        let finding = Raw {
            rule: SYNTAX_ERROR.to_owned(),
            start: offset(error.range().start()),
            message: format!(
                "squawk cannot parse this, so the script is not linted: {}",
                error.message()
            ),
            help: Some(
                "if PostgreSQL runs it, acknowledge it with `-- migrate:allow syntax-error`"
                    .to_owned(),
            ),
            table: None,
        };
        return Linted {
            findings: vec![finding],
            created,
        };
    }
    let mut linter = Linter::with_default_rules();
    if let Some(version) = &settings.pg_version {
        linter.settings.pg_version = *version;
    }
    // the runtime runs a transactional script in its own transaction, as squawk assumes here
    linter.settings.assume_in_transaction = !script.no_transaction;
    let findings = linter
        .lint(&parse, sql)
        .into_iter()
        .filter(|v| !timeout_set(v.code, script, settings))
        .map(|v| {
            let start = offset(v.text_range.start());
            let table = tables::RULES
                .contains(&v.code)
                .then(|| tables::locked_at(&file, start))
                .flatten();
            Raw {
                rule: v.code.to_string(),
                start,
                message: v.message,
                help: advice(v.code, v.help),
                table,
            }
        })
        .collect();
    Linted { findings, created }
}

/// Whether the runtime sets the timeout a `require-…-timeout` finding asks for: the file's
/// directive, or the runner's default for every migration.
fn timeout_set(rule: Rule, script: &Script, settings: &Settings) -> bool {
    match rule {
        Rule::RequireLockTimeout => script.lock_timeout.is_some() || settings.default_lock_timeout,
        Rule::RequireStatementTimeout => {
            script.statement_timeout.is_some() || settings.default_statement_timeout
        }
        _ => false,
    }
}

/// squawk's help, and for the timeout rules how this project sets the timeout.
fn advice(rule: Rule, help: Option<String>) -> Option<String> {
    let ours = match rule {
        Rule::RequireLockTimeout => "with migrate, put `-- migrate:lock-timeout 2s` at the top of the file, or give every migration one with `--ddl-lock-timeout` (`Runner::ddl_lock_timeout`)",
        Rule::RequireStatementTimeout => "with migrate, put `-- migrate:statement-timeout 1min` at the top of the file, or give every migration one with `--statement-timeout` (`Runner::statement_timeout`)",
        _ => return help,
    };
    Some(match help {
        Some(help) => format!("{} ({ours})", help.trim_end_matches('.')),
        None => ours.to_owned(),
    })
}

/// A squawk text position (rowan's `TextSize`, a byte offset) as an index.
pub(crate) fn offset(size: impl Into<u32>) -> usize {
    usize::try_from(size.into()).unwrap_or(usize::MAX)
}
