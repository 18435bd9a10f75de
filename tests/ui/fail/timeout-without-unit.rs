// `-- migrate:lock-timeout 100`: milliseconds or seconds? the unit must be written
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/timeout-without-unit");

fn main() {}
