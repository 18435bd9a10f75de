// the lock's repeatable line was edited by hand to the new checksum: `head` and `seal` no longer verify
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/lock-repeatable-hand-edited");

fn main() {}
