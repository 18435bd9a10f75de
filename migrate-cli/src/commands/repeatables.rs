//! Repeatable migrations in `status`, `up` and `up --dry-run`.

use migrate::{Migrator, RepeatableState, RepeatableStatus, Transaction};
use serde_json::json;

use crate::output::{self, Color, Output};

/// The state's name, as JSON and the summary give it.
fn state_name(state: &RepeatableState) -> &'static str {
    match state {
        RepeatableState::Applied => "applied",
        RepeatableState::Pending => "pending",
        RepeatableState::Changed { .. } => "changed",
        RepeatableState::InProgress { .. } => "in progress",
        RepeatableState::Dirty { .. } => "dirty",
        RepeatableState::Removed => "removed",
    }
}

/// Whether nothing is left to do: every one applied as it is (a removed one is not applied
/// again by anything).
pub fn clean(list: &[RepeatableStatus]) -> bool {
    list.iter()
        .all(|s| matches!(s.state, RepeatableState::Applied | RepeatableState::Removed))
}

/// `status --format json`'s `repeatables`.
pub fn json(list: &[RepeatableStatus]) -> serde_json::Value {
    let items: Vec<serde_json::Value> = list
        .iter()
        .map(|s| {
            let mut item = json!({
                "name": s.name,
                "file": s.file,
                "state": state_name(&s.state),
                "applied_at": s.applied_at.map(|t| t.to_string()),
                "duration_ms": s.duration.map(|d| d.as_millis()),
            });
            match &s.state {
                RepeatableState::Changed { applied_checksum } => {
                    item["applied_checksum"] = json!(applied_checksum);
                }
                RepeatableState::Dirty {
                    statements_done,
                    error,
                } => {
                    item["statements_done"] = json!(statements_done);
                    item["error"] = json!(error);
                }
                RepeatableState::InProgress { statements_done } => {
                    item["statements_done"] = json!(statements_done);
                }
                RepeatableState::Applied | RepeatableState::Pending | RepeatableState::Removed => {}
            }
            item
        })
        .collect();
    serde_json::Value::Array(items)
}

/// The table of `status`, after the migrations'.
pub fn print_status(out: &Output, list: &[RepeatableStatus]) {
    if list.is_empty() {
        return;
    }
    let rows: Vec<Vec<output::Cell>> = list
        .iter()
        .map(|s| {
            let color = match s.state {
                RepeatableState::Applied => Color::Green,
                RepeatableState::Pending | RepeatableState::Changed { .. } => Color::Yellow,
                RepeatableState::Removed => Color::Dim,
                _ => Color::Red,
            };
            vec![
                (s.name.clone(), None),
                (s.state.to_string(), Some(color)),
                (
                    s.applied_at.map(|t| t.to_string()).unwrap_or_default(),
                    Some(Color::Dim),
                ),
                (
                    s.duration
                        .map_or(String::new(), |d| format!("{} ms", d.as_millis())),
                    Some(Color::Dim),
                ),
            ]
        })
        .collect();
    out.line("");
    out.line(output::table(
        out,
        &["repeatable", "state", "applied at", "duration"],
        &rows,
    ));
    for s in list {
        let file = s.file.as_deref().unwrap_or("");
        match &s.state {
            RepeatableState::Changed { .. } => out.note(format!(
                "repeatable migration `{}` ({file}) changed since it was applied: `migrate up` applies it again",
                s.name
            )),
            RepeatableState::Dirty {
                statements_done,
                error,
            } => out.warning(format!(
                "repeatable migration `{}` ({file}) stopped after statement {statements_done}{}: repair, then `migrate up --resume`",
                s.name,
                error.as_ref().map(|e| format!(" ({e})")).unwrap_or_default(),
            )),
            RepeatableState::Removed => out.note(format!(
                "repeatable migration `{}` is recorded in the database but no longer in the directory: what it made stays",
                s.name
            )),
            _ => {}
        }
    }
}

/// What `up --dry-run` prints after the migrations: the repeatable migrations it would apply.
/// How many.
pub fn dry_run(out: &Output, migrator: &Migrator, list: &[RepeatableStatus]) -> usize {
    let mut count = 0;
    for s in list.iter().filter(|s| s.state.will_apply()) {
        let Some(r) = migrator.repeatables().iter().find(|r| r.name() == s.name) else {
            continue;
        };
        let mode = match r.transaction() {
            Transaction::Wrapped => "in a transaction",
            Transaction::Disabled => "outside a transaction, statement by statement",
        };
        out.line(out.paint(
            &format!(
                "-- repeatable {} ({}, {}): {mode}",
                r.name(),
                r.script().file(),
                state_name(&s.state)
            ),
            Color::Bold,
        ));
        out.line(r.sql().trim_end());
        out.line("");
        count += 1;
    }
    count
}
