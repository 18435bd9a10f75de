// `1_x` and `2_x` share a description, so their constants get the version appended — but
// `X_1` is also `3_x_1`'s, and `V1_X` is `4_v1_x`'s: the names still differ
migrate::embed_migrations!(pub mod db, "tests/ui/fixtures/item-form-constant-collision");

fn main() {
    let all = [db::X__1, db::X_2, db::X_1, db::V1_X];
    let versions: Vec<i64> = all.iter().map(|v| v.get()).collect();
    assert_eq!(versions, [1, 2, 3, 4]);
}
