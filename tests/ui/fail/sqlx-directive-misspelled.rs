// `-- no-transactions`: sqlx takes any first line starting with `-- no-transaction` as the
// directive; this project does not guess
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/sqlx-directive-misspelled");

fn main() {}
