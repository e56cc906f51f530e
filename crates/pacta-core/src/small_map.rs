//! `SmallMap`: a sorted map for the state's maps that hold a few entries per
//! agreement (its custody totals, closed accounts, rules fired, documents).
//!
//! An `imbl::OrdMap` allocates a node of 16 slots for its first entry, so a map
//! of one entry costs as much as one of sixteen, and every agreement has a
//! dozen such maps: most of a small escrow's memory, spread over as many
//! allocations. This map keeps its entries in one sorted vector behind an `Arc`:
//! nothing while empty, exactly what it holds otherwise, and a copy of the state
//! still copies a pointer. A change to a map a copy shares copies its entries
//! (`Arc::make_mut`), and an insert shifts the entries after it, so both cost
//! O(len): use it only where an agreement's terms bound the length to a few
//! dozen (its declarations: accounts, documents, instruments, roles, rules), and
//! `imbl` where members, deadlines, disputes or anything else that accumulates
//! while the agreement runs is the count.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Index;
use std::sync::Arc;

#[derive(Clone, PartialEq, Eq)]
pub struct SmallMap<K, V> {
    /// Sorted by key, keys unique; `None` when empty.
    entries: Option<Arc<Vec<(K, V)>>>,
}

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap { entries: None }
    }
}

impl<K, V> SmallMap<K, V> {
    fn slice(&self) -> &[(K, V)] {
        self.entries.as_deref().map_or(&[], Vec::as_slice)
    }
}

impl<K: Ord, V> SmallMap<K, V> {
    pub fn new() -> Self {
        SmallMap::default()
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.slice().binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn len(&self) -> usize {
        self.slice().len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_none()
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.get_key_value(key).map(|(_, v)| v)
    }

    pub fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        let (k, v) = &self.slice()[i];
        Some((k, v))
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.into_iter()
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.slice().iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.slice().iter().map(|(_, v)| v)
    }
}

impl<K: Ord + Clone, V: Clone> SmallMap<K, V> {
    /// The entries to change: this map's own, copied first if a copy of the state shares them.
    fn entries_mut(&mut self) -> &mut Vec<(K, V)> {
        Arc::make_mut(self.entries.get_or_insert_with(|| Arc::new(Vec::with_capacity(1))))
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        Some(&mut self.entries_mut()[i].1)
    }

    pub fn get_key_value_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<(&K, &mut V)>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        let (k, v) = &mut self.entries_mut()[i];
        Some((&*k, v))
    }

    /// The value for `key`, inserting `make()` first if there is none.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries_mut().insert(i, (key, make()));
                i
            }
        };
        &mut self.entries_mut()[i].1
    }

    /// Inserts or replaces; returns the value replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries_mut()[i].1, value)),
            Err(i) => {
                self.entries_mut().insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        let (_, value) = self.entries_mut().remove(i);
        if self.slice().is_empty() {
            self.entries = None;
        }
        Some(value)
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> Index<&Q> for SmallMap<K, V> {
    type Output = V;

    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry for this key")
    }
}

impl<'a, K, V> IntoIterator for &'a SmallMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.slice().iter().map(|(k, v)| (k, v))
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SmallMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self).finish()
    }
}

impl<K: Ord + Clone, V: Clone> FromIterator<(K, V)> for SmallMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(items: I) -> Self {
        let mut map = SmallMap::new();
        for (k, v) in items {
            map.insert(k, v);
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::SmallMap;

    #[test]
    fn entries_stay_sorted_and_unique() {
        let mut map = SmallMap::new();
        for (k, v) in [(3, "c"), (1, "a"), (2, "b"), (1, "A")] {
            map.insert(k, v);
        }
        assert_eq!(map.iter().collect::<Vec<_>>(), vec![(&1, &"A"), (&2, &"b"), (&3, &"c")]);
        assert_eq!(map.len(), 3);
        assert_eq!(map.get(&2), Some(&"b"));
        assert_eq!(map[&3], "c");
        assert!(!map.contains_key(&4));
    }

    #[test]
    fn a_copy_is_unchanged_by_changes_to_the_original() {
        let mut map: SmallMap<String, i64> = [("escrow".to_string(), 5)].into_iter().collect();
        let copy = map.clone();
        *map.get_mut("escrow").expect("present") += 1;
        map.insert("court".into(), 7);
        assert_eq!(copy.get("escrow"), Some(&5));
        assert_eq!(copy.len(), 1);
        assert_eq!(map.get("escrow"), Some(&6));
    }

    #[test]
    fn the_last_removal_leaves_nothing_allocated() {
        let mut map = SmallMap::new();
        map.insert(1u64, 1u64);
        assert_eq!(map.remove(&1), Some(1));
        assert_eq!(map.remove(&1), None);
        assert!(map.is_empty());
        assert_eq!(map, SmallMap::new());
    }
}
