// `5m` is neither minutes (`5min`) nor milliseconds (`5ms`) to PostgreSQL
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/timeout-unknown-unit");

fn main() {}
