//! HTML left inside plain text: character references (`&nbsp;`, `&amp;`, `&#8217;`, and the broken
//! forms scrapers leave, `quot;`, `Huawei#8217;s`) are decoded, and stray tags (`<br/>`, `</p>`,
//! `<a href="...">`) are removed. Precision comes first: `&` and `<` in prose (`AT&T`, `x < y`,
//! `vector<int>`) and lines that talk about markup (`the <p> element`) are left alone. Whole HTML
//! documents are the `html` module's job.

use memchr::memchr3;
use unicode_normalization::{IsNormalized, is_nfc_quick};

use crate::clues::Clues;
use crate::edit::{Edit, RuleId};
use crate::html::BLOCK_TAGS;
use crate::html::entities::{self, Decoded, Mode};
use crate::stage::{Context, Stage, WorkBlock};

/// HTML character references in plain text are decoded (`&amp;` → `&`, `&#8217;` → `’`, `quot;` → `"`).
pub const HTML_ENTITY: RuleId = RuleId::builtin("normalize.html-entity");
/// Stray HTML tags in plain text are removed (`<br/>`, `</p>`, `<a href="...">`).
pub const HTML_TAG: RuleId = RuleId::builtin("normalize.html-tag");

/// Decoding and stripping repeat on a line until nothing changes, for markup escaped more than once
/// (`&amp;amp;quot;`, `&lt;br&gt;`), so that a second run finds nothing left to do. Each round
/// removes at least one reference or tag; this bounds pathological nesting.
const MAX_ROUNDS: usize = 32;

/// Tags removed as they are: inline markup, whose text runs on without a break.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "big", "cite", "em", "font", "i", "img", "ins", "mark", "nobr", "s", "small", "span", "strike",
    "strong", "sub", "sup", "time", "tt", "u", "wbr",
];
/// Block elements (`html::BLOCK_TAGS`) named by everyday words that prose puts in angle brackets
/// too (`The <summary> of the report`): in plain text such a bare word is not taken for a tag.
const PROSE_WORDS: &[&str] = &["address", "body", "caption", "details", "dir", "form", "listing", "summary"];
/// Attributes that may stand without a value (`<iframe allowfullscreen>`). Any other bare word makes
/// the candidate prose: `if a<b and c>d` is not a `<b>` tag.
const BOOLEAN_ATTRIBUTES: &[&str] = &["allowfullscreen", "async", "defer", "hidden", "itemscope", "nowrap"];

/// Entity names that scrapers leave without their `&` and that are never words: `quot;`, `nbsp;`.
const BARE_NAMES: &[&str] = &[
    "apos", "bdquo", "hellip", "laquo", "ldquo", "lsquo", "mdash", "nbsp", "ndash", "quot", "raquo", "rdquo", "rsquo",
    "sbquo",
];

/// Words that show a line talks about markup, where `<p>` or `&amp;` are the subject, not residue.
const MARKUP_WORDS: &[&str] =
    &["attribute", "attributes", "element", "elements", "entities", "entity", "html", "markup", "tag", "tags", "xml"];

/// The markup stage.
pub struct Markup;

impl Stage for Markup {
    fn name(&self) -> &'static str {
        "markup"
    }

    fn apply(&self, block: &mut WorkBlock, _: &Context<'_>, edits: &mut Vec<Edit>) {
        if !block.may_have_any(Clues::MARKUP) {
            return; // most blocks: no line holds a byte a reference or a tag needs
        }
        for i in 0..block.len() {
            // The common case: nothing that could start a reference or a tag, or end a broken one.
            if block.text(i).is_none() || !block.clues(i).has(Clues::MARKUP) {
                continue;
            }
            let mut checked_prose = false;
            for _ in 0..MAX_ROUNDS {
                let text = block.text(i).expect("only a removed line has no text, and it is not revisited");
                let entities = decode_entities(text);
                let tags = if entities.is_none() { strip_tags(text) } else { None };
                if entities.is_none() && tags.is_none() {
                    break;
                }
                if !checked_prose {
                    if talks_about_markup(text) {
                        break;
                    }
                    checked_prose = true;
                }
                // A change the configuration refuses (rule off, protected phrase) ends the line.
                let made = match (entities, tags) {
                    (Some(fixed), _) => block.replace(i, fixed, HTML_ENTITY, edits),
                    (None, Some(fixed)) if fixed.trim().is_empty() => {
                        block.remove(i, HTML_TAG, edits);
                        break;
                    }
                    (None, Some(fixed)) => block.replace(i, fixed, HTML_TAG, edits),
                    (None, None) => unreachable!("checked above"),
                };
                if !made {
                    break;
                }
            }
        }
    }
}

/// True if the line uses a word like `tag`, `element` or `HTML`: its `<p>` is then a mention.
fn talks_about_markup(line: &str) -> bool {
    line.split(|c: char| !c.is_ascii_alphabetic())
        .any(|word| word.len() >= 3 && MARKUP_WORDS.iter().any(|m| m.eq_ignore_ascii_case(word)))
}

/// The line with its character references decoded, or `None` if it has none that are unambiguous.
fn decode_entities(line: &str) -> Option<String> {
    let bytes = line.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(found) = memchr3(b'&', b'#', b';', &bytes[i..]) {
        let at = i + found;
        let hit = match bytes[at] {
            b'&' => entities::decode_at(&bytes[at..], Mode::Strict).map(|(value, len)| (at, at + len, value)),
            b'#' => glued_numeric(line, at),
            _ => bare_name(line, at),
        };
        i = at + 1;
        let Some((start, end, value)) = hit else { continue };
        let Some(replacement) = plain_text(value) else { continue };
        let out = out.get_or_insert_with(|| String::with_capacity(line.len()));
        out.push_str(&line[copied..start]);
        if bytes[start] == b'#' && is_contraction_apostrophe(line, value, end) {
            // `Apple #8217;s`: the space stood where the `&` was lost; `Apple ’s` would be new damage.
            let kept = out.trim_end_matches(' ').len();
            if kept < out.len() && out[..kept].ends_with(|c: char| c.is_alphabetic()) {
                out.truncate(kept);
            }
        }
        replacement.push_to(out);
        copied = end;
        i = end;
    }
    let mut out = out?;
    out.push_str(&line[copied..]);
    // The line had no trailing blanks (normalize ran before); a decoded `&nbsp;` must not add any.
    let trimmed = out.trim_end_matches([' ', '\t']).len();
    out.truncate(trimmed);
    // A decoded combining mark would leave text that normalize.nfc changes on the next run.
    (is_nfc_quick(out.chars()) == IsNormalized::Yes && out != line).then_some(out)
}

/// What a decoded reference becomes in plain text, as normalize would leave it: odd spaces become
/// plain spaces and invisible characters vanish. Control characters are not decoded (a `&#10;`
/// would split the line), nor is what HTML itself reads as an error (`&#0;`).
fn plain_text(value: Decoded) -> Option<Decoded> {
    let Some(c) = value.as_char() else { return Some(value) };
    Some(match c {
        '\u{A0}' | '\u{2000}'..='\u{200A}' | '\u{205F}' => Decoded::Char(' '),
        '\u{AD}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}' => Decoded::Str(""),
        '\u{FFFD}' => return None,
        c if c.is_control() => return None,
        _ => value,
    })
}

/// A numeric reference that lost its `&` (`Huawei#8217;s`, `#8220;Hello`, `#36;5`): decoded only
/// when glued to a letter or digit on either side, since `ranked #36; the rest` is prose.
fn glued_numeric(line: &str, hash: usize) -> Option<(usize, usize, Decoded)> {
    let bytes = line.as_bytes();
    if hash > 0 && bytes[hash - 1] == b'&' {
        return None; // a whole reference, decoded from its `&`
    }
    let digits = bytes[hash + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
    let end = hash + 1 + digits;
    if !(2..=7).contains(&digits) || bytes.get(end) != Some(&b';') {
        return None;
    }
    // `S&amp;#252;ddeutsche`, `&amp;amp;#252;`: escaped more than once, decoded whole in later rounds.
    let mut before = &line[..hash];
    while let Some(rest) = before.strip_suffix("amp;") {
        if rest.ends_with('&') {
            return None;
        }
        before = rest;
    }
    let glued_left = line[..hash].chars().next_back().is_some_and(char::is_alphanumeric);
    let glued_right = line[end + 1..].chars().next().is_some_and(char::is_alphanumeric);
    let mut reference = [0u8; 10];
    reference[0] = b'&';
    reference[1..2 + digits + 1].copy_from_slice(&bytes[hash..=end]);
    let (value, _) = entities::decode_at(&reference[..digits + 3], Mode::Strict)?;
    // Spaced on both sides it may be a rank (`ranked #36; in 2019`), unless it is written as the
    // code point of a dash or quote (`war #8212; and`): nothing is ranked in the eight thousands.
    let typographic = digits >= 4 && value.as_char().is_some_and(|c| ('\u{2010}'..='\u{2027}').contains(&c));
    if !glued_left && !glued_right && !typographic {
        return None;
    }
    Some((hash, end + 1, value))
}

/// True if `value`, decoded from a reference ending at `end`, is an apostrophe that starts an
/// English contraction or possessive (`’s`, `’t`, `’re`, `’ll`, `’ve`, `’d`, `’m`).
fn is_contraction_apostrophe(line: &str, value: Decoded, end: usize) -> bool {
    if !matches!(value.as_char(), Some('’' | '\'')) {
        return false;
    }
    let rest = &line[end..];
    let suffix = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_lowercase()).len();
    ["s", "t", "re", "ll", "ve", "d", "m"].contains(&&rest[..suffix])
        && !rest[suffix..].starts_with(|c: char| c.is_alphanumeric())
}

/// A named reference that lost its `&`: `quot;` and the like anywhere (no word ends so), and `amp;`
/// only between capitals (`ATamp;T`), since `stamp;` and `amp;` are words before a semicolon.
fn bare_name(line: &str, semicolon: usize) -> Option<(usize, usize, Decoded)> {
    let bytes = line.as_bytes();
    let start = bytes[..semicolon].iter().rposition(|b| !b.is_ascii_lowercase()).map_or(0, |p| p + 1);
    let name = &line[start..semicolon];
    let known = BARE_NAMES.iter().find_map(|n| name.strip_suffix(n).map(|prefix| (prefix.len(), *n)));
    if let Some((prefix, name)) = known {
        let at = start + prefix;
        // `&quot;` is decoded from its `&`, and `&amp;quot;` in the next round.
        if (at > 0 && matches!(bytes[at - 1], b'&' | b'#')) || line[..at].ends_with("&amp;") {
            return None;
        }
        return Some((at, semicolon + 1, Decoded::Str(entities::lookup(name.as_bytes())?)));
    }
    let between_capitals = semicolon >= 4
        && &bytes[semicolon - 3..semicolon] == b"amp"
        && bytes[semicolon - 4].is_ascii_uppercase()
        && bytes.get(semicolon + 1).is_some_and(u8::is_ascii_uppercase);
    between_capitals.then(|| (semicolon - 3, semicolon + 1, Decoded::Char('&')))
}

/// The line without its stray tags, or `None` if it has none.
fn strip_tags(line: &str) -> Option<String> {
    let bytes = line.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    // Where the last `-->` of the line is: a comment opened after it has no end, and searching for
    // one again at every `<!--` would be quadratic.
    let last_comment_end = memchr::memmem::rfind(bytes, b"-->");
    while let Some(found) = memchr::memchr(b'<', &bytes[i..]) {
        let at = i + found;
        i = at + 1;
        let Some((end, separates)) = tag_at(line, at, last_comment_end) else { continue };
        if is_quoted(line, at, end) {
            continue;
        }
        let out = out.get_or_insert_with(|| String::with_capacity(line.len()));
        out.push_str(&line[copied..at]);
        let mut rest = end;
        let at_word_start = out.is_empty() || out.ends_with([' ', '\t']);
        if at_word_start {
            // `<p> Text`, `word </b> word`: the space after the tag is not needed.
            rest += line[end..].len() - line[end..].trim_start_matches([' ', '\t']).len();
        } else if separates && line[end..].starts_with(|c: char| !c.is_whitespace()) {
            out.push(' '); // `said<br>it` → `said it`
        }
        copied = rest;
        i = rest.max(i);
    }
    let stray = stray_lt_at_end(line);
    if out.is_none() && stray.is_none() {
        return None;
    }
    let mut out = out.unwrap_or_default();
    out.push_str(&line[copied..stray.unwrap_or(line.len()).max(copied)]);
    let trimmed = out.trim_end_matches([' ', '\t']).len();
    out.truncate(trimmed);
    Some(out)
}

/// Where a `<` left at the end of a line by a closing tag that lost the rest of itself starts
/// (`they need it most.<`, `“Never.”<`): only right after the end of a sentence, so `x <`, `a<b`,
/// `<3` and an arrow `<-` stay.
fn stray_lt_at_end(line: &str) -> Option<usize> {
    let body = line.trim_end_matches([' ', '\t']);
    let at = body.strip_suffix('<')?.len();
    let before = body[..at].chars().next_back()?;
    let ends_sentence = matches!(before, '.' | '!' | '?' | '"' | '”' | '’' | '»' | ')');
    // After a quote or bracket the sentence must have ended inside it: `he said “x”<`, not `the “<`.
    let closed = !matches!(before, '"' | '”' | '’' | '»' | ')')
        || body[..at - before.len_utf8()].ends_with(['.', '!', '?', ',', '…'])
        || body[..at].chars().rev().nth(1).is_some_and(char::is_alphanumeric);
    (ends_sentence && closed).then_some(at)
}

/// A tag or comment starting at `lt`: where it ends, and whether it separates words (a block tag).
fn tag_at(line: &str, lt: usize, last_comment_end: Option<usize>) -> Option<(usize, bool)> {
    let rest = &line[lt..];
    if let Some(comment) = rest.strip_prefix("<!--") {
        if last_comment_end.is_none_or(|last| last < lt + 4) {
            return None;
        }
        return comment.find("-->").map(|end| (lt + 4 + end + 3, true));
    }
    let bytes = rest.as_bytes();
    let closing = bytes.get(1) == Some(&b'/');
    let name_start = if closing { 2 } else { 1 };
    let name_len = bytes[name_start..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    let name = &rest[name_start..name_start + name_len];
    let inline = INLINE_TAGS.iter().any(|t| t.eq_ignore_ascii_case(name));
    let block = BLOCK_TAGS.iter().any(|t| t.eq_ignore_ascii_case(name))
        && !PROSE_WORDS.iter().any(|w| w.eq_ignore_ascii_case(name));
    if !inline && !block {
        return None;
    }
    let end = name_start + name_len + attributes_len(&rest[name_start + name_len..], closing)?;
    Some((lt + end, block))
}

/// The length of a tag's attributes and closing `>` (with an optional `/`), if they are well formed.
fn attributes_len(s: &str, closing: bool) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    loop {
        let spaces = bytes[i..].iter().take_while(|b| b.is_ascii_whitespace()).count();
        i += spaces;
        match bytes.get(i)? {
            b'>' => return Some(i + 1),
            b'/' if bytes.get(i + 1) == Some(&b'>') => return Some(i + 2),
            _ if closing || spaces == 0 => return None,
            _ => {}
        }
        let name_len = bytes[i..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
            .count();
        if name_len == 0 || !bytes[i].is_ascii_alphabetic() {
            return None;
        }
        let name = &s[i..i + name_len];
        i += name_len;
        if bytes.get(i) != Some(&b'=') {
            let boolean = BOOLEAN_ATTRIBUTES.iter().any(|a| a.eq_ignore_ascii_case(name));
            if !boolean && !name.starts_with("data-") {
                return None;
            }
            continue;
        }
        i += 1;
        match bytes.get(i)? {
            &quote @ (b'"' | b'\'') => i += 2 + memchr::memchr(quote, &bytes[i + 1..])?,
            _ => {
                let len = bytes[i..]
                    .iter()
                    .take_while(|b| !b.is_ascii_whitespace() && !matches!(b, b'"' | b'\'' | b'=' | b'<' | b'>' | b'`'))
                    .count();
                if len == 0 {
                    return None;
                }
                i += len;
            }
        }
    }
}

/// True if the tag is quoted as a mention: `"<br>"`, `` `<p>` ``, `“<div>”`.
fn is_quoted(line: &str, start: usize, end: usize) -> bool {
    let before = line[..start].chars().next_back();
    let after = line[end..].chars().next();
    matches!(
        (before, after),
        (Some('"'), Some('"'))
            | (Some('\''), Some('\''))
            | (Some('`'), Some('`'))
            | (Some('“'), Some('”'))
            | (Some('‘'), Some('’'))
            | (Some('«'), Some('»'))
    )
}

#[cfg(test)]
mod tests {
    use crate::pipeline::Cleaner;

    fn clean(text: &str) -> String {
        Cleaner::new().clean_str(text).0
    }

    fn rules(text: &str) -> Vec<String> {
        Cleaner::new().clean_str(text).1.by_rule.keys().map(|r| r.to_string()).collect()
    }

    #[test]
    fn block_tags_named_by_everyday_words_stay_in_prose() {
        for keep in [
            "The <summary> of the report was leaked to reporters.\n",
            "He wrote <address> in the field and left.\n",
            "Send the <form> back by Friday, the office said.\n",
        ] {
            assert_eq!(clean(keep), keep);
        }
        assert_eq!(clean("The plan.<fieldset><div>It failed.</div>\n"), "The plan. It failed.\n");
    }

    #[test]
    fn decodes_named_and_numeric_references() {
        assert_eq!(clean("Huawei&#8217;s R&amp;D&nbsp;lab &#x2014; &eacute;t&eacute;\n"), "Huawei’s R&D lab — été\n");
        assert_eq!(rules("a&amp;b\n"), ["normalize.html-entity"]);
    }

    #[test]
    fn decodes_references_that_lost_their_ampersand() {
        assert_eq!(clean("Huawei#8217;s quot;open#8221; stance\n"), "Huawei’s \"open” stance\n");
        assert_eq!(clean("It costs #36;5 at ATamp;T\n"), "It costs $5 at AT&T\n");
        assert_eq!(clean("nbsp;Hello\n"), " Hello\n");
    }

    #[test]
    fn a_lost_ampersand_leaves_no_stray_space_before_an_apostrophe() {
        assert_eq!(clean("Apple #8217;s chips and they #8217;re late\n"), "Apple’s chips and they’re late\n");
        assert_eq!(clean("A deal#151;at last#133; for #36;46\n"), "A deal—at last… for $46\n");
        assert_eq!(clean("the war #8212; and the peace #8230; then\n"), "the war — and the peace … then\n");
        // Not a contraction: the space stays.
        assert_eq!(clean("He said #8216;no#8217; twice\n"), "He said ‘no’ twice\n");
    }

    #[test]
    fn a_reference_escaped_twice_is_decoded_whole() {
        assert_eq!(
            clean("the S&amp;#252;ddeutsche and T&amp;amp;#233;l&amp;#233;rama\n"),
            "the Süddeutsche and Télérama\n"
        );
    }

    #[test]
    fn removes_a_stray_angle_bracket_after_a_sentence() {
        assert_eq!(clean("Help arrives when needed most.<\n"), "Help arrives when needed most.\n");
        assert_eq!(clean("“We will not stop.”<\r\nNext line!<\n"), "“We will not stop.”\r\nNext line!\n");
        assert_eq!(rules("Done?<\n"), ["normalize.html-tag"]);
    }

    #[test]
    fn keeps_angle_brackets_that_are_not_a_broken_tag() {
        // A `<` alone on a line is a widget arrow: residue.widget-arrow removes it, not this rule.
        for keep in ["x <\n", "if a<b\n", "I <3 you\n", "go back <-\n", "She wrote <\n", "the \"<\n"] {
            assert_eq!(clean(keep), keep);
        }
    }

    #[test]
    fn decodes_markup_escaped_twice_in_one_run() {
        assert_eq!(clean("AT&amp;amp;T &amp;quot;yes&amp;quot;\n"), "AT&T \"yes\"\n");
        assert_eq!(clean("one&lt;br&gt;two\n"), "one two\n");
    }

    #[test]
    fn keeps_ampersands_semicolons_and_numbers_of_prose() {
        for keep in [
            "AT&T, R&D and M&A; a guitar amp; a stamp; ranked #36; in 2019.\n",
            "Tom & Jerry &co; the &copy sign, &unknown; and & alone.\n",
            "Room #1204; floor #3.\n",
        ] {
            assert_eq!(clean(keep), keep);
        }
    }

    #[test]
    fn leaves_references_that_would_not_be_plain_text() {
        let keep = "a&#10;b &#0; c&#769;\n";
        assert_eq!(clean(keep), keep);
    }

    #[test]
    fn removes_stray_tags() {
        assert_eq!(clean("Huawei said<br/>it would.</p>\n"), "Huawei said it would.\n");
        assert_eq!(clean("<p>Read <a href=\"https://x.com/a?b=1\">the report</a> here.\n"), "Read the report here.\n");
        assert_eq!(clean("A <b>bold</b> move <img src='x.jpg' alt=\"\"> today <!-- ad -->\n"), "A bold move today\n");
        assert_eq!(clean("Text.\n</div>\nMore.\n"), "Text.\nMore.\n");
        assert_eq!(clean("<BR>Old <FONT color=red>news</FONT> shouting\n"), "Old news shouting\n");
    }

    #[test]
    fn keeps_angle_brackets_of_prose() {
        for keep in [
            "x < y and y > z; if a<b and c>d then vector<int> grows.\n",
            "Type <Enter> to go on, or <name@example.com> to write.\n",
            "The <p> element starts a paragraph; use <br> tags sparingly.\n",
            "Write \"<br>\" or `<hr>` in the template.\n",
            "She wrote <3 and <b and signed off.\n",
        ] {
            assert_eq!(clean(keep), keep);
        }
    }

    #[test]
    fn a_second_run_finds_nothing() {
        let cleaner = Cleaner::new();
        for text in [
            "&amp;lt;p&amp;gt;x\n",
            "S&amp;#252;d\n",
            "a #8217;s.<\n",
            "end.<<\n",
            "a&nbsp;\n",
            "<b>&lt;i&gt;</b>\n",
            "#38;amp;x\n",
            "quot;quot;\n",
        ] {
            let (once, _) = cleaner.clean_str(text);
            let (twice, outcome) = cleaner.clean_str(&once);
            assert_eq!(twice, once, "{text:?}");
            assert_eq!(outcome.edits(), 0, "{text:?}");
        }
    }

    proptest::proptest! {
        /// Markup residue of every shape, escaped once or twice, glued or spaced.
        #[test]
        fn a_second_run_finds_nothing_on_any_mix_of_residue(
            tokens in proptest::collection::vec(proptest::sample::select(vec![
                "&amp;", "&", "#8217;", "#38;", "#36;", "quot;", "nbsp;", "amp;", "&lt;", "&gt;", "&#0;", "&#10;",
                "&#769;", "&nbsp;", "&shy;", "<br>", "<br/>", "</p>", "<p>", "<a href=\"x\">", "</a>", "<!--", "-->",
                "<", ">", ";", "#", "/", "=", "\"", "AT", "T", "x", "5", " ", "  ", "html", "é",
            ]), 0..24)
        ) {
            let text = tokens.concat() + "\n";
            let cleaner = Cleaner::new();
            let (once, _) = cleaner.clean_str(&text);
            let (twice, outcome) = cleaner.clean_str(&once);
            proptest::prop_assert_eq!(&twice, &once, "input {:?}", text);
            proptest::prop_assert_eq!(outcome.edits(), 0, "input {:?}", text);
        }
    }
}
