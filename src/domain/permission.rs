//! Permission levels (`all`, `restricted`, `readonly`) shared by keys, members and service
//! accounts, ordered `all` > `restricted` > `readonly`. No I/O.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The one vocabulary for key permissions and principal roles, ordered
/// `Readonly < Restricted < All`, so the effective permission is a `min`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    Readonly,
    Restricted,
    All,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Readonly => "readonly",
            Permission::Restricted => "restricted",
            Permission::All => "all",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "all" => Ok(Permission::All),
            "restricted" => Ok(Permission::Restricted),
            "readonly" | "read-only" | "read_only" => Ok(Permission::Readonly),
            _ => {
                Err(Error::invalid(format!("{s:?} is not a permission or role (expected all, restricted or readonly)")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_all_over_restricted_over_readonly() {
        assert!(Permission::All > Permission::Restricted);
        assert!(Permission::Restricted > Permission::Readonly);
        assert_eq!(Permission::All.min(Permission::Readonly), Permission::Readonly);
        assert_eq!("readonly".parse::<Permission>().unwrap(), Permission::Readonly);
        assert!("admin".parse::<Permission>().is_err());
    }
}
