// a directory with no migration yet (only a `.gitkeep`) is an empty table, not an error
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/empty-directory");

fn main() {
    assert!(MIGRATOR.migrations().is_empty());
    assert!(MIGRATOR.head().is_none());
}
