// `format 2 ` with a trailing space: the lock was edited, not written by a newer migrate
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/lock-format-trailing-space");

fn main() {}
