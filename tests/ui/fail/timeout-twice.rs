// two lock timeouts in one file: which one holds?
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/timeout-twice");

fn main() {}
