// a version one above i64::MAX
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/version-above-i64-max");

fn main() {}
