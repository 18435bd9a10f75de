//! Which tables a script creates, and which table a statement locks: squawk's rules about a
//! table that holds rows (an index built without `CONCURRENTLY`, a constraint validated at
//! once, a column that rewrites the table) say nothing true of a table that is new.
//!
//! squawk 2.68 knows only the tables created earlier in the same transactional file, and
//! cannot be told more (its `tables_created_in_transaction` is private); this module finds the
//! others — in the same file outside a transaction, and in the migrations deployed with this
//! one — and the caller drops those findings. Names are compared as squawk compares them: the
//! last part of the name, unquoted, lower-cased unless quoted.

use std::collections::BTreeSet;

use squawk_linter::Rule;
use squawk_syntax::ast::{self, AstNode};
use squawk_syntax::SourceFile;

use crate::squawk::offset;

/// The rules whose findings are about locking or rewriting a table that already holds rows.
pub const RULES: [Rule; 9] = [
    Rule::RequireConcurrentIndexCreation,
    Rule::AddingForeignKeyConstraint,
    Rule::ConstraintMissingNotValid,
    Rule::DisallowedUniqueConstraint,
    Rule::AddingFieldWithDefault,
    Rule::AddingNotNullableField,
    Rule::AddingRequiredField,
    Rule::AddingSerialPrimaryKeyField,
    Rule::ChangingColumnType,
];

/// The tables `sql` creates (`CREATE TABLE`, `CREATE TABLE … AS`).
pub fn created(sql: &str) -> BTreeSet<String> {
    created_in(&SourceFile::parse(sql).tree())
}

pub(crate) fn created_in(file: &SourceFile) -> BTreeSet<String> {
    let name = |table: Option<ast::TableName>| {
        table
            .and_then(|t| t.path())
            .and_then(|p| p.segment())
            .map(|s| s.text())
    };
    file.stmts()
        .filter_map(|stmt| match stmt {
            ast::Stmt::CreateTable(create) => name(create.table_name()),
            ast::Stmt::CreateTableAs(create) => name(create.table_name()),
            _ => None,
        })
        .collect()
}

/// The table that the statement at byte `at` indexes or alters.
pub(crate) fn locked_at(file: &SourceFile, at: usize) -> Option<String> {
    let stmt = file.stmts().find(|s| {
        let range = s.syntax().text_range();
        (offset(range.start())..offset(range.end())).contains(&at)
    })?;
    let relation = match stmt {
        ast::Stmt::CreateIndex(index) => index.table_relation_name(),
        ast::Stmt::AlterTable(alter) => alter.table_relation_name(),
        _ => None,
    }?;
    let segment = relation.table_name_ref()?.path_ref()?.segment()?;
    Some(segment.text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_compared_as_squawk_compares_them() {
        let sql = "CREATE TABLE app.Users (id int);\nCREATE TABLE \"Posts\" AS SELECT 1;\n\
                   create index i on APP.users (id);\nalter table \"Posts\" add column x int;\n";
        let made = created(sql);
        assert_eq!(
            made,
            BTreeSet::from(["users".to_owned(), "Posts".to_owned()])
        );
        let file = SourceFile::parse(sql).tree();
        let index = sql.find("create index").unwrap_or(0);
        assert_eq!(locked_at(&file, index + 3).as_deref(), Some("users"));
        let alter = sql.find("alter table").unwrap_or(0);
        assert_eq!(locked_at(&file, alter).as_deref(), Some("Posts"));
        assert_eq!(locked_at(&file, 0), None);
    }
}
