//! goose and dbmate sections, and the plain case, as `section::read` finds them.

use migrate_core::scheme::{Role, Scheme};
use migrate_core::section::{read, Part};

fn slice(text: &str, part: Part) -> &str {
    &text[part.start..part.end]
}

#[test]
fn plain_file_is_one_up_script() {
    let text = "create table t (a int);\n";
    let sections = read(text, Scheme::Sqlx, Role::Single).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(sections.scheme, Scheme::Sqlx);
    assert_eq!(slice(text, sections.up), text);
    assert!(sections.down.is_none());
}

#[test]
fn goose_sections() {
    let text = "\n-- +goose Up\n-- +goose StatementBegin\ncreate function f() returns int as $$ select 1; $$ language sql;\n-- +goose StatementEnd\n\n-- +goose Down\ndrop function f;\n";
    let s = read(text, Scheme::Sqlx, Role::Single).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(s.scheme, Scheme::Goose);
    assert_eq!(s.up.line, 3);
    assert!(slice(text, s.up).starts_with("-- +goose StatementBegin\ncreate function"));
    assert!(slice(text, s.up).ends_with("StatementEnd\n\n"));
    assert_eq!(s.down.map(|d| slice(text, d)), Some("drop function f;\n"));
    assert!(!s.up.no_transaction);
}

#[test]
fn goose_no_transaction_covers_both_sections() {
    let text = "-- +goose NO TRANSACTION\n-- +goose Up\ncreate index concurrently i on t (a);\n-- +goose Down\ndrop index i;\n";
    let s = read(text, Scheme::Sqlx, Role::Single).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(s.up.no_transaction);
    assert!(s.down.map(|d| d.no_transaction).unwrap_or(false));
}

#[test]
fn goose_mistakes_name_their_line() {
    let text = "select 1;\n-- +goose Up\n-- +goose StatementBegin\nselect 2;\n-- +goose Sideways\n";
    let problems = read(text, Scheme::Sqlx, Role::Single)
        .err()
        .unwrap_or_default();
    let lines: Vec<u32> = problems.iter().map(|p| p.0).collect();
    assert_eq!(lines, vec![1, 5, 3], "{problems:?}");
}

#[test]
fn a_missing_up_marker_is_one_problem() {
    for text in [
        "create table t (a int);\n\n-- +goose Down\ndrop table t;\n",
        "\ncreate table t (a int);\n\n-- migrate:down\ndrop table t;\n",
    ] {
        let problems = read(text, Scheme::Sqlx, Role::Single)
            .err()
            .unwrap_or_default();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].1.contains("without `-- "), "{problems:?}");
        assert_eq!(
            problems[0].0,
            text.lines()
                .position(|l| !l.is_empty())
                .map_or(0, |i| i as u32 + 1)
        );
    }
}

#[test]
fn dbmate_sections_and_transaction_option() {
    let text = "-- migrate:up transaction:false\ncreate index concurrently i on t (a);\n\n-- migrate:down\ndrop index i;\n";
    let s = read(text, Scheme::Sqlx, Role::Single).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(s.scheme, Scheme::Dbmate);
    assert_eq!(
        slice(text, s.up),
        "create index concurrently i on t (a);\n\n"
    );
    assert!(s.up.no_transaction);
    assert_eq!(s.down.map(|d| (d.line, d.no_transaction)), Some((5, false)));
}

#[test]
fn dbmate_down_before_up_is_an_error() {
    let text = "-- migrate:down\ndrop table t;\n-- migrate:up\ncreate table t (a int);\n";
    assert!(read(text, Scheme::Sqlx, Role::Single).is_err());
}
