//! The statement splitter: exact pieces for every construct of each dialect, and properties
//! that hold for any input (the pieces cover it exactly, nothing panics).

use migrate_core::split::{line_col, split, Dialect, Statement};
use proptest::prelude::*;

const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::Sqlite, Dialect::MySql];

fn pieces(sql: &str, dialect: Dialect) -> Vec<&str> {
    split(sql, dialect).iter().map(|s| s.text).collect()
}

/// The SQL of the non-blank pieces: what the runtime sends.
fn sent(sql: &str, dialect: Dialect) -> Vec<&str> {
    split(sql, dialect)
        .iter()
        .filter(|s| !s.is_blank())
        .map(Statement::sql)
        .collect()
}

fn piece(text: &str) -> Statement<'_> {
    Statement {
        text,
        offset: 0,
        line: 1,
    }
}

// ------------------------------------------------------------------------------ every dialect

#[test]
fn empty_script_has_no_pieces() {
    for d in ALL {
        assert!(split("", d).is_empty());
    }
}

#[test]
fn a_piece_takes_the_rest_of_its_line_when_blank() {
    for d in ALL {
        assert_eq!(pieces("a;\nb;\n", d), ["a;\n", "b;\n"]);
        assert_eq!(pieces("a;  \r\nb;", d), ["a;  \r\n", "b;"]);
        assert_eq!(pieces("a; b;", d), ["a;", " b;"]);
        assert_eq!(pieces("a; -- why\nb;", d), ["a;", " -- why\nb;"]);
        // trailing whitespace joins the last piece instead of making a piece of its own
        assert_eq!(pieces("a;\n\n  \n", d), ["a;\n\n  \n"]);
        assert_eq!(pieces("a;\n\n-- end\n", d), ["a;\n", "\n-- end\n"]);
        // the last statement may lack its terminator
        assert_eq!(pieces("a;\nb", d), ["a;\n", "b"]);
        assert_eq!(pieces(";;", d), [";", ";"]);
    }
}

#[test]
fn offsets_and_lines() {
    let script =
        "-- head\ncreate table a (x int);\n\ninsert into a values (1); insert into a values (2);\n";
    for d in ALL {
        let got: Vec<(usize, u32)> = split(script, d)
            .iter()
            .map(|s| (s.offset, s.line))
            .collect();
        assert_eq!(got, [(0, 1), (32, 3), (58, 4)], "{d:?}");
    }
}

#[test]
fn line_comments_and_block_comments_hide_semicolons() {
    for d in ALL {
        assert_eq!(pieces("a -- x;\n;b", d), ["a -- x;\n;", "b"]);
        assert_eq!(pieces("a /* x; */;b", d), ["a /* x; */;", "b"]);
        // an unterminated comment runs to the end
        assert_eq!(pieces("a /* x; b; c", d), ["a /* x; b; c"]);
    }
}

#[test]
fn goose_block_is_one_statement_in_every_dialect() {
    let script = "\
-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS trigger AS 'begin; end;' LANGUAGE plpgsql;
SELECT 1;
-- +goose StatementEnd
SELECT 2;
";
    for d in ALL {
        assert_eq!(
            pieces(script, d),
            [
                "-- +goose Up\n-- +goose StatementBegin\n\
                 CREATE FUNCTION f() RETURNS trigger AS 'begin; end;' LANGUAGE plpgsql;\nSELECT 1;\n",
                "-- +goose StatementEnd\nSELECT 2;\n",
            ],
            "{d:?}"
        );
        assert_eq!(
            sent(script, d),
            [
                "CREATE FUNCTION f() RETURNS trigger AS 'begin; end;' LANGUAGE plpgsql;\nSELECT 1;",
                "SELECT 2;"
            ]
        );
    }
}

#[test]
fn goose_block_ignores_quotes_and_any_case_of_the_markers() {
    // goose reads blocks line by line: an unclosed quote inside does not hide the end marker
    let script = "--  +goose statementbegin  \nx ' ;\ny;\n  -- +goose STATEMENTEND\nz;";
    for d in ALL {
        assert_eq!(
            pieces(script, d),
            [
                "--  +goose statementbegin  \nx ' ;\ny;\n",
                "  -- +goose STATEMENTEND\nz;"
            ]
        );
    }
}

#[test]
fn goose_markers_count_only_at_the_start_of_a_line_and_outside_quotes() {
    for d in ALL {
        assert_eq!(
            pieces("a; -- +goose StatementBegin\nb;\nc;", d),
            ["a;", " -- +goose StatementBegin\nb;\n", "c;"]
        );
        assert_eq!(
            pieces("'\n-- +goose StatementBegin\n';b;", d),
            ["'\n-- +goose StatementBegin\n';", "b;"]
        );
    }
    // without an end marker, the block runs to the end of the script
    assert_eq!(
        pieces("-- +goose StatementBegin\na;\nb;\n", Dialect::Sqlite).len(),
        1
    );
}

#[test]
fn blank_pieces() {
    #[rustfmt::skip]
    let blank = [
        "", "\n", "  ;\n", "-- c\n", "-- c", "# c\n;", "/* c */\n", "/**/;", "/* a */ -- b\n /* c */ ;",
        "# a\n/* b */\n#c\n",
    ];
    for text in blank {
        assert!(piece(text).is_blank(), "{text:?}");
    }
    // MySQL runs `/*! */` comments; comments the dialects end differently are sent along,
    // where they are harmless; so is an unterminated one
    #[rustfmt::skip]
    let not_blank = ["x", "/*!40101 SET NAMES utf8 */;", "/* /* */ */;", "/* c", ";;", "-- c\nx", "/* a */ x;"];
    for text in not_blank {
        assert!(!piece(text).is_blank(), "{text:?}");
    }
}

#[test]
fn sql_drops_leading_line_comments_and_trailing_whitespace() {
    // as psql: leading `--` comments go, block comments and comments inside stay
    let script = "select 1;\n-- the users\n/* all of them */\n  select * from users -- yes\n;  \n";
    let s = split(script, Dialect::Postgres);
    assert_eq!(s.len(), 2);
    assert_eq!(
        s[1].sql(),
        "/* all of them */\n  select * from users -- yes\n;"
    );
    assert_eq!(s[1].sql_offset(), 10 + 13);
    assert_eq!(line_col(script, s[1].sql_offset()), (3, 1));
    assert_eq!(s[0].sql(), "select 1;");
    assert_eq!(s[0].sql_offset(), 0);
    assert_eq!(piece("# a\n/*! x */;").sql(), "/*! x */;");
}

#[test]
fn line_col_counts_characters_and_never_panics() {
    let script = "ab\ncdé f\n";
    assert_eq!(line_col(script, 0), (1, 1));
    assert_eq!(line_col(script, 3), (2, 1));
    assert_eq!(line_col(script, 8), (2, 5)); // `f`, after the two-byte `é`
    assert_eq!(line_col(script, 6), (2, 3)); // inside `é`: moved back to it
    assert_eq!(line_col(script, 100), (3, 1));
    assert_eq!(line_col("", 5), (1, 1));
}

// ---------------------------------------------------------------------------------- PostgreSQL

const PG: Dialect = Dialect::Postgres;

#[test]
fn postgres_quotes() {
    assert_eq!(
        pieces("select 'a;b', 'it''s;';x", PG),
        ["select 'a;b', 'it''s;';", "x"]
    );
    assert_eq!(
        pieces(r#"select "a;b", "a"";b";x"#, PG),
        [r#"select "a;b", "a"";b";"#, "x"]
    );
    // backslashes escape only in E strings
    assert_eq!(pieces(r"select '\';x", PG), [r"select '\';", "x"]);
    assert_eq!(pieces(r"select E'\';x';y", PG), [r"select E'\';x';", "y"]);
    assert_eq!(
        pieces(r"select e'it''s \' ;';y", PG),
        [r"select e'it''s \' ;';", "y"]
    );
    // a longer word before the quote is an identifier, not a prefix
    assert_eq!(pieces(r"select xe'\';x", PG), [r"select xe'\';", "x"]);
    assert_eq!(
        pieces(r#"select U&'d\0061t;', U&"a;b";x"#, PG),
        [r#"select U&'d\0061t;', U&"a;b";"#, "x"]
    );
    assert_eq!(
        pieces("select B'01;', X'0f;', N'n;';x", PG),
        ["select B'01;', X'0f;', N'n;';", "x"]
    );
}

#[test]
fn postgres_e_string_is_not_continued_on_the_next_line() {
    // the server would glue `'…'` on the next line to the E string, but psql reads a file line
    // by line and starts a new standard literal there, where `\` is just a character
    let script = "select E'a'\n'\\';x';\nselect 2;";
    assert_eq!(pieces(script, PG), ["select E'a'\n'\\';", "x';\nselect 2;"]);
    assert_eq!(
        pieces("select E'a' '\\';x';", PG),
        ["select E'a' '\\';", "x';"]
    );
}

#[test]
fn postgres_dollar_quotes() {
    let f = "create function f() returns int as $$ begin; return 1; end $$ language plpgsql;\nselect 1;";
    assert_eq!(split(f, PG).len(), 2);
    let tagged = "do $body$ begin perform '$$;'; end $body$;\nselect 1;";
    assert_eq!(
        pieces(tagged, PG),
        ["do $body$ begin perform '$$;'; end $body$;\n", "select 1;"]
    );
    // another tag does not close it; the closing tag may follow a failed one directly
    assert_eq!(
        pieces("select $a$ $b$ ; $xa$ ; $$a$;x", PG),
        ["select $a$ $b$ ; $xa$ ; $$a$;", "x"]
    );
    // `$1` is a parameter, `a$b$` an identifier, `$1a$` no tag (it starts with a digit)
    assert_eq!(pieces("select $1;x", PG), ["select $1;", "x"]);
    assert_eq!(pieces("select a$b$;x$b$", PG), ["select a$b$;", "x$b$"]);
    assert_eq!(pieces("select 1$q$;$q$;x", PG), ["select 1$q$;$q$;", "x"]);
    // letters glued to a number belong to it, `$` included
    assert_eq!(pieces("select 1e$q$;$q$;", PG), ["select 1e$q$;", "$q$;"]);
    assert_eq!(
        pieces("select 1e+$q$;$q$;x", PG),
        ["select 1e+$q$;$q$;", "x"]
    );
    assert_eq!(pieces("select $1x$q$;$q$;", PG), ["select $1x$q$;", "$q$;"]);
    assert_eq!(
        pieces("select 1..$q$;$q$;x", PG),
        ["select 1..$q$;$q$;", "x"]
    );
    assert_eq!(pieces("select $_$;$_$;x", PG), ["select $_$;$_$;", "x"]);
    assert_eq!(pieces("select $é$;$é$;x", PG), ["select $é$;$é$;", "x"]);
    // unterminated: the rest of the script
    assert_eq!(
        pieces("select $$;\nselect 1;", PG),
        ["select $$;\nselect 1;"]
    );
}

#[test]
fn postgres_comments_nest() {
    assert_eq!(
        pieces("select /* a /* b; */ c; */ 1;x", PG),
        ["select /* a /* b; */ c; */ 1;", "x"]
    );
    assert_eq!(pieces("select 1 --;\n;x", PG), ["select 1 --;\n;", "x"]);
    // `--` and `/*` start comments even glued to an operator
    assert_eq!(pieces("select 1+--;\n1;x", PG), ["select 1+--;\n1;", "x"]);
    assert_eq!(pieces("select 1 /**/;x", PG), ["select 1 /**/;", "x"]);
}

#[test]
fn postgres_semicolons_inside_parentheses_do_not_split() {
    assert_eq!(
        pieces("select (1;\n2);select 3;", PG),
        ["select (1;\n2);", "select 3;"]
    );
    // an unmatched `)` is ignored, as psql does
    assert_eq!(
        pieces("select 1);select 2;", PG),
        ["select 1);", "select 2;"]
    );
}

#[test]
fn postgres_begin_atomic_bodies() {
    let f = "\
CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT 1;
  SELECT CASE WHEN a > b THEN a ELSE b END;
  SELECT (CASE WHEN true THEN 1 END);
END;
SELECT 2;
";
    let got = pieces(f, PG);
    assert_eq!(got.len(), 2);
    assert_eq!(got[1], "SELECT 2;\n");
    let p =
        "create or replace procedure p() begin atomic insert into t values (1); end;\ncall p();";
    assert_eq!(
        pieces(p, PG),
        [
            "create or replace procedure p() begin atomic insert into t values (1); end;\n",
            "call p();"
        ]
    );
}

#[test]
fn postgres_begin_outside_routines_is_a_transaction() {
    let script = "BEGIN;\nCREATE TABLE begin_end (begin int);\nEND;\n";
    assert_eq!(split(script, PG).len(), 3);
    // a trigger is not a routine for psql's heuristic
    let t = "create trigger t before insert on x for each row execute function f();\nselect 1;";
    assert_eq!(split(t, PG).len(), 2);
    // BEGIN inside parentheses (a default, an argument) is not a body
    let f = "create function f(a int default (select 1)) returns int as 'select 1' language sql;\nselect 1;";
    assert_eq!(split(f, PG).len(), 2);
}

#[test]
fn postgres_routine_header_is_read_from_the_first_four_words() {
    // CREATE OR REPLACE FUNCTION ... BEGIN: tracked
    assert_eq!(
        split(
            "create or replace function f() begin atomic select 1; end; select 2;",
            PG
        )
        .len(),
        2
    );
    // a function created later in the statement, or a word between: not tracked
    assert_eq!(
        split(
            "create schema s create function f() begin atomic select 1; end;",
            PG
        )
        .len(),
        2
    );
    // `:begin` is a psql variable, not a word; after a `::` cast it is a word
    assert_eq!(
        split("create function f() as x:begin ; y; end;", PG).len(),
        3
    );
    assert_eq!(
        split("create function f() as x::begin ; y; end;", PG).len(),
        1
    );
    // a `$` that opens no quote is just a character: the word after it counts
    assert_eq!(
        split("create function f() returns int $begin ; x; end;", PG).len(),
        1
    );
    // trailing junk after a number is not a word: `1begin` opens nothing
    assert_eq!(
        split("create function f() returns int as 1begin; select 2;", PG).len(),
        2
    );
}

// ---------------------------------------------------------------------------------- SQLite

const LITE: Dialect = Dialect::Sqlite;

#[test]
fn sqlite_quotes() {
    assert_eq!(
        pieces("select 'a;b', 'it''s;';x", LITE),
        ["select 'a;b', 'it''s;';", "x"]
    );
    assert_eq!(pieces(r"select '\';x", LITE), [r"select '\';", "x"]);
    assert_eq!(
        pieces(r#"select "a;b", `c;d`, [e;f];x"#, LITE),
        [r#"select "a;b", `c;d`, [e;f];"#, "x"]
    );
    // `$` is an identifier character, not a quote
    assert_eq!(pieces("select $a$;$a$;", LITE), ["select $a$;", "$a$;"]);
}

#[test]
fn sqlite_comments_do_not_nest() {
    assert_eq!(
        pieces("select /* a /* b */ 1; */", LITE),
        ["select /* a /* b */ 1;", " */"]
    );
}

#[test]
fn sqlite_trigger_bodies() {
    let t = "\
CREATE TRIGGER t AFTER UPDATE ON x BEGIN
  UPDATE y SET a = CASE WHEN new.a THEN 1 END;
  DELETE FROM z; -- end;
END;
INSERT INTO x VALUES (1);
";
    assert_eq!(split(t, LITE).len(), 2);
    for header in [
        "create temp trigger",
        "CREATE TEMPORARY TRIGGER",
        "explain create trigger",
    ] {
        let s = format!("{header} t after insert on x begin select 1; select 2; end;\nselect 3;");
        assert_eq!(split(&s, LITE).len(), 2, "{s}");
    }
    // END only closes the body right after a `;`
    let s = "create trigger t after insert on x begin select 1 end; end;select 2;";
    assert_eq!(
        pieces(s, LITE),
        [
            "create trigger t after insert on x begin select 1 end; end;",
            "select 2;"
        ]
    );
}

#[test]
fn sqlite_create_is_a_trigger_only_right_at_the_start() {
    assert_eq!(
        split("create table trigger (begin); select 1;", LITE).len(),
        2
    );
    assert_eq!(split("select 1 create trigger x; select 2;", LITE).len(), 2);
    assert_eq!(
        split(
            "create index i on t(x); create unique index j on t(y);",
            LITE
        )
        .len(),
        2
    );
}

// ---------------------------------------------------------------------------------- MySQL

const MY: Dialect = Dialect::MySql;

#[test]
fn mysql_quotes() {
    assert_eq!(
        pieces(r"select 'a\';b', 'it''s;';x", MY),
        [r"select 'a\';b', 'it''s;';", "x"]
    );
    assert_eq!(
        pieces(r#"select "a\";b", "a"";b";x"#, MY),
        [r#"select "a\";b", "a"";b";"#, "x"]
    );
    assert_eq!(
        pieces("select `a;b`, `a``;b`;x", MY),
        ["select `a;b`, `a``;b`;", "x"]
    );
    assert_eq!(pieces("select $$;$$;", MY), ["select $$;", "$$;"]);
}

#[test]
fn mysql_comments() {
    assert_eq!(pieces("select 1 # a;\n;x", MY), ["select 1 # a;\n;", "x"]);
    assert_eq!(pieces("select 1 -- a;\n;x", MY), ["select 1 -- a;\n;", "x"]);
    assert_eq!(
        pieces("select 1 --\ta;\n;x", MY),
        ["select 1 --\ta;\n;", "x"]
    );
    // `--` without a space after it is two minus signs
    assert_eq!(pieces("select 1--1;x", MY), ["select 1--1;", "x"]);
    assert_eq!(
        pieces("select /* a /* b */ 1; */", MY),
        ["select /* a /* b */ 1;", " */"]
    );
    assert_eq!(
        pieces("/*!40101 SET x = 1; */;x", MY),
        ["/*!40101 SET x = 1; */;", "x"]
    );
    assert_eq!(
        sent("/*!40101 SET x = 1 */;\n", MY),
        ["/*!40101 SET x = 1 */;"]
    );
    assert!(sent("# only a comment\n", MY).is_empty());
}

#[test]
fn mysql_delimiter_is_not_interpreted() {
    // a client command: the script is split at every `;`, as the server-side statement would
    // need goose markers to stay whole
    let s = "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\n";
    assert_eq!(
        pieces(s, MY),
        [
            "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1;",
            " END$$\nDELIMITER ;\n"
        ]
    );
}

// ---------------------------------------------------------------------------------- properties

/// Pieces concatenate to the input, offsets follow each other, lines count the line breaks
/// before each piece, no piece is empty, and `sql()` sits in its piece at `sql_offset()`.
fn check_cover(sql: &str, dialect: Dialect) -> Result<(), TestCaseError> {
    let pieces = split(sql, dialect);
    let mut offset = 0;
    for p in &pieces {
        prop_assert!(!p.text.is_empty());
        prop_assert_eq!(p.offset, offset);
        prop_assert_eq!(Some(p.text), sql.get(offset..offset + p.text.len()));
        prop_assert_eq!(p.line as usize, sql[..offset].matches('\n').count() + 1);
        prop_assert_eq!(line_col(sql, offset).0, p.line);
        let at = p.sql_offset();
        prop_assert!(at >= p.offset && at <= p.offset + p.text.len());
        prop_assert!(sql[at..].starts_with(p.sql()));
        if p.sql().is_empty() || p.sql() == ";" {
            prop_assert!(p.is_blank());
        }
        offset += p.text.len();
    }
    prop_assert_eq!(offset, sql.len());
    let joined: String = pieces.iter().map(|p| p.text).collect();
    prop_assert_eq!(joined, sql);
    Ok(())
}

/// Each piece, split on its own, is the same single piece: where a statement ends does not
/// depend on what follows it.
fn check_pieces_stand_alone(sql: &str, dialect: Dialect) -> Result<(), TestCaseError> {
    for p in split(sql, dialect) {
        prop_assert_eq!(pieces(p.text, dialect), [p.text]);
    }
    Ok(())
}

#[rustfmt::skip]
const WORDS: &[&str] = &[
    " ", "\n", "\r\n", "\t", ";", ";\n", "'", "''", "\"", "`", "[", "]", "(", ")", "$", "$$", "$a$",
    "$1", "E'", "e", "U&'", "\\", "\\'", "-", "--", "#", "/", "*", "/*", "*/", "/*!", "x", "é", "1",
    ".", "BEGIN", "begin", "ATOMIC", "END", "end", "CASE", "CREATE", "create", "OR", "REPLACE",
    "FUNCTION", "PROCEDURE", "TEMP", "TRIGGER", "trigger", "EXPLAIN", "SELECT 1",
    "\n-- +goose StatementBegin\n", "\n-- +goose StatementEnd\n", "\n-- +goose Up\n",
];

fn sqlish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..48)
        .prop_map(|w| w.join(" ").replace("  ", " "))
}

fn sqlish_tight() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..48).prop_map(|w| w.concat())
}

fn dialect() -> impl Strategy<Value = Dialect> {
    prop::sample::select(ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn pieces_cover_any_string(sql in any::<String>(), d in dialect()) {
        check_cover(&sql, d)?;
    }

    #[test]
    fn pieces_cover_sqlish_strings(sql in sqlish(), d in dialect()) {
        check_cover(&sql, d)?;
        check_pieces_stand_alone(&sql, d)?;
    }

    #[test]
    fn pieces_cover_glued_sqlish_strings(sql in sqlish_tight(), d in dialect()) {
        check_cover(&sql, d)?;
        check_pieces_stand_alone(&sql, d)?;
    }

    #[test]
    fn no_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256), d in dialect()) {
        let sql = String::from_utf8_lossy(&bytes);
        for p in split(&sql, d) {
            let _ = (p.sql(), p.is_blank(), p.sql_offset());
        }
        for offset in 0..=bytes.len() + 1 {
            let _ = line_col(&sql, offset);
        }
        check_cover(&sql, d)?;
    }
}
