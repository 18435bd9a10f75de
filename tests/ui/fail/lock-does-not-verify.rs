// the entry of version 2 was deleted from the lock by hand
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/lock-does-not-verify");

fn main() {}
