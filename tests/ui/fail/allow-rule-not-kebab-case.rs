// the lint names its rules in kebab-case: `BanDropColumn` would never match one
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/allow-rule-not-kebab-case");

fn main() {}
