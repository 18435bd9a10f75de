// diesel reads only `up.sql`: `up.SQL` would be passed over
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/diesel-up-upper-case");

fn main() {}
