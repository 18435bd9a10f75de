// the directory does not exist
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/missing-directory");

fn main() {}
