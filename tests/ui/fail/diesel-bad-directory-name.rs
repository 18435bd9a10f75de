// `2024-01-02_create_posts/` has no time in its version
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/diesel-bad-directory-name");

fn main() {}
