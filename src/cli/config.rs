//! The optional TOML config (`<config dir>/keyctl/config.toml` or `KEYCTL_CONFIG`) and the
//! default store path.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use keyctl::{Duration, Error, Result};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Org id or name used when `--org` and `KEYCTL_ORG` are not given.
    pub default_org: Option<String>,
    /// `table`, `json` or `csv`.
    pub output: Option<String>,
    /// Lifetime of new keys created without `--ttl` or `--expires-at`.
    pub default_ttl: Option<String>,
    /// Longest lifetime `key create` accepts.
    pub max_ttl: Option<String>,
}

fn base_dirs() -> Result<directories::BaseDirs> {
    directories::BaseDirs::new()
        .ok_or_else(|| Error::Usage("cannot find your home directory; pass --store PATH".into()))
}

pub fn default_store_path() -> Result<PathBuf> {
    Ok(base_dirs()?.data_dir().join("keyctl").join("keyctl.db"))
}

/// Where keyctl keeps what this machine has seen of each store (the rollback anchors):
/// `$XDG_STATE_HOME/keyctl`, by default `~/.local/state/keyctl`.
pub fn state_dir() -> Result<PathBuf> {
    let base = base_dirs()?;
    Ok(base.state_dir().unwrap_or_else(|| base.data_local_dir()).join("keyctl"))
}

fn config_path() -> Result<PathBuf> {
    match std::env::var_os("KEYCTL_CONFIG").filter(|v| !v.is_empty()) {
        Some(p) => Ok(PathBuf::from(p)),
        None => Ok(base_dirs()?.config_dir().join("keyctl").join("config.toml")),
    }
}

/// A lifetime from the config. Zero is refused: as a cap it would silently mean none (a
/// project's `--max-ttl 0` removes its cap, but a config line is there to set one), and as
/// a default every key would be born expired. Leave the line out instead.
fn parse_duration(field: &str, value: &Option<String>) -> Result<Option<Duration>> {
    let Some(v) = value.as_deref() else { return Ok(None) };
    let d = v.parse::<Duration>().map_err(|e| Error::invalid(format!("config: {field}: {e}")))?;
    if d.seconds() <= 0 {
        return Err(Error::invalid(format!(
            "config: {field} = {v:?} is no lifetime at all; remove the line for no {}",
            if field == "max_ttl" { "cap" } else { "default" }
        )));
    }
    Ok(Some(d))
}

impl Config {
    pub fn load() -> Result<Config> {
        let path = config_path()?;
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
        };
        let config: Config =
            toml::from_str(&text).map_err(|e| Error::invalid(format!("{}: {}", path.display(), e.message())))?;
        parse_duration("default_ttl", &config.default_ttl)?;
        parse_duration("max_ttl", &config.max_ttl)?;
        Ok(config)
    }

    pub fn default_ttl(&self) -> Option<Duration> {
        parse_duration("default_ttl", &self.default_ttl).ok().flatten()
    }

    pub fn max_ttl(&self) -> Option<Duration> {
        parse_duration("max_ttl", &self.max_ttl).ok().flatten()
    }

    /// Sets one top-level string value in the config file, editing it in place: comments,
    /// order and every other value stay as the user wrote them.
    pub fn set(key: &str, value: &str) -> Result<PathBuf> {
        Self::edit(|doc| doc[key] = toml_edit::value(value))
    }

    /// Removes one top-level value from the config file (nothing to do if it is not there).
    pub fn unset(key: &str) -> Result<PathBuf> {
        Self::edit(|doc| {
            doc.remove(key);
        })
    }

    fn edit(change: impl FnOnce(&mut toml_edit::DocumentMut)) -> Result<PathBuf> {
        let path = config_path()?;
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
        };
        let mut doc: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| Error::invalid(format!("{}: {}", path.display(), e.message())))?;
        change(&mut doc);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            keyctl::create_private_dir_all(dir)?;
        }
        // Written beside it and renamed over it: a crash leaves the old file or the new one.
        let tmp = path.with_extension("toml.tmp");
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| Error::io(format!("cannot write {}", tmp.display()), e))?;
        file.write_all(doc.to_string().as_bytes())
            .map_err(|e| Error::io(format!("cannot write {}", tmp.display()), e))?;
        file.sync_all().map_err(|e| Error::io(format!("cannot write {}", tmp.display()), e))?;
        fs::rename(&tmp, &path).map_err(|e| Error::io(format!("cannot replace {}", path.display()), e))?;
        Ok(path)
    }
}
