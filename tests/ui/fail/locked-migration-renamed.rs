// `2_create_posts.sql` is locked and was renamed to `2_add_posts.sql`
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/locked-migration-renamed");

fn main() {}
