// `2_seed.sql` holds a Latin-1 byte on its second line
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/non-utf8-content");

fn main() {}
