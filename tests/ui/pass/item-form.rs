// the item form: a module with the table and one typed constant per migration; two
// descriptions that make the same name get their versions appended, and a description that
// starts with a digit gets a `V_` in front
use migrate::Version;

migrate::embed_migrations!(pub mod db, "tests/ui/fixtures/item-form");

mod private {
    migrate::embed_migrations!(mod db, "tests/ui/fixtures/item-form");

    pub fn count() -> usize {
        db::MIGRATOR.migrations().len()
    }
}

fn target(version: Version) -> i64 {
    version.get()
}

fn main() {
    const ALL: [Version; 5] = [
        db::CREATE_USERS,
        db::ADD_INDEX_2,
        db::V_2FA_CODES,
        db::ADD_INDEX_4,
        db::ADD_USER_BIO,
    ];
    let versions: Vec<i64> = ALL.iter().map(|v| target(*v)).collect();
    assert_eq!(versions, [1, 2, 3, 4, 5]);
    let table: Vec<Version> = db::MIGRATOR
        .migrations()
        .iter()
        .map(|m| m.version())
        .collect();
    assert_eq!(table, ALL);
    assert_eq!(
        db::MIGRATOR.get(db::V_2FA_CODES).map(|m| m.name()),
        Some("2fa_codes")
    );
    assert_eq!(
        db::MIGRATOR.get(db::ADD_INDEX_4).map(|m| m.name()),
        Some("add-index")
    );
    assert_eq!(i64::from(db::ADD_USER_BIO), 5);
    assert_eq!(private::count(), 5);
}
