//! The `newsclean` binary: parse the arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

mod cli;

#[global_allocator]
static ALLOCATOR: cli::alloc::SplitAlloc = cli::alloc::SplitAlloc;

use cli::{Args, Exit};

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            // Help and version are successes; everything else clap rejects is a usage error.
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match cli::run(args) {
        Exit::Success => ExitCode::SUCCESS,
        Exit::WouldChange => ExitCode::from(1),
        Exit::Error => ExitCode::from(2),
    }
}
