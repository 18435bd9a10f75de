// `repeatable/user_names.sql` is not in the lock and the build demands that everything is
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!(
    "tests/ui/fixtures/require-locked-repeatable",
    require_locked = true
);

fn main() {}
