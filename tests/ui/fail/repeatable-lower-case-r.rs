// Flyway reads `R__`, with a capital R: `r__user_names.sql` would never run
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/repeatable-lower-case-r");

fn main() {}
