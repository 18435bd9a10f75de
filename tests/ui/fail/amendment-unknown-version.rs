// `amend 99 …` for a version the lock does not have (seal recomputed by hand)
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/amendment-unknown-version");

fn main() {}
