// a dbmate file with its down section first
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/dbmate-down-before-up");

fn main() {}
