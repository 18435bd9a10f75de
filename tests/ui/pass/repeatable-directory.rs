// every other layout keeps its repeatable migrations in `repeatable/`; locked with their
// current checksum, the build accepts them even when every migration must be locked
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!(
    "tests/ui/fixtures/repeatable-directory",
    require_locked = true
);

fn main() {
    assert_eq!(MIGRATOR.migrations().len(), 1);
    let repeatables = MIGRATOR.repeatables();
    assert_eq!(repeatables.len(), 1);
    assert_eq!(repeatables[0].name(), "user_names");
    assert_eq!(
        repeatables[0].script().file(),
        "tests/ui/fixtures/repeatable-directory/repeatable/user_names.sql"
    );
}
