// `-- migrate:no-transactions` is a misspelt directive that would silently do nothing
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/unknown-directive");

fn main() {}
