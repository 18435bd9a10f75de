//! Implementation detail of [`migrate`](https://docs.rs/migrate): use it through `migrate
//! check --lint` or `migrate::testing` (feature `lint`). The proc macro and the runtime never
//! depend on it.
//!
//! The PostgreSQL rules of [squawk](https://squawkhq.com) over a migration set, with what this
//! project knows and a linter of loose files is told by hand:
//!
//! - each script's real transaction mode ([`squawk`]: `assume_in_transaction` for a
//!   transactional script);
//! - the tables that are new: created in the same migration, or in an earlier one that is not
//!   released yet (not in the lock, so deployed with it); an index or a constraint on such a
//!   table locks nobody, and squawk's findings about it are dropped ([`tables`]);
//! - the timeouts the runtime sets (a file's `-- migrate:lock-timeout`, or a default the caller
//!   names) satisfy `require-lock-timeout` and `require-statement-timeout`;
//! - the statements that do not belong in a transactional script (`migrate_core::hazard`)
//!   where squawk has no rule for them ([`hazards`]);
//! - `-- migrate:allow <rule>` acknowledges a finding in the file, or in the statement below it
//!   ([`allow`]).
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("migrate-lint-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! std::fs::write(dir.join("1_users.sql"), "create table users (id bigint, email text);\ncreate index users_email on users (email);\n")?;
//! std::fs::write(dir.join("2_posts.sql"), "create index users_id on users (id);\n")?;
//! let set = migrate_core::load(&dir, "m", &Default::default())?;
//! let lint = migrate_lint::lint(&set, &migrate_lint::Options::default())?;
//! // the index of migration 1 is on a table it creates; migration 2's is not (no lock: both
//! // may be released already)
//! let rules: Vec<_> = lint.findings.iter().map(|f| (f.file.as_str(), f.rule.as_str())).collect();
//! assert!(rules.contains(&("m/2_posts.sql", "require-concurrent-index-creation")));
//! assert!(!rules.contains(&("m/1_users.sql", "require-concurrent-index-creation")));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::BTreeSet;
use std::fmt;

use migrate_core::set::Script;
use migrate_core::MigrationSet;

pub mod allow;
pub mod hazards;
pub mod squawk;
pub mod tables;

/// How to lint.
///
/// Build it with `..Default::default()` for the fields you do not set: more may come.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The PostgreSQL version the migrations run on (`"16"`, `"15.4"`); default squawk's, 15.
    pub pg_version: Option<String>,
    /// The runner sets a lock timeout for every migration (`Runner::ddl_lock_timeout`,
    /// `--ddl-lock-timeout`): `require-lock-timeout` is satisfied everywhere.
    pub default_lock_timeout: bool,
    /// The runner sets a statement timeout for every migration.
    pub default_statement_timeout: bool,
    /// Lint only what is not released yet: migrations not in the lock, and the repeatable
    /// migrations.
    pub unreleased_only: bool,
}

/// One finding: `file:line:column: rule: message`, and squawk's advice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The file, as the set shows it.
    pub file: String,
    /// 1-based line in the file.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// The rule: squawk's name (`require-concurrent-index-creation`), or one of this project's
    /// ([`hazards::RULES`], [`allow::UNKNOWN_RULE`], [`squawk::SYNTAX_ERROR`]).
    pub rule: String,
    /// What is wrong.
    pub message: String,
    /// What to do instead.
    pub help: Option<String>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.column, self.rule, self.message
        )?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// What a lint found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lint {
    /// The findings, in file order.
    pub findings: Vec<Finding>,
    /// Findings acknowledged by `-- migrate:allow`, left out of `findings`.
    pub allowed: usize,
    /// Findings about tables that are new in the set (see [`tables`]), left out.
    pub new_tables: usize,
    /// How many scripts were linted.
    pub scripts: usize,
}

/// Lints the up scripts of `set`'s migrations, in order, and its repeatable migrations.
/// Fails only on an `Options::pg_version` squawk cannot read.
pub fn lint(set: &MigrationSet, options: &Options) -> Result<Lint, String> {
    let settings = squawk::Settings::new(options)?;
    let mut lint = Lint::default();
    // tables created by migrations that are not released yet: deployed together with the ones
    // after them, so still empty when those run (without a lock, nothing is known to be)
    let mut new_tables: BTreeSet<String> = BTreeSet::new();
    let released = |version: i64| {
        set.lock
            .as_ref()
            .is_none_or(|lock| lock.entry(version).is_some())
    };
    for m in &set.migrations {
        let created = if options.unreleased_only && released(m.version) {
            tables::created(&m.up.sql)
        } else {
            script(&m.up, &settings, &new_tables, &mut lint)
        };
        if !released(m.version) {
            new_tables.extend(created);
        }
    }
    for r in &set.repeatables {
        script(&r.script, &settings, &new_tables, &mut lint);
    }
    Ok(lint)
}

/// Lints one script, given the tables new before it; the tables it creates.
fn script(
    script: &Script,
    settings: &squawk::Settings,
    new_before: &BTreeSet<String>,
    lint: &mut Lint,
) -> BTreeSet<String> {
    lint.scripts += 1;
    let linted = squawk::lint(script, settings);
    let mut new = new_before.clone();
    new.extend(linted.created.iter().cloned());
    let mut findings = Vec::new();
    for finding in linted.findings {
        if finding.table.as_ref().is_some_and(|t| new.contains(t)) {
            lint.new_tables += 1;
        } else {
            findings.push(finding);
        }
    }
    findings.extend(hazards::uncovered(script, &findings));
    findings.sort_by_key(|f| f.start);
    let (kept, allowed) = allow::apply(script, findings);
    lint.allowed += allowed;
    lint.findings
        .extend(kept.into_iter().map(|f| f.finding(script)));
    lint.findings.extend(allow::unknown(script));
    linted.created
}
