// a repeatable migration needs a name: `R__.sql` has none
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/repeatable-empty-name");

fn main() {}
