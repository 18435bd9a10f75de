// several bad files: every problem is reported in one build
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("tests/ui/fixtures/many-problems");

fn main() {}
