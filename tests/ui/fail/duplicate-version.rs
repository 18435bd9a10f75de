// `3_add_email.sql` and `3_create_posts.sql` share version 3
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/duplicate-version");

fn main() {}
