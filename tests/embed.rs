//! The embedded table equals the one `Migrator::from_dir` reads at run time, on the example
//! set and on every real-world set of ../shared/corpus, with the counts sets.json lists.

use migrate::{embed_migrations, Migrator, Transaction};

const CORPUS: &str = "../shared/corpus";

static EXAMPLE: Migrator = embed_migrations!("migrations");

macro_rules! corpus {
    ($($name:ident => $dir:literal,)*) => {
        $(static $name: Migrator = embed_migrations!($dir);)*

        /// Every embedded corpus set with its directory relative to the crate root.
        fn corpus_sets() -> Vec<(&'static str, &'static Migrator)> {
            vec![$(($dir, &$name)),*]
        }
    };
}

corpus! {
    ATUIN_SERVER_POSTGRES => "../shared/corpus/atuin/crates/atuin-server-postgres/migrations",
    ATUIN_SERVER_SQLITE => "../shared/corpus/atuin/crates/atuin-server-sqlite/migrations",
    ATUIN_CLIENT => "../shared/corpus/atuin/crates/atuin-client/migrations",
    ATUIN_CLIENT_RECORDS => "../shared/corpus/atuin/crates/atuin-client/record-migrations",
    ATUIN_CLIENT_META => "../shared/corpus/atuin/crates/atuin-client/meta-migrations",
    ATUIN_SCRIPTS => "../shared/corpus/atuin/crates/atuin-scripts/migrations",
    ATUIN_KV => "../shared/corpus/atuin/crates/atuin-kv/migrations",
    ATUIN_AI => "../shared/corpus/atuin/crates/atuin-ai/migrations",
    KAIKU => "../shared/corpus/kaiku/server/migrations",
    PIERRE_MCP_SERVER => "../shared/corpus/pierre-mcp-server/migrations",
    SQLXMQ => "../shared/corpus/sqlxmq/migrations",
    CRATES_IO => "../shared/corpus/crates-io/migrations",
    HARBOR => "../shared/corpus/harbor/make/migrations/postgresql",
    GOPHISH => "../shared/corpus/gophish/db/db_sqlite3/migrations",
    OPENFGA_POSTGRES => "../shared/corpus/openfga/assets/migrations/postgres",
    OPENFGA_SQLITE => "../shared/corpus/openfga/assets/migrations/sqlite",
}

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

#[test]
fn example_set_matches_its_lock() {
    let set = migrate_core_set("migrations");
    let committed = std::fs::read_to_string("migrations/migrations.lock").unwrap_or_default();
    assert_eq!(
        committed,
        set.to_lock().render(),
        "migrations/migrations.lock is stale: run `cargo run -p migrate-cli -- lock`"
    );
}

fn migrate_core_set(dir: &str) -> migrate_core::MigrationSet {
    migrate_core::load(dir.as_ref(), dir, &Default::default()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_corpus_set_embedded_equals_from_dir_with_the_listed_count() {
    let text = std::fs::read_to_string(format!("{CORPUS}/sets.json"))
        .unwrap_or_else(|e| panic!("{CORPUS}/sets.json must sit beside the repository: {e}"));
    let sets: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("sets.json: {e}"));
    let embedded = corpus_sets();
    let listed = sets.as_array().map(Vec::as_slice).unwrap_or_default();
    assert!(listed.len() >= 17, "sets.json lists {} sets", listed.len());
    for set in listed {
        let dir = format!("{CORPUS}/{}", set["dir"].as_str().unwrap_or_default());
        let count = set["migrations"].as_u64().unwrap_or_default() as usize;
        let Some((_, migrator)) = embedded.iter().find(|(d, _)| *d == dir) else {
            panic!(
                "{dir} (set {}) is not embedded in this test: add it to `corpus!`",
                set["name"]
            );
        };
        assert_eq!(migrator.migrations().len(), count, "{dir}");
        assert_eq!(
            **migrator,
            from_dir(&dir),
            "{dir}: embedded and from_dir differ"
        );
        let versions: Vec<i64> = migrator
            .migrations()
            .iter()
            .map(|m| m.version().get())
            .collect();
        assert!(
            versions.windows(2).all(|w| w[0] < w[1]),
            "{dir}: versions not in order"
        );
        let core = migrate_core_set(&dir);
        for (m, core) in migrator.migrations().iter().zip(&core.migrations) {
            assert_eq!(m.name(), core.description, "{dir}: {}", core.up.file);
        }
        assert_eq!(migrator.head_chain(), &core.head(), "{dir}");
    }
}

#[test]
fn corpus_details_survive_embedding() {
    // diesel: version 0, a name with spaces, metadata.toml run_in_transaction = false, the
    // `-NNNN` form (the 14 digits times 100000, plus the rank of `0000`)
    let crates = CRATES_IO.migrations();
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
    let openfga = OPENFGA_POSTGRES.migrations();
    let last = &openfga[openfga.len() - 1];
    assert_eq!(last.transaction(), Transaction::Disabled);
    assert!(last.up_sql().contains("CONCURRENTLY"));
    assert!(!last.up_sql().contains("+goose Down"));
    assert!(openfga.iter().all(|m| m.down_sql().is_some()));
    // golang-migrate: padded versions, up only
    assert_eq!(HARBOR.migrations()[0].version().get(), 1);
    assert!(HARBOR.migrations().iter().all(|m| m.down_sql().is_none()));
    // sqlx reversible
    let kv = &ATUIN_KV.migrations()[0];
    assert!(kv.up().file().ends_with("_create_kv_db.up.sql"));
    assert!(kv
        .down()
        .is_some_and(|d| d.file().ends_with("_create_kv_db.down.sql")));
    // gophish's first file starts with a blank line, then `-- +goose Up` on line 2
    assert_eq!(GOPHISH.migrations()[0].up().line(), 3);
    assert!(GOPHISH.migrations()[0]
        .up_sql()
        .starts_with("-- SQL in section 'Up'"));
}
