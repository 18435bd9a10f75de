// diesel's own rule: the version is the name up to the first `_`, dashes left out, of any
// length, and migrations run in the text order of those versions — `2024-03-13_170000_x` is
// version `20240313` (description `170000_sso_users`), after `20240312235959`, before
// `20240313000000`, which comes before `202403130000000000` and `202403131`
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/diesel-by-diesels-rule");

fn main() {
    let m = MIGRATOR.migrations();
    let names: Vec<&str> = m.iter().map(|m| m.name()).collect();
    assert_eq!(
        names,
        [
            "create_users",
            "170000_sso_users",
            "create_posts",
            "index_posts",
            "seed"
        ]
    );
    let versions: Vec<i64> = m.iter().map(|m| m.version().get()).collect();
    assert_eq!(
        versions,
        [
            2024031223595900000, // 14 digits: × 100000
            2024031299999999994, // 8 digits: just below 20240313000000 × 100000
            2024031300000000000,
            2024031300000000004, // 18 digits: + the rank of `0000` among 1 to 4 digits
            2024031310000000000 - 5,
        ]
    );
    assert_eq!(
        m[1].up().file(),
        "tests/ui/fixtures/diesel-by-diesels-rule/2024-03-13_170000_sso_users/up.sql"
    );
}
