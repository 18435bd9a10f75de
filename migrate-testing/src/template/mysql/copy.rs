//! The copy of a MySQL or MariaDB template into a test database, made from its catalog.

use sqlx::mysql::{MySql, MySqlConnection};
use sqlx::{AssertSqlSafe, Row as _};

use migrate_runtime::Driver as _;

/// Copies database `from` into the database of `to`'s connection: tables with their rows,
/// routines, views, triggers.
pub(super) async fn copy(to: &mut MySqlConnection, from: &str) -> Result<(), sqlx::Error> {
    let source = MySql::quote(from);
    // tables in any order, whatever references what
    exec(to, "SET SESSION FOREIGN_KEY_CHECKS = 0").await?;
    let tables = texts(
        to,
        "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'VIEW' ORDER BY TABLE_NAME",
        &[from],
    )
    .await?;
    for row in &tables {
        let [Some(table), Some(kind)] = row.as_slice() else {
            continue;
        };
        let qualified = format!("{source}.{}", MySql::quote(table));
        let ddl = show_create(to, &format!("SHOW CREATE TABLE {qualified}"), 1).await?;
        exec(to, &ddl).await?;
        if kind == "SEQUENCE" {
            continue;
        }
        // generated columns take no values
        let columns = texts(
            to,
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND EXTRA NOT LIKE '%GENERATED%' \
             ORDER BY ORDINAL_POSITION",
            &[from, table],
        )
        .await?;
        let columns: Vec<String> = columns
            .into_iter()
            .filter_map(|mut row| row.pop().flatten())
            .map(|c| MySql::quote(&c))
            .collect();
        let columns = columns.join(", ");
        exec(
            to,
            &format!(
                "INSERT INTO {} ({columns}) SELECT {columns} FROM {qualified}",
                MySql::quote(table)
            ),
        )
        .await?;
    }
    let routines = texts(
        to,
        "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES \
         WHERE ROUTINE_SCHEMA = ? AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION')",
        &[from],
    )
    .await?;
    for row in &routines {
        if let [Some(routine), Some(kind)] = row.as_slice() {
            let sql = format!("SHOW CREATE {kind} {source}.{}", MySql::quote(routine));
            let ddl = show_create(to, &sql, 2).await?;
            exec(to, &ddl).await?;
        }
    }
    copy_views(to, from).await?;
    let triggers = texts(
        to,
        "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? \
         ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER",
        &[from],
    )
    .await?;
    for row in &triggers {
        if let [Some(trigger)] = row.as_slice() {
            let sql = format!("SHOW CREATE TRIGGER {source}.{}", MySql::quote(trigger));
            let ddl = show_create(to, &sql, 2).await?;
            exec(to, &ddl).await?;
        }
    }
    exec(to, "SET SESSION FOREIGN_KEY_CHECKS = 1").await
}

/// The views of `from`, each created once the views it reads exist. Their definitions name
/// the template's tables with its database: that qualifier goes.
async fn copy_views(to: &mut MySqlConnection, from: &str) -> Result<(), sqlx::Error> {
    let qualifier = format!("{}.", MySql::quote(from));
    let views = texts(
        to,
        "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
        &[from],
    )
    .await?;
    let mut pending = Vec::new();
    for row in &views {
        if let [Some(view)] = row.as_slice() {
            let sql = format!("SHOW CREATE VIEW {qualifier}{}", MySql::quote(view));
            pending.push(show_create(to, &sql, 1).await?.replace(&qualifier, ""));
        }
    }
    // a view that reads a view not created yet fails: try the rest again until none is left,
    // or a round creates none (then its first error is the answer)
    loop {
        let before = pending.len();
        let mut failed = Vec::new();
        let mut first_error = None;
        for ddl in pending {
            if let Err(e) = exec(to, &ddl).await {
                first_error.get_or_insert(e);
                failed.push(ddl);
            }
        }
        match first_error {
            None => return Ok(()),
            Some(e) if failed.len() == before => return Err(e),
            Some(_) => pending = failed,
        }
    }
}

pub(super) async fn exec(conn: &mut MySqlConnection, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await?;
    Ok(())
}

/// Every row of `sql`, its `?` bound to `binds`, each column as text.
pub(super) async fn texts(
    conn: &mut MySqlConnection,
    sql: &'static str,
    binds: &[&str],
) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
    let mut query = sqlx::query(sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter()
        .map(|row| (0..row.len()).map(|i| text(row, i)).collect())
        .collect()
}

/// Column `column` of the one row of a `SHOW CREATE …` statement, without its `DEFINER`
/// clause: the copy's objects belong to whoever makes it (a definer taken over as it is may
/// not exist, or not be valid, where the copy is made: MariaDB without grant tables shows
/// `root@''`).
async fn show_create(
    conn: &mut MySqlConnection,
    sql: &str,
    column: usize,
) -> Result<String, sqlx::Error> {
    let row = sqlx::raw_sql(AssertSqlSafe(sql)).fetch_one(conn).await?;
    let ddl = text(&row, column)?.ok_or_else(|| {
        sqlx::Error::Protocol(format!(
            "`{sql}` shows no definition: the user needs the rights to see it"
        ))
    })?;
    Ok(without_definer(&ddl))
}

/// `ddl` without its first ` DEFINER=user@host` (names quoted with backquotes or not).
fn without_definer(ddl: &str) -> String {
    let Some(start) = ddl.find(" DEFINER=") else {
        return ddl.to_owned();
    };
    let mut quoted = false;
    let end = ddl[start + 1..]
        .char_indices()
        .find(|&(_, c)| {
            if c == '`' {
                quoted = !quoted;
            }
            c == ' ' && !quoted
        })
        .map_or(ddl.len(), |(i, _)| start + 1 + i);
    format!("{}{}", &ddl[..start], &ddl[end..])
}

/// A column as text: `information_schema` and `SHOW` give text on MariaDB, and binary
/// strings on some MySQL versions.
fn text(row: &sqlx::mysql::MySqlRow, column: usize) -> Result<Option<String>, sqlx::Error> {
    match row.try_get::<Option<String>, _>(column) {
        Ok(text) => Ok(text),
        Err(_) => Ok(row
            .try_get::<Option<Vec<u8>>, _>(column)?
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::without_definer;

    #[test]
    fn the_definer_goes() {
        assert_eq!(
            without_definer("CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`` SQL SECURITY DEFINER VIEW `v` AS select 1"),
            "CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 1"
        );
        assert_eq!(
            without_definer("CREATE DEFINER=`a b`@`%` FUNCTION `f`() RETURNS int RETURN 1"),
            "CREATE FUNCTION `f`() RETURNS int RETURN 1"
        );
        assert_eq!(
            without_definer("CREATE TABLE t (id int)"),
            "CREATE TABLE t (id int)"
        );
    }
}
