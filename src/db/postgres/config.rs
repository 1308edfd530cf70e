//! A PostgreSQL store's address: the libpq URL a user gives (`postgres://user@host/db?...`),
//! what keyctl adds to it (`schema=`), where the password comes from (the URL, `PGPASSWORD`,
//! `~/.pgpass`), and TLS as libpq's `sslmode` means it, done by rustls.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The schema a store lives in when the URL names none.
pub const DEFAULT_SCHEMA: &str = "keyctl";

/// libpq's `sslmode`, all six of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Result<SslMode> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(Error::invalid(format!(
                    "sslmode={other:?} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                )))
            }
        })
    }
}

/// Where a PostgreSQL store lives. Its `Display` never shows a password.
#[derive(Clone, PartialEq, Eq)]
pub struct PgLocation {
    /// The URL as given, less keyctl's own parameters; it may hold a password.
    url: Zeroizing<String>,
    /// `postgres://user@host:port/db?schema=...`: what messages and anchors name.
    shown: String,
    schema: String,
    ssl_mode: SslMode,
    root_cert: Option<PathBuf>,
    has_password: bool,
}

impl fmt::Debug for PgLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PgLocation").field(&self.shown).finish()
    }
}

impl fmt::Display for PgLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Whether `s` names a PostgreSQL store rather than a file.
pub fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

fn percent_decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| Error::invalid("the store URL has a malformed %-escape"))?;
                out.push(hex);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| Error::invalid("the store URL is not valid UTF-8 once decoded"))
}

/// A schema name keyctl accepts: lower-case letters, digits and `_`, starting with a letter
/// or `_`, at most 63 bytes. Such a name never needs quoting in SQL.
fn check_schema(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
        && !name.starts_with("pg_");
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "schema={name:?} is not a schema keyctl can use: lower-case letters, digits and _, not starting with a digit or pg_"
        )))
    }
}

impl PgLocation {
    /// Parses a libpq URL, taking out what keyctl reads itself: `schema`, `sslmode`,
    /// `sslrootcert`. Other parameters go to the client as they are (and it refuses
    /// those it does not know).
    pub fn parse(url: &str) -> Result<PgLocation> {
        if !is_postgres_url(url) {
            return Err(Error::invalid("a PostgreSQL store is a postgres:// or postgresql:// URL"));
        }
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, q),
            None => (url, ""),
        };
        let mut schema = DEFAULT_SCHEMA.to_owned();
        let mut ssl_mode = SslMode::Prefer;
        let mut root_cert = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match percent_decode(k)?.as_str() {
                "schema" => schema = percent_decode(v)?,
                "sslmode" => ssl_mode = SslMode::parse(&percent_decode(v)?)?,
                "sslrootcert" => root_cert = Some(PathBuf::from(percent_decode(v)?)),
                "password" => {
                    kept.push(pair);
                }
                _ => kept.push(pair),
            }
        }
        check_schema(&schema)?;
        let client_url = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
        let config = postgres::Config::from_str(&client_url)
            .map_err(|e| Error::invalid(format!("the store URL is not a valid PostgreSQL URL: {e}")))?;
        let has_password = config.get_password().is_some();
        let mut loc = PgLocation {
            url: Zeroizing::new(client_url),
            shown: String::new(),
            schema,
            ssl_mode,
            root_cert,
            has_password,
        };
        let config = loc.client_config_without_password()?;
        loc.shown = shown(&config, &loc.schema);
        Ok(loc)
    }

    /// The schema the store's tables live in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Whether the URL itself carries a password (refused on the command line).
    pub fn has_password(&self) -> bool {
        self.has_password
    }

    /// The server, as messages name it: `host:port/db`.
    pub fn server(&self) -> String {
        let rest = self.shown.split_once("://").map_or(self.shown.as_str(), |(_, r)| r);
        let rest = rest.split_once('@').map_or(rest, |(_, r)| r);
        rest.split_once('?').map_or(rest, |(r, _)| r).to_owned()
    }

    /// The client's config with libpq's defaults for what the URL leaves out (`PGHOST`,
    /// `PGPORT`, `PGUSER`, `PGDATABASE`, the OS user), and no password yet.
    fn client_config_without_password(&self) -> Result<postgres::Config> {
        let mut config = postgres::Config::from_str(&self.url)
            .map_err(|e| Error::invalid(format!("the store URL is not a valid PostgreSQL URL: {e}")))?;
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if config.get_hosts().is_empty() {
            match env("PGHOST") {
                Some(h) => {
                    for host in h.split(',') {
                        config.host(host);
                    }
                }
                None => {
                    config.host("localhost");
                }
            }
        }
        if config.get_ports().is_empty() {
            if let Some(p) = env("PGPORT").and_then(|p| p.parse::<u16>().ok()) {
                config.port(p);
            }
        }
        if config.get_user().is_none() {
            let user = env("PGUSER").or_else(|| env("USER")).unwrap_or_else(|| "postgres".to_owned());
            config.user(&user);
        }
        if config.get_dbname().is_none() {
            if let Some(db) = env("PGDATABASE") {
                config.dbname(&db);
            }
        }
        if config.get_connect_timeout().is_none() {
            let seconds = env("PGCONNECT_TIMEOUT").and_then(|s| s.parse::<u64>().ok()).unwrap_or(10);
            config.connect_timeout(Duration::from_secs(seconds.max(1)));
        }
        config.application_name("keyctl");
        config.ssl_mode(match self.ssl_mode {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Allow | SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => postgres::config::SslMode::Require,
        });
        Ok(config)
    }

    /// The full client config: the password from the URL, else `PGPASSWORD`, else the
    /// password file (`PGPASSFILE`, by default `~/.pgpass`).
    pub(super) fn client_config(&self) -> Result<postgres::Config> {
        let mut config = self.client_config_without_password()?;
        if config.get_password().is_none() {
            if let Some(pw) = std::env::var("PGPASSWORD").ok().filter(|v| !v.is_empty()).map(Zeroizing::new) {
                config.password(pw.as_bytes());
            } else if let Some(pw) = pgpass_password(&config) {
                config.password(pw.as_bytes());
            }
        }
        Ok(config)
    }

    /// The TLS connector `sslmode` asks for.
    pub(super) fn tls(&self) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::invalid(format!("TLS: {e}")))?;
        let config = match self.ssl_mode {
            SslMode::VerifyCa | SslMode::VerifyFull => {
                let roots = Arc::new(self.root_store()?);
                let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider)
                    .build()
                    .map_err(|e| Error::invalid(format!("TLS: {e}")))?;
                let verifier: Arc<dyn rustls::client::danger::ServerCertVerifier> =
                    if self.ssl_mode == SslMode::VerifyCa { Arc::new(tls::AnyName(verifier)) } else { verifier };
                builder.dangerous().with_custom_certificate_verifier(verifier).with_no_client_auth()
            }
            // libpq's `require` encrypts without checking who answers (as `prefer` does
            // when the server offers TLS); `verify-full` is the mode that checks.
            _ => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(tls::Unverified(provider)))
                .with_no_client_auth(),
        };
        Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
    }

    fn root_store(&self) -> Result<rustls::RootCertStore> {
        use rustls_pki_types::pem::PemObject;
        let path = match &self.root_cert {
            Some(p) => p.clone(),
            None => home().map(|h| h.join(".postgresql").join("root.crt")).ok_or_else(|| {
                Error::invalid(
                    "sslmode=verify-full needs sslrootcert=FILE (the CA that signed the server's certificate)",
                )
            })?,
        };
        let mut store = rustls::RootCertStore::empty();
        let certs = rustls_pki_types::CertificateDer::pem_file_iter(&path)
            .map_err(|e| Error::invalid(format!("cannot read sslrootcert {}: {e}", path.display())))?;
        for cert in certs {
            let cert = cert.map_err(|e| Error::invalid(format!("sslrootcert {}: {e}", path.display())))?;
            store.add(cert).map_err(|e| Error::invalid(format!("sslrootcert {}: {e}", path.display())))?;
        }
        if store.is_empty() {
            return Err(Error::invalid(format!("sslrootcert {} holds no certificate", path.display())));
        }
        Ok(store)
    }

    /// What `ssl_mode` this location asks for.
    pub fn ssl_mode(&self) -> SslMode {
        self.ssl_mode
    }

    /// A copy of this location for another schema in the same database.
    pub fn with_schema(&self, schema: &str) -> Result<PgLocation> {
        check_schema(schema)?;
        let mut loc = self.clone();
        loc.schema = schema.to_owned();
        loc.shown = shown(&loc.client_config_without_password()?, schema);
        Ok(loc)
    }
}

fn home() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf())
}

/// A URL component with every byte but the unreserved ones percent-encoded, so that what
/// is printed parses back to the same thing.
fn encode(part: &str) -> String {
    part.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `postgres://user@host:port/db?schema=s`, with no password.
fn shown(config: &postgres::Config, schema: &str) -> String {
    use postgres::config::Host;
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let host = match h {
                Host::Tcp(name) if name.contains(':') => format!("[{name}]"),
                Host::Tcp(name) => encode(name),
                Host::Unix(path) => encode(&path.display().to_string()),
            };
            let port = config.get_ports().get(i).or(config.get_ports().first()).copied().unwrap_or(5432);
            format!("{host}:{port}")
        })
        .collect();
    let user = config.get_user().unwrap_or("");
    let db = config.get_dbname().unwrap_or(user);
    format!("postgres://{}@{}/{}?schema={schema}", encode(user), hosts.join(","), encode(db))
}

/// The password the libpq password file gives for this connection, if any. Each line is
/// `host:port:database:user:password`, `*` matching anything and `\` escaping `:` and
/// `\`; the first match wins. As libpq does, a file others can read is ignored.
fn pgpass_password(config: &postgres::Config) -> Option<Zeroizing<String>> {
    use std::os::unix::fs::PermissionsExt;
    let path = match std::env::var_os("PGPASSFILE").filter(|v| !v.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => home()?.join(".pgpass"),
    };
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() || meta.permissions().mode() & 0o077 != 0 {
        return None;
    }
    let text = Zeroizing::new(std::fs::read_to_string(&path).ok()?);
    let host = match config.get_hosts().first()? {
        postgres::config::Host::Tcp(h) => h.clone(),
        postgres::config::Host::Unix(_) => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432).to_string();
    let user = config.get_user().unwrap_or("");
    let db = config.get_dbname().unwrap_or(user);
    pgpass_lookup(&text, &host, &port, db, user)
}

fn pgpass_lookup(text: &str, host: &str, port: &str, db: &str, user: &str) -> Option<Zeroizing<String>> {
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields: Vec<Zeroizing<String>> = vec![Zeroizing::new(String::new())];
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(next) = chars.next() {
                        fields.last_mut()?.push(next);
                    }
                }
                ':' if fields.len() < 5 => fields.push(Zeroizing::new(String::new())),
                c => fields.last_mut()?.push(c),
            }
        }
        if fields.len() != 5 {
            continue;
        }
        let matches = |field: &str, want: &str| field == "*" || field == want;
        if matches(&fields[0], host)
            && matches(&fields[1], port)
            && matches(&fields[2], db)
            && matches(&fields[3], user)
        {
            return Some(Zeroizing::new(fields[4].to_string()));
        }
    }
    None
}

/// The two certificate verifiers libpq's weaker modes need; signatures are still checked
/// by ring, only the trust decision differs.
mod tls {
    use std::sync::Arc;

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::client::WebPkiServerVerifier;
    use rustls::crypto::CryptoProvider;
    use rustls::{DigitallySignedStruct, SignatureScheme};
    use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

    /// `sslmode=require`: encrypted, whoever answers.
    #[derive(Debug)]
    pub struct Unverified(pub Arc<CryptoProvider>);

    impl ServerCertVerifier for Unverified {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    /// `sslmode=verify-ca`: a certificate the CA signed, for whatever host name.
    #[derive(Debug)]
    pub struct AnyName(pub Arc<WebPkiServerVerifier>);

    impl ServerCertVerifier for AnyName {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            server_name: &ServerName<'_>,
            ocsp: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
                Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
                | Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForNameContext { .. })) => {
                    Ok(ServerCertVerified::assertion())
                }
                other => other,
            }
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.0.verify_tls12_signature(message, cert, dss)
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.0.verify_tls13_signature(message, cert, dss)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.supported_verify_schemes()
        }
    }
}

/// The path of a password file line's fields, for tests.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_keyctl_parameters_and_hide_the_password() {
        let loc =
            PgLocation::parse("postgres://ada:s3cret@db.internal:5433/keys?schema=team_a&sslmode=require").unwrap();
        assert_eq!(loc.schema(), "team_a");
        assert!(loc.has_password());
        assert_eq!(loc.to_string(), "postgres://ada@db.internal:5433/keys?schema=team_a");
        assert!(!format!("{loc:?}").contains("s3cret"));
        assert_eq!(loc.server(), "db.internal:5433/keys");
        let plain = PgLocation::parse("postgresql://ada@db/keys").unwrap();
        assert_eq!(plain.schema(), DEFAULT_SCHEMA);
        assert!(!plain.has_password());
    }

    #[test]
    fn bad_schemas_and_modes_are_refused() {
        for url in [
            "postgres://h/db?schema=Bad",
            "postgres://h/db?schema=pg_catalog",
            "postgres://h/db?schema=a%22b",
            "postgres://h/db?sslmode=maybe",
            "postgres://h/db?schema=",
        ] {
            assert_eq!(PgLocation::parse(url).unwrap_err().exit_code(), 2, "{url}");
        }
    }

    #[test]
    fn pgpass_lines_match_as_libpq_reads_them() {
        let text = "# comment\nother:5432:*:ada:nope\ndb:5432:keys:ada:pa\\:ss\\\\word\n*:*:*:*:fallback\n";
        assert_eq!(pgpass_lookup(text, "db", "5432", "keys", "ada").unwrap().as_str(), "pa:ss\\word");
        assert_eq!(pgpass_lookup(text, "x", "1", "y", "z").unwrap().as_str(), "fallback");
        assert!(pgpass_lookup("db:5432:keys:ada\n", "db", "5432", "keys", "ada").is_none());
    }

    #[test]
    fn a_missing_root_certificate_is_a_clear_error() {
        let loc = PgLocation::parse("postgres://h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem").unwrap();
        let err = loc.tls().err().unwrap();
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    }
}

#[cfg(test)]
mod fuzz_regressions {
    use super::*;

    /// Found by fuzz/domain_parse: the client reads `a?\x01a:pw` as user and password (its
    /// URL parser looks for `@` before the query), and the printed form must still parse
    /// back to the same store, without the password.
    #[test]
    fn a_user_name_with_url_characters_prints_as_a_url_that_parses_again() {
        for url in ["postgres://a?\u{1}a:pw@4d", "postgres://we%20ird:pw@h/d%2Fb?schema=s1", "postgres://u@h/db#x"] {
            let Ok(loc) = PgLocation::parse(url) else { continue };
            let shown = loc.to_string();
            let again = PgLocation::parse(&shown).unwrap_or_else(|e| panic!("{shown:?} does not parse: {e}"));
            assert_eq!(again.schema(), loc.schema(), "{url:?} -> {shown:?}");
            assert!(!again.has_password() && !shown.contains("pw"), "{shown:?}");
            assert_eq!(again.to_string(), shown);
        }
    }
}
