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
//! shows; [`damage`] names unreadable objects by the files they hold;
//! [`lock`] the one-writer-at-a-time lock and [`notices`] what a
//! recorded change still has to tell; [`ref_journal`] the refs a sync
//! writes outside a commit, so a kill there leaves no lock behind. Invariants: nothing here judges
//! trust — a signer is reported, never accepted or refused (that is
//! `trust`).

pub mod damage;
pub mod history;
pub mod journal;
pub mod lock;
pub mod notices;
pub mod packed;
pub mod ref_journal;
pub mod snapshot;
pub mod status;
pub mod store;
pub mod tree_diff;
pub mod tree_edit;

/// The most objects a pack from a remote or a bundle may claim. libgit2
/// sizes its tables by the claim before reading an object (a 6 KB pack
/// claiming four billion asked for 32 GB); a vault of 100,000 cases with a
/// long history holds a few million.
const MAX_PACK_OBJECTS: usize = 20_000_000;

/// How long a git server may take to accept a connection.
const CONNECT_TIMEOUT_MS: i32 = 30_000;
/// How long a git server may go silent during a transfer, unless
/// `DOSSIER_NETWORK_TIMEOUT_SECONDS` says otherwise.
const SILENCE_TIMEOUT_MS: i32 = 120_000;

/// The process-wide libgit2 settings the binary runs with. Call once at
/// start, before any thread exists (they are libgit2 globals):
///
/// - parsed trees of up to 64 MB stay in libgit2's object cache. By
///   default it caches no tree over 4 KB, so the `cases/` tree of a large
///   vault (370 KB at 10,000 cases) was read and parsed again for every
///   path looked up in it;
/// - a server that does not accept the connection within 30 s, or goes
///   silent for 120 s (`DOSSIER_NETWORK_TIMEOUT_SECONDS`), ends the
///   transfer with an error instead of leaving the command waiting
///   forever (libgit2 passes the limit to libssh2 for SSH remotes);
/// - a received pack claiming more than 20 million objects is refused
///   ("too many objects") before libgit2 sizes its tables by the claim.
pub fn configure_libgit2() {
    let silence = std::env::var("DOSSIER_NETWORK_TIMEOUT_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<i32>().ok())
        .filter(|s| *s > 0)
        .map(|s| s.saturating_mul(1000))
        .unwrap_or(SILENCE_TIMEOUT_MS);
    // SAFETY: called before other threads start, as libgit2 requires for
    // its global options; the arguments are valid for each option.
    unsafe {
        let _ = git2::opts::set_cache_object_limit(git2::ObjectType::Tree, 64 << 20);
        let _ =
            git2::opts::set_server_connect_timeout_in_milliseconds(CONNECT_TIMEOUT_MS.min(silence));
        let _ = git2::opts::set_server_timeout_in_milliseconds(silence);
        libgit2_sys::git_libgit2_opts(
            libgit2_sys::GIT_OPT_SET_PACK_MAX_OBJECTS as libc::c_int,
            MAX_PACK_OBJECTS,
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pack_may_claim_no_more_objects_than_a_vault_could_hold() {
        super::configure_libgit2();
        let mut limit: usize = 0;
        // SAFETY: the option writes one size_t through the pointer we pass.
        unsafe {
            libgit2_sys::git_libgit2_opts(
                libgit2_sys::GIT_OPT_GET_PACK_MAX_OBJECTS as libc::c_int,
                &mut limit as *mut usize,
            );
        }
        assert_eq!(limit, super::MAX_PACK_OBJECTS);
    }
}
