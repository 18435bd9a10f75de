// a `metadata.toml` with `run_in_transaction = false` added to a released diesel migration
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/locked-diesel-metadata-added");

fn main() {}
