//! Disjoint sets over `0..n`, used to group rules by overlapping patterns and facts by shared
//! variables.

/// A partition of `0..n` into sets, merged with [`UnionFind::union`].
pub struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    /// `n` singleton sets.
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    /// The representative of the set holding `at`.
    pub fn find(&mut self, at: usize) -> usize {
        let mut top = at;
        while self.parent[top] != top {
            top = self.parent[top];
        }
        let mut walk = at;
        while self.parent[walk] != top {
            let next = self.parent[walk];
            self.parent[walk] = top;
            walk = next;
        }
        top
    }

    /// Merges the sets holding `a` and `b`.
    pub fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        self.parent[a] = b;
    }
}

#[cfg(test)]
mod tests {
    use super::UnionFind;

    #[test]
    fn merges_sets() {
        let mut sets = UnionFind::new(5);
        sets.union(0, 1);
        sets.union(3, 1);
        assert_eq!(sets.find(0), sets.find(3));
        assert_ne!(sets.find(0), sets.find(2));
        assert_ne!(sets.find(4), sets.find(2));
    }
}
