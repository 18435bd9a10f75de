// `2_create_posts.sql` gained a column after `migrate lock`
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/locked-migration-edited");

fn main() {}
