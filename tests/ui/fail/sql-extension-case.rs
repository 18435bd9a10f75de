// `.SQL` and `.Sql` files would be passed over and never run
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/sql-extension-case");

fn main() {}
