use super::*;

fn entry(version: i64, text: &str, no_transaction: bool, file: &str) -> Entry {
    Entry {
        version,
        checksum: checksum::checksum(text),
        no_transaction: Some(no_transaction),
        file: file.to_owned(),
        line: 0,
    }
}

fn sample() -> Lock {
    Lock {
        format: FORMAT,
        entries: vec![
            entry(1, "a", false, "1_a.sql"),
            entry(20, "b", true, "20_with space/up.sql"),
        ],
        repeatables: Vec::new(),
        amendments: Vec::new(),
    }
}

fn with_repeatables() -> Lock {
    let mut lock = amended();
    lock.repeatables = vec![
        RepeatableEntry {
            name: "grants".to_owned(),
            checksum: checksum::checksum("g"),
            no_transaction: true,
            file: "repeatable/grants.sql".to_owned(),
            line: 0,
        },
        RepeatableEntry {
            name: "views".to_owned(),
            checksum: checksum::checksum("v"),
            no_transaction: false,
            file: "repeatable/views.sql".to_owned(),
            line: 0,
        },
    ];
    lock
}

fn amended() -> Lock {
    let mut lock = sample();
    lock.entries[0].checksum = checksum::checksum("a2");
    lock.amendments.push(Amendment {
        version: 1,
        old: checksum::checksum("a"),
        new: checksum::checksum("a2"),
        reason: "reviewed in #12".to_owned(),
    });
    lock
}

fn without_lines(mut lock: Lock) -> Lock {
    lock.entries.iter_mut().for_each(|e| e.line = 0);
    lock.repeatables.iter_mut().for_each(|r| r.line = 0);
    lock
}

fn problems(text: &str) -> Vec<Diagnostic> {
    Lock::parse(text, "m/migrations.lock")
        .err()
        .unwrap_or_default()
}

use crate::diagnostic::Diagnostic;

#[test]
fn render_then_parse_round_trips_in_both_formats() {
    for lock in [sample(), amended()] {
        let text = lock.render();
        assert!(text.starts_with(HEADER));
        assert!(text.contains("\n20 "), "{text}");
        assert!(
            text.contains(" no-transaction 20_with space/up.sql\n"),
            "{text}"
        );
        let parsed = Lock::parse(&text, "m/migrations.lock").map(without_lines);
        assert_eq!(parsed, Ok(lock));
    }
    let mut old = sample();
    old.format = 1;
    old.entries.iter_mut().for_each(|e| e.no_transaction = None);
    let text = old.render();
    assert!(
        !text.contains("seal") && !text.contains("transaction"),
        "{text}"
    );
    assert_eq!(Lock::parse(&text, "m").map(without_lines), Ok(old));
}

#[test]
fn repeatable_lines_are_sealed_and_extend_the_head() {
    let lock = with_repeatables();
    let text = lock.render();
    assert!(
        text.contains(&format!(
            "\nrepeatable {} no-transaction repeatable/grants.sql\nrepeatable {} transaction repeatable/views.sql\namend 1 ",
            checksum::to_hex(&checksum::checksum("g")),
            checksum::to_hex(&checksum::checksum("v"))
        )),
        "{text}"
    );
    assert_eq!(Lock::parse(&text, "m").map(without_lines), Ok(lock.clone()));
    let versioned = amended().head();
    let grants = checksum::chain_repeatable(&versioned, "grants", &checksum::checksum("g"));
    let views = checksum::chain_repeatable(&grants, "views", &checksum::checksum("v"));
    assert_eq!(lock.head(), views);
    // without repeatable migrations, a lock is what it was before they existed
    assert!(!amended().render().contains("repeatable"));

    let edited = text.replace(
        " no-transaction repeatable/grants.sql",
        " transaction repeatable/grants.sql",
    );
    let found = problems(&edited);
    assert!(
        found[0].message.contains("`seal` does not match"),
        "{found:?}"
    );
    let swapped = text.replace("repeatable/grants.sql", "repeatable/zz.sql");
    let found = problems(&swapped);
    assert!(
        found[0]
            .message
            .starts_with("repeatable migrations out of order: `views` after `zz`"),
        "{found:?}"
    );
    let bad = text.replace("repeatable/grants.sql", "1_grants.sql");
    let found = problems(&bad);
    assert!(
        found[0]
            .message
            .starts_with("`1_grants.sql` is not a repeatable migration's file"),
        "{found:?}"
    );
}

#[test]
fn head_is_the_chain() {
    let expected = checksum::chain(
        &checksum::chain(&CHAIN_START, 1, &checksum::checksum("a")),
        20,
        &checksum::checksum("b"),
    );
    assert_eq!(sample().head(), expected);
}

#[test]
fn a_hand_edited_lock_does_not_verify() {
    let text = sample().render().replacen(
        &checksum::to_hex(&checksum::checksum("a")),
        &checksum::to_hex(&checksum::checksum("A")),
        1,
    );
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].message.starts_with("lock does not verify: `head`"),
        "{}",
        found[0]
    );
    assert_eq!(found[0].line, Some(3));
}

#[test]
fn the_seal_covers_modes_file_names_and_amendments() {
    let text = amended().render();
    for (from, to) in [
        (" no-transaction 20_", " transaction 20_"),
        ("reviewed in #12", "reviewed in #13"),
        ("20_with space", "20_with_space"),
    ] {
        let found = problems(&text.replace(from, to));
        assert_eq!(found.len(), 1, "{from}: {found:?}");
        assert!(
            found[0].message.contains("`seal` does not match"),
            "{}",
            found[0]
        );
    }
    // a hand-written amendment of a version that is not locked, or whose old checksum the
    // version never had, is refused even with a seal that matches
    for forged in [
        format!(
            "amend 99 {0} {0} x",
            checksum::to_hex(&checksum::checksum("z"))
        ),
        format!(
            "amend 1 {} {} x",
            checksum::to_hex(&checksum::checksum("q")),
            checksum::to_hex(&checksum::checksum("a2"))
        ),
    ] {
        let body = text
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with("seal"))
            .collect::<Vec<_>>();
        let body = format!("{}\n{forged}\n", body.join("\n"));
        let resealed = format!("{HEADER}\n{body}seal {}\n", checksum::to_hex(&seal(&body)));
        let found = problems(&resealed);
        assert!(!found.is_empty(), "{resealed}");
        assert!(
            found.iter().all(|p| !p.message.contains("`seal`")),
            "{found:?}"
        );
    }
}

#[test]
fn a_merge_conflict_is_one_problem_at_its_first_marker() {
    let text = format!(
        "{}<<<<<<< HEAD\nnonsense\n=======\n>>>>>>> other\n",
        sample().render()
    );
    let found = problems(&text);
    let lines: Vec<_> = found.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![Some(7)]);
    assert!(found[0].message.contains("merge conflict"));
}

#[test]
fn garbage_and_misplaced_lines_are_reported_with_their_line() {
    let text = format!("{}nonsense\n", sample().render());
    let lines: Vec<_> = problems(&text).iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![Some(7)]);
    let head = sample().render().lines().nth(2).unwrap_or("").to_owned();
    let twice = sample()
        .render()
        .replacen(&head, &format!("{head}\n{head}"), 1);
    let found = problems(&twice);
    assert!(
        found[0].message.starts_with("a second `head` line"),
        "{found:?}"
    );
}

#[test]
fn format_problems_are_the_only_problem() {
    let found = problems(&sample().render().replace("format 2", "format 3"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].line, Some(2));
    assert!(found[0].message.ends_with("upgrade migrate"));
    let found = problems(&sample().render().replace("format 2", "format 2 "));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].message.contains("ends in whitespace"),
        "{}",
        found[0]
    );
    assert!(!found[0].message.contains("upgrade"), "{}", found[0]);
    let found = problems("head 00\n");
    assert!(
        found[0].message.starts_with("missing `format` line"),
        "{found:?}"
    );
}

#[test]
fn any_line_ending_reads() {
    let lf = sample().render();
    for ending in ["\r\n", "\r"] {
        let text = lf.replace('\n', ending);
        assert_eq!(Lock::parse(&text, "m").map(without_lines), Ok(sample()));
    }
}

#[test]
fn trailing_whitespace_is_named() {
    let text = sample().render().replace("1_a.sql\n", "1_a.sql \n");
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].message.starts_with("the line \"1 "),
        "{}",
        found[0]
    );
    assert!(
        found[0].message.contains("ends in whitespace"),
        "{}",
        found[0]
    );
}

#[test]
fn advice_names_a_command_the_cli_takes() {
    assert_eq!(amend_command(7), "migrate lock --amend 7");
    assert!(amend_advice(7).contains("`migrate lock --amend 7`"));
}
