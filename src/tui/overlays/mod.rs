//! Overlays: what is drawn over the screen and has the keyboard while it is
//! on top of the app's stack, one file each. Each implements
//! [`crate::tui::component::Overlay`] and owns its key table.
//!
//! A new overlay is one file here, one `mod` line and one row in [`KEYMAPS`]
//! (which places its keys in the `?` help); whoever opens it pushes it with
//! [`crate::tui::component::Effect::Push`].

pub mod confirm;
pub mod conflicts;
pub mod disclose;
pub mod editor;
pub mod form;
pub mod help;
pub mod notice;
pub mod picker;
pub mod prompt;

use crate::tui::action::Keymap;

/// Every overlay's key table, in the order the `?` help lists them (after
/// the screens').
pub const KEYMAPS: &[&Keymap] = &[
    &prompt::KEYS,
    &editor::KEYS,
    &form::KEYS,
    &disclose::KEYS,
    &confirm::KEYS,
    &help::KEYS,
    &conflicts::KEYS,
    &notice::KEYS,
    &picker::KEYS,
];
