//! `migrate status`: every migration's state, then the repeatable migrations', as a table or
//! JSON.

use std::time::Duration;

use migrate::{MigrationStatus, Migrator, State};
use serde_json::json;

use super::apply::{Conn, Context};
use super::repeatables;
use crate::cli;
use crate::exit::{self, Failure};
use crate::output::{self, Color};

fn state_name(state: &State) -> &'static str {
    match state {
        State::Applied => "applied",
        State::Pending => "pending",
        State::Edited { .. } => "edited",
        State::Missing => "missing",
        State::Dirty { .. } => "dirty",
        State::InProgress { .. } => "in progress",
    }
}

/// Prints the state of every migration and repeatable migration; exit 3 with `--exit-code`
/// when something is left to do.
pub(super) async fn run(
    conn: &mut impl Conn,
    cx: &Context<'_>,
    args: &cli::Status,
) -> Result<u8, Failure> {
    let list = cx.runner().status(conn.db()).await?;
    let repeatable = cx.runner().repeatable_status(conn.db()).await?;
    match args.format {
        cli::Format::Json => {
            let mut value = status_json(cx.migrator, &list);
            if !repeatable.is_empty() {
                value["repeatables"] = repeatables::json(&repeatable);
            }
            cx.out.line(value.to_string());
        }
        cli::Format::Table => {
            print_status(cx, &list);
            repeatables::print_status(cx.out, &repeatable);
        }
    }
    let clean = list.iter().all(|s| s.state == State::Applied) && repeatables::clean(&repeatable);
    if args.exit_code && !clean {
        return Ok(exit::NOT_UP_TO_DATE);
    }
    Ok(exit::OK)
}

fn millis(duration: Option<Duration>) -> Option<u128> {
    duration.map(|d| d.as_millis())
}

fn status_json(migrator: &Migrator, list: &[MigrationStatus]) -> serde_json::Value {
    let items: Vec<serde_json::Value> = list
        .iter()
        .map(|s| {
            let mut item = json!({
                "version": s.version.get(),
                "name": s.name,
                "file": s.file,
                "state": state_name(&s.state),
                "applied_at": s.applied_at.map(|t| t.to_string()),
                "duration_ms": millis(s.duration),
            });
            match &s.state {
                State::Edited { applied_checksum } => {
                    item["applied_checksum"] = json!(applied_checksum);
                    item["file_checksum"] = json!(migrator
                        .get(s.version)
                        .map(|m| migrate_core::checksum::to_hex(m.checksum())));
                }
                State::Dirty {
                    statements_done,
                    error,
                } => {
                    item["statements_done"] = json!(statements_done);
                    item["error"] = json!(error);
                }
                State::InProgress { statements_done } => {
                    item["statements_done"] = json!(statements_done);
                }
                State::Applied | State::Pending | State::Missing => {}
            }
            item
        })
        .collect();
    json!({ "migrations": items })
}

fn print_status(cx: &Context<'_>, list: &[MigrationStatus]) {
    let out = cx.out;
    if list.is_empty() {
        out.line("no migrations, none applied");
        return;
    }
    let rows: Vec<Vec<output::Cell>> = list
        .iter()
        .map(|s| {
            let color = match s.state {
                State::Applied => Color::Green,
                State::Pending => Color::Yellow,
                _ => Color::Red,
            };
            vec![
                (s.version.to_string(), None),
                (s.name.clone(), None),
                (s.state.to_string(), Some(color)),
                (
                    s.applied_at.map(|t| t.to_string()).unwrap_or_default(),
                    Some(Color::Dim),
                ),
                (
                    millis(s.duration).map_or(String::new(), |ms| format!("{ms} ms")),
                    Some(Color::Dim),
                ),
            ]
        })
        .collect();
    out.line(output::table(
        out,
        &["version", "name", "state", "applied at", "duration"],
        &rows,
    ));
    let count = |name: &str| list.iter().filter(|s| state_name(&s.state) == name).count();
    let summary: Vec<String> = [
        "applied",
        "pending",
        "edited",
        "missing",
        "dirty",
        "in progress",
    ]
    .into_iter()
    .map(|name| (name, count(name)))
    .filter(|(_, n)| *n > 0)
    .map(|(name, n)| format!("{n} {name}"))
    .collect();
    out.line(summary.join(", "));
    for s in list {
        let file = s.file.as_deref().unwrap_or("");
        match &s.state {
            State::Edited { applied_checksum } => out.warning(format!(
                "migration {} ({file}) was edited after it was applied: the database has sha256 {applied_checksum}; restore the file and put the change in a new migration",
                s.version
            )),
            State::Dirty {
                statements_done,
                error,
            } => out.warning(format!(
                "migration {} ({file}) stopped after statement {statements_done}{}: repair, then `migrate up --resume`, or `migrate force {}` if you finished it by hand",
                s.version,
                error.as_ref().map(|e| format!(" ({e})")).unwrap_or_default(),
                s.version
            )),
            State::Missing => out.warning(format!(
                "migration {} ({}) is applied but not in {}: the database is newer than this directory",
                s.version, s.name, cx.dir
            )),
            State::InProgress { .. } => out.note(format!(
                "migration {} ({file}) is being applied by another runner, which holds the migration lock",
                s.version
            )),
            State::Applied | State::Pending => {}
        }
    }
}
