// `2024-03-13_create_users/` and `20240313_create_posts/` are both version `20240313` to
// diesel, which would run only one of them
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/diesel-version-tie");

fn main() {}
