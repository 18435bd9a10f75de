// the lock is `migrations.lock`, the option names `migration.lock`: without the error the
// edited migration 1 would build
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!(
    "tests/ui/fixtures/named-lock-missing",
    lock = "tests/ui/fixtures/named-lock-missing/migration.lock"
);

fn main() {}
