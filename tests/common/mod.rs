//! Shared helpers for the integration tests: the binary under test, what a test needs from outside
//! this repository (a program, `../shared`) and how it is skipped without it, git on a fresh
//! machine, and a deterministic generator of news-like documents with the residue families
//! newsclean removes, in every shape a scraper leaves them (CRLF, no final newline, single-newline
//! paragraphs, non-ASCII text, no-break spaces).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// The path of the `newsclean` binary cargo built for these tests, for a `std::process::Command`
/// (a pseudo-terminal session, a child to kill, a git-isolated environment).
pub const NEWSCLEAN: &str = env!("CARGO_BIN_EXE_newsclean");

/// The `newsclean` binary under test, as an `assert_cmd` command.
pub fn newsclean() -> assert_cmd::Command {
    assert_cmd::Command::new(NEWSCLEAN)
}

/// Whether `command` (a program and the arguments that come before `--version`, such as
/// `["python3", "-m", "pre_commit"]`) runs here; see [`skip_unless`] for what happens when it does not.
pub fn require(command: &[&str]) -> bool {
    let (program, args) = command.split_first().expect("a command names its program");
    let runs = Command::new(program)
        .args(args)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    skip_unless(runs, &format!("`{} --version` does not run", command.join(" ")))
}

/// Whether `path` (outside this repository, such as `../shared/bench`) exists; see [`skip_unless`].
pub fn require_path(path: &Path) -> bool {
    skip_unless(path.exists(), &format!("{} is missing", path.display()))
}

/// Returns `present`. When it is false, the test fails under `CI=true`; elsewhere a line
/// `SKIPPED: <test>: <missing>` goes to stderr and the caller returns early.
pub fn skip_unless(present: bool, missing: &str) -> bool {
    if present {
        return true;
    }
    // libtest names each test's thread after the test.
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test}: {missing}, and it is required under CI=true");
    }
    // Written to the stderr handle, not with `eprintln!`: the test harness captures `eprintln!` of a
    // passing test, and the skip would read as a plain `ok`.
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {missing} (required under CI=true)");
    false
}

/// Makes `cmd` (git, or a program that runs git) work on a fresh machine and ignore the caller's
/// configuration, with `home` as its home directory.
pub fn isolate_git(cmd: &mut Command, home: &Path) {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "newsclean tests")
        .env("GIT_AUTHOR_EMAIL", "tests@newsclean.invalid")
        .env("GIT_COMMITTER_NAME", "newsclean tests")
        .env("GIT_COMMITTER_EMAIL", "tests@newsclean.invalid")
        .env_remove("GIT_CONFIG_GLOBAL")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE");
}

/// A small deterministic PRNG (xorshift64*), so generated documents are reproducible from a seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

pub const SENTENCES: &[&str] = &[
    "The company said on Tuesday that it would cut its forecast for the year.",
    "Officials in Moscow declined to comment on the report, which cited two people familiar with the talks.",
    "“We are considering several options for cooperation,” the spokesperson said in a letter.",
    "Analysts expect the operating system to be installed on tablets used by census workers next year.",
    "Shares of the group rose 3.2% in early trading in Hong Kong, while the wider market was flat.",
    "The council will build 300 flats for rent near the river, the mayor said.",
    "Credit Suisse said the deal was worth $10 billion.",
    "Readers know the “Also on rt.com” box under every story.",
    "The site’s Latest News section was down for an hour.",
    "Prices rose again... and then fell. . . slowly.",
    "Компания заявила во вторник, что снизит прогноз на год.",
    "华为表示，美国的贸易限制可能导致其智能手机业务今年缩水。",
    "São Paulo and Zürich were mentioned — twice — in the filing.",
];

pub const RESIDUE: &[&str] = &[
    "Also on rt.com Dollar dump? Russia & China agree to bilateral trade in national currencies during Putin-Xi meeting",
    "Latest News",
    "Carding 4 Carders",
    "Reaction score",
    "On the same topic: HarmonyOS – Huawei’s alternative is a simple copy of Android",
    "For more stories on economy & finance visit RT's business section",
    "READ MORE:\nShipping Lines Reroute Cargo as Strike Bites\nPort Strike: What Travellers Need to Know",
    "TRENDING STORIES",
    "Think your friends would be interested?\nShare this story!",
    "Advertisement",
    "© AP Photo / Jane Roe Talks Resume in Geneva – Reports",
    "Jane Doe/AFP/Getty Images",
    "Follow us on Twitter, Facebook and Telegram",
    "Read more",
    "Do you agree? Scroll down to comment below!",
    // Issue 13, item 4: residue holding invisible characters or mojibake.
    "For more stories on economy & finance visit RT\u{2019}s business\u{A0}section\u{200B}",
    "Also on rt.com Huaweiâ€™s tablets reach Russian census takers",
    "Think your friends would be interested?\u{200B}\nShare this\u{A0}story!",
    // Residue next to a rule's context words: captions that go, naming devices or housing beside a
    // paragraph with `flats`, and a link box whose headline needs a mojibake repair first.
    "FILE PHOTO: A Huawei smartphone is displayed in Beijing, China, May 2019. REUTERS/Jane Doe",
    "Photo: a new housing block of rental flats in Moscow / Reuters",
    "Also on rt.com Shopâ€™s tablets and flats sell out in Moscow",
];

/// One paragraph of 1 to 4 sentences, sometimes with a glued injection, a translation slip or odd spaces.
fn paragraph(rng: &mut Rng) -> String {
    let mut p: Vec<String> = (0..1 + rng.below(4)).map(|_| rng.pick(SENTENCES).to_owned()).collect();
    if rng.chance(10) {
        p[0] =
            format!("Also on rt.com Adidas, Nike & Uniqlo want to produce shoes here – Russian trade ministry{}", p[0]);
    }
    if rng.chance(10) {
        p.push(
            "Huawei will ship 360,000 flats with the Russian operation system to the smart phone unit. .".to_owned(),
        );
    }
    if rng.chance(8) {
        let at = rng.below(p.len());
        p.insert(at, "READ MORE: Shipping Lines Reroute Cargo as Strike Bites".to_owned());
    }
    if rng.chance(5) {
        p.push("[Lesen Sie auch: Hafenarbeiter streiken weiter]".to_owned());
    }
    let mut text = p.join(" ");
    if rng.chance(5) {
        text.push_str(" Read Full Article at Example.com");
    }
    if rng.chance(5) {
        text = text.replacen(' ', "\u{A0}", 2) + "\u{200B}  ";
    }
    text
}

/// A whole document: a title, paragraphs, residue lines; `\n` or `\r\n`; with or without a final newline.
pub fn news_document(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut parts = vec![rng.pick(SENTENCES).trim_end_matches('.').to_owned()];
    for _ in 0..1 + rng.below(8) {
        if rng.chance(15) {
            parts.push(rng.pick(RESIDUE).to_owned());
        }
        parts.push(paragraph(&mut rng));
    }
    if rng.chance(15) {
        parts.push(
            rng.pick(&["Credit :", "Credit:", "Credits:", "Credit: Reuters", "Credit\u{A0}:", "Credit :\u{200B}"])
                .to_owned(),
        );
    }
    let sep = if rng.chance(70) { "\n\n" } else { "\n" };
    let mut doc = parts.join(sep);
    if rng.chance(60) {
        doc.push('\n');
    }
    if rng.chance(15) {
        doc = doc.replace('\n', "\r\n");
    }
    doc
}
