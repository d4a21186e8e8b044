//! Layer 11, samples: vaults made for people to try and for tests to use.
//!
//! [`demo`] builds the tour's demo vault; [`generate`] builds synthetic vaults
//! of any size for benchmarks; `testkit` (tests only) is the shared set-up of
//! the library's unit tests.

pub mod demo;
pub mod generate;
#[cfg(test)]
pub(crate) mod testkit;
