// `-- migrate:repeatable` is not how a repeatable migration is spelled: it is a file in `repeatable/`
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/repeatable-directive");

fn main() {}
