//! Repeatable migrations, timeouts and the lint on the command line: `lock` records a changed
//! repeatable migration, `check` refuses a lock that does not match the files, `check --lint`
//! prints squawk's findings (text and JSON, exit 5 with `--strict`) — over every set of the
//! shared corpus too, with the findings per rule pinned — and on SQLite `up` and `status`
//! show the repeatable migrations (PostgreSQL and MariaDB: guard_database.rs).

#[path = "../../tests/support/lint_pins.rs"]
mod lint_pins;
mod support;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use support::Work;

const OK: i32 = 0;
const ERROR: i32 = 1;
const USAGE: i32 = 2;
const LOCK_STALE: i32 = 4;
const WARNINGS: i32 = 5;

#[test]
fn lock_records_a_changed_repeatable_migration_without_amend() {
    let w = Work::new("repeatable-lock");
    w.write("migrations/1_users.sql", "create table users (id int);\n")
        .write(
            "migrations/repeatable/views.sql",
            "create view v as select 1;\n",
        );
    w.migrate(&["lock"])
        .code(OK)
        .out("locked 1 new migration(s): 1")
        .out("recorded the current content of repeatable migration(s) views");
    let lock = w.read("migrations/migrations.lock");
    assert!(
        lock.contains(" transaction repeatable/views.sql\n"),
        "{lock}"
    );
    w.migrate(&["lock", "--check"]).code(OK);

    w.write(
        "migrations/repeatable/views.sql",
        "create view v as select 2;\n",
    );
    // what the build says, and the command it names
    let refused = w.migrate(&["check"]);
    refused
        .code(ERROR)
        .err("migrations/repeatable/views.sql: repeatable migration `views` changed since it was locked")
        .err("run `migrate lock` to record it");
    w.migrate(&["lock", "--check"])
        .code(LOCK_STALE)
        .err("does not hold the current content of repeatable migration(s) views");
    w.migrate(&["lock"])
        .code(OK)
        .out("recorded the current content of repeatable migration(s) views")
        .no_out("amend");
    assert!(!w.read("migrations/migrations.lock").contains("amend"));
    w.migrate(&["check"])
        .code(OK)
        .out("1 migrations and 1 repeatable (sqlx layout)");

    w.remove("migrations/repeatable/views.sql");
    w.migrate(&["check"])
        .code(ERROR)
        .err("locked repeatable migration `views` is gone");
    w.migrate(&["lock"]).code(OK).out("views");
    assert!(!w.read("migrations/migrations.lock").contains("repeatable"));
    w.migrate(&["check"]).code(OK);
}

#[test]
fn bad_directives_and_spellings_are_errors() {
    let w = Work::new("repeatable-spelling");
    w.write("migrations/1_users.sql", "create table users (id int);\n")
        .write(
            "migrations/2_index.sql",
            "-- migrate:lock-timeout 5\nselect 1;\n",
        )
        .write("migrations/R__views.sql", "select 1;\n");
    w.migrate(&["check"])
        .code(ERROR)
        .err("migrations/2_index.sql:1: `-- migrate:lock-timeout 5`: `5` has no unit: write `5ms` or `5s`")
        .err("migrations/R__views.sql: `R__<name>.sql` is how refinery and Flyway name a repeatable migration");
    w.migrate(&["--ddl-lock-timeout", "5", "check"])
        .code(USAGE)
        .err("`5` has no unit");
}

/// Two migrations: an index on a table that is not new, and a drop acknowledged.
fn lint_set(w: &Work) {
    w.write(
        "migrations/1_users.sql",
        "create table users (id bigint, email text);\nalter table users add column name text;\n",
    )
    .write(
        "migrations/2_index.sql",
        "-- migrate:lock-timeout 2s\n-- migrate:statement-timeout 1min\n\
             create index users_email on users (email);\n\
             -- migrate:allow ban-drop-column\nalter table users drop column email;\n",
    );
}

#[test]
fn check_lint_prints_findings_with_squawks_advice() {
    let w = Work::new("lint");
    lint_set(&w);
    w.migrate(&["check"])
        .code(OK)
        .no_out("require-concurrent-index-creation");
    w.migrate(&["check", "--lint"])
        .code(OK)
        .out("migrations/2_index.sql:3:1: require-concurrent-index-creation: During normal index creation, table updates are blocked, but reads are still allowed.\n  help: Use `concurrently` to avoid blocking writes.")
        .out("migrations/1_users.sql:2:1: require-lock-timeout: Missing `set lock_timeout` before potentially slow ACCESS EXCLUSIVE lock operations\n  help: Configure a `lock_timeout` before this statement. Statement requires: ACCESS EXCLUSIVE lock; blocking: reads, writes, schema changes (with migrate, put `-- migrate:lock-timeout 2s` at the top of the file, or give every migration one with `--ddl-lock-timeout` (`Runner::ddl_lock_timeout`))")
        .out("migrations/1_users.sql:2:1: require-statement-timeout")
        .out("3 lint finding(s) (1 acknowledged with `-- migrate:allow`, 0 about tables new in the set left out)")
        .no_out("ban-drop-column");
    w.migrate(&["check", "--lint", "--strict"]).code(WARNINGS);
    // a default timeout for every migration satisfies the timeout rules
    w.migrate(&[
        "--ddl-lock-timeout",
        "2s",
        "--statement-timeout",
        "1min",
        "check",
        "--lint",
    ])
    .code(OK)
    .out("1 lint finding(s)")
    .no_out("require-lock-timeout");
    let json = w.migrate(&["check", "--lint", "--format", "json"]);
    let json = json.code(OK).json();
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["rule"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        rules,
        [
            "require-lock-timeout",
            "require-statement-timeout",
            "require-concurrent-index-creation"
        ]
    );
    assert_eq!(json["findings"][2]["line"], 3);
    assert_eq!(
        json["findings"][2]["help"],
        "Use `concurrently` to avoid blocking writes."
    );
    assert_eq!(json["allowed"], 1);
    w.migrate(&["check", "--lint", "--dialect", "sqlite"])
        .code(USAGE)
        .err("`--lint` checks PostgreSQL migrations");
    w.migrate(&["check", "--pg-version", "16"]).code(USAGE);
    w.migrate(&["check", "--lint", "--pg-version", "x"])
        .code(USAGE)
        .err("`x` is not a PostgreSQL version");
}

#[test]
fn up_and_status_show_repeatable_migrations() {
    let w = Work::new("repeatable-sqlite");
    let url = format!("sqlite:{}", w.path().join("db.sqlite3").display());
    // an empty file is an empty database: `--dry-run` and `status` create none
    w.write("db.sqlite3", "");
    w.write("migrations/1_users.sql", "create table users (id int);\n")
        .write(
            "migrations/repeatable/views.sql",
            "drop view if exists v;\ncreate view v as select id from users;\n",
        );
    let on = |args: &[&str]| {
        let mut all = vec!["--database-url", url.as_str(), "--ddl-lock-timeout", "1s"];
        all.extend_from_slice(args);
        w.migrate(&all)
    };
    on(&["up", "--dry-run"])
        .code(OK)
        .out("-- repeatable views (migrations/repeatable/views.sql, pending): in a transaction")
        .out("-- 1 repeatable migration(s) would be applied after them");
    on(&["status", "--exit-code"]).code(3).out("views");
    on(&["up"])
        .code(OK)
        .out("applied repeatable views")
        .out("1 migration(s) and 1 repeatable migration(s) applied");
    on(&["status", "--exit-code"]).code(OK);
    w.write(
        "migrations/repeatable/views.sql",
        "drop view if exists v;\ncreate view v as select id * 2 as id from users;\n",
    );
    let json = on(&["status", "--format", "json"]).code(OK).json();
    assert_eq!(json["repeatables"][0]["state"], "changed");
    on(&["up"])
        .code(OK)
        .out("0 migration(s) and 1 repeatable migration(s) applied");
    on(&["up"]).code(OK).out("nothing to apply");
}

/// The corpus beside the repository (`../shared/corpus` from its root, as the workspace's
/// tests read it), or `MIGRATE_CORPUS`; `None` after a notice when it is missing, except under
/// `CI=true`, where that fails.
fn corpus() -> Option<PathBuf> {
    let root = match std::env::var_os("MIGRATE_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
    };
    if root.join("sets.json").is_file() {
        return Some(root);
    }
    let what = format!(
        "no corpus at {} (the real-world migration sets beside the repository; set MIGRATE_CORPUS to point elsewhere)",
        root.display()
    );
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{what}: CI=true requires it"
    );
    let _ = writeln!(std::io::stderr(), "notice: {what}: skipping this test");
    None
}

/// `migrate check --lint --format json` over every set of the corpus: no set makes it fail
/// or panic, every finding is placed in its file, and the findings per rule are the ones
/// pinned (the same as `migrate::testing::lint`'s).
#[test]
fn check_lint_over_the_corpus() {
    let Some(root) = corpus() else {
        return;
    };
    let sets_json = root.join("sets.json");
    let text = std::fs::read_to_string(&sets_json)
        .unwrap_or_else(|e| panic!("{}: {e}", sets_json.display()));
    let sets: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", sets_json.display()));
    let sets = sets.as_array().map(Vec::as_slice).unwrap_or_default();
    assert!(!sets.is_empty(), "{}: no sets", sets_json.display());
    let w = Work::new("lint-corpus");
    let mut per_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut timings: Vec<(String, usize, Duration)> = Vec::new();
    for set in sets {
        let (Some(name), Some(dir)) = (set["name"].as_str(), set["dir"].as_str()) else {
            panic!(
                "{}: a set without a name or a dir: {set}",
                sets_json.display()
            );
        };
        let source = root.join(dir);
        let source = source.to_string_lossy();
        let start = Instant::now();
        let run = w.migrate(&["--source", &source, "check", "--lint", "--format", "json"]);
        let took = start.elapsed();
        let json = run.code(OK).no_err("panicked").json();
        let findings = json["findings"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        for f in findings {
            let placed = f["file"]
                .as_str()
                .is_some_and(|file| file.starts_with(&*source))
                && f["line"].as_u64().is_some_and(|l| l >= 1)
                && f["column"].as_u64().is_some_and(|c| c >= 1)
                && f["message"].as_str().is_some_and(|m| !m.is_empty());
            assert!(placed, "{name}: {f}");
            let rule = f["rule"].as_str().unwrap_or("?").to_owned();
            *per_rule.entry(rule).or_default() += 1;
        }
        let migrations = json["migrations"].as_u64().unwrap_or(0);
        timings.push((
            name.to_owned(),
            usize::try_from(migrations).unwrap_or(0),
            took,
        ));
    }
    // the figure of the note: the largest set, the binary's whole run
    if let Some((name, migrations, took)) = timings.iter().max_by_key(|(_, m, _)| *m) {
        eprintln!(
            "figure: `migrate check --lint` over {name} ({migrations} migrations): {took:.2?}"
        );
    }
    let got: Vec<(&str, usize)> = per_rule.iter().map(|(r, n)| (r.as_str(), *n)).collect();
    assert_eq!(got, lint_pins::PINNED, "findings per rule over the corpus");
}
