//! An insertion-ordered set of RDF terms, so that results come out in a stable order.

use std::collections::HashSet;

use oxrdf::Term;

/// Sets up to this size are searched linearly, which beats hashing for the few values most
/// nodes have.
const LINEAR_SEARCH_LIMIT: usize = 16;

/// Terms in first-insertion order, each at most once.
#[derive(Debug, Default, Clone)]
pub(super) struct NodeSet {
    order: Vec<Term>,
    /// Filled only once the set outgrows `LINEAR_SEARCH_LIMIT`.
    members: HashSet<Term>,
}

impl NodeSet {
    /// Adds a term; returns whether it was new.
    pub(super) fn insert(&mut self, term: Term) -> bool {
        if self.contains(&term) {
            return false;
        }
        if self.order.len() == LINEAR_SEARCH_LIMIT {
            self.members.extend(self.order.iter().cloned());
        }
        if self.order.len() >= LINEAR_SEARCH_LIMIT {
            self.members.insert(term.clone());
        }
        self.order.push(term);
        true
    }

    /// Adds every term of the iterator.
    pub(super) fn extend(&mut self, terms: impl IntoIterator<Item = Term>) {
        for term in terms {
            self.insert(term);
        }
    }

    /// Whether the term is a member.
    pub(super) fn contains(&self, term: &Term) -> bool {
        if self.order.len() <= LINEAR_SEARCH_LIMIT {
            self.order.contains(term)
        } else {
            self.members.contains(term)
        }
    }

    /// The members in insertion order.
    pub(super) fn as_slice(&self) -> &[Term] {
        &self.order
    }

    /// The members in insertion order, consuming the set.
    pub(super) fn into_vec(self) -> Vec<Term> {
        self.order
    }
}

impl FromIterator<Term> for NodeSet {
    fn from_iter<I: IntoIterator<Item = Term>>(terms: I) -> Self {
        let mut set = Self::default();
        set.extend(terms);
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxrdf::Literal;

    #[test]
    fn membership_holds_across_the_switch_to_hashing() {
        let term = |index: usize| Term::from(Literal::new_simple_literal(index.to_string()));
        let mut set = NodeSet::default();
        for index in 0..40 {
            assert!(set.insert(term(index)));
            assert!(!set.insert(term(index / 2)));
        }
        assert!((0..40).all(|index| set.contains(&term(index))));
        assert!(!set.contains(&term(40)));
        assert_eq!(set.into_vec(), (0..40).map(term).collect::<Vec<_>>());
    }
}
