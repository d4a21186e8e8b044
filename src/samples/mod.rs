//! Layer 11, samples: vaults made for people to try and for tests to use.
//!
//! [`demo`] builds the tour's demo vault; [`generate`] builds synthetic vaults
//! of any size for benchmarks; [`testkit`] is the one set-up shared by the
//! library's unit tests, the TUI's tests, the integration tests and the
//! benchmarks (weak key stretching: never for real use).

pub mod demo;
pub mod generate;
pub mod testkit;
