// `2024-01-02-000000_create_posts/` holds only `down.sql`
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/diesel-down-without-up");

fn main() {}
