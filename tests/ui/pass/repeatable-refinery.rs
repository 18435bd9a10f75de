// refinery / Flyway repeatable migrations, `R__<name>.sql` beside the versioned files: in
// name order, after the versioned ones, covered by the head chain
static MIGRATOR: migrate::Migrator =
    migrate::embed_migrations!("tests/ui/fixtures/repeatable-refinery");

fn main() {
    let versions: Vec<i64> = MIGRATOR.migrations().iter().map(|m| m.version().get()).collect();
    assert_eq!(versions, [1, 2]);
    let repeatables = MIGRATOR.repeatables();
    let names: Vec<&str> = repeatables.iter().map(|r| r.name()).collect();
    assert_eq!(names, ["grants", "user_names"]);
    assert_eq!(repeatables[0].script().file(), "tests/ui/fixtures/repeatable-refinery/R__grants.sql");
    assert_eq!(repeatables[0].transaction(), migrate::Transaction::Disabled);
    assert_eq!(repeatables[1].transaction(), migrate::Transaction::Wrapped);
    assert_eq!(
        repeatables[1].sql(),
        "create or replace view user_names as select name from users;\n"
    );
}
