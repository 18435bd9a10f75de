// `-- migrate:no-transaction` read as dbmate reads `-- migrate:` lines (any spaces after
// `--`), and sqlx's `-- no-transaction` anywhere in the header of comments
use migrate::Transaction;

static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/directive-spellings");

fn main() {
    let modes: Vec<Transaction> = MIGRATOR
        .migrations()
        .iter()
        .map(|m| m.transaction())
        .collect();
    assert_eq!(
        modes,
        [
            Transaction::Disabled,
            Transaction::Disabled,
            Transaction::Disabled,
            Transaction::Wrapped
        ]
    );
}
