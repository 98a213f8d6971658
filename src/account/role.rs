//! What an account may do: contribute, moderate, administer.

use serde::Serialize;

/// The role of an account; a visitor without an account has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Proposes initiatives and edits, which wait for a moderator.
    Contributor,
    /// Publishes or refuses proposals, handles error reports, reverts revisions.
    Moderator,
    /// Everything a moderator does, and manages accounts.
    Admin,
}

impl Role {
    /// Every role, from the least to the most trusted.
    pub const ALL: [Self; 3] = [Self::Contributor, Self::Moderator, Self::Admin];

    /// The name stored in the private store and given on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contributor => "contributor",
            Self::Moderator => "moderator",
            Self::Admin => "admin",
        }
    }

    /// The role named `name` (English or French).
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "contributor" | "contributeur" | "contributrice" => Some(Self::Contributor),
            "moderator" | "moderateur" | "moderatrice" => Some(Self::Moderator),
            "admin" | "administrateur" | "administratrice" => Some(Self::Admin),
            _ => None,
        }
    }

    /// The French name shown on pages.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Contributor => "contribution",
            Self::Moderator => "modération",
            Self::Admin => "administration",
        }
    }

    /// Whether the role may publish, refuse and revert.
    pub fn can_moderate(self) -> bool {
        self >= Self::Moderator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_only_moderators_and_admins_moderate() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("Modératrice"), None, "accents are not folded");
        assert_eq!(Role::parse("moderatrice"), Some(Role::Moderator));
        assert!(!Role::Contributor.can_moderate());
        assert!(Role::Moderator.can_moderate() && Role::Admin.can_moderate());
    }
}
