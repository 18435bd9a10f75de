//! The name of a template: which set, which version of it, which schema.

use std::collections::HashSet;

use migrate_core::checksum::{chain, to_hex, CHAIN_START};
use migrate_runtime::{Migrator, Version};

use crate::Error;

/// The prefix of a complete template's name.
pub(super) const TEMPLATE: &str = "migrate_tpl_";
/// The prefix of a template being built.
pub(super) const BUILDING: &str = "migrate_bld_";

/// Which template a test database is cloned from.
///
/// Names are `migrate_tpl_<set>_<kind><chain>` (58 characters: within PostgreSQL's 63 and
/// MySQL's 64): `<set>` is 12 hex digits of the first migration's chain, the same for every
/// version of a set as it grows; `<kind>` is `h` for the whole set, `v` for a set up to an
/// older version (`to = …`); `<chain>` is 32 hex digits of the chain of the last migration
/// applied — for the whole set its head chain, which covers the repeatable migrations too —
/// which names the exact schema. A template being built is `migrate_bld_…`.
#[derive(Debug)]
pub(crate) struct Key {
    set: String,
    head: bool,
    chain: [u8; 32],
    /// The newest migration applied.
    version: Version,
    /// How many migrations are applied.
    count: usize,
    /// The chains of every migration of the set, as names show them.
    chains: HashSet<String>,
    /// The set's head chain, as names show it.
    head_chain: String,
}

impl Key {
    /// The template of `migrator` up to `to` (default: all); `None` for an empty set.
    pub fn new(migrator: &Migrator, to: Option<Version>) -> Result<Option<Key>, Error> {
        let migrations = migrator.migrations();
        let Some(newest) = migrations.last() else {
            return match to {
                Some(version) => Err(Error::UnknownVersion {
                    version,
                    newest: None,
                }),
                None => Ok(None),
            };
        };
        let count = match to {
            None => migrations.len(),
            Some(version) => match migrations.binary_search_by_key(&version, |m| m.version()) {
                Ok(index) => index + 1,
                Err(_) => {
                    return Err(Error::UnknownVersion {
                        version,
                        newest: Some(newest.version()),
                    })
                }
            },
        };
        let all: Vec<[u8; 32]> = migrations
            .iter()
            .scan(CHAIN_START, |at, m| {
                *at = chain(at, m.version().get(), m.checksum());
                Some(*at)
            })
            .collect();
        let short = |c: &[u8; 32]| to_hex(c)[..32].to_owned();
        let head = count == migrations.len();
        Ok(Some(Key {
            set: to_hex(&all[0])[..12].to_owned(),
            head,
            // the whole set's template holds its repeatable migrations too, and its newest row
            // the head chain sealed over them: another content is another template
            chain: if head {
                *migrator.head_chain()
            } else {
                all[count - 1]
            },
            version: migrations[count - 1].version(),
            count,
            chains: all.iter().map(short).collect(),
            head_chain: short(migrator.head_chain()),
        }))
    }

    /// The complete template's name.
    pub fn name(&self) -> String {
        format!("{TEMPLATE}{}", self.suffix())
    }

    /// The name the template has while it is built.
    pub fn building(&self) -> String {
        format!("{BUILDING}{}", self.suffix())
    }

    fn suffix(&self) -> String {
        let kind = if self.head { 'h' } else { 'v' };
        format!("{}_{kind}{}", self.set, &to_hex(&self.chain)[..32])
    }

    /// Whether `name` is a template of this set, or a build of one.
    pub fn is_of_set(&self, name: &str) -> bool {
        [TEMPLATE, BUILDING].iter().any(|prefix| {
            name.strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix(self.set.as_str()))
                .is_some_and(|rest| rest.starts_with('_'))
        })
    }

    /// Whether a template of this set named `name`, found while building this key's under the
    /// set's lock, is to be dropped: any build (its builder crashed: no other can hold the
    /// lock), a whole-set template of another head (the set changed), a template of a version
    /// that is no longer in the set (the history changed).
    pub fn is_stale(&self, name: &str) -> bool {
        if !self.is_of_set(name) {
            return false;
        }
        if name.starts_with(BUILDING) {
            return true;
        }
        let kind_and_chain = &name[TEMPLATE.len() + self.set.len() + 1..];
        match kind_and_chain.split_at_checked(1) {
            Some(("h", chain)) => chain != self.head_chain,
            Some(("v", chain)) => !self.chains.contains(chain),
            _ => false,
        }
    }

    /// The set's lock, as a name (64 characters at most, as MySQL's `GET_LOCK` wants).
    pub fn lock_name(&self) -> String {
        format!("{TEMPLATE}{}", self.set)
    }

    /// The set's lock, as a number (PostgreSQL's advisory locks).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub fn lock_id(&self) -> i32 {
        let bits = u32::from_str_radix(&self.set[..8], 16).unwrap_or(0);
        i32::from_ne_bytes(bits.to_ne_bytes())
    }

    /// Where the migrations stop: `None` for all of them.
    pub fn target(&self) -> Option<Version> {
        (!self.head).then_some(self.version)
    }

    /// The newest migration in the template, and its chain: what its tracking table's newest
    /// row holds when it is complete.
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    pub fn newest(&self) -> (Version, &[u8; 32]) {
        (self.version, &self.chain)
    }

    /// What the template holds, for messages.
    pub fn describe(&self) -> String {
        if self.head {
            format!("{} migrations", self.count)
        } else {
            format!("{} migrations, up to {}", self.count, self.version)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(n: usize) -> Migrator {
        let dir = std::env::temp_dir().join(format!(
            "migrate-key-{}-{n}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for i in 1..=n {
            std::fs::write(
                dir.join(format!("{i}_t{i}.sql")),
                format!("CREATE TABLE t{i} (id INT);\n"),
            )
            .unwrap();
        }
        let migrator = Migrator::from_dir(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        migrator
    }

    #[test]
    fn names_say_the_set_the_kind_and_the_chain() {
        let three = set(3);
        let key = Key::new(&three, None).unwrap().unwrap();
        let name = key.name();
        assert_eq!(name.len(), 58);
        assert!(name.starts_with("migrate_tpl_"));
        assert_eq!(&name[24..26], "_h");
        assert_eq!(&name[26..], &to_hex(three.head_chain())[..32]);
        assert_eq!(key.building(), name.replace("_tpl_", "_bld_"));
        assert_eq!(key.target(), None);

        let at_two = Key::new(&three, Version::new(2)).unwrap().unwrap();
        assert_eq!(&at_two.name()[..24], &name[..24]);
        assert_eq!(&at_two.name()[24..26], "_v");
        assert_eq!(at_two.target(), Version::new(2));
        // the whole set up to its newest version is the whole set
        assert_eq!(
            Key::new(&three, Version::new(3)).unwrap().unwrap().name(),
            name
        );
    }

    #[test]
    fn a_grown_set_keeps_its_set_and_drops_its_old_head_but_not_its_versions() {
        let three = set(3);
        let four = set(4);
        let old = Key::new(&three, None).unwrap().unwrap();
        let new = Key::new(&four, None).unwrap().unwrap();
        let at_two = Key::new(&four, Version::new(2)).unwrap().unwrap();
        assert!(new.is_of_set(&old.name()));
        assert!(new.is_stale(&old.name()));
        assert!(!new.is_stale(&new.name()));
        assert!(!new.is_stale(&at_two.name()));
        assert!(new.is_stale(&at_two.building()));
        // the set of one migration is the same set (same first migration), another head
        let one = Key::new(&set(1), None).unwrap().unwrap();
        assert!(new.is_of_set(&one.name()));
        assert!(new.is_stale(&one.name()));
        // a version of another history: not one of this set's chains
        let elsewhere = format!("{}v{}", &new.name()[..25], "0".repeat(32));
        assert!(new.is_stale(&elsewhere));
        assert!(!new.is_stale("migrate_tpl_000000000000_h0"));
        assert!(!new.is_stale("postgres"));
    }

    #[test]
    fn the_whole_sets_template_changes_with_a_repeatable_migration() {
        let with = |view: &str| {
            let dir = std::env::temp_dir().join(format!(
                "migrate-key-repeatable-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("repeatable")).unwrap();
            std::fs::write(dir.join("1_t.sql"), "CREATE TABLE t (id INT);\n").unwrap();
            std::fs::write(dir.join("repeatable/v.sql"), view).unwrap();
            let migrator = Migrator::from_dir(&dir).unwrap();
            std::fs::remove_dir_all(&dir).unwrap();
            migrator
        };
        let one = with("CREATE VIEW v AS SELECT 1 AS x;\n");
        let two = with("CREATE VIEW v AS SELECT 2 AS x;\n");
        let (old, new) = (
            Key::new(&one, None).unwrap().unwrap(),
            Key::new(&two, None).unwrap().unwrap(),
        );
        assert_ne!(old.name(), new.name());
        assert_eq!(&new.name()[26..], &to_hex(two.head_chain())[..32]);
        // complete when the newest row carries the head chain, sealed over the view
        assert_eq!(new.newest().1, two.head_chain());
        assert!(new.is_stale(&old.name()));
        assert!(!new.is_stale(&new.name()));
        // up to the newest version is the whole set, repeatable migrations included
        let at_one = |m: &Migrator| Key::new(m, Version::new(1)).unwrap().unwrap();
        assert_eq!(&at_one(&one).name()[24..26], "_h");
        assert_eq!(at_one(&one).name(), old.name());
    }

    #[test]
    fn a_version_not_in_the_set_is_refused() {
        let three = set(3);
        let error = Key::new(&three, Version::new(7)).unwrap_err();
        assert!(matches!(error, Error::UnknownVersion { .. }), "{error}");
        assert!(Key::new(&set(0), None).unwrap().is_none());
    }
}
