//! All integration tests, in one binary so that cargo links it once rather than once per file; each
//! module holds one area, and `common` the helpers they share. Run one area with
//! `cargo test --test it golden::`.

// `tests/common` stays beside the test binaries, where cargo does not take it for one.
#[path = "../common/mod.rs"]
mod common;

mod chrome;
mod cli;
mod decode;
mod edits;
mod feeds;
mod golden;
mod hook;
mod html;
mod hugeline;
mod install;
mod interactive;
mod json;
mod jsonl;
mod layout;
mod learn;
mod precommit;
mod progress;
mod properties;
mod roundtrip;
mod rules;
mod walk;
mod writes;
