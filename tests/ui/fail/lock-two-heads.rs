// two `head` lines, as a careless merge leaves them: the second is not silently taken
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("tests/ui/fixtures/lock-two-heads");

fn main() {}
