// `2_create_posts.sql` is a FIFO (made by tests/ui.rs): opening it would hang the build
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/fifo-named-like-a-migration");

fn main() {}
