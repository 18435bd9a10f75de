// `2_create_posts.sql` is not locked but older than the locked `3_add_display_name.sql`
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("tests/ui/fixtures/late-merge");

fn main() {}
