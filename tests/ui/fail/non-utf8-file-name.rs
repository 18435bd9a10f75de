// a file named `2_caf\xe9.sql` (Latin-1), made by tests/ui.rs
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/non-utf8-file-name");

fn main() {}
