// refinery / Flyway names: `V<version>__<description>.sql`
static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("tests/ui/fixtures/refinery");

fn main() {
    let m = MIGRATOR.migrations();
    let versions: Vec<i64> = m.iter().map(|m| m.version().get()).collect();
    assert_eq!(versions, [1, 2, 10]);
    let names: Vec<&str> = m.iter().map(|m| m.name()).collect();
    assert_eq!(names, ["create_users", "create_posts", "add_email"]);
    assert_eq!(m[2].up_sql(), "alter table users add column email text;\n");
    assert!(m.iter().all(|m| m.down_sql().is_none()));
}
