// two branches each locked a new migration and git left the conflict in the lock
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/lock-merge-conflict");

fn main() {}
