//! The embedded table equals the one `Migrator::from_dir` reads at run time: on the example
//! set here, and on every real-world set of the corpus (../shared/corpus), with the counts
//! sets.json lists, in a program built when the corpus is there (tests/embed/corpus.rs).

#[path = "support/corpus.rs"]
mod corpus;

use std::path::Path;

use migrate::{embed_migrations, Migrator, Transaction};

static EXAMPLE: Migrator = embed_migrations!("migrations");

/// The variable `embed_migrations!` reads instead of `CARGO_MANIFEST_DIR` (see tests/ui.rs).
const MANIFEST_DIR_OVERRIDE: &str = "MIGRATE_MANIFEST_DIR_OVERRIDE";

fn from_dir(dir: &str) -> Migrator {
    Migrator::from_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}"))
}

#[test]
fn example_set_embedded_equals_from_dir() {
    assert_eq!(EXAMPLE, from_dir("migrations"));
    let versions: Vec<i64> = EXAMPLE
        .migrations()
        .iter()
        .map(|m| m.version().get())
        .collect();
    assert_eq!(
        versions,
        [
            20240101000000,
            20240102000000,
            20240103000000,
            20240104000000,
            20240105000000
        ]
    );
    let reversible: Vec<bool> = EXAMPLE
        .migrations()
        .iter()
        .map(|m| m.down_sql().is_some())
        .collect();
    assert_eq!(reversible, [true, true, false, false, true]);
    let no_transaction = EXAMPLE
        .migrations()
        .iter()
        .filter(|m| m.transaction() == Transaction::Disabled);
    assert_eq!(
        no_transaction.map(|m| m.name()).collect::<Vec<_>>(),
        ["index_by_date"]
    );
    // the table stores the head's chain; the others are hashed from the checksums
    let set = migrate_core_set("migrations");
    assert_eq!(EXAMPLE.head_chain(), &set.head());
    for (m, core) in EXAMPLE.migrations().iter().zip(&set.migrations) {
        assert_eq!(EXAMPLE.chain_of(m.version()), Some(core.chain));
        assert_eq!(m.name(), core.description);
    }
}

/// Repeatable migrations and timeouts embed as they read: the ui fixtures of both spellings.
#[test]
fn repeatable_sets_embedded_equal_from_dir() {
    static REFINERY: Migrator = embed_migrations!("tests/ui/fixtures/repeatable-refinery");
    static DIRECTORY: Migrator = embed_migrations!("tests/ui/fixtures/repeatable-directory");
    static TIMEOUTS: Migrator = embed_migrations!("tests/ui/fixtures/timeout-directives");
    for (embedded, dir) in [
        (&REFINERY, "tests/ui/fixtures/repeatable-refinery"),
        (&DIRECTORY, "tests/ui/fixtures/repeatable-directory"),
        (&TIMEOUTS, "tests/ui/fixtures/timeout-directives"),
    ] {
        assert_eq!(*embedded, from_dir(dir), "{dir}");
        let set = migrate_core_set(dir);
        assert_eq!(embedded.head_chain(), &set.head(), "{dir}");
        let locked = set.lock.as_ref().map(migrate_core::lock::Lock::head);
        assert!(locked.is_none_or(|head| head == set.head()), "{dir}");
    }
    assert_eq!(REFINERY.repeatables().len(), 2);
    // the head covers the repeatable migrations: it is not the newest migration's chain
    let newest = REFINERY.migrations().last().map(|m| m.version());
    assert_ne!(
        newest.and_then(|v| REFINERY.chain_of(v)),
        Some(*REFINERY.head_chain())
    );
}

#[test]
fn example_set_matches_its_lock() {
    let set = migrate_core_set("migrations");
    assert_eq!(
        set.lock_state(),
        migrate_core::lock::LockState::Current,
        "migrations/migrations.lock is stale: run `cargo run -p migrate-db-cli -- lock`"
    );
    let committed = std::fs::read_to_string("migrations/migrations.lock").unwrap_or_default();
    assert_eq!(committed, set.to_lock().render());
}

fn migrate_core_set(dir: &str) -> migrate_core::MigrationSet {
    migrate_core::load(dir.as_ref(), dir, &Default::default()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_corpus_set_embedded_equals_from_dir_with_the_listed_count() {
    let Some(sets) = corpus::available() else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut list =
        String::from("static CORPUS_SETS: &[(&str, &str, usize, &::migrate::Migrator)] = &[\n");
    for set in &sets {
        list.push_str(&format!(
            "    ({:?}, {:?}, {}, &::migrate::embed_migrations!({:?})),\n",
            set.name, set.dir, set.migrations, set.dir
        ));
    }
    list.push_str("];\n");
    let generated = root.join("target/tests/corpus-embed/sets.rs");
    if let Some(parent) = generated.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
    }
    std::fs::write(&generated, list).unwrap_or_else(|e| panic!("{}: {e}", generated.display()));
    // read by the program at its build (`include!(env!(..))`, `env!(..)`), as for tests/ui.rs
    std::env::set_var("MIGRATE_CORPUS_EMBED", &generated);
    std::env::set_var(MANIFEST_DIR_OVERRIDE, root);
    trybuild::TestCases::new().pass("tests/embed/corpus.rs");
}
