// `1_create_user.down.sql` beside `1_create_users.up.sql`: the names must match
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/down-description-differs");

fn main() {}
