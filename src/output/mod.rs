//! Where cleaned blocks go: every renderer is a `Sink` fed block by block (the unified diff, the
//! `--format json` object, the interactive review) or a total over the run (the summary and the
//! `--statistics` table). The cleaned text itself goes through `pipeline::TextSink`, to stdout or
//! through the one write path of `input`.

pub mod diff;
pub mod github;
pub mod json;
pub mod review;
pub mod summary;
pub mod write;
