//! Keeping a process that holds secrets out of core dumps and debuggers.
//!
//! Every dossier process may hold a passphrase, unlocked keys or decrypted
//! case content, so each starts by [`no_core_dumps`]: a crash writes no
//! core file (`RLIMIT_CORE` 0, inherited by the git, ssh and `$EDITOR`
//! processes it starts), and the process is not dumpable (`PR_SET_DUMPABLE`
//! 0 on Linux: no core on a fatal signal whatever the limit, no `ptrace`
//! attach by other processes of the same user, `/proc/<pid>/mem` closed).
//!
//! A panic is a bug, and its message may hold whatever the failing code
//! held (an `unwrap()` on an error that carries a decrypted record, say).
//! [`quiet_panics`] makes every panic report only where it happened, and
//! [`catch_quietly`] turns a panic on a worker thread into that place,
//! wiping the message unread.

use std::cell::{Cell, RefCell};
use zeroize::Zeroize;

thread_local! {
    /// Whether a [`catch_quietly`] on this thread will take the panic.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// Where the last panic taken by [`catch_quietly`] happened.
    static SITE: RefCell<Option<String>> = const { RefCell::new(None) };
}

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

/// Locks this process's memory against swap, present and future, where
/// that cannot make it fail: when the memlock limit is unlimited or the
/// process is root (which the limit does not bind). Under a finite limit
/// (Debian's default is 8 MiB) nothing is locked, because scrypt alone
/// needs 256 MiB and a locked process whose next allocation passes the
/// limit is killed; the fix there is encrypted swap, or an unlimited
/// `memlock` for the staff in `limits.conf`. Returns whether memory is
/// now locked. Locks are not inherited by the processes it starts.
pub fn lock_memory() -> bool {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    let known = unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut limit) } == 0;
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let unlimited = known && limit.rlim_cur == libc::RLIM_INFINITY;
    if !(root || unlimited) {
        return false;
    }
    #[cfg(target_os = "linux")]
    // Pages are locked as they are first touched, so a reservation never
    // used (a thread's stack) costs nothing.
    let flags = libc::MCL_CURRENT | libc::MCL_FUTURE | libc::MCL_ONFAULT;
    #[cfg(not(target_os = "linux"))]
    let flags = libc::MCL_CURRENT | libc::MCL_FUTURE;
    // SAFETY: mlockall takes plain integer flags.
    unsafe { libc::mlockall(flags) == 0 }
}

/// Makes every panic of this process print one sentence naming where it
/// happened (`src/…rs:LINE`) instead of its message, which is never read;
/// a panic that [`catch_quietly`] takes prints nothing.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let site = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "an unknown place".into());
        if CATCHING.with(Cell::get) {
            SITE.with(|s| *s.borrow_mut() = Some(site));
        } else {
            eprintln!("dossier: {}", crate::Error::Internal { site });
        }
    }));
}

/// Whether a panic on this thread now would be taken by [`catch_quietly`]
/// (so a panic hook leaves the terminal to the thread that owns it).
pub fn catching() -> bool {
    CATCHING.with(Cell::get)
}

/// Runs `work`; a panic inside it becomes [`crate::Error::Internal`] naming
/// where it happened, and its message is wiped without being shown.
pub fn catch_quietly<T>(work: impl FnOnce() -> T) -> crate::Result<T> {
    let was = CATCHING.with(|c| c.replace(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    CATCHING.with(|c| c.set(was));
    outcome.map_err(|payload| {
        wipe(payload);
        let site = SITE
            .with(|s| s.borrow_mut().take())
            .unwrap_or_else(|| "an unknown place".into());
        crate::Error::Internal { site }
    })
}

/// Zeroizes a panic message before it is freed.
fn wipe(payload: Box<dyn std::any::Any + Send>) {
    if let Ok(mut text) = payload.downcast::<String>() {
        text.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_panic_names_its_place_and_never_what_it_said() {
        let secret = "a marker the panic carried";
        let err = catch_quietly(|| -> () { panic!("{secret}") }).unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("internal error at "), "{shown}");
        assert!(!shown.contains(secret), "{shown}");
        assert_eq!(catch_quietly(|| 7).unwrap(), 7);
    }

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
