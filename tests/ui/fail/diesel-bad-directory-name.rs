// `2024-01-02T12_create_posts/`: diesel reads the version up to the first `_`, and a `T` is
// not a digit
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/diesel-bad-directory-name");

fn main() {}
