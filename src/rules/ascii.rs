//! A regex narrowed to what it can match in ASCII text: every class cut to its ASCII members and
//! Unicode word boundaries made ASCII ones. On an ASCII haystack the narrowed regex matches
//! exactly where the full one does (a match of either holds ASCII characters only, and Unicode's
//! word characters among them are ASCII's), and it compiles in a fraction of the time: a line
//! rule's `\p{L}` or `\w` is hundreds of Unicode ranges, each a run of UTF-8 states to build.

use regex_syntax::hir::{Capture, Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, Hir, HirKind};
use regex_syntax::hir::{Look, Repetition};

/// `pattern` (in the regex crate's default syntax) narrowed to ASCII haystacks, or `None` if it
/// does not parse.
pub fn narrowed(pattern: &str) -> Option<Hir> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(pattern).ok()?;
    Some(to_ascii(&hir))
}

/// `hir` with its classes cut to ASCII and its word boundaries ASCII ones.
fn to_ascii(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Empty => Hir::empty(),
        // A literal with a non-ASCII byte never matches ASCII text; kept as it is, it fails there.
        HirKind::Literal(literal) => Hir::literal(literal.0.clone()),
        HirKind::Class(Class::Unicode(class)) => {
            let mut ascii = class.clone();
            ascii.intersect(&ClassUnicode::new([ClassUnicodeRange::new('\0', '\x7F')]));
            Hir::class(Class::Unicode(ascii))
        }
        HirKind::Class(Class::Bytes(class)) => {
            let mut ascii = class.clone();
            ascii.intersect(&ClassBytes::new([ClassBytesRange::new(0, 0x7F)]));
            Hir::class(Class::Bytes(ascii))
        }
        HirKind::Look(look) => Hir::look(ascii_look(*look)),
        HirKind::Repetition(rep) => Hir::repetition(Repetition {
            min: rep.min,
            max: rep.max,
            greedy: rep.greedy,
            sub: Box::new(to_ascii(&rep.sub)),
        }),
        HirKind::Capture(capture) => Hir::capture(Capture {
            index: capture.index,
            name: capture.name.clone(),
            sub: Box::new(to_ascii(&capture.sub)),
        }),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(to_ascii).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(to_ascii).collect()),
    }
}

/// The ASCII assertion that agrees with `look` on ASCII text.
fn ascii_look(look: Look) -> Look {
    match look {
        Look::WordUnicode => Look::WordAscii,
        Look::WordUnicodeNegate => Look::WordAsciiNegate,
        Look::WordStartUnicode => Look::WordStartAscii,
        Look::WordEndUnicode => Look::WordEndAscii,
        Look::WordStartHalfUnicode => Look::WordStartHalfAscii,
        Look::WordEndHalfUnicode => Look::WordEndHalfAscii,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find_end(hir: &Hir, haystack: &str) -> Option<usize> {
        let regex = regex_automata::meta::Regex::builder().build_from_hir(hir).unwrap();
        regex.find(haystack).map(|m| m.end())
    }

    #[test]
    fn on_ascii_text_the_narrowed_regex_matches_where_the_full_one_does() {
        let patterns = [
            r"^(?:\p{Lu}[\p{L}\p{M}.’'-]+(?: \p{Lu}[\p{L}\p{M}.’'-]*){0,3})$",
            r"(?i)^(?:credits?\s*:?\s*\w+)",
            r"\bAP\b",
            r"\Bph\B|\b\d+\b",
            r"^(?:[^.]+\.)$",
            r"(?i)k[a-z]+",
            r"^(?:Фото|Photo): .+",
            r"(?m)^\s*$",
        ];
        let haystacks = [
            "Credit: AP",
            "credits :Reuters",
            "John Smith",
            "Kelvin and kilos",
            "Photo: Getty",
            "The AP said. Graph 42",
            "",
            "   ",
            "one sentence.",
            "two. sentences.",
            "O'Brien-Smith Jr. Al",
            "a_b AP_x",
        ];
        for pattern in patterns {
            let full = regex_syntax::parse(pattern).unwrap();
            let ascii = narrowed(pattern).unwrap();
            for haystack in haystacks {
                assert_eq!(find_end(&ascii, haystack), find_end(&full, haystack), "{pattern} on {haystack:?}");
            }
        }
    }

    #[test]
    fn a_narrowed_class_keeps_only_ascii_members() {
        let hir = narrowed(r"\p{L}").unwrap();
        let HirKind::Class(Class::Unicode(class)) = hir.kind() else { panic!("{hir:?}") };
        assert!(class.ranges().iter().all(|r| r.end() <= '\x7F'));
        assert_eq!(class.ranges().iter().map(|r| r.end() as usize - r.start() as usize + 1).sum::<usize>(), 52);
        assert!(narrowed("(").is_none());
    }
}
