//! Unit tests of the Gy client live beside the virtual runs that step it with the OCS
//! (`engine::load::virtual_time::online_tests`); this file holds the client-only cases.
