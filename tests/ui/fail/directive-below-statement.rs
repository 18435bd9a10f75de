// `-- migrate:no-transaction` below the first statement would silently do nothing
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/directive-below-statement");

fn main() {}
