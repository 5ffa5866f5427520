//! Shared text tests for residue rules: what a headline looks like, quotation marks, and where a
//! headline injected before a sentence ends (the glue point in `ministryThe`). Used by the data-rule
//! engine and by the residue matchers written in Rust; it decides nothing on its own.

/// Line rules only look at lines this short: residue lines are headlines and labels, and skipping
/// long paragraphs keeps them cheap.
pub const MAX_RESIDUE_LINE: usize = 300;

/// True if `text[start..end]` is a whole word or phrase (no letter or digit glued on either side).
pub(crate) fn whole_word(text: &str, start: usize, end: usize) -> bool {
    !text[..start].chars().next_back().is_some_and(char::is_alphanumeric)
        && !text[end..].chars().next().is_some_and(char::is_alphanumeric)
}

/// A headline has at most this many words.
const MAX_HEADLINE_WORDS: usize = 30;

/// Words that start a sentence often enough to trust a glue point after a number or an acronym.
pub(crate) const SENTENCE_STARTERS: &[&str] = &[
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "It",
    "Its",
    "This",
    "That",
    "These",
    "Those",
    "He",
    "She",
    "They",
    "We",
    "According",
    "After",
    "Before",
    "But",
    "However",
    "Meanwhile",
    "Last",
    "Earlier",
    "Since",
    "As",
    "While",
    "When",
    "If",
    "There",
    "Officials",
    "Moreover",
];

/// An opening quotation mark (`“`, `"`, `‘`, `«`, `„`).
pub(crate) fn is_open_quote(c: char) -> bool {
    matches!(c, '“' | '"' | '‘' | '«' | '„')
}

pub(crate) fn is_close_quote(c: char) -> bool {
    matches!(c, '”' | '"' | '’' | '»' | '“')
}

/// A headline: starts with a capital, a digit or a quote, is short, and is a single unit rather than
/// sentences of running text (no `. ` or `。` followed by more words, no final full stop).
pub fn is_headline(text: &str) -> bool {
    let text = text.trim();
    // Bounded work however long `text` is (a line of megabytes meets this at every label in it):
    // past 800 bytes there are more than 200 characters, and words are counted only up to the
    // limit.
    text.len() <= 800
        && starts_like_a_headline(text)
        && text.split_whitespace().take(MAX_HEADLINE_WORDS + 1).count() <= MAX_HEADLINE_WORDS
        && text.chars().count() <= 200
        && !text.ends_with(['.', '。'])
        && !has_a_full_stop_inside(text)
        && !text.contains('。')
}

/// True if a full stop inside `text` is followed by whitespace of any kind (`. `, a stray `.\r`,
/// `.\u{A0}`): a sentence ends there, and a headline has none.
fn has_a_full_stop_inside(text: &str) -> bool {
    text.match_indices('.').any(|(k, _)| text[k + 1..].starts_with(char::is_whitespace))
}

/// True if `text` starts as a headline does: a capital, a digit or an opening quote (a straight
/// `'` too: RT's headlines open with one, `'Dumped old politics': 7 MPs resign`).
pub(crate) fn starts_like_a_headline(text: &str) -> bool {
    // Letters of scripts without case (Chinese, Japanese) start headlines as capitals do.
    text.chars().next().is_some_and(|c| {
        (c.is_alphabetic() && !c.is_lowercase()) || c.is_ascii_digit() || is_open_quote(c) || c == '\''
    })
}

/// Words a Title Case headline leaves in lower case.
const MINOR_WORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor", "of", "off", "on", "or", "per",
    "the", "to", "up", "via", "vs", "with", "is", "are", "was", "be",
];

/// True if `text` is written in Title Case (`The Left’s New Plan to Gut Religious-Liberty
/// Protections`) or in capitals: every word but the minor ones starts with a capital or a digit.
/// Headline lists of English sites are; a subheading in sentence case is not taken for one.
pub fn is_title_case(text: &str) -> bool {
    let mut words = 0;
    for word in text.split_whitespace() {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric());
        let Some(first) = word.chars().next() else { continue };
        words += 1;
        if !(first.is_uppercase() || first.is_ascii_digit() || MINOR_WORDS.contains(&word)) {
            return false;
        }
    }
    words >= 2
}

fn is_closing_punct(c: char) -> bool {
    matches!(c, '?' | '!' | '”' | '"' | '’' | '»' | ')')
}

/// Where the sentence an injected headline was glued to begins: `ministryThe Chinese...`,
/// `meetingAurora is...`, `sanctions?The firm...`, `“no”The ministry...`. Returns the byte offset
/// of the sentence in `text`, or `None` if there is no point we are sure of. Camel-case names
/// inside headlines (`iPhone`, `YouTube`, `McDonald's`, `HarmonyOS`) are not glue points.
pub fn find_glue(text: &str) -> Option<usize> {
    // A glue point lies within the first MAX_RESIDUE_LINE bytes; look a little past it for the word.
    // Only a capital or an opening quote can start the glued sentence, so the bytes between are
    // passed over without decoding them (most are lowercase letters and spaces); each candidate
    // decodes the character before it.
    const LOOK: usize = MAX_RESIDUE_LINE + 64;
    let bytes = text.as_bytes();
    let mut at = text.chars().next()?.len_utf8();
    while at < bytes.len() && at <= LOOK {
        let b = bytes[at];
        if !(b.is_ascii_uppercase() || b == b'"' || b >= 0xC0) {
            at += 1;
            continue;
        }
        let c = text[at..].chars().next().expect("a character starts here");
        let next_at = at + c.len_utf8();
        let before = text[..at].chars().next_back().expect("the first character is before");
        if before.is_whitespace() || is_open_quote(before) {
            at = next_at;
            continue;
        }
        let (word_at, first) = if is_open_quote(c) {
            if next_at >= bytes.len() || next_at > LOOK {
                break;
            }
            (next_at, text[next_at..].chars().next().expect("a character starts here"))
        } else {
            (at, c)
        };
        at = next_at;
        if !first.is_uppercase() {
            continue;
        }
        let word: &str = {
            let rest = &text[word_at..];
            &rest[..rest.find(|ch: char| !ch.is_alphabetic()).unwrap_or(rest.len())]
        };
        let capitalized = word.chars().count() >= 2 && word.chars().skip(1).all(char::is_lowercase);
        let single = (word == "A" || word == "I") && text[word_at + 1..].starts_with(' ');
        if !(capitalized || single) {
            continue;
        }
        let starter = SENTENCE_STARTERS.contains(&word);
        let glue = next_at - c.len_utf8();
        let left_word = letters_before(&text[..glue]);
        let lower_left = left_word.chars().count() >= 2 && left_word.chars().all(char::is_lowercase);
        let glued = match before {
            p if is_closing_punct(p) => true,
            '.' => starter || text[..glue - 1].ends_with(|ch: char| ch.is_lowercase()),
            p if p.is_lowercase() => lower_left,
            p if p.is_ascii_digit() => starter,
            p if p.is_uppercase() => {
                starter && left_word.chars().count() >= 2 && left_word.chars().all(char::is_uppercase)
            }
            _ => false,
        };
        if glued && glue <= MAX_RESIDUE_LINE && text[glue..].split_whitespace().take(4).count() >= 4 {
            return Some(glue);
        }
    }
    None
}

/// The run of letters that ends `text` (`ministry` in `trade ministry`), empty if it ends otherwise.
fn letters_before(text: &str) -> &str {
    let start = text.char_indices().rev().take_while(|&(_, c)| c.is_alphabetic()).last().map_or(text.len(), |(i, _)| i);
    &text[start..]
}

/// True if `before` (the text ahead of a label inside a line) ends a sentence: the label starts
/// a new unit, as in a paragraph whose line breaks were lost (`... he said. READ MORE: ...`).
pub fn ends_a_sentence(before: &str) -> bool {
    let trimmed = before.trim_end();
    trimmed.len() < before.len()
        && trimmed.ends_with(['.', '!', '?', '…', '”', '"', '’', '»', ')', ']', '。', '！', '？'])
}

/// Where a headline that opens `rest` ends, on a line that goes on after it: the byte offset of
/// the sentence it was glued into (`Talks failThe minister...`, or a Title Case headline followed
/// by a sentence, `Minister Says Talks Will Go On The talks...`), or `rest.len()` when the
/// headline runs to the end of the line. `None` when the end is not certain (a sentence-case
/// headline followed by a sentence with a space between them): such text is left for a human.
pub fn headline_end(rest: &str) -> Option<usize> {
    if !starts_like_a_headline(rest) {
        return None;
    }
    if let Some(glue) = find_glue(rest)
        && is_headline(&rest[..glue])
    {
        return Some(glue);
    }
    title_run_end(rest).or_else(|| is_headline(rest).then_some(rest.len()))
}

/// The end of a Title Case headline followed by a sentence: the headline's words are all title
/// words, the sentence starts with a capitalised sentence starter and goes on in lower case.
fn title_run_end(rest: &str) -> Option<usize> {
    let words: Vec<(usize, &str)> = rest
        .split_whitespace()
        .take(MAX_HEADLINE_WORDS + 2)
        .map(|w| (w.as_ptr() as usize - rest.as_ptr() as usize, w))
        .collect();
    let core = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
    let is_title_word = |w: &str| {
        let core = core(w);
        core.is_empty()
            || core.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
            || MINOR_WORDS.contains(&core.as_str())
    };
    let first_lower = words.iter().position(|&(_, w)| !is_title_word(w))?;
    if first_lower < 4 {
        return None;
    }
    let (start, starter) = words[first_lower - 1];
    let (_, last_of_headline) = words[first_lower - 2];
    let starter_ok = SENTENCE_STARTERS.contains(&starter)
        || (last_of_headline.ends_with(['?', '!', '”', '"', ')']) && starter.starts_with(char::is_uppercase));
    // Four words are enough to know: counting all of them made long lines quadratic.
    let sentence_words = rest[start..].split_whitespace().take(4).count();
    (starter_ok && !last_of_headline.ends_with(':') && sentence_words >= 4 && is_headline(&rest[..start]))
        .then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `find_glue` as it was: every character walked in turn.
    fn find_glue_char_by_char(text: &str) -> Option<usize> {
        let mut chars = text.char_indices().take_while(|&(i, _)| i <= MAX_RESIDUE_LINE + 64).peekable();
        let (_, mut prev) = chars.next()?;
        while let Some((at, c)) = chars.next() {
            let before = std::mem::replace(&mut prev, c);
            if before.is_whitespace() || is_open_quote(before) {
                continue;
            }
            let (word_at, first) = if is_open_quote(c) {
                let Some(&next) = chars.peek() else { break };
                next
            } else {
                (at, c)
            };
            if !first.is_uppercase() {
                continue;
            }
            let word: &str = {
                let rest = &text[word_at..];
                &rest[..rest.find(|ch: char| !ch.is_alphabetic()).unwrap_or(rest.len())]
            };
            let capitalized = word.chars().count() >= 2 && word.chars().skip(1).all(char::is_lowercase);
            let single = (word == "A" || word == "I") && text[word_at + 1..].starts_with(' ');
            if !(capitalized || single) {
                continue;
            }
            let starter = SENTENCE_STARTERS.contains(&word);
            let left_word = letters_before(&text[..at]);
            let lower_left = left_word.chars().count() >= 2 && left_word.chars().all(char::is_lowercase);
            let glued = match before {
                p if is_closing_punct(p) => true,
                '.' => starter || text[..at - 1].ends_with(|ch: char| ch.is_lowercase()),
                p if p.is_lowercase() => lower_left,
                p if p.is_ascii_digit() => starter,
                p if p.is_uppercase() => {
                    starter && left_word.chars().count() >= 2 && left_word.chars().all(char::is_uppercase)
                }
                _ => false,
            };
            if glued && at <= MAX_RESIDUE_LINE && text[at..].split_whitespace().take(4).count() >= 4 {
                return Some(at);
            }
        }
        None
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4096, ..Default::default() })]

        #[test]
        fn glue_found_from_candidate_bytes_is_glue_found_char_by_char(
            s in r#"(meeting|ministry|The|A|I|He|ÉTAT|Él|Это|“|”|"|‘|«|„|\.|\?|!|\)|2|NATO|iPhone| |  |x|é|更){0,80}"#
        ) {
            proptest::prop_assert_eq!(find_glue(&s), find_glue_char_by_char(&s), "{:?}", s);
        }
    }

    #[test]
    fn a_full_stop_before_any_whitespace_ends_a_sentence_and_no_headline_has_one() {
        for text in [
            "Strike Bites Huawei will ship tablets. Prices fell",
            "Strike Bites Huawei will ship tablets.\r\u{AE}",
            "Strike Bites Huawei will ship tablets.\u{A0}Prices fell",
            "Strike Bites Huawei will ship tablets.\tPrices fell",
        ] {
            assert!(!is_headline(text), "{text:?}");
        }
        for headline in
            ["Shipping Lines Reroute Cargo as Strike Bites", "Version 2.0 Is Out", "Huawei Ships P40.\u{AE}"]
        {
            assert!(is_headline(headline), "{headline:?}");
        }
    }

    #[test]
    fn glue_is_looked_for_up_to_the_same_byte_as_before() {
        // Candidates on both sides of the look-ahead limit, in ASCII and with multi-byte letters.
        for pad in 280..380 {
            for filler in ["a", "é", "更"] {
                let mut text = filler.repeat(pad / filler.len());
                text.push_str("meetingThe ministry said that it would go on");
                assert_eq!(find_glue(&text), find_glue_char_by_char(&text), "{pad} {filler}");
                let quoted = text.replace("meetingThe", "meeting“The");
                assert_eq!(find_glue(&quoted), find_glue_char_by_char(&quoted), "{pad} {filler} quoted");
            }
        }
    }

    fn split(text: &str) -> Option<(&str, &str)> {
        find_glue(text).map(|at| text.split_at(at))
    }

    #[test]
    fn glue_after_a_lowercase_word() {
        let t = "Adidas, Nike & Uniqlo want to produce shoes and apparel here – Russian trade ministryThe Chinese corporation is negotiating";
        assert_eq!(split(t).unwrap().1, "The Chinese corporation is negotiating");
    }

    #[test]
    fn glue_before_a_proper_noun() {
        let t = "Dollar dump? Russia & China agree to trade in national currencies during Putin-Xi meetingAurora is a mobile operating system";
        assert_eq!(split(t).unwrap().1, "Aurora is a mobile operating system");
    }

    #[test]
    fn glue_after_question_mark_and_quote() {
        assert_eq!(
            split("Is this the end?The company said on Tuesday it would").unwrap().1,
            "The company said on Tuesday it would"
        );
        assert_eq!(
            split("Minister says “no deal”The talks will resume next week").unwrap().1,
            "The talks will resume next week"
        );
    }

    #[test]
    fn glue_after_an_acronym_needs_a_sentence_starter() {
        assert_eq!(
            split("Russia warns NATOThe statement was issued on Monday").unwrap().1,
            "The statement was issued on Monday"
        );
        assert_eq!(split("Bank buys stake in JPMorgan unit"), None);
    }

    #[test]
    fn camel_case_names_are_not_glue() {
        assert_eq!(split("Apple's iPhone sales fall as YouTube and McDonald's rise"), None);
        assert_eq!(split("HarmonyOS comes to PlayStation and macOS users"), None);
        assert_eq!(split("Why eBay and LinkedIn are betting on GooglePlay"), None);
    }

    #[test]
    fn title_case_allows_minor_words_only_in_lower_case() {
        assert!(is_title_case("The Left’s New Plan to Gut Religious-Liberty Protections"));
        assert!(is_title_case("SHOCK: Insider Reveals the Plan… Media Dumbfounded"));
        assert!(!is_title_case("Theresa May and her government"));
        assert!(!is_title_case("Brexit"));
    }

    #[test]
    fn a_headline_ends_at_the_glue_the_title_case_run_or_the_line_end() {
        fn end(t: &str) -> Option<&str> {
            headline_end(t).map(|at| &t[at..])
        }
        assert_eq!(end("Talks fail againThe minister said on Monday"), Some("The minister said on Monday"));
        assert_eq!(
            end("Minister Says Talks Will Go On The minister said so on Monday"),
            Some("The minister said so on Monday")
        );
        assert_eq!(
            end("Will the Talks Fail? Officials said they would go on"),
            Some("Officials said they would go on")
        );
        assert_eq!(end("Talks fail in Brussels"), Some(""));
        assert_eq!(end("Talks fail in Brussels as the minister said on Monday. He left."), None);
        assert_eq!(end("The two firms share a founder, who said so."), None);
        assert_eq!(end("the minister said"), None);
    }

    #[test]
    fn a_label_inside_a_line_must_follow_a_sentence_end() {
        assert!(ends_a_sentence("He said so. "));
        assert!(ends_a_sentence("“No,” she said.” "));
        assert!(!ends_a_sentence("He said so."));
        assert!(!ends_a_sentence("the number "));
    }

    #[test]
    fn glue_in_non_ascii_text_and_before_quotes() {
        assert_eq!(
            split("Москва и Пекин договорились о торговле в рубляхThe deal was signed on Monday").unwrap().1,
            "The deal was signed on Monday"
        );
        assert_eq!(
            split("Café owners in São Paulo protest rent risesThe mayor said on Friday").unwrap().1,
            "The mayor said on Friday"
        );
        assert_eq!(
            split("Talks on trade end in Moscow.The minister said it went well").unwrap().1,
            "The minister said it went well"
        );
        // A quote glued to the sentence goes with it; after an acronym only before a starter.
        assert_eq!(
            split("Talks end in Moscow2019“The minister said it went well").unwrap().1,
            "“The minister said it went well"
        );
        assert_eq!(split("ÉCLAIR“The minister said it went well").unwrap().1, "“The minister said it went well");
        assert_eq!(split("Talks end in Moscow2019: “The minister said it went well"), None);
        assert_eq!(split("Talks fail“"), None);
        // The glue point must lie within MAX_RESIDUE_LINE bytes.
        assert_eq!(find_glue(&format!("{} endsThe minister said it went well", "word ".repeat(55))), Some(280));
        assert_eq!(find_glue(&format!("{} endsThe minister said it went well", "word ".repeat(70))), None);
    }

    #[test]
    fn letters_before_is_the_last_run_of_letters() {
        assert_eq!(letters_before("trade ministry"), "ministry");
        assert_eq!(letters_before("в рублях"), "рублях");
        assert_eq!(letters_before("end."), "");
        assert_eq!(letters_before(""), "");
    }

    #[test]
    fn needs_a_sentence_after_the_glue() {
        assert_eq!(split("Russia & China agree trade dealToday"), None);
    }
}
