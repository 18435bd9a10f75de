// a lock of a format this version does not know
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/lock-unknown-format");

fn main() {}
