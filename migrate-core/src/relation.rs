//! The table a statement works on, read from its leading words: what a message about a lock
//! the statement waited for names (PostgreSQL's lock timeout error names no table).
//!
//! The reading is lexical and covers the statements that take a table lock in migrations:
//! `ALTER TABLE`, `CREATE INDEX … ON`, `DROP TABLE`, `LOCK`, `TRUNCATE`, `INSERT INTO`,
//! `UPDATE`, `DELETE FROM`, `RENAME TABLE`, `COMMENT ON TABLE`, `VACUUM`, `ANALYZE`,
//! `CLUSTER` and `REINDEX TABLE`. Anything else has no table here.

/// The table `statement` works on, as written (quotes kept, `schema.table` whole); `None`
/// when the statement is not one of the kinds above.
///
/// ```
/// use migrate_core::relation::table;
///
/// assert_eq!(table("ALTER TABLE IF EXISTS ONLY app.accounts ADD COLUMN note text").as_deref(), Some("app.accounts"));
/// assert_eq!(table("create unique index concurrently if not exists i on \"My Table\" (id)").as_deref(), Some("\"My Table\""));
/// assert_eq!(table("SELECT 1"), None);
/// ```
pub fn table(statement: &str) -> Option<String> {
    let words = words(statement);
    let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let is = |i: usize, keyword: &str| word(i).eq_ignore_ascii_case(keyword);
    // the index of the first word that is not one of `optional`, from `i`
    let skip = |mut i: usize, optional: &[&str]| {
        while optional.iter().any(|k| is(i, k)) {
            i += 1;
        }
        i
    };
    let at = |i: usize| (!word(i).is_empty()).then(|| word(i).to_owned());
    let if_exists = |i: usize| {
        if is(i, "IF") && is(i + 1, "EXISTS") {
            i + 2
        } else {
            i
        }
    };
    match word(0).to_ascii_uppercase().as_str() {
        "ALTER" | "DROP" if is(1, "TABLE") => at(skip(if_exists(2), &["ONLY"])),
        "CREATE" => {
            let index = skip(1, &["UNIQUE"]);
            if !is(index, "INDEX") {
                return None;
            }
            let on = (index + 1..words.len()).find(|&i| is(i, "ON"))?;
            at(skip(on + 1, &["ONLY"]))
        }
        "LOCK" | "TRUNCATE" => at(skip(1, &["TABLE", "ONLY"])),
        "INSERT" if is(1, "INTO") => at(2),
        "UPDATE" => at(skip(1, &["ONLY"])),
        "DELETE" if is(1, "FROM") => at(skip(2, &["ONLY"])),
        "RENAME" if is(1, "TABLE") => at(2),
        "COMMENT" if is(1, "ON") && is(2, "TABLE") => at(3),
        "REINDEX" if is(1, "TABLE") => at(skip(2, &["CONCURRENTLY"])),
        "VACUUM" | "ANALYZE" | "CLUSTER" => {
            let i = skip(1, &["FULL", "FREEZE", "VERBOSE", "ANALYZE"]);
            // `VACUUM (options) t`: the options are one word here
            let i = if word(i).starts_with('(') { i + 1 } else { i };
            at(i)
        }
        _ => None,
    }
}

/// The words of `statement`: runs of characters other than white space, `(`, `)`, `,` and
/// `;`, where a double-quoted or backquoted name counts as part of its word (spaces and all),
/// and a parenthesised group starting a word is one word.
fn words(statement: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = statement.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' => {
                word.push(c);
                while let Some(q) = chars.next() {
                    word.push(q);
                    if q == c {
                        // a doubled quote is a quote inside the name
                        if chars.peek() == Some(&c) {
                            chars.next();
                            word.push(c);
                        } else {
                            break;
                        }
                    }
                }
            }
            '(' if word.is_empty() => {
                let mut depth = 1;
                word.push(c);
                for p in chars.by_ref() {
                    word.push(p);
                    depth += match p {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    if depth == 0 {
                        break;
                    }
                }
                words.push(std::mem::take(&mut word));
            }
            c if c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';') => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                if c == '(' {
                    // a parenthesis right after a name ends the leading words
                    break;
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::table;

    #[test]
    fn the_table_of_each_kind_of_statement() {
        for (statement, expected) in [
            (
                "ALTER TABLE accounts ADD COLUMN note TEXT",
                Some("accounts"),
            ),
            (
                "alter table if exists only \"Accounts\" drop column x",
                Some("\"Accounts\""),
            ),
            ("CREATE INDEX ON accounts(id)", Some("accounts")),
            (
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY s.t USING btree (id)",
                Some("s.t"),
            ),
            (
                "create unique index i on `my table` (id)",
                Some("`my table`"),
            ),
            ("DROP TABLE IF EXISTS old", Some("old")),
            (
                "LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE",
                Some("accounts"),
            ),
            ("lock accounts", Some("accounts")),
            ("TRUNCATE ONLY logs", Some("logs")),
            ("INSERT INTO accounts(id) VALUES (1)", Some("accounts")),
            ("UPDATE accounts SET x = 1", Some("accounts")),
            ("DELETE FROM ONLY accounts WHERE id = 1", Some("accounts")),
            ("RENAME TABLE a TO b", Some("a")),
            ("COMMENT ON TABLE accounts IS 'x'", Some("accounts")),
            ("VACUUM (VERBOSE, ANALYZE) accounts", Some("accounts")),
            ("VACUUM FULL accounts", Some("accounts")),
            ("REINDEX TABLE CONCURRENTLY accounts", Some("accounts")),
            (
                "ALTER TABLE \"a \"\"b\"\"\" ADD x int",
                Some("\"a \"\"b\"\"\""),
            ),
            ("CREATE TABLE t (id int)", None),
            ("CREATE VIEW v AS SELECT 1", None),
            ("ALTER TYPE mood ADD VALUE 'x'", None),
            ("ALTER TABLE", None),
            ("", None),
        ] {
            assert_eq!(table(statement).as_deref(), expected, "{statement}");
        }
    }
}
