//! Keeping a process that holds secrets out of core dumps and debuggers.
//!
//! Every dossier process may hold a passphrase, unlocked keys or decrypted
//! case content, so each starts by [`no_core_dumps`]: a crash writes no
//! core file (`RLIMIT_CORE` 0, inherited by the git, ssh and `$EDITOR`
//! processes it starts), and the process is not dumpable (`PR_SET_DUMPABLE`
//! 0 on Linux: no core on a fatal signal whatever the limit, no `ptrace`
//! attach by other processes of the same user, `/proc/<pid>/mem` closed).

/// Disables core dumps of this process (and its children) and, on Linux,
/// makes it non-dumpable. Returns the first failure; the process goes on
/// either way.
pub fn no_core_dumps() -> std::io::Result<()> {
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit reads the struct we pass, which outlives the call.
    if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_DUMPABLE takes plain integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_it_no_core_can_be_written_and_the_process_is_not_dumpable() {
        no_core_dumps().unwrap();
        let mut limit = libc::rlimit {
            rlim_cur: 1,
            rlim_max: 1,
        };
        // SAFETY: getrlimit writes into the struct we pass.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut limit) }, 0);
        assert_eq!((limit.rlim_cur, limit.rlim_max), (0, 0));
        #[cfg(target_os = "linux")]
        // SAFETY: PR_GET_DUMPABLE takes no pointer.
        assert_eq!(unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) }, 0);
    }
}
