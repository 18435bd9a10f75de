// `V2_create_posts.sql`: refinery separates the version with two underscores
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/refinery-single-underscore");

fn main() {}
