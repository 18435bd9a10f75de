// `12_.sql`: the description after the version is empty
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/empty-description");

fn main() {}
