// `12.sql`: a version and no description
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/version-without-description");

fn main() {}
