//! The commands that need no database: init, add, lock, check, renumber, and usage errors.

mod support;

use support::Work;

const OK: i32 = 0;
const ERROR: i32 = 1;
const USAGE: i32 = 2;
const LOCK_STALE: i32 = 4;
const WARNINGS: i32 = 5;

/// The single migration file created by the last `add`, from its stdout.
fn created(run: &support::Run) -> Vec<String> {
    run.stdout
        .lines()
        .filter_map(|l| l.strip_prefix("created "))
        .filter(|p| !p.ends_with('/'))
        .map(str::to_owned)
        .collect()
}

fn is_timestamp(text: &str) -> bool {
    text.len() == 14 && text.bytes().all(|b| b.is_ascii_digit()) && text.starts_with("20")
}

#[test]
fn help_and_usage_errors() {
    let w = Work::new("usage");
    w.migrate(&["--help"])
        .code(OK)
        .out("Exit codes:")
        .out("3  `status --exit-code`")
        .out("4  `lock --check`")
        .out("5  `check --strict`");
    w.migrate(&[]).code(USAGE);
    w.migrate(&["frobnicate"]).code(USAGE);
    w.migrate(&["down", "0"]).code(USAGE);
    w.migrate(&["down", "2", "--to", "1"]).code(USAGE);
    w.migrate(&["force", "-3"]).code(USAGE);
    w.migrate(&["lock", "--reason", "x"]).code(USAGE);
    w.migrate(&["lock", "--check", "--allow-empty"]).code(USAGE);
    w.migrate(&["lock", "--check", "--amend", "1", "--reason", "x"])
        .code(USAGE);
    w.migrate(&["add", "--timestamp", "--sequential", "x"])
        .code(USAGE);
    w.migrate(&["status", "--format", "xml"]).code(USAGE);
    // database commands without a database
    for command in [
        &["status"][..],
        &["up"],
        &["down"],
        &["redo"],
        &["baseline", "1"],
        &["force", "1"],
        &["forget", "1"],
    ] {
        w.migrate(command)
            .code(USAGE)
            .err("no database: pass `--database-url <url>`, or set DATABASE_URL");
    }
    w.migrate(&["status", "--database-url", "mssql://h/db"])
        .code(USAGE)
        .err("scheme `mssql` is not one migrate knows");
    w.migrate_env(&["status"], &[("DATABASE_URL", "oracle://x")])
        .code(USAGE)
        .err("`oracle`");
    w.write(".env", "DATABASE_URL='unterminated\n");
    w.migrate(&["check"]).code(ERROR).err(".env:");
}

#[test]
fn init_sets_up_the_crate_once() {
    let w = Work::new("init");
    w.migrate(&["init"])
        .code(OK)
        .out("created migrations/")
        .out("created build.rs")
        .out("added `migrations/**/*.sql text eol=lf` to .gitattributes")
        .err("[build-dependencies]");
    assert!(w
        .read("build.rs")
        .contains("migrate::build::track(\"migrations\");"));
    w.migrate(&["init"])
        .code(OK)
        .out("migrations/ exists")
        .out("build.rs already has")
        .out(".gitattributes already has");
    assert_eq!(
        w.read(".gitattributes")
            .matches("migrations/**/*.sql text eol=lf")
            .count(),
        1
    );

    let other = Work::new("init-existing");
    other
        .write("build.rs", "fn main() {}\n")
        .write(".gitattributes", "*.png binary")
        .write(
            "Cargo.toml",
            "[package]\nname = \"x\"\n\n[build-dependencies]\nmigrate = \"0.1\"\n",
        );
    other
        .migrate(&["init", "--source", "db/migrations"])
        .code(OK)
        .out("created db/migrations/")
        .err("build.rs exists: add `migrate::build::track(\"db/migrations\");`")
        .no_err("[build-dependencies]");
    assert_eq!(other.read("build.rs"), "fn main() {}\n");
    assert_eq!(
        other.read(".gitattributes"),
        "*.png binary\ndb/migrations/**/*.sql text eol=lf\n"
    );
}

#[test]
fn add_follows_each_layout() {
    // empty (and missing) directory: sqlx, timestamped
    let w = Work::new("add-empty");
    let run = w.migrate(&["add", "create", "users"]);
    run.code(OK).out("created migrations/");
    let files = created(&run);
    assert_eq!(files.len(), 1, "{run}");
    let name = files[0].strip_prefix("migrations/").unwrap_or("");
    let (version, rest) = name.split_once('_').unwrap_or(("", ""));
    assert!(is_timestamp(version), "{name}");
    assert_eq!(rest, "create_users.sql");
    let run = w.migrate(&["add", "-r", "posts"]);
    let files = created(&run);
    assert_eq!(files.len(), 2, "{run}");
    assert!(files[0].ends_with("_posts.up.sql") && files[1].ends_with("_posts.down.sql"));
    assert!(
        files[0] > format!("migrations/{name}"),
        "{files:?} after {name}"
    );
    w.migrate(&["check"]).code(OK);

    // sqlx sequential, zero-padded
    let w = Work::new("add-seq");
    w.write("migrations/0001_a.sql", "select 1;\n")
        .write("migrations/0009_b.sql", "select 1;\n");
    let run = w.migrate(&["add", "third one"]);
    assert_eq!(created(&run), ["migrations/0010_third_one.sql"], "{run}");
    let run = w.migrate(&["add", "--timestamp", "stamped"]);
    let name = created(&run).join("");
    assert!(is_timestamp(&name["migrations/".len()..][..14]), "{run}");

    // golang-migrate: padded up/down pairs; without -r only the up file
    let w = Work::new("add-golang");
    w.write("migrations/000001_init.up.sql", "select 1;\n")
        .write("migrations/000001_init.down.sql", "select 1;\n");
    let run = w.migrate(&["add", "users"]);
    assert_eq!(created(&run), ["migrations/000002_users.up.sql"], "{run}");
    let run = w.migrate(&["add", "-r", "posts"]);
    assert_eq!(
        created(&run),
        [
            "migrations/000003_posts.up.sql",
            "migrations/000003_posts.down.sql"
        ],
        "{run}"
    );
    w.migrate(&["check"]).code(OK);

    // refinery
    let w = Work::new("add-refinery");
    w.write("migrations/V1__init.sql", "select 1;\n");
    let run = w.migrate(&["add", "users"]);
    assert_eq!(created(&run), ["migrations/V2__users.sql"], "{run}");
    w.migrate(&["add", "-r", "users"])
        .code(USAGE)
        .err("refinery migrations have no down scripts");
    w.migrate(&["check"]).code(OK);

    // goose, timestamped, sections in one file
    let w = Work::new("add-goose");
    w.write(
        "migrations/20240101000000_init.sql",
        "-- +goose Up\nselect 1;\n-- +goose Down\nselect 2;\n",
    );
    let run = w.migrate(&["add", "-r", "users"]);
    let files = created(&run);
    assert_eq!(files.len(), 1, "{run}");
    let text = w.read(&files[0]);
    assert!(text.starts_with("-- +goose Up\n") && text.contains("-- +goose Down"));
    w.migrate(&["check"]).code(OK);

    // dbmate, sequential
    let w = Work::new("add-dbmate");
    w.write(
        "migrations/7_init.sql",
        "-- migrate:up\nselect 1;\n-- migrate:down\nselect 2;\n",
    );
    let run = w.migrate(&["add", "users"]);
    assert_eq!(created(&run), ["migrations/8_users.sql"], "{run}");
    assert_eq!(w.read("migrations/8_users.sql"), "-- migrate:up\n\n");
    w.migrate(&["check"]).code(OK);

    // diesel: dashed timestamps, the description kept as given
    let w = Work::new("add-diesel");
    w.write("migrations/2020-01-01-000000_init/up.sql", "select 1;\n")
        .write("migrations/2020-01-01-000000_init/down.sql", "select 1;\n");
    let run = w.migrate(&["add", "-r", "Add email column"]);
    let files = created(&run);
    assert_eq!(files.len(), 2, "{run}");
    let dir = files[0]
        .strip_suffix("/up.sql")
        .and_then(|d| d.strip_prefix("migrations/"))
        .unwrap_or("");
    assert!(dir.ends_with("_Add email column"), "{dir}");
    let stamp = &dir[..17];
    assert!(
        stamp.as_bytes()[4] == b'-' && stamp.as_bytes()[10] == b'-',
        "{stamp}"
    );
    assert!(files[1].ends_with("/down.sql"));
    w.migrate(&["add", "--sequential", "x"])
        .code(USAGE)
        .err("diesel versions are timestamps");
    w.migrate(&["check"]).code(OK);

    // diesel, 14-digit form
    let w = Work::new("add-diesel-digits");
    w.write("migrations/20200101000000_init/up.sql", "select 1;\n");
    let run = w.migrate(&["add", "more"]);
    let files = created(&run);
    assert!(
        files.len() == 1 && is_timestamp(&files[0]["migrations/".len()..][..14]),
        "{run}"
    );

    // what add refuses
    let w = Work::new("add-bad");
    w.migrate(&["add", "a/b"])
        .code(USAGE)
        .err("cannot be part of a file name");
    w.migrate(&["add", " "]).code(USAGE).err("empty");
    w.write("migrations/notes.sql", "select 1;\n");
    w.migrate(&["add", "x"])
        .code(ERROR)
        .err("migrations/notes.sql: does not start with a version");
}

#[test]
fn lock_writes_checks_and_amends() {
    let w = Work::new("lock");
    w.migrate(&["lock"])
        .code(ERROR)
        .err("migrations: no such directory");
    w.write("migrations/1_users.sql", "create table users (id int);\n")
        .write("migrations/2_posts.sql", "create table posts (id int);\n");
    w.migrate(&["lock", "--check"])
        .code(LOCK_STALE)
        .err("migrations/migrations.lock does not exist: run `migrate lock`");
    w.migrate(&["lock"])
        .code(OK)
        .out("migrations/migrations.lock: locked 2 new migration(s): 1, 2");
    let lock = w.read("migrations/migrations.lock");
    assert!(lock.starts_with("# written by `migrate lock`"), "{lock}");
    assert!(
        lock.contains("\n1 ") && lock.contains(" 2_posts.sql\n"),
        "{lock}"
    );
    w.migrate(&["lock", "--check"])
        .code(OK)
        .out("up to date (2 migrations locked)");
    w.migrate(&["lock"]).code(OK).out("up to date");

    // new work is stale until locked
    w.write("migrations/3_tags.sql", "create table tags (id int);\n");
    w.migrate(&["lock", "--check"])
        .code(LOCK_STALE)
        .err("does not lock migration(s) 3");
    w.migrate(&["lock"])
        .code(OK)
        .out("locked 1 new migration(s): 3");

    // an edit of a locked migration is refused, naming the file and the fix
    w.write(
        "migrations/2_posts.sql",
        "create table posts (id int, title text);\n",
    );
    for command in [&["lock"][..], &["lock", "--check"], &["check"]] {
        w.migrate(command)
            .code(ERROR)
            .err("migrations/2_posts.sql: locked migration 2 was edited after release")
            .err("`migrate lock --amend 2`");
    }
    // amending: only a locked, edited migration, with a one-line reason
    w.migrate(&["lock", "--amend", "9", "--reason", "x"])
        .code(ERROR)
        .err("migration 9 is not in migrations/migrations.lock");
    w.migrate(&["lock", "--amend", "1", "--reason", "x"])
        .code(ERROR)
        .err("migrations/1_users.sql: migration 1 has the content and transaction mode it was locked with");
    w.migrate(&["lock", "--amend", "2", "--reason", "  "])
        .code(USAGE);
    w.migrate(&["lock", "--amend", "2", "--reason", "a\nb"])
        .code(USAGE);
    let before = w.read("migrations/migrations.lock");
    let old = before
        .lines()
        .find(|l| l.starts_with("2 "))
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("")
        .to_owned();
    w.write("migrations/4_late.sql", "select 4;\n");
    w.migrate(&[
        "lock",
        "--amend",
        "2",
        "--reason",
        "add the title column, reviewed in #12",
    ])
    .code(OK)
    .out("amended migration 2 (migrations/2_posts.sql): sha256 ")
    .out("locked 1 new migration(s): 4");
    let after = w.read("migrations/migrations.lock");
    let new = after
        .lines()
        .find(|l| l.starts_with("2 "))
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("")
        .to_owned();
    assert_ne!(old, new);
    assert!(
        after.contains(&format!(
            "\namend 2 {old} {new} add the title column, reviewed in #12\n"
        )),
        "{after}"
    );
    w.migrate(&["lock", "--check"]).code(OK);
    w.migrate(&["check"]).code(OK);
    // a second edit is a second amendment; the first stays
    w.write(
        "migrations/2_posts.sql",
        "create table posts (id int, title text not null);\n",
    );
    w.migrate(&["lock", "--amend", "2", "--reason", "not null"])
        .code(OK);
    let lock = w.read("migrations/migrations.lock");
    assert_eq!(lock.matches("\namend 2 ").count(), 2, "{lock}");
    assert!(lock.contains(&format!("\namend 2 {new} ")), "{lock}");

    // amend does not cover other problems
    w.write(
        "migrations/1_users.sql",
        "create table users (id bigint);\n",
    )
    .write("migrations/2_posts.sql", "create table posts ();\n");
    w.migrate(&["lock", "--amend", "2", "--reason", "x"])
        .code(ERROR)
        .err("migrations/1_users.sql: locked migration 1 was edited");
    w.write("migrations/1_users.sql", "create table users (id int);\n");
    // a deleted or renamed locked migration cannot be amended
    w.remove("migrations/2_posts.sql")
        .write("migrations/2_articles.sql", "create table posts ();\n");
    w.migrate(&["lock", "--amend", "2", "--reason", "x"])
        .code(ERROR)
        .err("was released as `2_posts.sql`: rename it back");
    w.remove("migrations/2_articles.sql");
    w.migrate(&["lock", "--amend", "2", "--reason", "x"])
        .code(ERROR)
        .err("locked migration 2 is gone");

    // a lock that does not verify
    let w = Work::new("lock-broken");
    w.write("migrations/1_a.sql", "select 1;\n");
    w.migrate(&["lock"]).code(OK);
    let lock = w.read("migrations/migrations.lock");
    let head = lock.lines().nth(2).unwrap_or("").to_owned();
    w.write(
        "migrations/migrations.lock",
        &lock.replace(&head, &format!("head {}", "0".repeat(64))),
    );
    w.migrate(&["lock"])
        .code(ERROR)
        .err("migrations/migrations.lock:3: lock does not verify");
    w.migrate(&["lock", "--amend", "1", "--reason", "x"])
        .code(ERROR)
        .err("lock does not verify");
    // an amendment needs a lock
    w.remove("migrations/migrations.lock")
        .write("migrations/1_a.sql", "select 2;\n");
    w.migrate(&["lock", "--amend", "1", "--reason", "x"])
        .code(ERROR)
        .err("no lock, so there is nothing to amend");
}

#[test]
fn late_merges_are_renumbered() {
    let w = Work::new("renumber");
    w.write("migrations/001_a.sql", "select 1;\n")
        .write("migrations/003_c.sql", "select 3;\n");
    w.migrate(&["lock"]).code(OK);
    // merged from another branch: older than the newest locked one
    w.write("migrations/002_b.up.sql", "select 2;\n")
        .write("migrations/002_b.down.sql", "select -2;\n");
    w.migrate(&["lock"])
        .code(ERROR)
        .err("migrations/002_b.up.sql: migration 2 is not in the lock but older than the newest locked migration 3")
        .err("`migrate renumber 2`");
    w.migrate(&["renumber", "3"])
        .code(ERROR)
        .err("migration 3 is locked (released as `003_c.sql`)");
    w.migrate(&["renumber", "7"])
        .code(ERROR)
        .err("there is no migration 7");
    w.migrate(&["renumber", "2"])
        .code(OK)
        .out("renamed migrations/002_b.up.sql -> migrations/004_b.up.sql")
        .out("renamed migrations/002_b.down.sql -> migrations/004_b.down.sql")
        .err("run `migrate lock`");
    assert_eq!(
        w.list("migrations"),
        [
            "001_a.sql",
            "003_c.sql",
            "004_b.down.sql",
            "004_b.up.sql",
            "migrations.lock"
        ]
    );
    w.migrate(&["renumber", "4"])
        .code(OK)
        .out("already the newest: nothing to renumber");
    w.migrate(&["lock"])
        .code(OK)
        .out("locked 1 new migration(s): 4");

    // a diesel directory moves as a whole, to a new timestamp
    let w = Work::new("renumber-diesel");
    w.write("migrations/2020-01-01-000000_a/up.sql", "select 1;\n")
        .write("migrations/2020-01-03-000000_c/up.sql", "select 3;\n");
    w.migrate(&["lock"]).code(OK);
    w.write("migrations/2020-01-02-000000_b/up.sql", "select 2;\n")
        .write("migrations/2020-01-02-000000_b/down.sql", "select -2;\n");
    w.migrate(&["check"]).code(ERROR).err("renumber");
    let run = w.migrate(&["renumber", "2020-01-02-000000"]);
    run.code(OK)
        .out("renamed migrations/2020-01-02-000000_b -> migrations/");
    let names = w.list("migrations");
    assert_eq!(names.len(), 4, "{names:?}");
    let moved = names
        .iter()
        .find(|n| n.ends_with("_b"))
        .cloned()
        .unwrap_or_default();
    assert!(moved.as_str() > "2020-01-03-000000_c", "{moved}");
    assert_eq!(
        w.list(&format!("migrations/{moved}")),
        ["down.sql", "up.sql"]
    );
    w.migrate(&["lock"]).code(OK);

    // refinery names keep their prefix
    let w = Work::new("renumber-refinery");
    w.write("migrations/V1__a.sql", "select 1;\n")
        .write("migrations/V2__b.sql", "select 1;\n");
    w.migrate(&["renumber", "1"])
        .code(OK)
        .out("renamed migrations/V1__a.sql -> migrations/V3__a.sql");
}

#[test]
fn check_reports_errors_warnings_and_hazards() {
    let w = Work::new("check");
    w.migrate(&["check"]).code(ERROR).err("no such directory");
    w.write("migrations/1_users.sql", "create table users (id int);\n")
        .write("migrations/README.md", "notes\n");
    w.migrate(&["check"])
        .code(OK)
        .out("migrations: 1 migrations (sqlx layout), 0 locked, 1 not locked yet; 0 warning(s)")
        .err("note: migrations/README.md: not a migration: passed over");
    w.migrate(&["check", "--strict"]).code(OK);
    w.migrate(&["lock"]).code(OK);
    w.migrate(&["check"])
        .code(OK)
        .out("1 locked, 0 not locked yet")
        .no_err("migrations.lock");

    w.write("migrations/2_empty.sql", "-- nothing yet\n")
        .write(
            "migrations/3_index.sql",
            "create table t (x int);\n\ncreate index concurrently t_x on t (x);\nVACUUM;\n",
        )
        .write(
            "migrations/4_enum.up.sql",
            "-- the new mood\nALTER TYPE mood ADD VALUE 'meh';\nBEGIN;\nupdate t set x = 1;\nCOMMIT;\n",
        )
        .write("migrations/4_enum.down.sql", "select 1;\n")
        .write(
            "migrations/5_online.sql",
            "-- migrate:no-transaction\ncreate index concurrently t_y on t (x);\n",
        );
    let run = w.migrate(&["check"]);
    run.code(OK)
        .out("5 migrations (sqlx layout), 1 locked, 4 not locked yet; 6 warning(s)")
        .err("warning: migrations/2_empty.sql: holds no SQL (empty or only comments)")
        .err("warning: migrations/3_index.sql:3: `CREATE INDEX CONCURRENTLY` cannot run inside a transaction")
        .err("-- migrate:no-transaction")
        .err("warning: migrations/3_index.sql:4: `VACUUM` cannot run inside a transaction")
        .err("warning: migrations/4_enum.up.sql:2: `ALTER TYPE` in a transaction")
        .err("warning: migrations/4_enum.up.sql:3: `BEGIN` inside a script that runs in a transaction")
        .err("warning: migrations/4_enum.up.sql:5: `COMMIT` inside")
        .no_err("5_online.sql");
    w.migrate(&["check", "--strict"]).code(WARNINGS);
    // the dialect decides the splitting: `#` starts a comment only for MySQL
    w.remove("migrations/2_empty.sql")
        .remove("migrations/3_index.sql")
        .remove("migrations/4_enum.up.sql")
        .remove("migrations/4_enum.down.sql")
        .remove("migrations/5_online.sql")
        .write(
            "migrations/2_mysql.sql",
            "# don't; commit\ninsert into users values (1);\n",
        );
    w.migrate(&["check", "--strict", "--dialect", "mysql"])
        .code(OK);
    w.migrate_env(&["check", "--strict"], &[("DATABASE_URL", "mysql://h/db")])
        .code(OK);
    w.migrate_env(&["check"], &[("DATABASE_URL", "not a url")])
        .code(OK);

    // every problem the build finds, all at once
    w.write("migrations/2_dup.sql", "select 2;\n")
        .write("migrations/x.sql", "select 0;\n");
    w.migrate(&["check"])
        .code(ERROR)
        .err("error: migrations/2_mysql.sql: duplicate version 2")
        .err("error: migrations/x.sql: does not start with a version");
}

/// The command in backticks after `run ` in a message, as a user would copy it.
fn advised_command(message: &str) -> Vec<String> {
    let command = message
        .split("run `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap_or_else(|| panic!("no command in {message:?}"));
    // as a POSIX shell splits it (the advice holds no quotes or escapes to interpret)
    assert!(!command.contains(['"', '\'', '\\', '$']), "{command}");
    command.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn the_amend_advice_works_when_pasted() {
    let w = Work::new("advice");
    w.write("migrations/1_users.sql", "create table users (id int);\n");
    w.migrate(&["lock"]).code(OK);
    w.write(
        "migrations/1_users.sql",
        "create table users (id bigint);\n",
    );
    // the build's error, from the code the build runs
    let dir = w.path().join("migrations");
    let problems = migrate_core::load(&dir, "migrations", &Default::default())
        .err()
        .unwrap_or_default();
    assert_eq!(problems.0.len(), 1, "{problems}");
    let advice = advised_command(&problems.0[0].message);
    assert_eq!(advice[0], "migrate");
    let args: Vec<&str> = advice[1..].iter().map(String::as_str).collect();
    w.migrate(&args)
        .code(OK)
        .out("amended migration 1 (migrations/1_users.sql)")
        .err("recorded the reason `no reason given`");
    assert!(w
        .read("migrations/migrations.lock")
        .contains(" no reason given\n"));
    w.migrate(&["check"]).code(OK);
    // the same advice from the CLI's own error
    w.write("migrations/1_users.sql", "create table users (id text);\n");
    let run = w.migrate(&["lock"]);
    run.code(ERROR);
    let advice = advised_command(&run.stderr);
    let args: Vec<&str> = advice[1..].iter().map(String::as_str).collect();
    w.migrate(&args).code(OK);
    w.migrate(&["lock", "--check"]).code(OK);
}

#[test]
fn a_new_migration_is_not_locked_before_it_is_written() {
    let w = Work::new("lock-empty");
    w.write("migrations/1_users.sql", "create table users (id int);\n");
    w.migrate(&["lock"]).code(OK);
    w.migrate(&["add", "posts"]).code(OK);
    let added = w
        .list("migrations")
        .into_iter()
        .find(|n| n.ends_with("_posts.sql"))
        .unwrap_or_default();
    w.migrate(&["lock"])
        .code(ERROR)
        .err(&format!("migrations/{added}: migration "))
        .err("holds no SQL yet (empty or only comments), and a locked migration cannot change")
        .err("`migrate lock --allow-empty`");
    assert!(!w.read("migrations/migrations.lock").contains(&added));
    w.write(
        &format!("migrations/{added}"),
        "create table posts (id int);\n",
    );
    w.migrate(&["lock"])
        .code(OK)
        .out("locked 1 new migration(s)");

    // goose and dbmate templates hold empty sections; `--allow-empty` locks them anyway
    let w = Work::new("lock-empty-goose");
    w.write(
        "migrations/1_init.sql",
        "-- +goose Up\nselect 1;\n-- +goose Down\nselect 2;\n",
    );
    w.migrate(&["add", "-r", "users"]).code(OK);
    w.migrate(&["lock"])
        .code(ERROR)
        .err("2_users.sql: migration 2 holds no SQL yet");
    w.migrate(&["lock", "--allow-empty"])
        .code(OK)
        .out("locked 2 new migration(s): 1, 2");
}

#[test]
fn a_format_1_lock_is_refused_until_rewritten() {
    let w = Work::new("lock-format-1");
    w.write("migrations/1_users.sql", "create table users (id int);\n")
        .write(
            "migrations/2_index.sql",
            "-- migrate:no-transaction\ncreate index concurrently i on users (id);\n",
        );
    w.migrate(&["lock"]).code(OK);
    let format_2 = w.read("migrations/migrations.lock");
    // what `migrate lock` wrote before format 2: no modes, no seal
    let format_1: String = format_2
        .lines()
        .filter(|l| !l.starts_with("seal "))
        .map(|l| {
            l.replace("format 2", "format 1")
                .replace(" no-transaction ", " ")
                .replace(" transaction ", " ")
                + "\n"
        })
        .collect();
    w.write("migrations/migrations.lock", &format_1);
    w.migrate(&["check"])
        .code(ERROR)
        .err("migrations/migrations.lock: lock format 1 was written by an older migrate")
        .err("run `migrate lock` to rewrite it in format 2");
    w.migrate(&["lock", "--check"])
        .code(LOCK_STALE)
        .err("is in format 1, which the build refuses");
    w.migrate(&["lock"])
        .code(OK)
        .out("migrations/migrations.lock: rewritten in format 2");
    assert_eq!(w.read("migrations/migrations.lock"), format_2);
    w.migrate(&["check"]).code(OK);
}

#[test]
fn a_changed_transaction_mode_is_an_edit() {
    let w = Work::new("lock-mode");
    w.write(
        "migrations/1_index.sql",
        "-- +goose Up\ncreate index i on t (a);\n-- +goose Down\ndrop index i;\n",
    );
    w.migrate(&["lock"]).code(OK);
    // outside the up section, so the checksum stays the same
    w.write(
        "migrations/1_index.sql",
        "-- +goose NO TRANSACTION\n-- +goose Up\ncreate index i on t (a);\n-- +goose Down\ndrop index i;\n",
    );
    w.migrate(&["check"])
        .code(ERROR)
        .err("migrations/1_index.sql: locked migration 1 was released to run in a transaction, and now runs outside a transaction")
        .err("`migrate lock --amend 1`");
    w.migrate(&["lock", "--amend", "1", "--reason", "the table is large"])
        .code(OK);
    assert!(w
        .read("migrations/migrations.lock")
        .contains(" no-transaction 1_index.sql\n"));
    w.migrate(&["check"]).code(OK);
}
