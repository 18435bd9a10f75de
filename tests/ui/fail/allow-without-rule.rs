// `-- migrate:allow` that names no rule acknowledges nothing
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/allow-without-rule");

fn main() {}
