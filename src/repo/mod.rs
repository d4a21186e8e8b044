//! Layer 5, repo: the git repository underneath a vault.
//!
//! [`store`] is the one place commits are made (signed, journaled, the
//! branch moved last); [`journal`] records an interrupted multi-commit
//! write so the next open finishes or undoes it; [`snapshot`] reads any
//! state (a commit, the working tree) as files; [`tree_edit`] builds a
//! commit's tree by rewriting only the changed directories and
//! [`tree_diff`] finds what differs without opening unchanged ones;
//! [`packed`] writes many new blobs as one pack; [`history`] holds the
//! primitives for walking history (who signed a commit, which commit
//! introduced a file's content); [`status`] the working state a status line
//! shows. Invariants: nothing here judges trust — a signer is reported, never
//! accepted or refused (that is `trust`).

pub mod history;
pub mod journal;
pub mod lock;
pub mod packed;
pub mod snapshot;
pub mod status;
pub mod store;
pub mod tree_diff;
pub mod tree_edit;

/// Lets libgit2 keep parsed trees of up to 64 MB in its object cache. By
/// default it caches no tree over 4 KB, so the `cases/` tree of a large
/// vault (370 KB at 10,000 cases) was read and parsed again for every
/// path looked up in it. Call once at start, before any thread exists (it
/// sets a libgit2 global).
pub fn cache_large_trees() {
    // SAFETY: called before other threads start, as libgit2 requires for
    // its global options; the arguments are a valid object type and size.
    let _ = unsafe { git2::opts::set_cache_object_limit(git2::ObjectType::Tree, 64 << 20) };
}
