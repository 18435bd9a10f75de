// `-- +goose StatementBegin` never closed before the down section
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/goose-statement-begin-without-end");

fn main() {}
