//! The thin front door: parse options, run, map the outcome to an exit code (docs/ARCHITECTURE.md
//! §7).
use mimalloc::MiMalloc;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

fn main() {
    std::process::exit(roamsim::cli::main());
}
