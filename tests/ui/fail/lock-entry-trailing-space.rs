// a space after the file name of entry 2: the name looks the same, so the message says where
// the difference is
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/lock-entry-trailing-space");

fn main() {}
