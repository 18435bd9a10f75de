// `1_create_users.sql` is a whole migration, so `1_create_users.down.sql` has no up to pair with
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/down-beside-simple-file");

fn main() {}
