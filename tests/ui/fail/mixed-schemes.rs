// two sqlx files and a refinery file in one directory
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("tests/ui/fixtures/mixed-schemes");

fn main() {}
