// `2_create_posts.sql` is locked and was deleted
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/locked-migration-deleted");

fn main() {}
