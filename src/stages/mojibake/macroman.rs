//! Typography that went through Mac OS Roman and was read back as Latin-1: curly quotes, dashes and
//! the ellipsis became capital letters (`ObamaÕs`, `ÒALL responsibilityÓ`, `tax return. É Next`).
//! Those letters are real letters in other texts (`Óscar`, `Õun`, `ÉTAT`, `ESPAÑA`), so a block is
//! repaired only where it shows the damage unmistakably, and only at the positions punctuation
//! takes; UTF-8 read in a wrong code page is the rest of the mojibake stage's job.

use crate::edit::RuleId;

/// Mac OS Roman punctuation read as Latin-1 becomes punctuation again (`ObamaÕs` → `Obama’s`).
pub const MACROMAN_AS_LATIN1: RuleId = RuleId::builtin("mojibake.macroman-as-latin1");

/// The Latin-1 letter each Mac OS Roman byte of punctuation shows as, and the punctuation it is.
const PUNCTUATION: [(char, char); 7] =
    [('É', '…'), ('Ð', '–'), ('Ñ', '—'), ('Ò', '“'), ('Ó', '”'), ('Ô', '‘'), ('Õ', '’')];

/// What a contraction or possessive has after its apostrophe (`’s`, `’t`, `’re`...).
const CONTRACTIONS: [&str; 7] = ["s", "t", "re", "ll", "ve", "d", "m"];

fn punctuation_for(c: char) -> Option<char> {
    PUNCTUATION.iter().find(|(letter, _)| *letter == c).map(|&(_, p)| p)
}

/// True if the line could hold this damage: it has one of the letters, and no other non-ASCII
/// letter or curly punctuation. Text that went through Mac OS Roman has none left (`é` would show
/// as a C1 control), so `São`, `Tõnu`, `Ísland` or a real `’` mean the letters are letters.
pub fn is_candidate(line: &str) -> bool {
    // Every letter of the set is two bytes starting with 0xC3 in UTF-8.
    if memchr::memchr(0xC3, line.as_bytes()).is_none() {
        return false;
    }
    let mut any = false;
    for c in line.chars().filter(|c| !c.is_ascii()) {
        if punctuation_for(c).is_some() {
            any = true;
        } else if c.is_alphabetic() || matches!(c, '‘' | '’' | '“' | '”' | '…' | '–' | '—') {
            return false;
        }
    }
    any
}

/// True if a candidate line shows the damage beyond doubt: an apostrophe inside a word
/// (`ObamaÕs`, `youÕre`) or a pair of double quotes around words (`ÒALL responsibilityÓ`).
pub fn has_evidence(line: &str) -> bool {
    let chars: Vec<char> = line.chars().collect();
    let mut open = false;
    for i in 0..chars.len() {
        match chars[i] {
            'Õ' if is_apostrophe(&chars, i) => return true,
            'Ò' if opens(&chars, i) => open = true,
            'Ò' | 'Ó' if !closes(&chars, i) => open = false,
            'Ó' if open => return true,
            _ => {}
        }
    }
    false
}

/// The line with every letter that stands at a place of punctuation repaired, or `None` if there
/// is none. Call it only on a candidate line of a block where some line has evidence.
pub fn repair(line: &str) -> Option<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    let mut changed = false;
    for i in 0..chars.len() {
        let c = chars[i];
        let repaired = match c {
            'Õ' if is_apostrophe(&chars, i) || closes(&chars, i) => Some('’'),
            'Ô' if opens(&chars, i) => Some('‘'),
            'Ò' if opens(&chars, i) => Some('“'),
            'Ó' if closes(&chars, i) => Some('”'),
            'É' | 'Ð' | 'Ñ' if stands_alone(&chars, i) => punctuation_for(c),
            'É' if ends_words(&chars, i) => Some('…'),
            'Ñ' if between_words(&chars, i) => Some('—'),
            'Ð' if between_digits(&chars, i) => Some('–'),
            _ => None,
        };
        changed |= repaired.is_some();
        out.push(repaired.unwrap_or(c));
    }
    changed.then_some(out)
}

fn at(chars: &[char], i: usize, offset: isize) -> Option<char> {
    i.checked_add_signed(offset).and_then(|k| chars.get(k)).copied()
}

/// True if the character may stand right after a letter of the set repaired to punctuation.
fn is_mark(c: char) -> bool {
    punctuation_for(c).is_some()
}

/// `ObamaÕs`, `youÕre`: a letter before, a contraction's ending after, then the word ends.
fn is_apostrophe(chars: &[char], i: usize) -> bool {
    if !at(chars, i, -1).is_some_and(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    let tail: String = chars[i + 1..].iter().take_while(|c| c.is_ascii_lowercase()).collect();
    let next = at(chars, i, 1 + tail.len() as isize);
    CONTRACTIONS.contains(&tail.as_str()) && !next.is_some_and(char::is_alphanumeric)
}

/// An opening quote: at the start of a word (after a space, a bracket or another opening mark) and
/// before a letter, a digit or another mark.
fn opens(chars: &[char], i: usize) -> bool {
    let before = at(chars, i, -1).is_none_or(|c| c.is_whitespace() || matches!(c, '(' | '[' | '—' | 'Ñ' | 'Ò' | 'Ô'));
    let after = at(chars, i, 1).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, 'Ò' | 'Ô' | 'É' | '$'));
    before && after
}

/// A closing quote: after a letter, a digit or a sentence's punctuation, and where the word ends.
fn closes(chars: &[char], i: usize) -> bool {
    let before = at(chars, i, -1).is_some_and(|c| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | ',' | '!' | '?' | ';' | ':' | '%') || is_mark(c)
    });
    let after = at(chars, i, 1).is_none_or(|c| {
        c.is_whitespace() || matches!(c, '.' | ',' | '!' | '?' | ';' | ':' | ')' | ']' | 'Ó' | 'Õ' | 'Ñ' | 'É')
    });
    let capitals = at(chars, i, -1).is_some_and(|c| c.is_ascii_uppercase()) && word_is_upper(chars, i);
    before && after && (!capitals || has_opening_before(chars, i))
}

/// True if the word ending at `i` is in capitals (`LLEGÓ`): a closing mark there needs an opening one.
fn word_is_upper(chars: &[char], i: usize) -> bool {
    chars[..i].iter().rev().take_while(|c| c.is_alphanumeric()).all(|c| !c.is_lowercase())
}

/// True if an opening `Ò` comes before `i` on the line, with no closing `Ó` between.
fn has_opening_before(chars: &[char], i: usize) -> bool {
    for k in (0..i).rev() {
        match chars[k] {
            'Ó' => return false,
            'Ò' if opens(chars, k) => return true,
            _ => {}
        }
    }
    false
}

/// `return. É Next`: alone between spaces (or at the end of the line, after a space).
fn stands_alone(chars: &[char], i: usize) -> bool {
    at(chars, i, -1).is_some_and(char::is_whitespace) && at(chars, i, 1).is_none_or(char::is_whitespace)
}

/// `and thenÉ`, `Wait.É`: an ellipsis glued after a lowercase word or a full stop, at the end of it.
fn ends_words(chars: &[char], i: usize) -> bool {
    at(chars, i, -1).is_some_and(|c| c.is_ascii_lowercase() || matches!(c, '.' | ',' | '!' | '?'))
        && at(chars, i, 1).is_none_or(|c| c.is_whitespace() || matches!(c, 'Ó' | 'Õ' | ')'))
}

/// `wordÑanother`: an em dash glued between two lowercase words.
fn between_words(chars: &[char], i: usize) -> bool {
    at(chars, i, -1).is_some_and(|c| c.is_ascii_lowercase()) && at(chars, i, 1).is_some_and(|c| c.is_ascii_lowercase())
}

/// `1990Ð95`: an en dash between numbers.
fn between_digits(chars: &[char], i: usize) -> bool {
    at(chars, i, -1).is_some_and(|c| c.is_ascii_digit()) && at(chars, i, 1).is_some_and(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(line: &str) -> Option<String> {
        (is_candidate(line) && has_evidence(line)).then(|| repair(line)).flatten()
    }

    #[test]
    fn repairs_quotes_apostrophes_and_ellipses() {
        assert_eq!(
            fix("The mayorÕs plan was ÒdeadÓ, she said.").as_deref(),
            Some("The mayor’s plan was “dead”, she said.")
        );
        assert_eq!(fix("ÒWe wonÕt stop. É We canÕt.Ó").as_deref(), Some("“We won’t stop. … We can’t.”"));
        assert_eq!(fix("ItÕs over Ñ for now.").as_deref(), Some("It’s over — for now."));
        assert_eq!(fix("ÒTHE END IS NEARÓ and ÔsoonÕ").as_deref(), Some("“THE END IS NEAR” and ‘soon’"));
    }

    #[test]
    fn needs_evidence_on_the_line() {
        for line in ["A É B", "ÓSCAR LLEGÓ A MADRID", "PASÓ Ñ YA", "ÉTAT CIVIL Ð SERVICE", "Òmnium Cultural"] {
            assert_eq!(fix(line), None, "{line}");
        }
    }

    #[test]
    fn leaves_text_with_real_accents_alone() {
        for line in ["Tõnu ÕunÕs", "São Paulo ÒonÓ", "Óscar’s ÒfilmÓ", "Ísland ÞÓR", "ESPAÑA, ÓSCAR Y ÉL"]
        {
            assert!(!is_candidate(line) || !has_evidence(line), "{line}");
        }
    }

    #[test]
    fn keeps_letters_that_are_not_at_a_place_of_punctuation() {
        assert_eq!(fix("ÉTAT and Óscar and ObamaÕs").as_deref(), Some("ÉTAT and Óscar and Obama’s"));
    }
}
