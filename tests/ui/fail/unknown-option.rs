// `foo` is not an option of the macro
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/unknown-option", foo = 1);

fn main() {}
