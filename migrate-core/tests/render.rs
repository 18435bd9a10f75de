//! Rendering is the inverse of parsing: the name `migrate add` writes for a version and a
//! description in a layout parses back to that version and description, in every layout.

use migrate_core::diesel;
use migrate_core::render::{DieselForm, Layout, Numbering};
use migrate_core::scheme::{self, Role, Scheme};
use migrate_core::section;
use proptest::prelude::*;

fn layouts() -> impl Strategy<Value = Layout> {
    let scheme = prop_oneof![
        Just(Scheme::Sqlx),
        Just(Scheme::Refinery),
        Just(Scheme::Goose),
        Just(Scheme::Dbmate),
        Just(Scheme::Diesel),
    ];
    let numbering = prop_oneof![Just(Numbering::Timestamp), Just(Numbering::Sequential)];
    let form = prop_oneof![
        Just(DieselForm::Dashed),
        Just(DieselForm::DashedCounter),
        Just(DieselForm::Digits)
    ];
    (scheme, any::<bool>(), numbering, 0usize..20, form).prop_map(
        |(scheme, pairs, numbering, width, diesel)| Layout {
            scheme,
            pairs: pairs && scheme == Scheme::Sqlx,
            numbering: if scheme == Scheme::Diesel {
                Numbering::Timestamp
            } else {
                numbering
            },
            width,
            diesel,
        },
    )
}

/// A version the layout can write: any non-negative number, or for diesel one that a diesel
/// text of the layout's form gives.
fn version_for(layout: Layout) -> BoxedStrategy<i64> {
    if layout.scheme != Scheme::Diesel {
        return (0..=i64::MAX).boxed();
    }
    let digits = if layout.diesel == DieselForm::DashedCounter {
        "[1-8][0-9]{17}"
    } else {
        "[0-8][0-9]{13}"
    };
    digits
        .prop_filter_map("a diesel version", |d| {
            migrate_core::diesel::encode(&d).ok()
        })
        .boxed()
}

proptest! {
    #[test]
    fn parsing_a_rendered_name_gives_it_back(
        (layout, version) in layouts().prop_flat_map(|l| (Just(l), version_for(l))),
        description in "[a-zA-Z0-9][a-zA-Z0-9 ._-]{0,30}",
        reversible in any::<bool>(),
    ) {
        let Ok(files) = layout.new_files(version, &description, reversible) else {
            // refused for a reason the layout gives (refinery has no downs, `.up` endings)
            prop_assume!(false);
            return Ok(());
        };
        let expected = layout.description(&description).unwrap_or_default();
        for file in &files {
            let name = match layout.scheme {
                Scheme::Diesel => {
                    let dir = file.rel.split('/').next().unwrap_or("");
                    scheme::parse_diesel_dir(dir)
                }
                _ => scheme::parse_file_name(&file.rel),
            };
            let name = name.map_err(|e| TestCaseError::fail(format!("{}: {e}", file.rel)))?;
            prop_assert_eq!(name.version, version, "{}", file.rel);
            prop_assert_eq!(&name.description, &expected, "{}", file.rel);
            if matches!(layout.scheme, Scheme::Goose | Scheme::Dbmate) {
                let sections = section::read(&file.text, name.scheme, name.role)
                    .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                prop_assert_eq!(sections.scheme, layout.scheme);
                prop_assert_eq!(sections.down.is_some(), reversible);
            } else if layout.scheme != Scheme::Diesel {
                prop_assert_eq!(name.scheme, layout.scheme);
            }
            if files.len() == 2 && layout.scheme == Scheme::Sqlx {
                prop_assert!(matches!(name.role, Role::Up | Role::Down));
            }
        }
    }
}

fn layout(scheme: Scheme, numbering: Numbering, width: usize, diesel: DieselForm) -> Layout {
    Layout {
        scheme,
        pairs: false,
        numbering,
        width,
        diesel,
    }
}

#[test]
fn next_versions() {
    let seq = layout(Scheme::Sqlx, Numbering::Sequential, 4, DieselForm::Dashed);
    assert_eq!(seq.next_version(Some(41), 0), Ok(42));
    assert_eq!(seq.version_text(42), "0042");
    assert_eq!(seq.next_version(None, 0), Ok(1));
    assert!(seq.next_version(Some(i64::MAX), 0).is_err());
    let ts = layout(Scheme::Sqlx, Numbering::Timestamp, 14, DieselForm::Dashed);
    assert_eq!(
        ts.next_version(Some(20240101000000), 20250101000000),
        Ok(20250101000000)
    );
    assert_eq!(
        ts.next_version(Some(20250101000000), 20250101000000),
        Ok(20250101000001)
    );
    let counter = layout(
        Scheme::Diesel,
        Numbering::Timestamp,
        22,
        DieselForm::DashedCounter,
    );
    let v = counter.next_version(None, 20250102030405);
    assert_eq!(v, Ok(2025010203040500004));
    assert_eq!(
        counter.version_text(2025010203040500004),
        "2025-01-02-030405-0000"
    );
    // a newest version in the future: the next second
    assert_eq!(
        counter.next_version(Some(2025010203040500004), 20250102030405),
        Ok(2025010203040600004)
    );
    let dashed = layout(Scheme::Diesel, Numbering::Timestamp, 17, DieselForm::Dashed);
    assert_eq!(
        dashed.version_text(2025010203040500000),
        "2025-01-02-030405"
    );
    assert_eq!(
        dashed.next_version(None, 20250102030405),
        Ok(2025010203040500000)
    );
    // after a short diesel version (`2030-01-01`, far ahead): the 14-digit one it precedes
    let short = diesel::encode("20300101").unwrap_or_default();
    assert_eq!(
        dashed.next_version(Some(short), 20250102030405),
        Ok(2030010100000000000)
    );
    assert!(dashed.numbered(Numbering::Sequential).is_err());
}

#[test]
fn files_per_layout() {
    let names = |l: Layout, v: i64, r: bool| -> Vec<String> {
        l.new_files(v, "add users  table", r)
            .unwrap_or_default()
            .into_iter()
            .map(|f| f.rel)
            .collect()
    };
    let seq = |scheme| layout(scheme, Numbering::Sequential, 3, DieselForm::Dashed);
    assert_eq!(
        names(seq(Scheme::Sqlx), 7, false),
        ["007_add_users_table.sql"]
    );
    assert_eq!(
        names(seq(Scheme::Sqlx), 7, true),
        ["007_add_users_table.up.sql", "007_add_users_table.down.sql"]
    );
    assert_eq!(
        names(seq(Scheme::Refinery), 7, false),
        ["V007__add_users_table.sql"]
    );
    assert!(seq(Scheme::Refinery).new_files(7, "x", true).is_err());
    assert_eq!(
        names(seq(Scheme::Goose), 7, true),
        ["007_add_users_table.sql"]
    );
    let diesel = layout(Scheme::Diesel, Numbering::Timestamp, 14, DieselForm::Digits);
    assert_eq!(
        names(diesel, 700_000, true),
        [
            "00000000000007_add users  table/up.sql",
            "00000000000007_add users  table/down.sql"
        ]
    );
    assert!(seq(Scheme::Sqlx).new_files(1, "a/b", false).is_err());
    assert!(seq(Scheme::Sqlx).new_files(1, "  ", false).is_err());
    assert!(seq(Scheme::Sqlx).new_files(1, "x.up", false).is_err());
    assert!(seq(Scheme::Sqlx).new_files(1, "x.UP", false).is_err());
}
