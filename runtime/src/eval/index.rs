//! Per-tool rule index: a decision visits only rules whose pattern can match the tool, in
//! source order, by merging an exact-name bucket, a first-segment bucket and the wildcard list.

use std::collections::HashMap;

use super::compile::CRule;

/// Below this many rules a linear scan beats hashing the tool name.
const LINEAR_LIMIT: usize = 16;

/// Rule indices (into the agent's rules) of one group (mandatory or ordinary), by tool.
#[derive(Debug, Default)]
pub(crate) struct RuleIndex {
    all: Vec<u32>,
    indexed: bool,
    by_tool: HashMap<Box<str>, Vec<u32>>,
    by_first: HashMap<Box<str>, Vec<u32>>,
    wildcard: Vec<u32>,
}

impl RuleIndex {
    /// Indexes the rules for which `member` yields true.
    pub fn build(rules: &[CRule], member: impl Iterator<Item = bool>) -> RuleIndex {
        let mut index = RuleIndex::default();
        for (i, (rule, included)) in rules.iter().zip(member).enumerate() {
            if !included {
                continue;
            }
            let i = i as u32;
            index.all.push(i);
            if rule.pattern.is_exact() {
                let name: String = exact_name(rule);
                index
                    .by_tool
                    .entry(name.into_boxed_str())
                    .or_default()
                    .push(i);
            } else if let Some(first) = rule.pattern.literal_first_segment() {
                index.by_first.entry(first.into()).or_default().push(i);
            } else {
                index.wildcard.push(i);
            }
        }
        index.indexed = index.all.len() > LINEAR_LIMIT;
        index
    }

    /// Candidate rule indices for `tool`, ascending (source order).
    #[inline]
    pub fn candidates(&self, tool: &str) -> Candidates<'_> {
        if !self.indexed {
            return Candidates::All(self.all.iter());
        }
        let first = tool.split('/').next().unwrap_or(tool);
        let exact = self.by_tool.get(tool).map_or(&[][..], Vec::as_slice);
        let by_first = self.by_first.get(first).map_or(&[][..], Vec::as_slice);
        Candidates::Merge([exact, by_first, &self.wildcard])
    }
}

fn exact_name(rule: &CRule) -> String {
    rule.pattern.exact_name()
}

/// Candidate rules in source order: every rule of a small group, or a merge of three ascending
/// lists.
pub(crate) enum Candidates<'a> {
    All(std::slice::Iter<'a, u32>),
    Merge([&'a [u32]; 3]),
}

impl Iterator for Candidates<'_> {
    type Item = u32;
    #[inline]
    fn next(&mut self) -> Option<u32> {
        let lists = match self {
            Candidates::All(all) => return all.next().copied(),
            Candidates::Merge(lists) => lists,
        };
        let mut best: Option<(usize, u32)> = None;
        for (k, list) in lists.iter().enumerate() {
            if let Some(&head) = list.first()
                && best.is_none_or(|(_, b)| head < b)
            {
                best = Some((k, head));
            }
        }
        let (k, head) = best?;
        lists[k] = &lists[k][1..];
        Some(head)
    }
}
