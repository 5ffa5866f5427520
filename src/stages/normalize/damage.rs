//! Damage a scraper's own processing leaves in running text: line breaks written out as literal
//! escapes (`said.\nThe minister`, or `словами n Другие` once the backslash was lost too) and words
//! glued together where a link tag was stripped (`theStraits Times`, `a“landslide”win`). A stage
//! never splits a line, so an escaped line break becomes a space. Only splits that are certain are
//! made: code, paths, LaTeX, handles and camel-case names (`iPhone`, `YouTube`, `onClick`) stay.

use crate::clues::Clues;
use crate::edit::{Edit, RuleId};
use crate::stage::{Context, Stage, WorkBlock};

/// Line breaks left as literal escapes become spaces (`said.\nThe` → `said. The`).
pub const LITERAL_LINE_BREAK: RuleId = RuleId::builtin("normalize.literal-line-break");
/// Words glued where a link tag was stripped are separated (`theStraits Times` → `the Straits Times`).
pub const GLUED_LINK_WORDS: RuleId = RuleId::builtin("normalize.glued-link-words");

/// Short function words that a link's text is glued to when its tag is stripped without a space.
/// Not `a`: names start so (KDE's `aKademy`, `aTyr`).
const FUNCTION_WORDS: &[&str] =
    &["an", "and", "at", "by", "for", "from", "in", "into", "of", "on", "the", "to", "with"];

/// Names and identifiers that are a function word and a capitalized word by design.
const CAMEL_NAMES: &[&str] = &[
    "andThen",
    "atHome",
    "forEach",
    "inDesign",
    "inSight",
    "inStock",
    "onBlur",
    "onChange",
    "onClick",
    "onClose",
    "onError",
    "onFocus",
    "onInput",
    "onLoad",
    "onMessage",
    "onOpen",
    "onReady",
    "onSubmit",
    "onTrack",
    "theBlaze",
    "theGrio",
    "theScore",
    "theSkimm",
    "toArray",
    "toString",
    "toUpper",
    "toLower",
];

/// Characters whose presence on a line makes it code or markup rather than prose.
const CODE_SIGNS: &[&str] = &["{", "}", "\\\\", "printf", "println", "console.", "=>", "();", "\\begin", "\\end"];

/// The literal line-break stage: runs early, so that the stages after it see the sentences an
/// escape ran together (`said.\nREAD MORE: …` is an inline link box once the escape is a space),
/// as a second run would.
pub struct LineBreaks;

impl Stage for LineBreaks {
    fn name(&self) -> &'static str {
        "line-breaks"
    }

    fn apply(&self, block: &mut WorkBlock, _: &Context<'_>, edits: &mut Vec<Edit>) {
        // Each fix needs a backslash, or Cyrillic text for a lost one, on its line.
        if !block.may_have_any(Clues::BACKSLASH | Clues::NON_ASCII) {
            return;
        }
        for i in 0..block.len() {
            let Some(text) = block.text(i) else { continue };
            // A lone `n` for a lost `\n` is looked for in Cyrillic text only (lead bytes 0xD0, 0xD1).
            let clues = block.clues(i);
            let cyrillic = || clues.has(Clues::NON_ASCII) && memchr::memchr2(0xD0, 0xD1, text.as_bytes()).is_some();
            if (clues.has(Clues::BACKSLASH) || cyrillic() && text.contains(" n "))
                && let Some(fixed) = join_literal_line_breaks(text)
            {
                block.replace(i, fixed, LITERAL_LINE_BREAK, edits);
            }
        }
    }
}

/// The glued-words stage: runs after the residue rules, for which a headline glued to the next
/// sentence (`deal withThe ministry`) is the evidence of where the headline ends.
pub struct Damage;

impl Stage for Damage {
    fn name(&self) -> &'static str {
        "damage"
    }

    fn apply(&self, block: &mut WorkBlock, _: &Context<'_>, edits: &mut Vec<Edit>) {
        // Glue needs one of these on its line (see `may_be_glued`).
        if !block.may_have_any(Clues::NON_ASCII | Clues::LOWER_THEN_CAPITAL) {
            return;
        }
        for i in 0..block.len() {
            let Some(text) = block.text(i) else { continue };
            if may_be_glued(text, block.clues(i))
                && let Some(fixed) = split_glued_words(text)
            {
                block.replace(i, fixed, GLUED_LINK_WORDS, edits);
            }
        }
    }
}

/// The cheap test for glue, from the line's clues and a search of non-ASCII text only: a lowercase
/// ASCII letter followed by a capital (`theStraits`), or an ASCII letter followed by `“`
/// (`a“landslide”`, never in ASCII text).
fn may_be_glued(text: &str, clues: Clues) -> bool {
    let bytes = text.as_bytes();
    (clues.has(Clues::LOWER_THEN_CAPITAL) && has_function_word_before_a_capital(bytes))
        || clues.has(Clues::NON_ASCII)
            && memchr::memchr_iter(0xE2, bytes)
                .any(|k| k > 0 && bytes[k - 1].is_ascii_alphabetic() && bytes[k..].starts_with("“".as_bytes()))
}

/// True if some capital follows, with no space, a whole function word (`theStraits`): the
/// second, exact test before the costlier split, which `iPhone` or `YouTube` never reach.
fn has_function_word_before_a_capital(bytes: &[u8]) -> bool {
    (1..bytes.len()).any(|k| {
        if !bytes[k].is_ascii_uppercase() || !bytes[k - 1].is_ascii_lowercase() {
            return false;
        }
        let start = bytes[..k].iter().rposition(|b| !b.is_ascii_lowercase()).map_or(0, |p| p + 1);
        let word = &bytes[start..k];
        FUNCTION_WORDS.iter().any(|w| w.as_bytes() == word)
    })
}

fn looks_like_code(line: &str) -> bool {
    CODE_SIGNS.iter().any(|sign| line.contains(sign))
}

/// The line with its literal line breaks made spaces, or `None` if it has none that are certain.
fn join_literal_line_breaks(line: &str) -> Option<String> {
    if looks_like_code(line) {
        return None;
    }
    let fixed = join_backslash_escapes(line);
    let fixed = join_lost_backslash(fixed.as_deref().unwrap_or(line)).or(fixed);
    fixed.filter(|f| f != line)
}

/// `said.\nThe minister`, `end.\r\n\r\nNext`: a run of `\n`/`\r` escapes between a word or a
/// sentence and the capital, digit or quote that starts the next one.
fn join_backslash_escapes(line: &str) -> Option<String> {
    if !line.contains("\\n") {
        return None;
    }
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = line[search..].find('\\') {
        let start = search + found;
        let end = escape_run_end(line, start);
        search = end.max(start + 1);
        if end == start || !is_prose_break(line, start, end) {
            continue;
        }
        let before = line[..start].trim_end_matches(' ');
        let after = line[end..].trim_start_matches(' ');
        let out = out.get_or_insert_with(|| String::with_capacity(line.len()));
        out.push_str(&line[copied..before.len()]);
        if !before.is_empty() && !after.is_empty() {
            out.push(' ');
        }
        copied = line.len() - after.len();
        search = search.max(copied);
    }
    let mut out = out?;
    out.push_str(&line[copied..]);
    Some(out)
}

/// Where a run of `\n` and `\r` escapes (spaces between them allowed) starting at `start` ends;
/// `start` if the run holds no `\n`.
fn escape_run_end(line: &str, start: usize) -> usize {
    let bytes = line.as_bytes();
    let (mut i, mut end, mut newline) = (start, start, false);
    while i + 1 < bytes.len() && bytes[i] == b'\\' && matches!(bytes[i + 1], b'n' | b'r') {
        newline |= bytes[i + 1] == b'n';
        i += 2;
        end = i;
        while bytes.get(i) == Some(&b' ') {
            i += 1;
        }
    }
    if newline { end } else { start }
}

/// True if the escape run `start..end` separates prose: no other backslash or path in the words it
/// touches, text (or the line's edge) before, and a new sentence's start after.
fn is_prose_break(line: &str, start: usize, end: usize) -> bool {
    let before = line[..start].chars().next_back();
    let after = line[end..].chars().next();
    if before == Some('\\') {
        return false; // `\\n` is an escaped backslash, then an `n`
    }
    // After the whitespace character, whatever its length (U+2028 and U+3000 are three bytes).
    let word_start =
        line[..start].char_indices().rev().find(|(_, c)| c.is_whitespace()).map_or(0, |(p, c)| p + c.len_utf8());
    let word_end = line[end..].find(char::is_whitespace).map_or(line.len(), |p| end + p);
    let word = &line[word_start..word_end];
    let other_backslash =
        word.match_indices('\\').any(|(k, _)| !matches!(word.as_bytes().get(k + 1), Some(b'n' | b'r')));
    if other_backslash || word.contains(":\\") || word.contains('/') {
        return false;
    }
    let before_ok = before.is_none_or(|c| c.is_alphanumeric() || c == ' ' || ".,;:!?\"”’)»".contains(c));
    let starts_sentence = after.is_none_or(|c| c.is_uppercase() || c.is_ascii_digit() || "\"“‘«(".contains(c));
    before_ok && starts_sentence && (before.is_some() || after.is_some())
}

/// `словами n Другие`: a lone `n` between a Cyrillic word and a capitalized Cyrillic one, a `\n`
/// that lost its backslash (a variable `n` in Russian prose is followed by lowercase words, or
/// follows a short preposition).
fn join_lost_backslash(line: &str) -> Option<String> {
    let mut out: Option<String> = None;
    let (mut copied, mut from) = (0, 0);
    while let Some(found) = line[from..].find(" n ") {
        let at = from + found;
        from = at + 2; // the space after this `n` may start the next match
        let before = line[..at].chars().next_back();
        let word_before = line[..at].rsplit(' ').next().unwrap_or_default();
        let after = line[at + 3..].chars().next();
        // A preposition or conjunction before it (`при n`, `и n`) may introduce a variable.
        let cyrillic_before = before.is_some_and(is_cyrillic) && word_before.chars().count() >= 4
            || before.is_some_and(|c| ".!?»)".contains(c)) && word_before.chars().any(is_cyrillic);
        let capital_after = after.is_some_and(|c| is_cyrillic(c) && c.is_uppercase());
        if cyrillic_before && capital_after {
            out.get_or_insert_with(|| String::with_capacity(line.len())).push_str(&line[copied..at]);
            copied = at + 2;
        }
    }
    let mut out = out?;
    out.push_str(&line[copied..]);
    Some(out)
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{400}'..='\u{4FF}')
}

/// The line with glued link words separated, or `None` if it has none that are certain.
fn split_glued_words(line: &str) -> Option<String> {
    if looks_like_code(line) {
        return None;
    }
    let chars: Vec<char> = line.chars().collect();
    let mut spaces_before = vec![false; chars.len() + 1];
    mark_function_word_glue(&chars, &mut spaces_before);
    mark_quote_glue(&chars, &mut spaces_before);
    if !spaces_before.contains(&true) {
        return None;
    }
    let mut out = String::with_capacity(line.len() + 8);
    for (k, &c) in chars.iter().enumerate() {
        if spaces_before[k] {
            out.push(' ');
        }
        out.push(c);
    }
    Some(out)
}

/// `theStraits Times`: a function word standing as a word of its own start, glued to a capitalized
/// word of lowercase letters that ends the token (`theStraitsTimes.com`, `onClick(` are not prose).
fn mark_function_word_glue(chars: &[char], spaces_before: &mut [bool]) {
    let mut i = 0;
    while i < chars.len() {
        let word_start = i == 0 || chars[i - 1].is_whitespace() || "(“\"‘«[—".contains(chars[i - 1]);
        if !word_start || !chars[i].is_ascii_lowercase() {
            i += 1;
            continue;
        }
        let left = chars[i..].iter().take_while(|c| c.is_ascii_lowercase()).count();
        let cap = i + left;
        let right = chars[cap..].iter().skip(1).take_while(|c| c.is_ascii_lowercase()).count();
        let end = cap + 1 + right;
        let next = chars.get(end).copied();
        let word: String = chars[i..cap].iter().collect();
        let glued = chars.get(cap).is_some_and(char::is_ascii_uppercase)
            && right >= 2
            && FUNCTION_WORDS.contains(&word.as_str())
            && next.is_none_or(|c| c.is_whitespace() || ",;:!?)”\"’'".contains(c) || is_full_stop(chars, end));
        if glued {
            let token: String = chars[i..end].iter().collect();
            if !CAMEL_NAMES.contains(&token.as_str()) {
                spaces_before[cap] = true;
            }
        }
        i = cap.max(i + 1);
    }
}

/// A `.` that ends a sentence, not one inside a domain or a number (`x.com`, `3.5`).
fn is_full_stop(chars: &[char], i: usize) -> bool {
    chars.get(i) == Some(&'.') && chars.get(i + 1).is_none_or(|c| !c.is_alphanumeric())
}

/// `a“landslide”win`: a pair of curly double quotes glued to Latin letters outside them.
fn mark_quote_glue(chars: &[char], spaces_before: &mut [bool]) {
    if chars.contains(&'„') {
        return; // German quotes close with `“`
    }
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '“' {
            i += 1;
            continue;
        }
        let Some(len) = chars[i + 1..].iter().position(|&c| c == '”' || c == '“') else { return };
        let close = i + 1 + len;
        if chars[close] == '“' {
            i = close;
            continue;
        }
        // Latin letters only: Chinese and Japanese set quotes without spaces.
        let inner_ok = len > 0 && chars[i + 1].is_ascii_alphanumeric();
        if inner_ok {
            if i > 0 && chars[i - 1].is_ascii_alphabetic() {
                spaces_before[i] = true;
            }
            // `”win`, not `”The`: a capital may start an injected sentence, which residue rules judge.
            if chars.get(close + 1).is_some_and(char::is_ascii_lowercase) {
                spaces_before[close + 1] = true;
            }
        }
        i = close + 1;
    }
}

#[cfg(test)]
mod tests {
    use crate::clues::Clues;
    use crate::pipeline::Cleaner;

    fn clean(text: &str) -> String {
        Cleaner::new().clean_str(text).0
    }

    #[test]
    fn literal_line_breaks_become_spaces() {
        assert_eq!(clean("He said.\\nThe minister left.\n"), "He said. The minister left.\n");
        assert_eq!(clean("End.\\r\\n\\r\\n“Next,” she said.\\n\n"), "End. “Next,” she said.\n");
        assert_eq!(clean("Он сказал это словами n Другие молчали.\n"), "Он сказал это словами Другие молчали.\n");
    }

    #[test]
    fn an_escape_after_a_wide_whitespace_character_does_not_panic() {
        // U+2028, U+3000 and U+00A0 are whitespace of two or three bytes: the word around the
        // escape starts after the whole character (this panicked, found by the property tests).
        for space in ['\u{2028}', '\u{3000}', '\u{A0}', '\u{2009}'] {
            for text in [format!("a new housi{space}\\ng block"), format!("He said.{space}\\nThe minister left.")] {
                let once = clean(&format!("{text}\n"));
                assert_eq!(clean(&once), once, "{text:?}");
            }
        }
    }

    #[test]
    fn keeps_escapes_of_code_paths_and_latex() {
        for keep in [
            "Save it to C:\\new\\Reports or C:\\News.\n",
            "Use printf(\"done\\n\") here.\n",
            "Write \\newline or \\noindent in LaTeX.\n",
            "A line ending in a\\\\nBackslash.\n",
            "для всех n больше нуля; при n Эйлера нет\n",
        ] {
            assert_eq!(clean(keep), keep);
        }
    }

    #[test]
    fn splits_words_glued_where_a_link_was_stripped() {
        assert_eq!(clean("He writes for theStraits Times.\n"), "He writes for the Straits Times.\n");
        assert_eq!(
            clean("It was a“landslide”win for theReform Party.\n"),
            "It was a “landslide” win for the Reform Party.\n"
        );
    }

    #[test]
    fn keeps_camel_case_names_handles_and_urls() {
        for keep in [
            "iPhone, McDonald, YouTube, eBay, iOS, macOS, aKademy and theguardian.com stay.\n",
            "Follow @theStraits and #inDepth on theStraitsTimes.com or x.com/theStraits today.\n",
            "Call items.forEach(x) or set onClick=go; theGrio and theSkimm are names.\n",
            "Er sagte „Hallo“und ging.\n",
            "他说“低碳”成为话题，“全民”别变成“百姓”。\n",
        ] {
            assert_eq!(clean(keep), keep);
        }
    }

    #[test]
    fn the_block_camel_test_sees_every_pair() {
        let camel = |bytes: &[u8]| Clues::of(std::str::from_utf8(bytes).unwrap()).has(Clues::LOWER_THEN_CAPITAL);
        for pad in [0, 1, 30, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 130] {
            let filler = "a ".repeat(pad / 2) + &" ".repeat(pad % 2);
            assert!(camel(format!("{filler}theStraits").as_bytes()), "after {pad}");
            assert!(camel(format!("{filler}aB").as_bytes()), "after {pad}");
            assert!(!camel(format!("{filler}the Straits").as_bytes()), "after {pad}");
            assert!(!camel(format!("{filler}a").as_bytes()), "after {pad}");
        }
        assert!(!camel(b"") && !camel(b"a") && !camel(b"Ab") && camel(b"aB"));
        // Still split where the pair sits across a block's edge, and after Cyrillic text.
        for pad in (26..=34).chain(58..=66).chain(122..=130) {
            let text = format!("{}x for theStraits Times.\n", "a".repeat(pad));
            assert_eq!(clean(&text), text.replace("theStraits", "the Straits"), "after {pad}");
        }
        let text = format!("{}writes for theStraits Times.\n", "Кафе ".repeat(9));
        assert_eq!(clean(&text), text.replace("theStraits", "the Straits"));
    }

    proptest::proptest! {
        #[test]
        fn the_block_camel_test_agrees_with_a_pairwise_look(s in "[aZ é.]{0,200}") {
            let pairwise = s.as_bytes().windows(2).any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase());
            proptest::prop_assert_eq!(Clues::of(&s).has(Clues::LOWER_THEN_CAPITAL), pairwise);
        }
    }

    #[test]
    fn a_second_run_finds_nothing() {
        let cleaner = Cleaner::new();
        for text in ["a.\\n\\nB theStraits a“b”c\n", "словами n n Другие\n", "\\nThe\\n\n"] {
            let (once, _) = cleaner.clean_str(text);
            let (twice, outcome) = cleaner.clean_str(&once);
            assert_eq!(twice, once, "{text:?}");
            assert_eq!(outcome.edits(), 0, "{text:?}");
        }
    }
}
