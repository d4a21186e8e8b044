//! Themes as semantic roles (STYLE rule 5): code asks for `Role::Danger` or
//! `Role::Selection`, never for a colour.
//!
//! Presets are embedded from `themes/*.yaml`. A user theme
//! (`$XDG_CONFIG_HOME/dossier/themes/NAME.yaml`) starts from the preset of
//! the same name, or from the one it names in `extends:`, or from
//! `default`, and overrides only the roles it names. `NO_COLOR` (any
//! non-empty value) strips every colour, whatever was chosen. YAML is parsed
//! through the library's `yaml` module, the one place serde_yaml is used.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// The embedded presets: (name, YAML).
pub const PRESETS: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.yaml")),
    ("light", include_str!("../../themes/light.yaml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.yaml"),
    ),
    ("monochrome", include_str!("../../themes/monochrome.yaml")),
];

macro_rules! roles {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A semantic style role.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub enum Role { $(#[doc = $name] $variant),* }

        impl Role {
            /// Every role.
            pub const ALL: &'static [Role] = &[$(Role::$variant),*];
            /// The role's key in theme files.
            pub fn name(self) -> &'static str {
                match self { $(Role::$variant => $name),* }
            }
        }
    };
}

roles! {
    Text => "text",
    Muted => "muted",
    Title => "title",
    Border => "border",
    Header => "header",
    Selection => "selection",
    TabActive => "tab_active",
    TabInactive => "tab_inactive",
    StatusBar => "status_bar",
    HintKey => "hint_key",
    HintText => "hint_text",
    Input => "input",
    Accent => "accent",
    Ok => "ok",
    Verified => "verified",
    Warning => "warning",
    Danger => "danger",
    Unsigned => "unsigned",
    Locked => "locked",
    Restricted => "restricted",
    Confidential => "confidential",
}

/// One role's style as written in a theme file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    dim: bool,
}

/// A theme file: roles, plus an optional preset to start from.
#[derive(Debug, Default, Deserialize)]
struct ThemeFile {
    extends: Option<String>,
    #[serde(flatten)]
    roles: BTreeMap<String, RoleSpec>,
}

/// A resolved theme: a style for every role.
#[derive(Debug, Clone)]
pub struct Theme {
    /// Its name.
    pub name: String,
    styles: BTreeMap<Role, Style>,
}

impl Theme {
    /// The style of a role.
    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }

    /// A preset by name.
    pub fn preset(name: &str) -> Option<Theme> {
        let (_, text) = PRESETS.iter().find(|(n, _)| *n == name)?;
        let mut theme = Theme {
            name: name.to_string(),
            styles: BTreeMap::new(),
        };
        // Presets are tested to parse; a broken one would show unstyled.
        let _ = theme.apply(text, &format!("the {name} theme"));
        Some(theme)
    }

    /// Resolves the theme to use. `requested` comes from `--theme` or the
    /// config; `user_dir` holds user themes; `no_color` is whether NO_COLOR
    /// is set. Returns the theme and any problem to show the user.
    pub fn resolve(
        requested: Option<&str>,
        user_dir: Option<&Path>,
        no_color: bool,
    ) -> (Theme, Option<String>) {
        let name = requested.unwrap_or("default");
        let mut problem = None;
        let user_file = user_dir
            .map(|d| d.join(format!("{name}.yaml")))
            .filter(|p| p.is_file());
        let mut theme = match &user_file {
            Some(path) => match std::fs::read_to_string(path) {
                Ok(text) => {
                    let what = path.display().to_string();
                    let parsed: dossier::Result<ThemeFile> =
                        dossier::support::yaml::parse(&text, &what);
                    let base = parsed
                        .as_ref()
                        .ok()
                        .and_then(|f| f.extends.clone())
                        .unwrap_or_else(|| name.to_string());
                    let mut theme = Theme::preset(&base)
                        .or_else(|| Theme::preset("default"))
                        .unwrap_or_else(|| Theme {
                            name: String::new(),
                            styles: BTreeMap::new(),
                        });
                    theme.name = name.to_string();
                    if let Err(e) = theme.apply(&text, &what) {
                        problem = Some(e);
                    }
                    theme
                }
                Err(e) => {
                    problem = Some(format!("cannot read {}: {e}", path.display()));
                    Theme::preset("default").unwrap_or_else(Theme::empty)
                }
            },
            None => match Theme::preset(name) {
                Some(t) => t,
                None => {
                    let names: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
                    problem = Some(format!(
                        "there is no theme `{name}`; choose one of {} or add {name}.yaml to your themes directory",
                        names.join(", ")
                    ));
                    Theme::preset("default").unwrap_or_else(Theme::empty)
                }
            },
        };
        if no_color {
            theme.strip_colour();
        }
        (theme, problem)
    }

    fn empty() -> Theme {
        Theme {
            name: String::new(),
            styles: BTreeMap::new(),
        }
    }

    /// Overrides the roles named in `text`; unknown roles and colours are
    /// reported, the rest still applied.
    fn apply(&mut self, text: &str, what: &str) -> Result<(), String> {
        let file: ThemeFile =
            dossier::support::yaml::parse(text, what).map_err(|e| e.to_string())?;
        let mut bad = Vec::new();
        for (key, spec) in &file.roles {
            let Some(role) = Role::ALL.iter().find(|r| r.name() == key) else {
                bad.push(format!("unknown role `{key}`"));
                continue;
            };
            match spec.to_style() {
                Ok(style) => {
                    self.styles.insert(*role, style);
                }
                Err(e) => bad.push(format!("{key}: {e}")),
            }
        }
        if bad.is_empty() {
            Ok(())
        } else {
            Err(format!("{what}: {}", bad.join("; ")))
        }
    }

    fn strip_colour(&mut self) {
        let mono = Theme::preset("monochrome").unwrap_or_else(Theme::empty);
        self.styles = mono.styles;
        self.name = format!("{} (NO_COLOR)", self.name);
    }
}

impl RoleSpec {
    fn to_style(&self) -> Result<Style, String> {
        let colour = |c: &Option<String>| -> Result<Option<Color>, String> {
            c.as_deref()
                .map(|s| Color::from_str(s).map_err(|_| format!("`{s}` is not a colour")))
                .transpose()
        };
        let mut style = Style::default();
        if let Some(fg) = colour(&self.fg)? {
            style = style.fg(fg);
        }
        if let Some(bg) = colour(&self.bg)? {
            style = style.bg(bg);
        }
        for (on, m) in [
            (self.bold, Modifier::BOLD),
            (self.italic, Modifier::ITALIC),
            (self.underline, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
            (self.dim, Modifier::DIM),
        ] {
            if on {
                style = style.add_modifier(m);
            }
        }
        Ok(style)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A colour as xterm's default palette shows it (the preset themes
    /// assume it); `None` for the terminal's own default.
    fn rgb(c: ratatui::style::Color) -> Option<(u8, u8, u8)> {
        use ratatui::style::Color as C;
        Some(match c {
            C::Black => (0, 0, 0),
            C::Red => (205, 0, 0),
            C::Green => (0, 205, 0),
            C::Yellow => (205, 205, 0),
            C::Blue => (0, 0, 238),
            C::Magenta => (205, 0, 205),
            C::Cyan => (0, 205, 205),
            C::Gray => (229, 229, 229),
            C::DarkGray => (127, 127, 127),
            C::LightRed => (255, 0, 0),
            C::LightGreen => (0, 255, 0),
            C::LightYellow => (255, 255, 0),
            C::LightBlue => (92, 92, 255),
            C::LightMagenta => (255, 0, 255),
            C::LightCyan => (0, 255, 255),
            C::White => (255, 255, 255),
            C::Rgb(r, g, b) => (r, g, b),
            _ => return None,
        })
    }

    /// WCAG 2 relative luminance.
    fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
        let channel = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn every_role_of_every_coloured_preset_passes_wcag_aa_contrast() {
        // The background and text each preset is made for.
        let grounds = [
            ("default", (0, 0, 0), (229, 229, 229)),
            ("light", (255, 255, 255), (0, 0, 0)),
            ("high-contrast", (0, 0, 0), (255, 255, 255)),
        ];
        let mut failures = Vec::new();
        for (name, bg, fg) in grounds {
            let theme = Theme::preset(name).unwrap();
            for role in Role::ALL {
                let s = theme.style(*role);
                let (fg, bg) = (
                    s.fg.and_then(rgb).unwrap_or(fg),
                    s.bg.and_then(rgb).unwrap_or(bg),
                );
                // Borders are not text: WCAG asks 3:1 of a UI component.
                let needed = if *role == Role::Border { 3.0 } else { 4.5 };
                let ratio = contrast(fg, bg);
                if ratio < needed {
                    failures.push(format!("{name}.{}: {ratio:.2} < {needed}", role.name()));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "too little contrast:\n{}",
            failures.join("\n")
        );
    }

    #[test]
    fn every_preset_parses_and_names_every_role() {
        for (name, text) in PRESETS {
            let file: ThemeFile = dossier::support::yaml::parse(text, name).unwrap();
            for role in Role::ALL {
                assert!(
                    file.roles.contains_key(role.name()),
                    "{name} lacks {}",
                    role.name()
                );
            }
            let mut t = Theme::empty();
            t.apply(text, name).unwrap();
        }
    }

    #[test]
    fn monochrome_and_no_color_have_no_colour() {
        for (theme, _) in [
            Theme::resolve(Some("monochrome"), None, false),
            Theme::resolve(Some("light"), None, true),
        ] {
            for role in Role::ALL {
                let s = theme.style(*role);
                assert!(
                    s.fg.is_none() && s.bg.is_none(),
                    "{} has colour",
                    role.name()
                );
            }
        }
    }

    #[test]
    fn a_user_theme_overrides_only_the_roles_it_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("light.yaml"), "danger: {fg: '#ff00ff'}\n").unwrap();
        let (t, problem) = Theme::resolve(Some("light"), Some(dir.path()), false);
        assert!(problem.is_none(), "{problem:?}");
        assert_eq!(t.style(Role::Danger).fg, Some(Color::Rgb(255, 0, 255)));
        let light = Theme::preset("light").unwrap();
        assert_eq!(t.style(Role::Selection), light.style(Role::Selection));

        std::fs::write(
            dir.path().join("mine.yaml"),
            "extends: high-contrast\nbogus: {}\n",
        )
        .unwrap();
        let (t, problem) = Theme::resolve(Some("mine"), Some(dir.path()), false);
        assert!(problem.unwrap().contains("unknown role `bogus`"));
        let hc = Theme::preset("high-contrast").unwrap();
        assert_eq!(t.style(Role::Text), hc.style(Role::Text));
    }

    #[test]
    fn an_unknown_theme_falls_back_to_default_and_says_so() {
        let (t, problem) = Theme::resolve(Some("neon"), None, false);
        assert_eq!(t.name, "default");
        assert!(problem.unwrap().contains("no theme `neon`"));
    }
}
