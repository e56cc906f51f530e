//! `Name`: the name of a party, a member or a custody account, written once and shared.
//!
//! The state keys its maps by these names and every posting names two ledger
//! accounts. A persistent map copies a node's keys when a command changes a
//! state another copy still shares, and a release names every depositor's
//! account, so a name is shared by reference count: copying one copies a
//! pointer, never the text. The pointer is thin (`arcstr::ArcStr` keeps the
//! length beside the count, in the allocation): a name is 8 bytes wherever it
//! is kept, in every map slot and member list, where `Arc<str>` took 16. It
//! compares, orders and hashes as its text, and `Borrow<str>` lets a map keyed
//! by names be searched with a `&str`.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use arcstr::ArcStr;

#[derive(Clone)]
pub struct Name(ArcStr);

// Equal names are usually the same shared text, so a pointer comparison settles
// most lookups' last step; otherwise names compare as their text, as `Borrow<str>`
// requires.
impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        ArcStr::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl Eq for Name {}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // As the text hashes, so that a `&str` finds its name in a hashed map.
        self.as_str().hash(state);
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        if ArcStr::ptr_eq(&self.0, &other.0) {
            return std::cmp::Ordering::Equal;
        }
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Name {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `found`, the name a map already holds for `text`, shared; a new one if there is none.
    pub fn shared_or_new(found: Option<&Name>, text: &str) -> Name {
        found.map_or_else(|| Name::from(text), Name::clone)
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Name {
        Name(ArcStr::from(text))
    }
}

impl From<String> for Name {
    fn from(text: String) -> Name {
        Name(ArcStr::from(text))
    }
}

impl From<&String> for Name {
    fn from(text: &String) -> Name {
        Name(ArcStr::from(text.as_str()))
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imbl::OrdMap;

    #[test]
    fn a_name_orders_and_looks_up_as_its_text() {
        let mut map: OrdMap<Name, u32> = OrdMap::new();
        map.insert(Name::from("beta"), 2);
        map.insert(Name::from("alpha"), 1);
        assert_eq!(map.get("alpha"), Some(&1));
        assert_eq!(map.keys().map(Name::as_str).collect::<Vec<_>>(), ["alpha", "beta"]);
        assert!(Name::from("a") < Name::from("b"));
        assert_eq!(Name::from("same"), Name::from("same"), "separate copies of one text are equal");
        assert_eq!(Name::from("a").cmp(&Name::from("a")), std::cmp::Ordering::Equal);
        assert_eq!(Name::from("x"), "x");
    }

    #[test]
    fn a_name_is_one_pointer() {
        assert_eq!(std::mem::size_of::<Name>(), std::mem::size_of::<usize>());
        assert_eq!(std::mem::size_of::<Option<Name>>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn a_copy_shares_the_text() {
        let name = Name::from("purchaser-00017");
        let copy = name.clone();
        assert!(std::ptr::eq(name.as_str(), copy.as_str()));
    }
}
