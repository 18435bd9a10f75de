// two reviewed edits of migration 2, written by `migrate lock --amend`: each leads from the
// checksum the migration had to the next, and the last to the file's
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/lock-amendments", require_locked = true);

fn main() {
    assert_eq!(MIGRATOR.migrations().len(), 2);
    assert_eq!(MIGRATOR.amendments().len(), 2);
}
