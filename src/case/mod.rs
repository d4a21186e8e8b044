//! The case model: opaque ids, the encrypted record, access lists, notes,
//! and the field-by-field merge of concurrent edits.

pub mod access;
pub mod blind;
pub mod fields;
pub mod id;
pub mod items;
pub mod merge;
pub mod note;
pub mod record;

pub use access::{AccessEntry, AccessList};
pub use id::CaseId;
pub use merge::{merge_access, merge_records, FieldConflict, RecordMerge, Side};
pub use note::Note;
pub use record::{CaseRecord, Sensitivity, Status};
