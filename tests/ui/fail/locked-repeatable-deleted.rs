// the locked repeatable migration `user_names` is gone from the directory
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/locked-repeatable-deleted");

fn main() {}
