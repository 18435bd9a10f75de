//! Server URLs from the environment, names of test databases, and URLs as messages show them.

use std::sync::atomic::{AtomicU32, Ordering};

/// The variables naming a server where tests may create databases, in the order read.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) const URL_VARIABLES: [&str; 2] = ["MIGRATE_TEST_DATABASE_URL", "DATABASE_URL"];

/// The URL of a server for a database from the environment: the first of [`URL_VARIABLES`]
/// whose scheme is one of `schemes`.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) fn server_url(schemes: &[&str]) -> Option<String> {
    URL_VARIABLES.iter().find_map(|var| {
        let url = std::env::var(var).ok()?;
        let scheme = url.split(':').next()?;
        schemes.contains(&scheme).then_some(url)
    })
}

/// A database name no other test of any process uses at the same time.
pub(crate) fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("migrate_test_{}_{n}_{nanos:09}", std::process::id())
}

/// `url` with its path (the database) replaced by `name`; the query stays.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) fn with_path(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// A URL as shown in messages: without the password (the runtime's rule, as fleets show it).
pub(crate) use migrate_runtime::__private::without_password;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_take_the_database_name() {
        assert_eq!(
            with_path("postgres://u:p@h:5432/app?sslmode=disable", "t"),
            "postgres://u:p@h:5432/t?sslmode=disable"
        );
        assert_eq!(with_path("postgres://h", "t"), "postgres://h/t");
        assert_eq!(
            with_path("mysql://root@h:3306/", "t"),
            "mysql://root@h:3306/t"
        );
    }

    #[test]
    fn shown_urls_have_no_password() {
        assert_eq!(
            without_password("postgres://u:secret@h/app"),
            "postgres://u@h/app"
        );
        assert_eq!(without_password("postgres://h/app"), "postgres://h/app");
    }
}
