//! Schema tenants on one PostgreSQL server: listed from the catalogue, their newest tracking
//! rows read in a few statements, and each run with the tenant's schema first on the search
//! path (and the shared schemas after it), the connection's own path put back on every path.

use std::collections::{HashMap, HashSet};

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, Postgres};
use sqlx::Connection as _;
use sqlx::{AssertSqlSafe, Row as _};

use super::run::bounded;
use super::target::Target;
use super::tenant::{act, Done, Seen, Work};
use super::Fleet;
use crate::driver::{Conn, Driver, Newest};
use crate::error::Error;
use crate::table::Migrator;

/// How many tracking tables one statement reads at most.
const BATCH: usize = 1000;

/// The fewest tracking tables one statement reads, however small the server's lock table.
const MIN_BATCH: usize = 50;

/// The schemas of the server of `server` whose names match `pattern` (`LIKE`).
pub(crate) async fn like(server: &str, pattern: &str) -> Result<Vec<Target>, Error> {
    let pool = pool(server, 1).await?;
    let sql = format!(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE {} \
         AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY nspname",
        Postgres::text_literal(pattern)
    );
    let rows = sqlx::raw_sql(AssertSqlSafe(sql)).fetch_all(&pool).await?;
    pool.close().await;
    rows.iter()
        .map(|r| Ok(Target::schema(server, r.try_get::<String, _>(0)?)))
        .collect()
}

/// A pool on `server` of at most `size` connections, opened after one connection made outside
/// it: a server that refuses connections says so at once (a pool retries until its acquire
/// timeout).
pub(crate) async fn pool(server: &str, size: usize) -> Result<PgPool, Error> {
    let size = u32::try_from(size).unwrap_or(u32::MAX).max(1);
    let options: PgConnectOptions = server.parse()?;
    let first = PgConnection::connect_with(&options).await?;
    let _ = first.close().await;
    Ok(PgPoolOptions::new()
        .max_connections(size)
        .connect_lazy_with(options))
}

/// The newest tracking row of every schema of `schemas` on `pool`'s server, whose tracking
/// tables are named `table` — and the repeatable migrations applied beside it, when
/// `migrator` has some or a tenant's database has their table (its newest row may be sealed
/// over them): one statement for the catalogue, one per batch of tables, up to `jobs` batches
/// at once (see [`batches`]).
pub(crate) async fn newest_all(
    pool: &PgPool,
    table: &str,
    schemas: &[&str],
    jobs: usize,
    migrator: &Migrator,
) -> Result<HashMap<String, Seen>, Error> {
    let repeatable_table = format!("{table}{}", crate::driver::repeatable::SUFFIX);
    let sql = format!(
        "SELECT n.nspname::text, c.relname::text, (current_setting('max_locks_per_transaction')::int8 \
         * (current_setting('max_connections')::int8 + current_setting('max_prepared_transactions')::int8)) \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relname IN ({}, {}) AND c.relkind IN ('r', 'p')",
        Postgres::text_literal(table),
        Postgres::text_literal(&repeatable_table)
    );
    let found = sqlx::raw_sql(AssertSqlSafe(sql)).fetch_all(pool).await?;
    let mut with_table: HashSet<String> = HashSet::new();
    let mut with_repeatables = false;
    for row in &found {
        let (schema, relation): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        if relation == table {
            with_table.insert(schema);
        } else {
            with_repeatables |= schemas.contains(&schema.as_str());
        }
    }
    let capacity = match found.first() {
        Some(row) => usize::try_from(row.try_get::<i64, _>(2)?).unwrap_or(0),
        None => 0,
    };
    let mut newest: HashMap<String, Seen> = schemas
        .iter()
        .map(|s| {
            let state = if with_table.contains(*s) {
                Newest::Empty
            } else {
                Newest::NoTable
            };
            ((*s).to_owned(), Seen::newest(state))
        })
        .collect();
    // the table of repeatable migrations is read only where it may count: it takes as many
    // entries of the lock table again
    let repeatable_table =
        (with_repeatables || !migrator.repeatables().is_empty()).then_some(repeatable_table);
    let entries = if repeatable_table.is_some() { 4 } else { 2 };
    let tracked: Vec<&str> = schemas
        .iter()
        .copied()
        .filter(|s| with_table.contains(*s))
        .collect();
    let (size, readers) = batches(capacity / (entries / 2), jobs, tracked.len());
    let chunks: Vec<&[&str]> = tracked.chunks(size).collect();
    let read = bounded(
        readers,
        chunks.len(),
        |i| {
            let names = chunks[i].to_vec();
            let repeatable_table = repeatable_table.clone();
            Box::pin(async move {
                sqlx::query(READ)
                    .bind(names)
                    .bind(table)
                    .bind(repeatable_table)
                    .fetch_all(pool)
                    .await
            })
        },
        |_, _| true,
    )
    .await;
    for rows in read.into_iter().flatten() {
        for row in rows? {
            let tenant: String = row.try_get(0)?;
            let xml: String = row.try_get(1)?;
            let found = parse(&xml).ok_or_else(|| {
                sqlx::Error::Decode(
                    format!("the newest row of {tenant}.{table} reads as {xml:?}").into(),
                )
            })?;
            let repeatables = match row.try_get::<Option<String>, _>(2)? {
                Some(xml) => Some(parse_repeatables(&xml).ok_or_else(|| {
                    sqlx::Error::Decode(
                        format!("the repeatable migrations of {tenant} read as {xml:?}").into(),
                    )
                })?),
                None => None,
            };
            newest.insert(
                tenant,
                Seen {
                    newest: found,
                    repeatables,
                },
            );
        }
    }
    Ok(newest)
}

/// How many tracking tables a statement reads, and how many such statements run at once, for
/// `tables` tables on a server whose shared lock table holds `capacity` entries.
///
/// Reading a table locks it and its primary key until the statement ends, in that shared table
/// (`max_locks_per_transaction` × connections entries), which the server's own work needs too:
/// the batches in flight take at most half of it (two entries per table), each batch at most
/// [`BATCH`] tables. With PostgreSQL's defaults: two batches of 800 at once.
fn batches(capacity: usize, jobs: usize, tables: usize) -> (usize, usize) {
    let in_flight = capacity / 4;
    let size = (in_flight / 2).clamp(MIN_BATCH, BATCH);
    let readers = (in_flight / size).clamp(1, jobs.max(1));
    // few tables: spread them over the readers rather than fill one batch
    let size = size.min(tables.div_ceil(readers)).max(MIN_BATCH);
    (size, readers)
}

/// Reads a batch of tracking tables (`$1`: the schemas, `$2`: the table name) in one
/// statement: each table's newest row through `query_to_xml`, which plans each small query on
/// its own — a `UNION ALL` of hundreds of arms costs more to parse than to run (5× here).
/// With `$3`, the name of the tables of repeatable migrations, also the name and checksum of
/// each one applied in full, where that table exists (`NULL` where it does not).
const READ: &str = "SELECT s, query_to_xml(format('SELECT version, encode(chain, ''hex'') AS chain, success \
     FROM %I.%I ORDER BY version DESC LIMIT 1', s, $2::text), false, true, '')::text, \
     CASE WHEN $3::text IS NOT NULL AND to_regclass(format('%I.%I', s, $3::text)) IS NOT NULL \
     THEN query_to_xml(format('SELECT name, encode(checksum, ''hex'') AS checksum FROM %I.%I WHERE success', \
     s, $3::text), false, true, '')::text END FROM unnest($1::text[]) AS s";

/// The newest row in `xml`, one `<row>` of [`READ`]; an empty document is an empty table.
fn parse(xml: &str) -> Option<Newest> {
    if xml.trim().is_empty() {
        return Some(Newest::Empty);
    }
    Some(Newest::Row {
        version: field(xml, "version")?.parse().ok()?,
        chain: hex(field(xml, "chain")?)?,
        success: field(xml, "success")?.parse().ok()?,
    })
}

/// The repeatable migrations in `xml`, the `<row>`s of [`READ`]'s third column: name and
/// checksum of each.
fn parse_repeatables(xml: &str) -> Option<Vec<(String, Vec<u8>)>> {
    xml.split("</row>")
        .filter(|row| !row.trim().is_empty())
        .map(|row| Some((unescape(field(row, "name")?), hex(field(row, "checksum")?)?)))
        .collect()
}

/// The text of the first element `name` of `xml`.
fn field<'x>(xml: &'x str, name: &str) -> Option<&'x str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let len = xml[start..].find(&format!("</{name}>"))?;
    Some(&xml[start..start + len])
}

/// The bytes of hexadecimal `text`.
fn hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// XML text as it was before `query_to_xml` escaped it.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Does `work` on schema tenant `schema` of `pool`'s server: its tracking table in its schema,
/// its schema first on the search path, then the fleet's shared schemas; the connection's
/// search path is put back afterwards, whatever happened.
pub(crate) async fn on_schema(
    fleet: &Fleet<'_>,
    pool: &PgPool,
    schema: &str,
    work: Work,
) -> Result<Done, Error> {
    let mut connection = pool.acquire().await?;
    let saved = sqlx::raw_sql("SELECT current_setting('search_path')")
        .fetch_one(&mut *connection)
        .await?
        .try_get::<String, _>(0)?;
    let path: Vec<String> = std::iter::once(schema)
        .chain(fleet.shared_schemas.iter().map(String::as_str))
        .map(Postgres::quote)
        .collect();
    let set = format!(
        "SELECT set_config('search_path', {}, false)",
        Postgres::text_literal(&path.join(", "))
    );
    sqlx::raw_sql(AssertSqlSafe(set))
        .execute(&mut *connection)
        .await?;
    let runner = fleet.runner.clone().schema(schema);
    let mut conn = Conn::Pooled(connection, pool.clone());
    let done = act::<Postgres>(runner.cx(), &mut conn, work).await;
    let put_back = format!(
        "SELECT set_config('search_path', {}, false)",
        Postgres::text_literal(&saved)
    );
    let restored = sqlx::raw_sql(AssertSqlSafe(put_back))
        .execute(conn.get())
        .await;
    if let (Err(e), Conn::Pooled(connection, _)) = (restored, &mut conn) {
        // a connection that cannot be put back must not serve the next tenant
        tracing::warn!(error = %e, schema, "could not put the search path back; closing the connection");
        connection.close_on_drop();
    }
    done
}

#[cfg(test)]
mod tests {
    use super::{batches, parse, parse_repeatables, Newest};

    #[test]
    fn batches_keep_to_half_the_lock_table() {
        // PostgreSQL's defaults: 64 × 100 entries
        assert_eq!(batches(6400, 8, 10_000), (800, 2));
        assert_eq!(batches(6400, 1, 10_000), (800, 1));
        assert_eq!(batches(6400, 8, 1000), (500, 2));
        // a tiny lock table still reads 50 at a time, one batch at once
        assert_eq!(batches(64, 8, 10_000), (50, 1));
        // a big one: 1000 a batch, as many at once as jobs allow
        assert_eq!(batches(64 * 1000, 4, 100_000), (1000, 4));
        assert_eq!(batches(64 * 1000, 4, 120), (50, 4));
    }

    #[test]
    fn rows_read_back_from_xml() {
        let xml = "<row xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n  <version>20</version>\n  <chain>00ff1a</chain>\n  <success>true</success>\n</row>\n\n";
        match parse(xml) {
            Some(Newest::Row {
                version,
                chain,
                success,
            }) => {
                assert_eq!((version, chain, success), (20, vec![0, 255, 26], true));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse(""), Some(Newest::Empty)));
        assert!(parse("<row><version>x</version></row>").is_none());
        assert!(
            parse("<row><version>1</version><chain>0</chain><success>true</success></row>")
                .is_none()
        );
    }

    #[test]
    fn repeatable_rows_read_back_from_xml() {
        let xml = "<row xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n  <name>a&amp;b</name>\n  <checksum>0aff</checksum>\n</row>\n\n<row xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n  <name>views</name>\n  <checksum>01</checksum>\n</row>\n\n";
        assert_eq!(
            parse_repeatables(xml),
            Some(vec![
                ("a&b".to_owned(), vec![10, 255]),
                ("views".to_owned(), vec![1])
            ])
        );
        assert_eq!(parse_repeatables(""), Some(Vec::new()));
        assert_eq!(parse_repeatables("<row><name>x</name></row>"), None);
    }
}
