//! The command line, part of the binary only: clap `Args` and their resolution into a `Config`
//! (`args`), the runs of each mode (`run`), and the commands other than cleaning (`commands`). This
//! module and `main.rs` are the only places that touch stdout, stderr or exit codes.

pub mod alloc;
mod args;
mod commands;
mod jsonl;
mod progress;
mod run;
mod tally;

pub use args::Args;
pub use run::run;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// All fine.
    Success,
    /// `--check` found files that would change.
    WouldChange,
    /// Some error occurred.
    Error,
}
