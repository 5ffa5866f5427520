//! The stages written in Rust, one module per rule family, named after it: `normalize` (with
//! `normalize::markup` for `normalize.html-*` and `normalize::damage` for the text-damage rules),
//! `mojibake`, `residue` (the residue rules that need more than a pattern, with `widgets` for page
//! widgets spread over several lines), `chrome` (page furniture, found from the page's structure)
//! and `punct`. The data rules of `rules/builtin.toml` and the user's run in `rules::engine`.
//!
//! `rules::MATCHERS` is the table from a built-in rule's `builtin = "…"` matcher to the file here
//! that holds its code.

pub mod chrome;
pub mod mojibake;
pub mod normalize;
pub mod punct;
pub mod residue;
pub mod widgets;
