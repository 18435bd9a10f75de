//! What a tenant's newest tracking row says against the set, without a lock or a write.
//!
//! The row's chain covers every version and checksum up to it; a run that reaches the newest
//! migration seals it over the repeatable migrations it applied (see
//! [`crate::Migrator::head_chain`]). A tenant at the head carries the set's head chain. One
//! that is behind carries the chain of this set at its newest version — as it was written, or
//! sealed over the repeatable migrations of its last run, which may have changed since: those
//! are read from its table of repeatable migrations and the seal recomputed from them.

use migrate_core::checksum::chain_repeatable;

use super::tenant::Seen;
use super::TenantState;
use crate::driver::Newest;
use crate::table::{Migrator, Version};

/// The newest version and the state of a tenant that `seen` describes, against `migrator`,
/// whose chain at each migration is `chains` (computed once for the whole fleet).
pub(crate) fn summarise(
    migrator: &Migrator,
    chains: &[[u8; 32]],
    seen: &Seen,
) -> (Option<Version>, TenantState) {
    let all = migrator.migrations().len();
    let repeatables = to_apply(migrator, seen.repeatables.as_deref());
    match &seen.newest {
        Newest::NoTable => (None, TenantState::Untracked),
        Newest::Empty => (
            None,
            TenantState::Behind {
                pending: all,
                repeatables,
            },
        ),
        Newest::Row {
            version,
            chain,
            success,
        } => {
            let Some(version) = Version::new(*version) else {
                return (None, TenantState::Diverged);
            };
            if !success {
                return (Some(version), TenantState::Dirty { version });
            }
            let Some((index, plain)) = migrator
                .index(version)
                .and_then(|i| Some((i, chains.get(i)?)))
            else {
                return (Some(version), TenantState::Diverged);
            };
            let pending = all - index - 1;
            if pending == 0 && chain.as_slice() == migrator.head_chain() {
                return (Some(version), TenantState::AtHead);
            }
            let known = seals(migrator, plain, seen.repeatables.as_deref());
            if !known.iter().any(|seal| chain.as_slice() == seal) {
                return (Some(version), TenantState::Diverged);
            }
            let state = TenantState::Behind {
                pending,
                repeatables,
            };
            (Some(version), state)
        }
    }
}

/// The repeatable migrations of the set that `applied` (name and checksum of each one the
/// tenant applied in full) does not hold as they are now; all of them when nothing was read.
fn to_apply(migrator: &Migrator, applied: Option<&[(String, Vec<u8>)]>) -> usize {
    migrator
        .repeatables()
        .iter()
        .filter(|r| {
            !applied.is_some_and(|rows| {
                rows.iter()
                    .any(|(name, checksum)| name == r.name() && checksum == r.checksum())
            })
        })
        .count()
}

/// The chains a tenant whose newest row is at a migration of chain `plain` may carry: `plain`
/// itself (repeatable migrations not applied since), sealed over the set's repeatable
/// migrations, and sealed over the ones it applied — all of them, or those still in the set
/// (whichever were there at its last run: one removed since, or one removed before).
fn seals(
    migrator: &Migrator,
    plain: &[u8; 32],
    applied: Option<&[(String, Vec<u8>)]>,
) -> Vec<[u8; 32]> {
    let mut seals = vec![*plain, migrator.sealed(plain)];
    let Some(applied) = applied else {
        return seals;
    };
    let mut rows: Vec<(&str, [u8; 32])> = applied
        .iter()
        .filter_map(|(name, checksum)| Some((name.as_str(), checksum.as_slice().try_into().ok()?)))
        .collect();
    // the set's name order, which is the seal's
    rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let in_set = |name: &str| migrator.repeatables().iter().any(|r| r.name() == name);
    for keep_removed in [true, false] {
        let seal = rows
            .iter()
            .filter(|(name, _)| keep_removed || in_set(name))
            .fold(*plain, |chain, (name, checksum)| {
                chain_repeatable(&chain, name, checksum)
            });
        seals.push(seal);
    }
    seals
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A set of two migrations and the repeatable migrations `repeatables` (name, SQL).
    fn set(repeatables: &[(&str, &str)]) -> Migrator {
        static SETS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SETS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("migrate-fleet-state-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let write = |rel: &str, sql: &str| {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap_or(&dir)).expect("dir");
            std::fs::write(path, sql).expect("write");
        };
        write("1_a.sql", "create table a (id int);\n");
        write("2_b.sql", "create table b (id int);\n");
        for (name, sql) in repeatables {
            write(&format!("repeatable/{name}.sql"), sql);
        }
        let migrator = Migrator::from_dir(&dir).expect("a valid set");
        let _ = std::fs::remove_dir_all(&dir);
        migrator
    }

    fn row(chain: [u8; 32], version: i64) -> Newest {
        Newest::Row {
            version,
            chain: chain.to_vec(),
            success: true,
        }
    }

    fn applied(list: &[(&str, &str)]) -> Option<Vec<(String, Vec<u8>)>> {
        Some(
            list.iter()
                .map(|(n, sql)| {
                    let checksum = migrate_core::checksum::checksum(sql);
                    ((*n).to_owned(), checksum.to_vec())
                })
                .collect(),
        )
    }

    fn state(m: &Migrator, seen: Seen) -> String {
        let chains: Vec<[u8; 32]> = m.chains().collect();
        format!("{:?}", summarise(m, &chains, &seen).1)
    }

    #[test]
    fn a_sealed_row_is_at_head_and_an_edited_repeatable_is_behind() {
        let now = set(&[("v", "create view v as select 2;\n")]);
        let chains: Vec<[u8; 32]> = now.chains().collect();
        let head = Seen::newest(row(*now.head_chain(), 2));
        assert_eq!(state(&now, head), "AtHead");
        // sealed over the view's older content, which its table still holds
        let before = set(&[("v", "create view v as select 1;\n")]);
        let old = Seen {
            newest: row(*before.head_chain(), 2),
            repeatables: applied(&[("v", "create view v as select 1;\n")]),
        };
        assert_eq!(state(&now, old), "Behind { pending: 0, repeatables: 1 }");
        // not sealed yet: the repeatable migrations never ran
        let plain = Seen::newest(row(chains[1], 2));
        assert_eq!(state(&now, plain), "Behind { pending: 0, repeatables: 1 }");
        // behind by a migration, sealed at its newest over an older content
        let at_one = Seen {
            newest: row(
                chain_repeatable(
                    &chains[0],
                    "v",
                    &migrate_core::checksum::checksum("create view v as select 1;\n"),
                ),
                1,
            ),
            repeatables: applied(&[("v", "create view v as select 1;\n")]),
        };
        assert_eq!(state(&now, at_one), "Behind { pending: 1, repeatables: 1 }");
    }

    #[test]
    fn a_removed_repeatable_still_verifies_and_an_unknown_chain_diverges() {
        let now = set(&[("v", "select 1;\n")]);
        let before = set(&[("v", "select 1;\n"), ("w", "select 2;\n")]);
        let seen = Seen {
            newest: row(*before.head_chain(), 2),
            repeatables: applied(&[("v", "select 1;\n"), ("w", "select 2;\n")]),
        };
        assert_eq!(state(&now, seen), "Behind { pending: 0, repeatables: 0 }");
        let wrong = Seen {
            newest: row([7; 32], 2),
            repeatables: applied(&[("v", "select 1;\n")]),
        };
        assert_eq!(state(&now, wrong), "Diverged");
        assert_eq!(state(&now, Seen::newest(Newest::NoTable)), "Untracked");
        assert_eq!(
            state(&now, Seen::newest(Newest::Empty)),
            "Behind { pending: 2, repeatables: 1 }"
        );
    }
}
