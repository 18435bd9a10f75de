// the second amendment of migration 2 starts from a checksum the migration never had (seal
// recomputed by hand)
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/amendment-chain-broken");

fn main() {}
