// a lock whose lines end in a lone CR (an editor's choice) says the same as with LF
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/lock-lone-cr", require_locked = true);

fn main() {
    assert_eq!(MIGRATOR.migrations().len(), 2);
}
