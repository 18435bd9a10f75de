// `-- +goose NO TRANSACTIONS` is not a goose annotation
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/goose-unknown-annotation");

fn main() {}
