// a goose file whose `-- +goose Up` line is missing
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/goose-without-up");

fn main() {}
