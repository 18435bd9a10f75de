// `require_locked = true` with every migration in the lock, and the lock named explicitly
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!(
    "tests/ui/fixtures/require-locked-complete",
    require_locked = true
);

static EXPLICIT_LOCK: migrate::Migrator = migrate::embed_migrations!(
    "tests/ui/fixtures/require-locked-complete",
    lock = "tests/ui/fixtures/require-locked-complete/migrations.lock",
    require_locked = true,
);

fn main() {
    let m = MIGRATOR.migrations();
    let versions: Vec<i64> = m.iter().map(|m| m.version().get()).collect();
    assert_eq!(versions, [1, 2]);
    assert_eq!(m[1].name(), "create_posts");
    assert_eq!(MIGRATOR, EXPLICIT_LOCK);
}
