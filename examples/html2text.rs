//! Dev tool: HTML on stdin (UTF-8) to article text on stdout, through `newsclean::html::extract_text`
//! alone (no charset decoding, no cleaning stages). `cargo run --release --example html2text < page.html`

use std::io::{self, BufWriter};

fn main() {
    let stdout = io::stdout();
    if let Err(e) = newsclean::html::extract_text(io::stdin().lock(), BufWriter::new(stdout.lock())) {
        eprintln!("html2text: {e}");
        std::process::exit(2);
    }
}
