// `-1_create_users.sql`: versions start at 0
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/negative-version");

fn main() {}
