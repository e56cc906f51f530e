//! `Name`: the name of a party, a member or a custody account, written once and shared.
//!
//! The state keys its maps by these names and every posting names two ledger
//! accounts. A persistent map copies a node's keys when a command changes a
//! state another copy still shares, and a release names every depositor's
//! account, so a name is shared by reference count: copying one copies a
//! pointer, never the text. It compares, orders and hashes as its text, and
//! `Borrow<str>` lets a map keyed by names be searched with a `&str`.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Arc<str>);

impl Name {
    pub fn as_str(&self) -> &str {
        &self.0
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
        Name(Arc::from(text))
    }
}

impl From<String> for Name {
    fn from(text: String) -> Name {
        Name(Arc::from(text))
    }
}

impl From<&String> for Name {
    fn from(text: &String) -> Name {
        Name(Arc::from(text.as_str()))
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
        assert_eq!(Name::from("x"), "x");
    }

    #[test]
    fn a_copy_shares_the_text() {
        let name = Name::from("purchaser-00017");
        let copy = name.clone();
        assert!(std::ptr::eq(name.as_str(), copy.as_str()));
    }
}
