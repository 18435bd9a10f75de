// `-- + goose Down` is not read by goose: the down section would run as part of the up
// script
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/goose-marker-misspelled");

fn main() {}
