// `metadata.toml` says `run_in_transactions` (a typo of diesel's `run_in_transaction`)
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/diesel-metadata-unknown-key");

fn main() {}
