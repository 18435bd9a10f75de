//! What each tool's rows claim, on rows shaped as each tool writes them (see the module's
//! sources).

use super::*;
use crate::adopt::{ChecksumKind, Columns};

fn claims(source: &Source, rows: Vec<Vec<Cell>>) -> Vec<(String, Key, What)> {
    let history = interpret(source, "t", &rows).unwrap_or_else(|e| panic!("{e}"));
    history
        .claims
        .into_iter()
        .map(|c| (c.row, c.key, c.what))
        .collect()
}

/// What the rows claim, without how the mapping shows them.
fn keyed(source: &Source, rows: Vec<Vec<Cell>>) -> Vec<(Key, What)> {
    claims(source, rows)
        .into_iter()
        .map(|(_, k, w)| (k, w))
        .collect()
}

fn int(n: i64) -> Cell {
    Cell::Int(n)
}

fn text(t: &str) -> Cell {
    Cell::Text(t.to_owned())
}

#[test]
fn sqlx_rows_are_applied_with_their_checksum_or_failed() {
    let source = Source::tool(Tool::Sqlx);
    let got = claims(
        &source,
        vec![
            vec![int(1), Cell::Bool(true), Cell::Bytes(vec![1, 2])],
            // sqlx on MySQL inserts `success = FALSE` before running the script
            vec![int(2), int(0), Cell::Bytes(vec![3])],
        ],
    );
    assert_eq!(
        got,
        [
            (
                "version=1 success=true".to_owned(),
                Key::Number(1),
                What::Applied(Some(Recorded::Sqlx(vec![1, 2])))
            ),
            (
                "version=2 success=0".to_owned(),
                Key::Number(2),
                What::Failed
            ),
        ]
    );
}

#[test]
fn goose_counts_the_latest_row_of_each_version_and_skips_the_sentinel() {
    // rows by id: the sentinel, 1 up, 2 up, 2 down (goose before PR #296), 3 up, 1 down, 1 up
    let rows = [(0, 1), (1, 1), (2, 1), (2, 0), (3, 1), (1, 0), (1, 1)]
        .iter()
        .map(|&(v, applied)| vec![int(v), int(applied)])
        .collect();
    let got = keyed(&Source::tool(Tool::Goose), rows);
    assert_eq!(
        got,
        [
            (Key::Number(2), What::Reverted),
            (Key::Number(3), What::Applied(None)),
            (Key::Number(1), What::Applied(None)),
        ]
    );
    let history = interpret(&Source::tool(Tool::Goose), "t", &[]).expect("empty");
    assert!(history.ordered);
}

#[test]
fn golang_migrate_has_one_current_version_and_a_dirty_flag() {
    let source = Source::tool(Tool::GolangMigrate);
    let clean = claims(&source, vec![vec![int(5), Cell::Bool(false)]]);
    assert_eq!(clean.len(), 1);
    assert_eq!(
        (&clean[0].1, &clean[0].2),
        (&Key::Number(5), &What::Current)
    );
    let dirty: Vec<What> = claims(&source, vec![vec![int(5), Cell::Bool(true)]])
        .into_iter()
        .map(|c| c.2)
        .collect();
    assert_eq!(dirty, [What::Below, What::Failed]);
    // a failed down of the first migration (golang-migrate issue #330)
    let nil = claims(&source, vec![vec![int(-1), Cell::Bool(true)]]);
    assert_eq!(nil[1].1, Key::Unplaceable("-1".into()));
}

#[test]
fn flyway_rows_by_rank_with_schema_baseline_repeatable_failed_and_undone() {
    let row = |rank, version: Option<&str>, kind: &str, script: &str, ok, checksum: Option<i64>| {
        vec![
            int(rank),
            version.map_or(Cell::Null, text),
            text(kind),
            text(script),
            Cell::Bool(ok),
            checksum.map_or(Cell::Null, int),
        ]
    };
    let rows = vec![
        row(0, None, "SCHEMA", "\"app\"", true, None),
        row(
            1,
            Some("1"),
            "BASELINE",
            "<< Flyway Baseline >>",
            true,
            None,
        ),
        row(2, Some("002"), "SQL", "V002__b.sql", true, Some(-5)),
        row(3, None, "SQL", "R__views.sql", true, Some(7)),
        row(4, Some("3"), "SQL", "V3__c.sql", false, Some(8)),
        row(5, Some("1.1"), "SQL", "V1_1__d.sql", true, Some(9)),
        row(6, Some("4"), "SQL", "V4__e.sql", true, Some(10)),
        row(7, Some("4"), "UNDO_SQL", "U4__e.sql", true, Some(11)),
        row(8, None, "SQL", "R__views.sql", true, Some(12)),
    ];
    let got = keyed(&Source::tool(Tool::Flyway), rows);
    assert_eq!(
        got,
        [
            (Key::Number(1), What::Baseline),
            (Key::Number(2), What::Applied(Some(Recorded::Flyway(-5)))),
            (Key::Number(3), What::Failed),
            (
                Key::Unplaceable("1.1".into()),
                What::Applied(Some(Recorded::Flyway(9)))
            ),
            (Key::Number(4), What::Reverted),
            (
                Key::Unplaceable("repeatable R__views.sql".into()),
                What::Applied(Some(Recorded::Flyway(12)))
            ),
        ]
    );
}

#[test]
fn diesel_and_dbmate_keep_their_version_text() {
    let diesel = claims(
        &Source::tool(Tool::Diesel),
        vec![vec![text("202511190914440000")]],
    );
    assert_eq!(diesel[0].1, Key::Diesel("202511190914440000".into()));
    let dbmate = claims(&Source::tool(Tool::Dbmate), vec![vec![text("0042")]]);
    assert_eq!(dbmate[0].1, Key::Number(42));
}

#[test]
fn a_home_made_table_reads_the_columns_it_was_given() {
    let source = Source::generic(
        "schema_migrations",
        Columns::new("filename").checksum("checksum", ChecksumKind::Sha256),
    );
    let got = claims(
        &source,
        vec![vec![text("001_a.sql"), Cell::Null, text("AB")]],
    );
    assert_eq!(
        got,
        [(
            "filename=001_a.sql".to_owned(),
            Key::Name("001_a.sql".into()),
            What::Applied(Some(Recorded::Hex(ChecksumKind::Sha256, "AB".into())))
        )]
    );
}

#[test]
fn a_value_the_tool_does_not_write_names_the_row_and_column() {
    let rows = [vec![text("one"), Cell::Bool(true), Cell::Bytes(vec![])]];
    let error = interpret(&Source::tool(Tool::Sqlx), "public._sqlx_migrations", &rows)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    for phrase in [
        "sqlx's history table public._sqlx_migrations has the row `version=one success=true`",
        "whose version is not an integer as sqlx writes it",
    ] {
        assert!(error.contains(phrase), "{phrase:?} not in {error}");
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn queries_quote_every_name() {
    let table = Table::new::<sqlx::Sqlite>("flyway_schema_history", None).expect("a name");
    assert_eq!(
        query::<sqlx::Sqlite>(&Source::tool(Tool::Flyway), &table),
        "SELECT \"installed_rank\", \"version\", \"type\", \"script\", \"success\", \"checksum\" \
         FROM \"flyway_schema_history\" ORDER BY \"installed_rank\""
    );
}
