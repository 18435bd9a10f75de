//! `adopt`: switching from another tool. Prints the mapping of the other tool's history onto
//! the directory, and with `--apply` records what it applied, through the runtime's
//! `Runner::adopt`.

use migrate::adopt::{Adoption, Check, Columns, Outcome, Source, Tool};

use super::apply::{Conn, Context};
use crate::cli::{self, ChecksumKind};
use crate::exit::{self, Failure};
use crate::output::{self, Color};

/// Runs `adopt` on the connection: the mapping first, always; the write only with `--apply`
/// and when nothing refuses it (the runtime checks again under the lock).
pub(super) async fn run(
    conn: &mut impl Conn,
    cx: &Context<'_>,
    args: &cli::Adopt,
) -> Result<u8, Failure> {
    let source = source(args)?;
    let dry = cx
        .runner()
        .adopt(conn.db(), &source.clone().apply(false))
        .await?;
    print(cx, &dry);
    if !dry.problems.is_empty() {
        let messages = dry
            .problems
            .iter()
            .flat_map(|e| Failure::runtime(e).messages)
            .collect();
        return Err(Failure {
            code: exit::ERROR,
            messages,
        });
    }
    let pending = dry.lines.iter().filter(|l| is_pending(&l.outcome)).count();
    let rest = |before: &str, after: &str| match pending {
        0 => String::new(),
        n => format!("{before}`migrate up` then applies the {n} pending{after}"),
    };
    if !args.apply {
        cx.out.line(format!(
            "dry run: nothing was written; add --apply to record the {} migration(s) {} applied as applied, without running them{}",
            dry.adopted.len(),
            dry.who,
            rest(" (", ")")
        ));
        return Ok(exit::OK);
    }
    let done = cx.runner().adopt(conn.db(), &source.apply(true)).await?;
    cx.out.line(format!(
        "adopted: {} migration(s) recorded in {} as applied, without running them; {} is left as it was{}",
        done.adopted.len(),
        cx.settings.table,
        done.table,
        rest("; ", "")
    ));
    Ok(exit::OK)
}

fn is_pending(outcome: &Outcome) -> bool {
    matches!(
        outcome,
        Outcome::Pending | Outcome::Gap { .. } | Outcome::Failed
    )
}

/// The source the arguments describe, or the usage error that says which argument is wrong.
fn source(args: &cli::Adopt) -> Result<Source, Failure> {
    let source = match args.from.strip_prefix("table:") {
        Some(table) => home_made(table, args)?,
        None => {
            let tool = Tool::from_name(&args.from).ok_or_else(|| {
                let tools: Vec<&str> = Tool::ALL.iter().map(|t| t.name()).collect();
                Failure::usage(format!(
                    "--from {}: not a tool adopt reads; give one of {}, or table:<name> for a home-made runner's table",
                    args.from,
                    tools.join(", ")
                ))
            })?;
            let home_made_only = [
                ("--version-column", args.version_column.is_some()),
                ("--name-column", args.name_column.is_some()),
                ("--checksum-column", args.checksum_column.is_some()),
                ("--checksum", args.checksum.is_some()),
            ];
            if let Some((flag, _)) = home_made_only.iter().find(|(_, given)| *given) {
                return Err(Failure::usage(format!(
                    "{flag} describes a home-made runner's table: use it with --from table:<name>; {tool}'s columns are known"
                )));
            }
            let source = Source::tool(tool);
            match &args.history_table {
                Some(table) => source.history_table(table.clone()),
                None => source,
            }
        }
    };
    let source = match &args.history_schema {
        Some(schema) => source.history_schema(schema.clone()),
        None => source,
    };
    Ok(source
        .accept_unknown(args.accept_unknown)
        .accept_gaps(args.accept_gaps)
        .accept_dirty(args.accept_dirty)
        .accept_out_of_order(args.accept_out_of_order))
}

/// `--from table:<name>` and its columns.
fn home_made(table: &str, args: &cli::Adopt) -> Result<Source, Failure> {
    if table.is_empty() {
        return Err(Failure::usage(
            "--from table: names no table; write --from table:<name>",
        ));
    }
    if args.history_table.is_some() {
        return Err(Failure::usage(format!(
            "--from table:{table} names the table already; leave out --history-table"
        )));
    }
    let version = args.version_column.as_deref().unwrap_or("version");
    let mut columns = Columns::new(version);
    if let Some(name) = &args.name_column {
        columns = columns.name(name.clone());
    }
    let kind = match args.checksum {
        Some(ChecksumKind::Sha256) => Some(migrate::adopt::ChecksumKind::Sha256),
        Some(ChecksumKind::Md5) => Some(migrate::adopt::ChecksumKind::Md5),
        Some(ChecksumKind::None) => None,
        None => match &args.checksum_column {
            Some(column) => {
                return Err(Failure::usage(format!(
                    "--checksum-column {column}: say how its checksums were computed with --checksum sha256, md5 or none"
                )))
            }
            None => None,
        },
    };
    if let Some(kind) = kind {
        let column = args.checksum_column.as_deref().unwrap_or("checksum");
        columns = columns.checksum(column, kind);
    }
    Ok(Source::generic(table, columns))
}

/// The mapping: one line per migration and per row of theirs that matches none, then a
/// count of each outcome.
fn print(cx: &Context<'_>, adoption: &Adoption) {
    let out = cx.out;
    out.line(format!(
        "{}'s history in {}, mapped onto {}:",
        adoption.who, adoption.table, cx.dir
    ));
    let rows: Vec<Vec<output::Cell>> = adoption
        .lines
        .iter()
        .map(|line| {
            let color = match line.outcome {
                Outcome::Adopted(_) => Color::Green,
                Outcome::Pending => Color::Yellow,
                _ => Color::Red,
            };
            vec![
                (
                    line.version.map(|v| v.to_string()).unwrap_or_default(),
                    None,
                ),
                (
                    line.file
                        .clone()
                        .unwrap_or_else(|| "(no such migration)".to_owned()),
                    None,
                ),
                (line.row.clone().unwrap_or_default(), Some(Color::Dim)),
                (line.outcome.to_string(), Some(color)),
            ]
        })
        .collect();
    out.line(output::table(
        out,
        &["version", "file", "their row", "verdict"],
        &rows,
    ));
    let count =
        |f: &dyn Fn(&Outcome) -> bool| adoption.lines.iter().filter(|l| f(&l.outcome)).count();
    let verified = count(&|o| matches!(o, Outcome::Adopted(Check::Verified { .. })));
    let verified = match verified {
        0 => String::new(),
        n => format!(" ({n} checksum-verified)"),
    };
    let summary = [
        (adoption.adopted.len(), format!("to adopt{verified}")),
        (count(&is_pending), "pending".to_owned()),
        (
            count(&|o| matches!(o, Outcome::Unknown)),
            "unknown".to_owned(),
        ),
        (
            count(&|o| matches!(o, Outcome::Mismatch { .. })),
            "edited".to_owned(),
        ),
    ];
    let summary: Vec<String> = summary
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if !summary.is_empty() {
        out.line(summary.join(", "));
    }
}
