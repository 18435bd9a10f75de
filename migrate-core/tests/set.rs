//! Whole-set behaviour of `migrate_core::load` on directories built in a temporary folder.

use std::path::{Path, PathBuf};

use migrate_core::checksum;
use migrate_core::scheme::Scheme;
use migrate_core::{load, Diagnostics, MigrationSet, Options};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let path =
            std::env::temp_dir().join(format!("migrate-core-set-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Dir(path)
    }

    fn file(&self, rel: &str, text: &str) -> &Dir {
        let path = self.0.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).ok();
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        self
    }

    fn remove(&self, rel: &str) -> &Dir {
        std::fs::remove_file(self.0.join(rel)).ok();
        self
    }

    fn load(&self) -> Result<MigrationSet, Diagnostics> {
        load(&self.0, "m", &Options::default())
    }

    fn load_ok(&self) -> MigrationSet {
        self.load().unwrap_or_else(|e| panic!("{e}"))
    }

    fn errors(&self) -> Vec<String> {
        match self.load() {
            Ok(_) => panic!("{} loaded without errors", self.0.display()),
            Err(problems) => problems.0.iter().map(ToString::to_string).collect(),
        }
    }

    fn lock(&self) -> &Dir {
        let set = self.load_ok();
        std::fs::write(&set.lock_path, set.to_lock().render()).ok();
        self
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn versions_sort_as_numbers_and_chain_equals_lock_head() {
    let dir = Dir::new("order");
    dir.file("10_c.sql", "select 10;\n")
        .file("9_b.sql", "select 9;\n")
        .file("1_a.sql", "select 1;\n");
    let set = dir.load_ok();
    let versions: Vec<i64> = set.migrations.iter().map(|m| m.version).collect();
    assert_eq!(versions, [1, 9, 10]);
    assert_eq!(set.scheme, Some(Scheme::Sqlx));
    assert_eq!(set.head(), set.to_lock().head());
    let mut chain = checksum::CHAIN_START;
    for m in &set.migrations {
        chain = checksum::chain(&chain, m.version, &checksum::checksum(&m.up.sql));
        assert_eq!(m.chain, chain);
    }
}

#[test]
fn every_problem_is_reported_in_one_pass() {
    let dir = Dir::new("many");
    dir.file("1_a.sql", "select 1;\n")
        .file("1_b.sql", "select 1;\n")
        .file("notes.sql", "select 0;\n")
        .file("2_c.down.sql", "select 2;\n")
        .file("3_d.sql", "-- migrate:bogus\nselect 3;\n");
    let errors = dir.errors();
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert!(errors.iter().any(|e| e.starts_with("m/notes.sql: ")));
    assert!(errors
        .iter()
        .any(|e| e.starts_with("m/1_b.sql: duplicate version 1 (also m/1_a.sql)")));
    assert!(errors
        .iter()
        .any(|e| e.starts_with("m/2_c.down.sql: down script without an up script")));
    assert!(errors
        .iter()
        .any(|e| e.starts_with("m/3_d.sql:1: unknown directive `-- migrate:bogus`")));
}

#[test]
fn lock_catches_edit_delete_and_late_merge_but_accepts_new_work() {
    let dir = Dir::new("lock");
    dir.file("1_a.sql", "select 1;\n")
        .file("3_c.sql", "select 3;\n")
        .lock();
    assert_eq!(dir.load_ok().lock.map(|l| l.entries.len()), Some(2));

    dir.file("4_d.sql", "select 4;\n");
    assert_eq!(
        dir.load_ok().migrations.len(),
        3,
        "work in progress above the lock is accepted"
    );
    let strict = load(
        dir.path(),
        "m",
        &Options {
            require_locked: true,
            ..Options::default()
        },
    );
    assert!(strict.is_err_and(|e| e
        .to_string()
        .contains("m/4_d.sql: migration 4 is not locked")));

    dir.file("2_b.sql", "select 2;\n");
    assert!(dir
        .errors()
        .iter()
        .any(|e| e.starts_with("m/2_b.sql: migration 2 is not in the lock but older than")));
    dir.remove("2_b.sql");

    dir.file("1_a.sql", "select 1; -- edited\n");
    let edited = dir.errors();
    assert!(
        edited[0].starts_with("m/1_a.sql: locked migration 1 was edited after release"),
        "{edited:?}"
    );
    assert!(edited[0].contains(&checksum::to_hex(&checksum::checksum("select 1;\n"))));
    assert!(edited[0].contains("migrate lock --amend 1"));
    dir.file("1_a.sql", "select 1;\r\n");
    dir.load_ok();

    dir.remove("3_c.sql");
    assert!(dir.errors()[0].starts_with("m/3_c.sql: locked migration 3 is gone"));
    dir.file("3_renamed.sql", "select 3;\n");
    assert!(dir.errors()[0]
        .starts_with("m/3_renamed.sql: locked migration 3 was released as `3_c.sql`"));
}

#[test]
fn diesel_sets_run_in_diesel_order() {
    let dir = Dir::new("diesel-order");
    dir.file("2020-01-01-000000-0000_a/up.sql", "select 1;\n")
        .file("2021-01-01-000000_b/up.sql", "select 2;\n")
        .file("2021-01-01-000000-0000_c/up.sql", "select 3;\n");
    let names: Vec<String> = dir
        .load_ok()
        .migrations
        .iter()
        .map(|m| m.description.clone())
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
}

#[test]
fn loose_files_beside_diesel_directories_are_noticed_not_loaded() {
    let dir = Dir::new("diesel-loose");
    dir.file("2020-01-01-000000_a/up.sql", "select 1;\n")
        .file("seed_data.sql", "insert into t values (1);\n");
    let set = dir.load_ok();
    assert_eq!(set.migrations.len(), 1);
    assert!(set.notices.iter().any(|n| n.file == "m/seed_data.sql"));
    // a file with a version in front is a migration of another layout: mixing is an error
    dir.file("5_x.sql", "select 5;\n");
    assert!(dir.errors()[0]
        .starts_with("m/5_x.sql: sqlx migration in a directory of diesel migrations"));
}

#[test]
fn empty_scripts_are_noticed() {
    let dir = Dir::new("empty");
    dir.file("1_a.up.sql", "create table a (x int);\n")
        .file("1_a.down.sql", "-- nothing to undo\n");
    let set = dir.load_ok();
    assert!(set
        .notices
        .iter()
        .any(|n| n.file == "m/1_a.down.sql" && n.message.contains("no SQL")));
}

#[test]
fn every_layout_names_its_migration_within_the_up_file_path() {
    let layouts: [&[(&str, &str)]; 6] = [
        &[("1_create_users.sql", "select 1;\n")],
        &[
            ("0001_create_users.up.sql", "select 1;\n"),
            ("0001_create_users.down.sql", "select 0;\n"),
        ],
        &[("V1__create_users.sql", "select 1;\n")],
        &[("2020-01-01-000000_create_users/up.sql", "select 1;\n")],
        &[(
            "1_create_users.sql",
            "-- +goose Up\nselect 1;\n-- +goose Down\nselect 0;\n",
        )],
        &[(
            "1_create_users.sql",
            "-- migrate:up\nselect 1;\n-- migrate:down\nselect 0;\n",
        )],
    ];
    for (i, files) in layouts.iter().enumerate() {
        let dir = Dir::new(&format!("names-{i}"));
        for (rel, text) in *files {
            dir.file(rel, text);
        }
        let set = dir.load_ok();
        let m = &set.migrations[0];
        let range = m.description_in_file();
        assert_eq!(
            range.map(|r| &m.up.file[r]),
            Some("create_users"),
            "{}",
            m.up.file
        );
    }
    let dir = Dir::new("names-diesel-up");
    dir.file("2020-01-01-000000_up/up.sql", "select 1;\n");
    let set = dir.load_ok();
    let m = &set.migrations[0];
    assert_eq!(m.description_in_file().map(|r| &m.up.file[r]), Some("up"));
}

#[test]
fn large_sets_read_on_several_threads_keep_file_order() {
    let dir = Dir::new("large");
    for i in 1..=600 {
        dir.file(&format!("{i:04}_m{i}.sql"), &format!("select {i};\n"));
    }
    let set = dir.load_ok();
    let versions: Vec<i64> = set.migrations.iter().map(|m| m.version).collect();
    assert_eq!(versions, (1..=600).collect::<Vec<i64>>());
    assert!(set
        .migrations
        .iter()
        .all(|m| m.checksum == checksum::checksum(&format!("select {};\n", m.version))));
    // problems from every thread, in file order (whole-set checks come after)
    std::fs::write(dir.path().join("0100_m100.sql"), b"select \xff;\n").ok();
    dir.file("0450_bad name.sql", "select 1;\n")
        .file("0500_m500.sql", "-- migrate:bogus\nselect 1;\n");
    let errors = dir.errors();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(errors[0].starts_with("m/0100_m100.sql:1: not valid UTF-8"));
    assert!(errors[1].starts_with("m/0500_m500.sql:1: unknown directive"));
    assert!(errors[2].starts_with("m/0450_m450.sql: duplicate version 450"));
}
