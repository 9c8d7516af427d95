//! Builds the green tree from the parser's events without rowan's node cache: hashing every
//! token and small node to share equal ones cost more than a third of parsing a large policy,
//! whose names, strings and numbers are mostly distinct. Whitespace, which repeats constantly,
//! is shared, and so are short tokens (keywords, operators, common names) through a small
//! direct-mapped cache that costs a few byte operations per token.

use rowan::{GreenNode, GreenToken, NodeOrToken};

use crate::SyntaxKind;

/// A position among the children of the node being built, where a node may later be started
/// so that it wraps what follows (as `rowan::GreenNodeBuilder`'s checkpoints do).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checkpoint(usize);

/// Whitespace texts shared at most: a policy's indentation takes a handful of forms.
const SHARED_WHITESPACE: usize = 32;

/// Slots of the short-token cache (a power of two).
const SHORT_SLOTS: usize = 256;

/// The longest token text the short-token cache holds.
const SHORT_LEN: usize = 16;

/// A green tree under construction.
#[derive(Debug, Default)]
pub(crate) struct TreeBuilder {
    /// The nodes started and not finished: their kind and where their first child is.
    parents: Vec<(SyntaxKind, usize)>,
    /// The children of every open node, in order.
    children: Vec<NodeOrToken<GreenNode, GreenToken>>,
    /// Whitespace tokens made so far, to be shared.
    whitespace: Vec<GreenToken>,
    /// Short tokens made recently, each in the slot its kind and text hash to.
    short: Vec<Option<GreenToken>>,
}

impl TreeBuilder {
    /// Adds a token to the current node.
    pub(crate) fn token(&mut self, kind: SyntaxKind, text: &str) {
        let token = if kind == SyntaxKind::WHITESPACE {
            self.whitespace_token(text)
        } else if text.len() <= SHORT_LEN {
            self.short_token(kind, text)
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

    /// A token of at most [`SHORT_LEN`] bytes, shared with the last equal one made when it is
    /// still in its slot.
    fn short_token(&mut self, kind: SyntaxKind, text: &str) -> GreenToken {
        if self.short.is_empty() {
            self.short.resize(SHORT_SLOTS, None);
        }
        // FNV-1a over the kind and the bytes.
        let hash = text
            .bytes()
            .chain((kind as u16).to_le_bytes())
            .fold(0x811c_9dc5_u32, |hash, byte| {
                (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
            });
        let slot = &mut self.short[hash as usize % SHORT_SLOTS];
        match slot {
            Some(token) if token.kind() == kind.into() && token.text() == text => token.clone(),
            _ => {
                let token = GreenToken::new(kind.into(), text);
                *slot = Some(token.clone());
                token
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
