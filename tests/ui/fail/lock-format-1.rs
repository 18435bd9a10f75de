// a lock written in format 1, which records no transaction modes and has no seal
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("tests/ui/fixtures/lock-format-1");

fn main() {}
