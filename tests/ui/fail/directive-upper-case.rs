// `-- MIGRATE:NO-TRANSACTION` is no directive: the file would run in a transaction
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/directive-upper-case");

fn main() {}
