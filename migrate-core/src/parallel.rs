//! Work spread over a few threads, results in order.
//!
//! `embed_migrations!` runs at every build that touches a migration, compiled without
//! optimisation (cargo's default for build dependencies), and reading and hashing thousands
//! of files is most of its time; a rebuild leaves the other cores idle.

use std::sync::{Mutex, PoisonError};

/// `f` applied to every item, in order; on up to four threads when there are many items.
pub(crate) fn map<T: Send, U: Send>(items: Vec<T>, f: impl Fn(T) -> U + Sync) -> Vec<U> {
    const ENOUGH: usize = 256;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if threads < 2 || items.len() < ENOUGH {
        return items.into_iter().map(f).collect();
    }
    let size = items.len().div_ceil(threads);
    let mut chunks: Vec<Mutex<Option<Vec<T>>>> = Vec::with_capacity(threads);
    let mut items = items.into_iter();
    while items.len() > 0 {
        chunks.push(Mutex::new(Some(items.by_ref().take(size).collect())));
    }
    // Each chunk is taken once: by its thread, or by this one when the thread did not start.
    let run = |chunk: &Mutex<Option<Vec<T>>>| -> Vec<U> {
        let items = chunk
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .unwrap_or_default();
        items.into_iter().map(&f).collect()
    };
    let run = &run;
    std::thread::scope(|scope| {
        let spawned: Vec<_> = chunks
            .iter()
            .skip(1)
            .map(|chunk| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || run(chunk))
                    .ok()
            })
            .collect();
        let mut out = chunks.first().map(run).unwrap_or_default();
        for (chunk, thread) in chunks.iter().skip(1).zip(spawned) {
            out.extend(match thread {
                Some(thread) => thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => run(chunk),
            });
        }
        out
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<usize> = (0..1000).collect();
        let doubled = super::map(items, |i| i * 2);
        assert_eq!(doubled, (0..1000).map(|i| i * 2).collect::<Vec<_>>());
    }
}
