// `repeatable/user_names.sql` changed after `migrate lock`: the lock must record its new checksum
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/locked-repeatable-edited");

fn main() {}
