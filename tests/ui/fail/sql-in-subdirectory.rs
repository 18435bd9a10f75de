// `archive/2_create_posts.sql`, one level down, would never run (and `archive/` is no diesel
// migration)
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/sql-in-subdirectory");

fn main() {}
