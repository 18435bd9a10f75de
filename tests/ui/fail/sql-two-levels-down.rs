// `archive/2023/2_create_posts.sql`, two levels down, would never run
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/sql-two-levels-down");

fn main() {}
