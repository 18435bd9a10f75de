// `seed.sql` inside a diesel migration directory would never run
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/diesel-extra-sql-file");

fn main() {}
