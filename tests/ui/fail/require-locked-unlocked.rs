// `2_create_posts.sql` is not in the lock and the build demands that every migration is
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!(
    "tests/ui/fixtures/require-locked-unlocked",
    require_locked = true
);

fn main() {}
