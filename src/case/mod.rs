//! The case model: opaque ids, the encrypted record, access lists, notes.

pub mod access;
pub mod fields;
pub mod id;
pub mod note;
pub mod record;

pub use access::{AccessEntry, AccessList};
pub use id::CaseId;
pub use note::Note;
pub use record::{CaseRecord, Sensitivity, Status};
