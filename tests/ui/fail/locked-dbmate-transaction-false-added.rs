// dbmate's `transaction:false` added to the up marker of a released migration
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/locked-dbmate-transaction-false-added");

fn main() {}
