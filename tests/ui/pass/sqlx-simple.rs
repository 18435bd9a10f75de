// sqlx simple files: whole-file up scripts, sorted by number, with both spellings of the
// no-transaction directive
use migrate::Transaction;

static MIGRATOR: migrate::Migrator = migrate::embed_migrations!("tests/ui/fixtures/sqlx-simple");

fn main() {
    let m = MIGRATOR.migrations();
    let versions: Vec<i64> = m.iter().map(|m| m.version().get()).collect();
    assert_eq!(versions, [1, 2, 10, 20]);
    let names: Vec<&str> = m.iter().map(|m| m.name()).collect();
    assert_eq!(
        names,
        ["create_users", "create_posts", "index_posts", "index_users"]
    );
    assert_eq!(
        m[0].up_sql(),
        "create table users (id bigint primary key);\n"
    );
    assert_eq!(
        m[0].up().file(),
        "tests/ui/fixtures/sqlx-simple/1_create_users.sql"
    );
    assert_eq!(m[0].up().line(), 1);
    assert!(m.iter().all(|m| m.down_sql().is_none()));
    let transactions: Vec<Transaction> = m.iter().map(|m| m.transaction()).collect();
    assert_eq!(
        transactions,
        [
            Transaction::Wrapped,
            Transaction::Wrapped,
            Transaction::Disabled,
            Transaction::Disabled
        ]
    );
    assert_eq!(MIGRATOR.head().map(|m| m.version().get()), Some(20));
}
