// `-- +goose NO TRANSACTION` added to released migration 2: outside its up section, so the
// checksum is the same, but it would run outside a transaction
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/locked-goose-no-transaction-added");

fn main() {}
