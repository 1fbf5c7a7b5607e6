//! What every chart of a build computes alike, computed once per thread: the library's
//! rules run on placeholders depend on the org alone, yet each chart checks its own rules
//! against them. The key is everything the value is computed from, so charts of another
//! org (another build in the same process, a test) never share a value they should not.

use std::cell::RefCell;
use std::rc::Rc;
use std::thread::LocalKey;

/// A thread's values by key, the most recent last.
pub(crate) type Store<K, V> = RefCell<Vec<(K, Rc<V>)>>;

/// How many values a thread keeps per store (an org has a handful of environments and two
/// kinds of SLO).
const KEPT: usize = 64;

/// The value this thread made for a key equal to `key`, or `make()`, kept for the next call.
pub(crate) fn cached<K: PartialEq, V>(
    store: &'static LocalKey<Store<K, V>>,
    key: K,
    make: impl FnOnce() -> V,
) -> Rc<V> {
    if let Some(v) = store.with_borrow(|s| s.iter().find(|(k, _)| *k == key).map(|(_, v)| Rc::clone(v))) {
        return v;
    }
    let v = Rc::new(make());
    store.with_borrow_mut(|s| {
        if s.len() == KEPT {
            s.remove(0);
        }
        s.push((key, Rc::clone(&v)));
    });
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static STORE: Store<u32, String> = const { RefCell::new(Vec::new()) };
    }

    #[test]
    fn a_value_is_made_once_per_key_and_the_oldest_is_dropped_first() {
        let mut made = 0;
        let mut get = |k: u32| {
            cached(&STORE, k, || {
                made += 1;
                k.to_string()
            })
        };
        assert_eq!(*get(1), "1");
        assert_eq!(*get(1), "1");
        for k in 2..=(KEPT as u32 + 1) {
            get(k);
        }
        assert_eq!(*get(KEPT as u32 + 1), (KEPT + 1).to_string());
        get(1);
        assert_eq!(made, KEPT + 2, "1 was made, kept, dropped as the oldest, and made again");
    }
}
