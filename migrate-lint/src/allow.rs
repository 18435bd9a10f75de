//! `-- migrate:allow <rule>`: a finding acknowledged in the file. A line in the header (above
//! the first statement) covers the whole file; a line below covers the statement that follows
//! it. The build checks the names' shape; the names themselves are checked here, against
//! squawk's rules and this project's, because only the lint knows them.

use migrate_core::set::Script;
use migrate_core::split::{self, Dialect};
use squawk_linter::Rule;

use crate::squawk::{position, Raw, SYNTAX_ERROR};
use crate::{hazards, Finding};

/// The rule of a finding about an allow line that names a rule the lint does not have.
pub const UNKNOWN_RULE: &str = "unknown-allowed-rule";

/// Whether `rule` is a rule of the lint.
pub fn known(rule: &str) -> bool {
    rule.parse::<Rule>().is_ok() || hazards::RULES.contains(&rule) || rule == SYNTAX_ERROR
}

/// The findings the script's allow lines do not cover, and how many they do.
pub(crate) fn apply(script: &Script, findings: Vec<Raw>) -> (Vec<Raw>, usize) {
    if script.allow.is_empty() {
        return (findings, 0);
    }
    let statements: Vec<std::ops::Range<usize>> = split::split(&script.sql, Dialect::Postgres)
        .into_iter()
        .filter(|s| !s.is_blank())
        .map(|s| s.sql_offset()..s.sql_offset() + s.sql().len())
        .collect();
    // each allow line: its rules, and the bytes it covers (`None`: the whole file)
    let scopes: Vec<(&[String], Option<std::ops::Range<usize>>)> = script
        .allow
        .iter()
        .map(|a| {
            let next = statements
                .iter()
                .find(|s| position(script, s.start).0 > a.line)
                .cloned()
                .unwrap_or(0..0);
            (a.rules.as_slice(), (!a.whole_file).then_some(next))
        })
        .collect();
    let before = findings.len();
    let kept: Vec<Raw> = findings
        .into_iter()
        .filter(|f| {
            !scopes.iter().any(|(rules, bytes)| {
                rules.contains(&f.rule) && bytes.as_ref().is_none_or(|b| b.contains(&f.start))
            })
        })
        .collect();
    let allowed = before - kept.len();
    (kept, allowed)
}

/// A finding for each rule an allow line names that the lint does not have.
pub(crate) fn unknown(script: &Script) -> Vec<Finding> {
    script
        .allow
        .iter()
        .flat_map(|a| a.rules.iter().map(move |rule| (a.line, rule)))
        .filter(|(_, rule)| !known(rule))
        .map(|(line, rule)| Finding {
            file: script.file.clone(),
            line,
            column: 1,
            rule: UNKNOWN_RULE.to_owned(),
            message: format!("`-- migrate:allow {rule}`: the lint has no rule `{rule}`, so it acknowledges nothing"),
            help: Some(format!(
                "write a rule the lint reports: squawk's (https://squawkhq.com/docs/rules), or {}",
                hazards::RULES.join(", ")
            )),
        })
        .collect()
}
