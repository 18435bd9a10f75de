// `R__user_names.sql` is refinery's spelling of a repeatable migration; a sqlx directory keeps them in `repeatable/`
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/repeatable-flyway-name-in-sqlx-directory");

fn main() {}
