//! Suggestions for a sentence that was not understood: a known word close to the one where
//! reading stopped, and the known phrases sharing the most words with the sentence.

use fpl_syntax::keywords::did_you_mean;

use super::sentence::Miss;
use super::words::{Sentence, phrase_stems};
use super::{Unclear, Vocabulary, lexicon};

/// How many nearest phrases a report lists.
const NEAREST: usize = 3;

/// What suggestions are chosen from, prepared once per compilation.
pub(crate) struct Suggestions {
    /// Every word of the grammar and the vocabulary, sorted.
    words: Vec<String>,
    /// Example sentences and tool phrases, with their stems.
    phrases: Vec<(String, Vec<String>)>,
}

impl Suggestions {
    /// The words and phrases of the grammar and of `vocabulary`.
    pub fn new(vocabulary: &Vocabulary) -> Self {
        let mut words = lexicon::grammar_words();
        words.extend(
            vocabulary
                .phrases()
                .flat_map(|phrase| phrase.split_whitespace().map(str::to_lowercase)),
        );
        words.sort();
        words.dedup();
        let phrases = lexicon::EXAMPLES
            .iter()
            .map(|example| example.to_string())
            .chain(
                vocabulary
                    .phrases()
                    .map(|phrase| format!("{phrase} (a tool)")),
            )
            .map(|phrase| {
                let stems = phrase_stems(phrase.trim_end_matches(" (a tool)"));
                (phrase, stems)
            })
            .collect();
        Suggestions { words, phrases }
    }

    /// The report of `sentence`, whose reading stopped at `miss`.
    pub fn explain(&self, sentence: &Sentence, miss: Miss) -> Unclear {
        let did_you_mean = miss.word.as_deref().and_then(|word| {
            let lower = word.to_lowercase();
            did_you_mean(&lower, self.words.iter().map(String::as_str))
                .filter(|suggestion| *suggestion != lower)
                .map(str::to_string)
        });
        Unclear {
            line: sentence.line,
            column: miss
                .column
                .unwrap_or(sentence.column + sentence.text.chars().count()),
            sentence: sentence.text.clone(),
            word: miss.word,
            message: miss.message,
            did_you_mean,
            nearest: self.nearest(&sentence.text),
        }
    }

    /// The phrases sharing the most stems with `text` (by Jaccard similarity), else the first
    /// examples.
    fn nearest(&self, text: &str) -> Vec<String> {
        let stems = phrase_stems(text);
        let mut scored: Vec<(usize, &str)> = self
            .phrases
            .iter()
            .filter_map(|(phrase, other)| {
                let shared = other.iter().filter(|stem| stems.contains(stem)).count();
                let union = stems.len() + other.len() - shared;
                let score = (shared * 1000).checked_div(union).unwrap_or(0);
                (score > 0).then_some((score, phrase.as_str()))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        scored.dedup_by(|a, b| a.1 == b.1);
        if scored.is_empty() {
            return lexicon::EXAMPLES
                .iter()
                .take(NEAREST)
                .map(|example| example.to_string())
                .collect();
        }
        scored
            .into_iter()
            .take(NEAREST)
            .map(|(_, phrase)| phrase.to_string())
            .collect()
    }
}
