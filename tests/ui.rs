//! The ui suite: every problem `embed_migrations!` reports, as the user sees it
//! (`tests/ui/fail`, one fixture directory each under `tests/ui/fixtures`), and every layout
//! it reads (`tests/ui/pass`).
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test --test ui`, then review
//! every one.

use std::path::Path;

/// The variable `embed_migrations!` reads instead of `CARGO_MANIFEST_DIR`.
const MANIFEST_DIR_OVERRIDE: &str = "MIGRATE_MANIFEST_DIR_OVERRIDE";

/// Cases whose fixture is made here, with whether this platform can make it.
const GENERATED: &[(&str, bool)] = &[
    // macOS and Windows file systems refuse names that are not UTF-8
    ("non-utf8-file-name", cfg!(target_os = "linux")),
    ("symlink-outside", cfg!(unix)),
    // a FIFO named like a migration
    ("fifo-named-like-a-migration", cfg!(unix)),
];

#[test]
fn ui() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // trybuild builds each case in a crate of its own under target/, where
    // CARGO_MANIFEST_DIR is not this crate (trybuild issues 202 and 296); with the override
    // the cases name fixtures relative to this crate and messages hold no machine paths.
    std::env::set_var(MANIFEST_DIR_OVERRIDE, root);
    make_fixtures(&root.join("tests/ui/fixtures"));

    let t = trybuild::TestCases::new();
    if GENERATED.iter().all(|(_, possible)| *possible) {
        t.compile_fail("tests/ui/fail/*.rs");
    } else {
        for case in cases(&root.join("tests/ui/fail")) {
            let possible = GENERATED
                .iter()
                .all(|(name, possible)| *possible || case.file_stem() != Some(name.as_ref()));
            if possible {
                t.compile_fail(case);
            }
        }
    }
    t.pass("tests/ui/pass/*.rs");
}

/// The entries git cannot carry portably; `tests/ui/fixtures/.gitignore` keeps them out.
#[cfg_attr(not(unix), allow(unused_variables))]
fn make_fixtures(fixtures: &Path) {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;

        // `2_café.sql` in Latin-1: the é is the lone byte 0xe9
        let name = OsStr::from_bytes(b"2_caf\xe9.sql");
        let path = fixtures.join("non-utf8-file-name").join(name);
        if let Err(e) = std::fs::write(&path, "create table cafe (id bigint primary key);\n") {
            panic!("cannot create {}: {e}", path.display());
        }
    }
    #[cfg(unix)]
    {
        let link = fixtures.join("symlink-outside/migrations/2_create_posts.sql");
        if std::fs::symlink_metadata(&link).is_err() {
            let target = Path::new("../shared/2_create_posts.sql");
            if let Err(e) = std::os::unix::fs::symlink(target, &link) {
                panic!("cannot create {}: {e}", link.display());
            }
        }
        let fifo = fixtures.join("fifo-named-like-a-migration/2_create_posts.sql");
        if std::fs::symlink_metadata(&fifo).is_err() {
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if !made.is_ok_and(|s| s.success()) {
                panic!("cannot create the FIFO {} with `mkfifo`", fifo.display());
            }
        }
    }
}

/// The `.rs` files of a case directory, sorted.
fn cases(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut cases: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    cases.sort();
    cases
}
