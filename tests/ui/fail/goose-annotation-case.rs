// goose compares annotations as written: `-- +goose down` is a comment to it, and the drop
// would run as part of the up
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/goose-annotation-case");

fn main() {}
