//! The corpus half of tests/embed.rs: every real-world set of the corpus, embedded, equals
//! the table `Migrator::from_dir` reads at run time, with the count sets.json lists.
//!
//! The corpus sits beside the repository, not in it, so this program is not a test target of
//! its own: tests/embed.rs writes the list of sets (`MIGRATE_CORPUS_EMBED`) and builds and
//! runs it through trybuild only when the corpus is there. The crate still builds, and its
//! tests still pass, on a clone without the corpus.

use migrate::{Migrator, Transaction};

// `CORPUS_SETS`: (name, directory relative to the crate root, listed count, embedded table)
include!(env!("MIGRATE_CORPUS_EMBED"));

fn main() {
    // paths in both tables start with the directory as given, relative to the crate root
    std::env::set_current_dir(env!("MIGRATE_MANIFEST_DIR_OVERRIDE"))
        .unwrap_or_else(|e| panic!("the crate root: {e}"));
    assert!(CORPUS_SETS.len() >= 17, "{} sets", CORPUS_SETS.len());
    for (name, dir, count, migrator) in CORPUS_SETS {
        let from_dir = Migrator::from_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}"));
        assert_eq!(migrator.migrations().len(), *count, "{name}: {dir}");
        assert_eq!(**migrator, from_dir, "{name}: embedded and from_dir differ");
        let versions: Vec<i64> = migrator
            .migrations()
            .iter()
            .map(|m| m.version().get())
            .collect();
        assert!(
            versions.windows(2).all(|w| w[0] < w[1]),
            "{name}: versions not in order"
        );
        let core = migrate_core::load(dir.as_ref(), dir, &Default::default())
            .unwrap_or_else(|e| panic!("{dir}: {e}"));
        for (m, core) in migrator.migrations().iter().zip(&core.migrations) {
            assert_eq!(m.name(), core.description, "{name}: {}", core.up.file);
        }
        assert_eq!(migrator.head_chain(), &core.head(), "{name}");
    }
    details();
}

fn set(name: &str) -> &'static Migrator {
    CORPUS_SETS
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(.., m)| *m)
        .unwrap_or_else(|| panic!("sets.json lists no set {name}"))
}

/// What each layout's real-world set shows survives embedding.
fn details() {
    // diesel: version 0, a name with spaces, metadata.toml run_in_transaction = false, the
    // `-NNNN` form (diesel's text order: the 14 digits times 100000, plus the rank of `0000`)
    let crates = set("crates-io").migrations();
    assert_eq!(crates[0].version().get(), 0);
    assert_eq!(crates[0].name(), "diesel_initial_setup");
    assert!(crates
        .iter()
        .any(|m| m.name() == "Add email notifications to crate owners"));
    assert_eq!(
        crates
            .iter()
            .filter(|m| m.transaction() == Transaction::Disabled)
            .count(),
        7
    );
    assert!(crates
        .iter()
        .any(|m| m.version().get() == 2025111909144400004));
    // goose: NO TRANSACTION and sections
    let openfga = set("openfga-postgres").migrations();
    let last = &openfga[openfga.len() - 1];
    assert_eq!(last.transaction(), Transaction::Disabled);
    assert!(last.up_sql().contains("CONCURRENTLY"));
    assert!(!last.up_sql().contains("+goose Down"));
    assert!(openfga.iter().all(|m| m.down_sql().is_some()));
    // golang-migrate: padded versions, up only
    let harbor = set("harbor").migrations();
    assert_eq!(harbor[0].version().get(), 1);
    assert!(harbor.iter().all(|m| m.down_sql().is_none()));
    // sqlx reversible
    let kv = &set("atuin-kv").migrations()[0];
    assert!(kv.up().file().ends_with("_create_kv_db.up.sql"));
    assert!(kv
        .down()
        .is_some_and(|d| d.file().ends_with("_create_kv_db.down.sql")));
    // gophish's first file starts with a blank line, then `-- +goose Up` on line 2
    let gophish = &set("gophish-sqlite").migrations()[0];
    assert_eq!(gophish.up().line(), 3);
    assert!(gophish.up_sql().starts_with("-- SQL in section 'Up'"));
}
