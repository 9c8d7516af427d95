//! Builds the green tree from the parser's events without rowan's node cache: hashing every
//! token and small node to share equal ones cost more than a third of parsing a large policy,
//! whose names, strings and numbers are mostly distinct. Only whitespace, which repeats
//! constantly, is shared.

use rowan::{GreenNode, GreenToken, NodeOrToken};

use crate::SyntaxKind;

/// A position among the children of the node being built, where a node may later be started
/// so that it wraps what follows (as `rowan::GreenNodeBuilder`'s checkpoints do).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checkpoint(usize);

/// Whitespace texts shared at most: a policy's indentation takes a handful of forms.
const SHARED_WHITESPACE: usize = 32;

/// A green tree under construction.
#[derive(Debug, Default)]
pub(crate) struct TreeBuilder {
    /// The nodes started and not finished: their kind and where their first child is.
    parents: Vec<(SyntaxKind, usize)>,
    /// The children of every open node, in order.
    children: Vec<NodeOrToken<GreenNode, GreenToken>>,
    /// Whitespace tokens made so far, to be shared.
    whitespace: Vec<GreenToken>,
}

impl TreeBuilder {
    /// Adds a token to the current node.
    pub(crate) fn token(&mut self, kind: SyntaxKind, text: &str) {
        let token = if kind == SyntaxKind::WHITESPACE {
            self.whitespace_token(text)
        } else {
            GreenToken::new(kind.into(), text)
        };
        self.children.push(NodeOrToken::Token(token));
    }

    /// Starts a node; its children are what is added until [`Self::finish_node`].
    pub(crate) fn start_node(&mut self, kind: SyntaxKind) {
        self.parents.push((kind, self.children.len()));
    }

    /// The current position, for [`Self::start_node_at`].
    pub(crate) fn checkpoint(&self) -> Checkpoint {
        Checkpoint(self.children.len())
    }

    /// Starts a node whose children begin at `checkpoint`, taken in the current node.
    pub(crate) fn start_node_at(&mut self, checkpoint: Checkpoint, kind: SyntaxKind) {
        let Checkpoint(first) = checkpoint;
        debug_assert!(first <= self.children.len(), "checkpoint past the children");
        debug_assert!(
            self.parents
                .last()
                .is_none_or(|(_, parent)| *parent <= first),
            "checkpoint outside the current node"
        );
        self.parents.push((kind, first));
    }

    /// Finishes the current node.
    pub(crate) fn finish_node(&mut self) {
        // The parser's starts and finishes are balanced; an extra finish changes nothing.
        let Some((kind, first)) = self.parents.pop() else {
            return;
        };
        let node = GreenNode::new(kind.into(), self.children.drain(first..));
        self.children.push(NodeOrToken::Node(node));
    }

    /// The finished tree: the one node every start was finished into.
    pub(crate) fn finish(mut self) -> GreenNode {
        debug_assert!(self.parents.is_empty(), "unfinished nodes");
        match (self.children.pop(), self.children.is_empty()) {
            (Some(NodeOrToken::Node(root)), true) => root,
            // The parser always wraps the file in one SOURCE_FILE node; should that ever
            // fail, the tree still covers every byte.
            (last, _) => {
                self.children.extend(last);
                GreenNode::new(SyntaxKind::SOURCE_FILE.into(), self.children)
            }
        }
    }

    fn whitespace_token(&mut self, text: &str) -> GreenToken {
        if let Some(shared) = self.whitespace.iter().find(|token| token.text() == text) {
            return shared.clone();
        }
        let token = GreenToken::new(SyntaxKind::WHITESPACE.into(), text);
        if self.whitespace.len() < SHARED_WHITESPACE {
            self.whitespace.push(token.clone());
        }
        token
    }
}
