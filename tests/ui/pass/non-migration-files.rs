// files that are not `.sql` (README.md, .gitkeep, a schema diagram), hidden files and a
// directory without `up.sql` are passed over
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/non-migration-files");

fn main() {
    let m = MIGRATOR.migrations();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].version().get(), 1);
    assert_eq!(
        m[0].up().file(),
        "tests/ui/fixtures/non-migration-files/1_create_users.sql"
    );
}
