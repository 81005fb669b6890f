//! The `gitgoals` binary: parses arguments, runs a command, and alone picks the exit code.

use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    #[cfg(not(target_os = "linux"))]
    tune_allocator();
    limit_pack_maps();
    let cli = gitgoals::cli::Cli::parse();
    if matches!(
        cli.command,
        gitgoals::cli::Command::Hook {
            action: gitgoals::cli::HookAction::Run { .. }
        }
    ) {
        keep_freed_memory_a_while();
    }
    match gitgoals::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("gitgoals: {}", error.report());
            ExitCode::FAILURE
        }
    }
}

/// mimalloc keeps freed memory for a second before giving it back, and commits a whole
/// arena at once: a run that builds a history and lets go of its parts as it goes would peak
/// 45% above what the system allocator needs. Giving memory back at once, and committing it
/// as it is used, keeps the peak within a few percent of the system allocator's on a blog of
/// small posts, and the speed stays.
///
/// The arena is made at the first allocation, before `main`; on Linux this runs before that,
/// from the ELF initialisers (`.init_array`), so both options hold from the start. Elsewhere
/// `main` sets them and only the purge delay takes effect.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static TUNE_ALLOCATOR: extern "C" fn() = tune_allocator;

/// The hook runs on every commit and is gone within a tenth of a second, holding a few tens
/// of MiB: giving each freed page back at once (what a long history read needs to stay within
/// git's memory) only made it fault the pages in again, a tenth of its time on a history of
/// big posts. mimalloc's own delay serves it better.
fn keep_freed_memory_a_while() {
    use libmimalloc_sys::{mi_option_set, mi_option_t};
    const PURGE_DELAY: mi_option_t = 15;
    const DEFAULT_PURGE_DELAY_MS: std::os::raw::c_long = 10;
    // SAFETY: as in `tune_allocator`, a store into mimalloc's option table, allowed at any
    // time; the value is in the option's range.
    unsafe {
        mi_option_set(PURGE_DELAY, DEFAULT_PURGE_DELAY_MS);
    }
}

extern "C" fn tune_allocator() {
    use libmimalloc_sys::{mi_option_set, mi_option_t};
    // Positions in `mi_option_e` of the mimalloc (v3) that `libmimalloc-sys` builds; the crate
    // names only some of them, and its exact version is pinned so they cannot move.
    const ARENA_EAGER_COMMIT: mi_option_t = 4;
    const PURGE_DELAY: mi_option_t = 15;
    // SAFETY: setting an option is a store into mimalloc's option table, allowed at any time,
    // also before the allocator is first used; both values are in the options' ranges.
    unsafe {
        mi_option_set(PURGE_DELAY, 0);
        mi_option_set(ARENA_EAGER_COMMIT, 0);
    }
}

/// libgit2 maps each pack file whole (windows of up to 1 GiB) and keeps it mapped, so every
/// page a walk touches stays resident: reading the commits and blob headers of a 13,000-commit
/// blog touched most of its 14 packs, 8 MiB of the 70 MiB peak. Small windows, of which only
/// a few stay mapped, hold that to a few MiB; the walk reads packs mostly in order, and the
/// time stayed the same.
fn limit_pack_maps() {
    const WINDOW_BYTES: usize = 256 << 10;
    const MAPPED_BYTES: usize = 2 << 20;
    // SAFETY: both set libgit2 globals without synchronization; `main` calls this first,
    // before any thread exists or libgit2 is used.
    unsafe {
        // Neither fails: they only store the value.
        let _ = git2::opts::set_mwindow_size(WINDOW_BYTES);
        let _ = git2::opts::set_mwindow_mapped_limit(MAPPED_BYTES);
    }
}
