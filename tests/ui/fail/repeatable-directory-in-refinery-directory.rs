// a refinery directory names its repeatable migrations `R__<name>.sql`, not `repeatable/<name>.sql`
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/repeatable-directory-in-refinery-directory");

fn main() {}
