//! Benchmark tools that are commands of their own: [`echo`] (`roamsim echo`), the machine's
//! batched-UDP ceiling that `scripts/bench.sh` sets roamsim's figures against.

pub mod echo;
