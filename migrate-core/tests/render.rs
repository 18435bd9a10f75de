//! Rendering is the inverse of parsing: the name `migrate add` writes for a version and a
//! description in a layout parses back to that version and description, in every layout.

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
