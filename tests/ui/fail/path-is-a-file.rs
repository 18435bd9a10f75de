// the path names a migration file, not the directory
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/path-is-a-file/1_create_users.sql");

fn main() {}
