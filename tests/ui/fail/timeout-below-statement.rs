// a timeout below the first statement would not cover the statements above it
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/timeout-below-statement");

fn main() {}
