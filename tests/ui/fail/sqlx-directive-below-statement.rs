// sqlx's `-- no-transaction` below the first statement: sqlx ignores it there, and the file
// would run in a transaction
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/sqlx-directive-below-statement");

fn main() {}
