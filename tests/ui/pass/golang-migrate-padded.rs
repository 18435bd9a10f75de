// golang-migrate's zero-padded `.up.sql` / `.down.sql` pairs: versions are numbers
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/golang-migrate-padded");

fn main() {
    let m = MIGRATOR.migrations();
    let versions: Vec<i64> = m.iter().map(|m| m.version().get()).collect();
    assert_eq!(versions, [1, 2, 10]);
    let names: Vec<&str> = m.iter().map(|m| m.name()).collect();
    assert_eq!(names, ["create_users", "create_posts", "add_email"]);
    assert_eq!(
        m[0].up().file(),
        "tests/ui/fixtures/golang-migrate-padded/0001_create_users.up.sql"
    );
    assert!(m.iter().all(|m| m.down_sql().is_some()));
    assert_eq!(
        m[2].down_sql(),
        Some("alter table users drop column email;\n")
    );
}
