// `lock` given twice: the build would check only one of the two
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!(
    "tests/ui/fixtures/lock-option-twice",
    lock = "tests/ui/fixtures/lock-option-twice/migrations.lock",
    lock = "other.lock"
);

fn main() {}
