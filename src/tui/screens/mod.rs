//! The main screens, one file each, and the table that registers them.
//!
//! Each screen implements [`Screen`] and owns its state, its key table, its
//! key handling and its drawing. The one table below ([`screens!`]) declares
//! each screen's module, its [`ScreenId`] and its field in [`Screens`]; its
//! order is the order of the screens' sections in the `?` help. A new screen
//! is one new file here and one row in the table.

use crate::tui::action::Keymap;
use crate::tui::component::Screen;

/// Declares the screens: `Id => field: module::Type`, one row each.
macro_rules! screens {
    ($($(#[$doc:meta])* $id:ident => $field:ident: $module:ident::$ty:ident,)*) => {
        $(pub mod $module;)*

        /// Which screen shows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ScreenId {
            $($(#[$doc])* $id,)*
        }

        impl ScreenId {
            /// Every screen, in table order.
            pub const ALL: &'static [ScreenId] = &[$(ScreenId::$id,)*];
        }

        /// Every screen's state; each keeps it while another shows.
        #[derive(Default)]
        pub struct Screens {
            $($(#[$doc])* pub $field: $module::$ty,)*
        }

        impl Screens {
            /// The screen `id`.
            pub fn get(&self, id: ScreenId) -> &dyn Screen {
                match id {
                    $(ScreenId::$id => &self.$field,)*
                }
            }

            /// The screen `id`, to change.
            pub fn get_mut(&mut self, id: ScreenId) -> &mut dyn Screen {
                match id {
                    $(ScreenId::$id => &mut self.$field,)*
                }
            }
        }
    };
}

screens! {
    /// Passphrase prompt (or, without an identity, behind its creation form).
    Unlock => unlock: unlock::UnlockScreen,
    /// The case list.
    Cases => cases: list::ListScreen,
    /// One case, in tabs.
    Detail => detail: detail::DetailScreen,
    /// The keyring.
    Keyring => keyring: keyring::KeyringScreen,
    /// The vault audit trail.
    Audit => audit: audit::AuditScreen,
    /// The disclosure register (`:disclosures`).
    Register => register: register::RegisterScreen,
    /// Cases past their retention date (`:retention`).
    Retention => retention: retention::RetentionScreen,
    /// Who can read what, and what to review (`:access-review`).
    AccessReview => review: review::AccessReviewScreen,
    /// The deadlines agenda across cases.
    Agenda => agenda: agenda::AgendaScreen,
}

pub mod report;

impl Screens {
    /// Every screen's key table, in table order.
    pub fn keymaps(&self) -> Vec<&'static Keymap> {
        ScreenId::ALL
            .iter()
            .map(|id| self.get(*id).keys())
            .collect()
    }
}
