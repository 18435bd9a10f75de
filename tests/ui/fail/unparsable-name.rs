// `init.sql` has no version: a .sql file that fits no scheme is an error, never skipped
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/unparsable-name");

fn main() {}
