// the expansion uses absolute paths only: local items named like everything it refers to,
// and a module without the prelude, change nothing
#![allow(dead_code, non_camel_case_types, unused_macros)]

mod core {}
mod std {}
mod __private {}
struct Migration;
struct Migrator;
struct Script;
struct Transaction;
struct Version;
enum Option {
    Some,
    None,
}
#[allow(unused_imports)] // they only shadow the prelude's `Some` and `None`
use Option::{None, Some};
struct include_str;
macro_rules! include_str {
    ($($t:tt)*) => {
        "shadowed"
    };
}
macro_rules! include_bytes {
    ($($t:tt)*) => {
        b"shadowed"
    };
}
macro_rules! compile_error {
    ($($t:tt)*) => {};
}
const MIGRATIONS: () = ();

static MIGRATOR: ::migrate::Migrator = ::migrate::embed_migrations!("tests/ui/fixtures/hygiene");

::migrate::embed_migrations!(pub mod db, "tests/ui/fixtures/hygiene");

#[no_implicit_prelude]
mod bare {
    pub static MIGRATOR: ::migrate::Migrator =
        ::migrate::embed_migrations!("tests/ui/fixtures/hygiene");

    ::migrate::embed_migrations!(pub mod db, "tests/ui/fixtures/hygiene");
}

fn main() {
    let m = MIGRATOR.migrations();
    ::std::assert_eq!(m.len(), 2);
    ::std::assert_eq!(
        m[0].up_sql(),
        "create table users (id bigint primary key);\n\n"
    );
    ::std::assert_eq!(
        m[0].down_sql(),
        ::std::option::Option::Some("drop table users;\n")
    );
    ::std::assert_eq!(m[1].transaction(), ::migrate::Transaction::Disabled);
    ::std::assert_eq!(&MIGRATOR, &bare::MIGRATOR);
    ::std::assert_eq!(&MIGRATOR, &db::MIGRATOR);
    ::std::assert_eq!(db::INDEX_USERS, bare::db::INDEX_USERS);
    ::std::assert_eq!(db::CREATE_USERS.get(), 1);
}
