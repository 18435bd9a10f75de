// `1_create_users.down.SQL` would be passed over, making the migration irreversible
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/down-extension-case");

fn main() {}
