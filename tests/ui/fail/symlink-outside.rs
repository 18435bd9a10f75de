// `migrations/2_create_posts.sql` links to `../shared/`, outside the directory (made by tests/ui.rs)
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/symlink-outside/migrations");

fn main() {}
