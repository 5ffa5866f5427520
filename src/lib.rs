//! `newsclean` cleans scraped news text: related-link injections, forum chrome, dangling credits,
//! site headers and trailers, odd whitespace and machine-translation slips, and records every change
//! as an [`Edit`] naming the rule that made it.
//!
//! Text streams through the stages block by block (a paragraph at a time), so memory stays bounded
//! for inputs of any size.
//!
//! ```
//! use newsclean::Cleaner;
//!
//! let text = "Title\n\nLatest News\n\nHuawei said its smart phone sales fell.\n\nCredit :";
//! let (clean, outcome) = Cleaner::new().clean_str(text);
//! assert_eq!(clean, "Title\n\nHuawei said its smartphone sales fell.");
//! let rules: Vec<&str> = outcome.by_rule.keys().map(|r| r.as_str()).collect();
//! assert_eq!(rules, ["mt.smart-phone", "residue.dangling-credit", "residue.latest-news"]);
//! ```

#![warn(missing_docs)]

pub mod block;
pub mod clues;
pub mod config;
pub mod decode;
pub mod edit;
pub mod error;
pub mod feed;
pub mod files;
pub mod git;
pub mod html;
pub mod input;
pub mod jsonl;
pub mod learn;
pub mod output;
pub mod pipeline;
pub mod project;
pub mod rules;
pub mod source;
pub mod stage;
pub mod stages;

pub use edit::{Edit, RuleId};
pub use error::Error;
pub use pipeline::{Cleaner, Outcome};
