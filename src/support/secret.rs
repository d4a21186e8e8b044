//! Passphrases and secret buffers.
//!
//! The core never touches a terminal: it asks for a passphrase through
//! [`PassphraseSource`] (as age's `Callbacks` does), and the CLI or TUI
//! decides how to obtain it. Secrets live in `secrecy`/`zeroize` types whose
//! `Debug` prints nothing.

pub use secrecy::{ExposeSecret, SecretString};
pub use zeroize::Zeroizing;

use crate::error::Result;

/// Implements `Debug` for a type holding decrypted content so that it
/// prints only its type name: a stray `{:?}`, a panic message or a test
/// failure never shows case content.
#[macro_export]
macro_rules! redacted_debug {
    ($($t:ty),+ $(,)?) => {$(
        impl ::std::fmt::Debug for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(concat!(stringify!($t), "([redacted])"))
            }
        }
    )+};
}

/// Where a passphrase comes from when the core needs one.
pub trait PassphraseSource: Send + Sync {
    /// Returns the passphrase for `purpose` (e.g. "unlock the identity in ~/.local/share/dossier").
    fn passphrase(&self, purpose: &str) -> Result<SecretString>;
}

/// A passphrase known in advance (from `DOSSIER_PASSPHRASE`, a file, a TUI prompt).
pub struct FixedPassphrase(SecretString);

impl FixedPassphrase {
    /// Wraps a passphrase.
    pub fn new(passphrase: SecretString) -> Self {
        FixedPassphrase(passphrase)
    }
}

impl PassphraseSource for FixedPassphrase {
    fn passphrase(&self, _purpose: &str) -> Result<SecretString> {
        Ok(SecretString::from(self.0.expose_secret().to_owned()))
    }
}

/// A source for identities stored without a passphrase: asking is an error.
pub struct NoPassphrase;

impl PassphraseSource for NoPassphrase {
    fn passphrase(&self, _purpose: &str) -> Result<SecretString> {
        Err(crate::Error::NoPassphrase(
            "this identity is passphrase-protected; set DOSSIER_PASSPHRASE or use --passphrase-file".into(),
        ))
    }
}

/// A global allocator that overwrites every block with zeros before it
/// hands it back to `A`: whatever a freed `String` or `Vec` held (a line
/// drawn on the screen, a search hit, a YAML parser's scratch copy, a
/// buffer a `Vec` outgrew) is gone from the heap, not only what lives in
/// [`Zeroizing`] types. The binary installs it over the system allocator;
/// memory that C code (libgit2) allocates is not covered.
pub struct WipingAllocator<A>(pub A);

// SAFETY: every call is forwarded to `A` with the layout it was given;
// a block is written only between the caller giving it up and `A`
// receiving it back, within the `size` its layout says it has.
unsafe impl<A: std::alloc::GlobalAlloc> std::alloc::GlobalAlloc for WipingAllocator<A> {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: forwarded as given.
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: forwarded as given.
        unsafe { self.0.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: the caller owns `layout.size()` bytes at `ptr` until the
        // call below; memset, then an opaque use of the block, so that the
        // compiler cannot drop the writes as dead before `free`.
        unsafe {
            std::ptr::write_bytes(ptr, 0, layout.size());
            std::hint::black_box(ptr);
            self.0.dealloc(ptr, layout);
        }
    }

    // `realloc` stays the trait's default: a new block, a copy, and the
    // old block through `dealloc` above, so no outgrown buffer keeps its
    // bytes (the system's in-place realloc could not promise that).
}

#[cfg(test)]
mod tests {
    use crate::case::CaseRecord;

    /// An allocator that keeps a copy of every block as it is handed back.
    struct Recording(std::sync::Mutex<Vec<Vec<u8>>>);

    // SAFETY: forwards to the system allocator; reads a block only while
    // it is still allocated.
    unsafe impl std::alloc::GlobalAlloc for Recording {
        unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
            unsafe { std::alloc::System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
            let bytes = unsafe { std::slice::from_raw_parts(ptr, layout.size()) }.to_vec();
            self.0.lock().unwrap().push(bytes);
            unsafe { std::alloc::System.dealloc(ptr, layout) }
        }
    }

    #[test]
    fn every_block_is_zeros_when_it_is_given_back_even_one_a_vec_outgrew() {
        use std::alloc::{GlobalAlloc, Layout};
        let wiping = super::WipingAllocator(Recording(std::sync::Mutex::new(Vec::new())));
        let secret = b"Miriam Tesfaye, born 1990";
        let layout = Layout::from_size_align(secret.len(), 1).unwrap();
        unsafe {
            let block = wiping.alloc(layout);
            std::ptr::copy_nonoverlapping(secret.as_ptr(), block, secret.len());
            // Outgrown: the old block goes back wiped, the new one keeps the text.
            let grown = wiping.realloc(block, layout, 4096);
            assert_eq!(std::slice::from_raw_parts(grown, secret.len()), secret);
            wiping.dealloc(grown, Layout::from_size_align(4096, 1).unwrap());
        }
        let returned = wiping.0 .0.lock().unwrap();
        assert_eq!(returned.len(), 2);
        assert_eq!(returned[0].len(), secret.len());
        assert_eq!(returned[1].len(), 4096);
        assert!(returned.iter().all(|b| b.iter().all(|&x| x == 0)));
    }

    #[test]
    fn decrypted_content_never_shows_in_debug_output() {
        let mut record = CaseRecord::default();
        record.title = "Asylum appeal of Miriam Tesfaye".into();
        let shown = format!("{record:?} {:?}", record.client);
        assert!(!shown.contains("Miriam"), "{shown}");
        assert_eq!(shown, "CaseRecord([redacted]) Client([redacted])");
    }
}
