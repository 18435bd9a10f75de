// a repeatable migration is one script: its goose Down section would run as part of it
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/repeatable-goose-markers");

fn main() {}
