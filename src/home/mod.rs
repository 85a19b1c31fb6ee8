//! Simulated home core: HSS/HLR, PGW, charging, roaming agreements.
