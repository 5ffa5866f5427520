//! The built-in rules: their ids, descriptions and examples (texts each rule must change, and texts
//! it must leave alone), and the stages that apply them. One test runs every example through the
//! whole pipeline, so a rule that starts firing on clean news fails the build.

pub mod mt;
pub mod punct;
pub mod residue;

use crate::edit::RuleId;
use crate::{markup, normalize};

/// What a user may know about a rule.
pub struct RuleInfo {
    /// The rule's id.
    pub id: RuleId,
    /// One line saying what it does.
    pub description: &'static str,
    /// Documents the rule must change, with what they must become.
    pub changes: &'static [(&'static str, &'static str)],
    /// Documents the whole pipeline must leave exactly as they are.
    pub keeps: &'static [&'static str],
}

/// Every built-in rule, in pipeline order.
pub fn catalog() -> Vec<RuleInfo> {
    vec![
        RuleInfo {
            id: normalize::NFC,
            description: "Compose text to Unicode NFC (e + combining accent becomes é).",
            changes: &[("Cafe\u{301} de Flore\n", "Café de Flore\n")],
            keeps: &["Café de Flore, São Paulo, Ёлки\n"],
        },
        RuleInfo {
            id: normalize::ZERO_WIDTH,
            description: "Remove zero-width spaces, word joiners and byte-order marks inside text.",
            changes: &[("Huawei\u{200B} said\n", "Huawei said\n")],
            keeps: &["Emoji 👩\u{200D}💻 and Persian می\u{200C}خواهم keep their joiners.\n"],
        },
        RuleInfo {
            id: normalize::SOFT_HYPHEN,
            description: "Remove soft hyphens (U+00AD), invisible hyphenation hints.",
            changes: &[("tele\u{AD}communications\n", "telecommunications\n")],
            keeps: &["A well-known co-owner.\n"],
        },
        RuleInfo {
            id: normalize::ODD_SPACE,
            description: "Turn no-break and typographic spaces in running text into plain spaces.",
            changes: &[("Huawei\u{A0}said\n", "Huawei said\n")],
            keeps: &["10\u{202F}000 roubles; 中文\u{3000}文本\n"],
        },
        RuleInfo {
            id: normalize::TRAILING_WHITESPACE,
            description: "Remove spaces and tabs at the end of a line (line endings are kept).",
            changes: &[("Title  \r\nText\t", "Title\r\nText")],
            keeps: &["Title\r\n\r\n  Indented text\r\n"],
        },
        RuleInfo {
            id: markup::HTML_ENTITY,
            description: "Decode HTML character references left in text (`&amp;`, `&#8217;`, `&nbsp;`, `quot;`, `Huawei#8217;s`).",
            changes: &[
                ("Huawei&#8217;s R&amp;D&nbsp;lab\n", "Huawei’s R&D lab\n"),
                (
                    "He called it quot;openquot; to all#8212;even Xiaomi.\n",
                    "He called it \"open\" to all—even Xiaomi.\n",
                ),
                ("AT&amp;amp;T said so.\n", "AT&T said so.\n"),
            ],
            keeps: &[
                "AT&T, R&D and M&A; a guitar amp; a stamp; ranked #36; in 2019.\n",
                "Tom & Jerry, the &copy sign and &unknown; stay.\n",
                "In HTML, write &amp; for an ampersand.\n",
            ],
        },
        RuleInfo {
            id: markup::HTML_TAG,
            description: "Remove stray HTML tags left in text (`<br/>`, `</p>`, `<a href=\"...\">`, `<img ...>`).",
            changes: &[
                ("Huawei said<br/>it would.</p>\n", "Huawei said it would.\n"),
                ("<p>Read <a href=\"https://example.com/a\">the report</a> here.\n", "Read the report here.\n"),
                ("Text.\n</div>\nMore text.\n", "Text.\nMore text.\n"),
            ],
            keeps: &[
                "x < y and y > z; if a<b and c>d then vector<int> grows.\n",
                "The <p> element starts a paragraph.\n",
                "Press <Enter> or write to <news@example.com>.\n",
            ],
        },
        RuleInfo {
            id: crate::mojibake::UTF8_AS_CP1252,
            description: "Decode UTF-8 that was read as Windows-1252 or Latin-1 (`Huaweiâ€™s` becomes `Huawei’s`).",
            changes: &[
                ("Huaweiâ€™s tablets\n", "Huawei’s tablets\n"),
                ("SÃ£o Paulo and theÂ University\n", "São Paulo and the University\n"),
                ("Iggy Pop (nÃƒÂ© Jim Osterberg)\n", "Iggy Pop (né Jim Osterberg)\n"),
            ],
            keeps: &[
                "São Paulo, Ёлки, naïve café, £10, ™, “quoted”, l’épisode\n",
                "Offering 5×£35 pin ups; NESTLÉ®; 2012—∞; √π; 20°C\n",
                "Customers saw Â£ instead of £ on their bills.\n",
            ],
        },
        RuleInfo {
            id: crate::mojibake::UTF8_AS_CP1251,
            description: "Decode UTF-8 that was read as Windows-1251 (`вЂ”` becomes `—`).",
            changes: &[("Blog Traffic Tip 2 вЂ“ Broadcast Email\n", "Blog Traffic Tip 2 – Broadcast Email\n")],
            keeps: &["Компания заявила, что «снизит прогноз» — её акции упали на 3,2%.\n"],
        },
        RuleInfo {
            id: crate::mojibake::UTF8_AS_OTHER_CODEPAGE,
            description: "Decode UTF-8 that was read as another single-byte code page (Windows-1250, Mac Roman...).",
            changes: &[("LiĂ¨ge Avenue de l'HĂ´pital\n", "Liège Avenue de l'Hôpital\n")],
            keeps: &["Čeština, Żółć, Tiếng Việt, Türkçe, İstanbul, Ελληνικά\n"],
        },
        RuleInfo {
            id: crate::mojibake::C1_CONTROLS,
            description: "Replace C1 control characters with the Windows-1252 characters they stand for.",
            changes: &[("\u{84}Handwerk bringt dich überall hin\u{93}\n", "„Handwerk bringt dich überall hin“\n")],
            keeps: &["„Handwerk bringt dich überall hin“, sagte er.\n"],
        },
        RuleInfo {
            id: residue::ALSO_ON,
            description: "Remove `Also on rt.com <headline>` link boxes, also when glued to the next sentence.",
            changes: &[
                (
                    "Intro.\nAlso on rt.com Putin-Xi talks end in trade dealThe Chinese corporation is negotiating a replacement.\n",
                    "Intro.\nThe Chinese corporation is negotiating a replacement.\n",
                ),
                (
                    "Intro.\n\nAlso on rt.com Is this the end of the dollar?\n\nThe ministry said so.\n",
                    "Intro.\n\nThe ministry said so.\n",
                ),
                (
                    "Intro.\nAlso on rt.com\nRussia & China agree to trade in national currencies\nMore text.\n",
                    "Intro.\nMore text.\n",
                ),
            ],
            keeps: &[
                "Readers know the “Also on rt.com” box that sits under every story.\n",
                "Also on rt.com you can read the full statement of the ministry.\n",
                "Also on rt.com Russia and China said they agreed on trade. The talks continue next week in Beijing.\n",
            ],
        },
        RuleInfo {
            id: residue::FORUM_CHROME,
            description: "Remove XenForo forum chrome lines (`Reaction score`, `Thread starter`, forum names).",
            changes: &[(
                "Title\n\nCarding 4 Carders\n\nReaction score\nFirst paragraph.\n",
                "Title\n\nFirst paragraph.\n",
            )],
            keeps: &[
                "The reaction score of the panel was low.\nCarding 4 Carders is a forum where stolen cards are sold, police said.\n",
            ],
        },
        RuleInfo {
            id: residue::DANGLING_CREDIT,
            description: "Remove `Credit :`, `Credit:` or `Credits:` with nothing after it as the last line.",
            changes: &[("Text.\n\nCredit :", "Text."), ("Text.\n\nCredits:\n", "Text.\n")],
            keeps: &[
                "Text.\n\nCredit: Reuters\n",
                "Credit Suisse said on Monday.\n",
                "Credit:\nText follows the label.\n",
            ],
        },
        RuleInfo {
            id: residue::LATEST_NEWS,
            description: "Remove a `Latest News` header line among a document's first lines.",
            changes: &[("Title\n\nLatest News\n\nFirst paragraph.\n", "Title\n\nFirst paragraph.\n")],
            keeps: &["The site's Latest News section was down on Monday.\n"],
        },
        RuleInfo {
            id: residue::RT_SECTION_TRAILER,
            description: "Remove RT's `For more stories on ... visit RT's ... section` trailer.",
            changes: &[("Text.\nFor more stories on economy & finance visit RT's business section", "Text.")],
            keeps: &["For more stories on the economy, subscribe to our newsletter.\n"],
        },
        RuleInfo {
            id: residue::RELATED_LINK,
            description: "Remove related-link lines such as `On the same topic: <headline>` or `Read also: <headline>`.",
            changes: &[(
                "Text.\n\nOn the same topic: HarmonyOS – Huawei’s alternative is a simple copy of Android\n\nMore text.\n",
                "Text.\n\nMore text.\n",
            )],
            keeps: &[
                "On the same topic, the minister said nothing.\n",
                "See also: the ministry said on Monday that it would not comment. Analysts agreed.\n",
            ],
        },
        RuleInfo {
            id: residue::IMAGE_CAPTION,
            description: "Remove `slug - Title` image-caption lines whose slug is made of the title's words.",
            changes: &[(
                "Text.\n\nhuawei - Huawei offers the alternative to Android to all smartphone manufacturers\n\nMore.\n",
                "Text.\n\nMore.\n",
            )],
            keeps: &["q2 - Revenue rose in the second quarter\n", "the firm - Huawei - said nothing.\n"],
        },
        RuleInfo {
            id: mt::FLATS_TABLETS,
            description: "Replace `flats`, `flat panels`, `flat-panel` with `tablets` where the text is about devices.",
            changes: &[
                (
                    "Huawei will supply 360,000 flats running the Aurora operating system.\n",
                    "Huawei will supply 360,000 tablets running the Aurora operating system.\n",
                ),
                (
                    "Flat panels for the census.\n\nHuawei devices run Android.\n",
                    "Tablets for the census.\n\nHuawei devices run Android.\n",
                ),
            ],
            keeps: &[
                "The council will build 300 flats for rent near the river.\n",
                "Prices of flats rose 3% as Huawei staff moved into rental apartments.\n",
                "Huawei makes flat-panel displays for laptops.\n",
                "The market was flat on Tuesday.\n",
            ],
        },
        RuleInfo {
            id: mt::OPERATION_SYSTEM,
            description: "Replace `operation system` with `operating system` where the text is about devices.",
            changes: &[(
                "The Russian operation system on Huawei phones.\n",
                "The Russian operating system on Huawei phones.\n",
            )],
            keeps: &["The rescue operation system of the fire brigade was praised.\n"],
        },
        RuleInfo {
            id: mt::SMART_PHONE,
            description: "Replace `smart phone` with `smartphone`, keeping case.",
            changes: &[(
                "The smart phone division. SMART PHONES sold.\n",
                "The smartphone division. SMARTPHONES sold.\n",
            )],
            keeps: &["A smart, phone-friendly design.\n"],
        },
        RuleInfo {
            id: punct::SPACED_DOUBLE_PERIOD,
            description: "Replace a full stop doubled across a space (`application. .`) with one.",
            changes: &[("the basic application. .\n", "the basic application.\n")],
            keeps: &["Wait... and see. . . then go.\n"],
        },
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::pipeline::Cleaner;

    #[test]
    fn every_rule_changes_its_examples_and_keeps_its_keep_examples() {
        let cleaner = Cleaner::new();
        for rule in catalog() {
            assert!(!rule.changes.is_empty() && !rule.keeps.is_empty(), "{} needs both kinds of example", rule.id);
            for (input, expected) in rule.changes {
                let (out, outcome) = cleaner.clean_str(input);
                assert_eq!(&out, expected, "{} on {input:?}", rule.id);
                assert!(outcome.by_rule.contains_key(&rule.id), "{} did not fire on {input:?}", rule.id);
            }
            for keep in rule.keeps {
                let (out, outcome) = cleaner.clean_str(keep);
                assert_eq!(&out, keep, "{} changed a keep-example", rule.id);
                assert_eq!(outcome.edits(), 0, "{keep:?}");
            }
        }
    }

    #[test]
    fn rule_ids_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for rule in catalog() {
            let id = rule.id.as_str();
            assert!(seen.insert(id.to_owned()), "duplicate id {id}");
            let (family, name) = id.split_once('.').expect("family.name");
            assert!(["normalize", "mojibake", "residue", "mt", "punct"].contains(&family), "{id}");
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{id}");
        }
    }
}
