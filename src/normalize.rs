//! Unicode and whitespace normalization: NFC, invisible characters, odd spaces, trailing whitespace.
//! Curly quotes, dashes, ellipses, line endings and a missing final newline are deliberately left as
//! they are; mojibake and HTML residue belong to their own stages.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::edit::{Edit, RuleId};
use crate::pipeline::{Context, Stage, WorkBlock};

/// Text not in Unicode NFC is composed (`e` + combining acute becomes `é`).
pub const NFC: RuleId = RuleId::builtin("normalize.nfc");
/// Zero-width spaces, word joiners and stray byte-order marks are removed.
pub const ZERO_WIDTH: RuleId = RuleId::builtin("normalize.zero-width");
/// Soft hyphens (U+00AD), invisible hyphenation hints left by CMS exports, are removed.
pub const SOFT_HYPHEN: RuleId = RuleId::builtin("normalize.soft-hyphen");
/// No-break and typographic spaces in running text become plain spaces.
pub const ODD_SPACE: RuleId = RuleId::builtin("normalize.odd-space");
/// Spaces and tabs at the end of a line are removed.
pub const TRAILING_WHITESPACE: RuleId = RuleId::builtin("normalize.trailing-whitespace");

/// A normalization of a line: the fixed text, or `None` if there is nothing to fix.
type Fix = fn(&str) -> Option<String>;

/// The normalize stage.
pub struct Normalize;

impl Stage for Normalize {
    fn name(&self) -> &'static str {
        "normalize"
    }

    fn apply(&self, block: &mut WorkBlock, _: &Context<'_>, edits: &mut Vec<Edit>) {
        for i in 0..block.len() {
            let Some(text) = block.text(i) else { continue };
            let trailing = text.ends_with([' ', '\t']);
            if text.is_ascii() && !trailing {
                continue; // the common case: nothing below can apply to plain ASCII without trailing blanks
            }
            if !text.is_ascii() {
                let text = text.to_owned();
                let steps: [(RuleId, Fix); 4] = [
                    (NFC, to_nfc),
                    (ZERO_WIDTH, |t| without(t, is_zero_width)),
                    (SOFT_HYPHEN, |t| without(t, |c| c == '\u{AD}')),
                    (ODD_SPACE, plain_spaces),
                ];
                let mut current = text;
                for (rule, step) in steps {
                    if let Some(fixed) = step(&current) {
                        block.replace(i, fixed.clone(), rule, edits);
                        current = fixed;
                    }
                }
            }
            let text = block.text(i).expect("normalize removes no line");
            let trimmed = text.trim_end_matches([' ', '\t']);
            if trimmed.len() != text.len() {
                block.replace(i, trimmed.to_owned(), TRAILING_WHITESPACE, edits);
            }
        }
    }
}

fn to_nfc(text: &str) -> Option<String> {
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return None;
    }
    let composed: String = text.nfc().collect();
    (composed != text).then_some(composed)
}

/// U+200B zero width space, U+2060 word joiner, U+FEFF inside text. ZWJ and ZWNJ are kept: emoji
/// sequences and Persian or Indic spelling need them.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}

fn without(text: &str, drop: impl Fn(char) -> bool) -> Option<String> {
    text.contains(&drop).then(|| text.chars().filter(|&c| !drop(c)).collect())
}

/// No-break space and the typographic spaces U+2000..U+200A, U+205F. The narrow no-break space
/// (U+202F, French punctuation and digit grouping) and the ideographic space (U+3000, CJK text) are
/// kept: they are correct typography, not scraper residue.
fn is_odd_space(c: char) -> bool {
    matches!(c, '\u{A0}' | '\u{2000}'..='\u{200A}' | '\u{205F}')
}

fn plain_spaces(text: &str) -> Option<String> {
    text.contains(is_odd_space).then(|| text.chars().map(|c| if is_odd_space(c) { ' ' } else { c }).collect())
}

#[cfg(test)]
mod tests {
    use crate::pipeline::Cleaner;

    fn clean(text: &str) -> String {
        Cleaner::new().clean_str(text).0
    }

    #[test]
    fn composes_to_nfc() {
        assert_eq!(clean("Cafe\u{301} de Paris\n"), "Café de Paris\n");
    }

    #[test]
    fn removes_zero_width_and_soft_hyphens() {
        assert_eq!(clean("tele\u{AD}com\u{200B} giant\n"), "telecom giant\n");
    }

    #[test]
    fn plain_spaces_for_no_break_spaces() {
        assert_eq!(clean("Huawei\u{A0}said\u{2009}today\n"), "Huawei said today\n");
    }

    #[test]
    fn trims_trailing_whitespace_but_keeps_crlf_and_missing_final_newline() {
        assert_eq!(clean("one  \r\ntwo\t"), "one\r\ntwo");
    }

    #[test]
    fn keeps_quotes_dashes_ellipses_and_typographic_spaces() {
        let keep = "“Aurora” – the OS… ‘so far’ — 10\u{202F}000 words, 中文\u{3000}文本, emoji 👩\u{200D}💻\n";
        assert_eq!(clean(keep), keep);
    }

    #[test]
    fn trailing_no_break_space_is_trimmed() {
        assert_eq!(clean("end\u{A0}\n"), "end\n");
    }
}
