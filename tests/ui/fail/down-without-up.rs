// `1_create_users.down.sql` alone: a down script needs its up script
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/down-without-up");

fn main() {}
