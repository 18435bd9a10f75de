//! What the lint knows that squawk alone does not, each on a small set written to a temporary
//! directory: transaction modes, new tables, timeouts, `-- migrate:allow`, the statements
//! unsafe in a transaction, and how findings print.

use std::path::PathBuf;

use migrate_lint::{lint, Lint, Options};

/// A set in a fresh directory, shown as `m`; with a lock of the migrations `locked` names
/// (as `migrate lock` would write it when only those existed).
struct Set {
    dir: PathBuf,
}

impl Set {
    fn new(name: &str, files: &[(&str, &str)]) -> Set {
        let dir = std::env::temp_dir().join(format!("migrate-lint-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (rel, text) in files {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap_or(&dir)).expect("directory");
            std::fs::write(path, text).expect("file");
        }
        Set { dir }
    }

    /// Locks the migrations there are now.
    fn lock(self) -> Set {
        let unchecked = migrate_core::Options {
            check_lock: false,
            ..Default::default()
        };
        let set = migrate_core::load(&self.dir, "m", &unchecked).expect("set");
        let path = self.dir.join(migrate_core::lock::FILE_NAME);
        std::fs::write(path, set.to_lock().render()).expect("lock");
        self
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.dir.join(rel), text).expect("file");
    }

    fn lint(&self, options: &Options) -> Lint {
        let set = migrate_core::load(&self.dir, "m", &Default::default()).expect("set");
        lint(&set, options).expect("lint")
    }

    /// `file:line rule` of every finding.
    fn findings(&self) -> Vec<String> {
        self.lint(&Options::default())
            .findings
            .iter()
            .map(|f| format!("{}:{} {}", f.file, f.line, f.rule))
            .collect()
    }
}

impl Drop for Set {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Every migration sets its timeouts, so only what a test is about shows.
const TIMEOUTS: &str = "-- migrate:lock-timeout 2s\n-- migrate:statement-timeout 1min\n";

fn with_timeouts(sql: &str) -> String {
    format!("{TIMEOUTS}{sql}")
}

#[test]
fn a_table_created_in_the_same_migration_needs_no_concurrently_whatever_its_mode() {
    let set = Set::new(
        "same",
        &[
            ("1_a.sql", &with_timeouts("create table a (id bigint);\ncreate index a_id on a (id);\n")),
            (
                "2_b.sql",
                &with_timeouts("-- migrate:no-transaction\ncreate table if not exists b (id bigint);\ncreate index concurrently if not exists b_id on b (id);\ncreate index if not exists b_id2 on b (id);\n"),
            ),
        ],
    );
    assert_eq!(set.findings(), Vec::<String>::new());
    let lint = set.lint(&Options::default());
    assert_eq!(
        lint.new_tables, 1,
        "squawk knows only the transactional file's table"
    );
}

#[test]
fn tables_of_earlier_migrations_are_new_only_until_released() {
    let set = Set::new(
        "earlier",
        &[(
            "1_users.sql",
            &with_timeouts("create table users (id bigint);\n"),
        )],
    )
    .lock();
    set.write(
        "2_posts.sql",
        &with_timeouts("create table posts (id bigint, user_id bigint);\n"),
    );
    set.write(
        "3_indexes.sql",
        &with_timeouts(
            "create index posts_user on posts (user_id);\ncreate index users_id on users (id);\n",
        ),
    );
    // posts comes with the same release; users was released before, and may be large by now
    assert_eq!(
        set.findings(),
        ["m/3_indexes.sql:4 require-concurrent-index-creation"]
    );
    let unreleased = set.lint(&Options {
        unreleased_only: true,
        ..Options::default()
    });
    assert_eq!(unreleased.scripts, 2);
}

#[test]
fn without_a_lock_every_migration_may_be_released() {
    let set = Set::new(
        "nolock",
        &[
            (
                "1_users.sql",
                &with_timeouts("create table users (id bigint);\n"),
            ),
            (
                "2_index.sql",
                &with_timeouts("create index users_id on users (id);\n"),
            ),
        ],
    );
    assert_eq!(
        set.findings(),
        ["m/2_index.sql:3 require-concurrent-index-creation"]
    );
}

#[test]
fn timeouts_are_asked_for_unless_the_runtime_sets_them() {
    let alter = "alter table users add column note text;\n";
    let set = Set::new("timeouts", &[("1_a.sql", alter)]);
    assert_eq!(
        set.findings(),
        [
            "m/1_a.sql:1 require-lock-timeout",
            "m/1_a.sql:1 require-statement-timeout"
        ]
    );
    let lint = set.lint(&Options::default());
    let help = lint.findings[0].help.as_deref().unwrap_or_default();
    assert!(help.contains("`-- migrate:lock-timeout 2s`"), "{help}");
    set.write("1_a.sql", &format!("-- migrate:lock-timeout 2s\n{alter}"));
    assert_eq!(set.findings(), ["m/1_a.sql:2 require-statement-timeout"]);
    let defaults = Options {
        default_lock_timeout: true,
        default_statement_timeout: true,
        ..Options::default()
    };
    assert!(set.lint(&defaults).findings.is_empty());
}

#[test]
fn allow_lines_acknowledge_a_file_or_a_statement() {
    let set = Set::new(
        "allow",
        &[(
            "1_a.sql",
            &with_timeouts(
                "-- migrate:allow ban-drop-column\n\
                 alter table a drop column x;\n\
                 -- migrate:allow ban-drop-table, no-such-rule -- reviewed\n\
                 drop table b;\n\
                 drop table c;\n\
                 alter table a drop column y;\n",
            ),
        )],
    );
    let lint = set.lint(&Options::default());
    let found: Vec<String> = lint
        .findings
        .iter()
        .map(|f| format!("{}:{} {}", f.file, f.line, f.rule))
        .collect();
    assert_eq!(
        found,
        [
            "m/1_a.sql:7 ban-drop-table",
            "m/1_a.sql:5 unknown-allowed-rule"
        ]
    );
    assert_eq!(lint.allowed, 3);
    assert!(lint.findings[1].message.contains("no rule `no-such-rule`"));
}

#[test]
fn unsafe_statements_in_a_transaction_are_folded_into_squawks_findings() {
    let set = Set::new(
        "hazards",
        &[
            (
                "1_one.sql",
                &with_timeouts("create index concurrently if not exists i on t (x);\n"),
            ),
            (
                "2_two.sql",
                &with_timeouts("select 1;\ncreate index concurrently if not exists j on t (x);\n"),
            ),
            (
                "3_tx.sql",
                &with_timeouts("begin;\nselect 1;\ncommit;\nvacuum t;\n"),
            ),
            (
                "4_out.sql",
                &with_timeouts("-- migrate:no-transaction\nvacuum t;\n"),
            ),
        ],
    );
    assert_eq!(
        set.findings(),
        [
            // one statement: squawk does not report it, this project does
            "m/1_one.sql:3 concurrently-in-transaction",
            "m/2_two.sql:4 ban-concurrent-index-creation-in-transaction",
            "m/3_tx.sql:3 transaction-nesting",
            "m/3_tx.sql:5 transaction-nesting",
            "m/3_tx.sql:6 vacuum-in-transaction",
        ]
    );
}

#[test]
fn findings_print_as_file_line_column_rule_message_and_help() {
    let set = Set::new(
        "print",
        &[("1_a.sql", &with_timeouts("select 1;\n  drop table b;\n"))],
    );
    let lint = set.lint(&Options::default());
    assert_eq!(
        lint.findings[0].to_string(),
        "m/1_a.sql:4:3: ban-drop-table: Dropping a table may break existing clients."
    );
    let with_help = migrate_lint::Finding {
        help: Some("Use `concurrently` to avoid blocking writes.".into()),
        ..lint.findings[0].clone()
    };
    assert!(with_help
        .to_string()
        .ends_with("clients.\n  help: Use `concurrently` to avoid blocking writes."));
}

#[test]
fn what_squawk_cannot_parse_is_one_finding() {
    let set = Set::new(
        "syntax",
        &[("1_a.sql", "INSERT OR IGNORE INTO t VALUES (1);\n")],
    );
    let findings = set.findings();
    assert_eq!(findings, ["m/1_a.sql:1 syntax-error"]);
    let versions = Options {
        pg_version: Some("sixteen".into()),
        ..Options::default()
    };
    let set_files = migrate_core::load(&set.dir, "m", &Default::default()).expect("set");
    assert!(lint(&set_files, &versions)
        .is_err_and(|e| e.contains("`sixteen` is not a PostgreSQL version")));
}

#[test]
fn repeatable_migrations_are_linted() {
    let set = Set::new(
        "repeatable",
        &[
            ("1_a.sql", &with_timeouts("create table a (id bigint);\n")),
            ("repeatable/views.sql", &with_timeouts("drop view v;\n")),
        ],
    );
    assert_eq!(set.findings(), ["m/repeatable/views.sql:3 ban-drop-view"]);
}
