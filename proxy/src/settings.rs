//! The operator's configuration file (TOML) with environment overrides, turned into
//! validated [`Connection`]s. Secrets are named, not written: `token_env = "LP_TOKEN"` or
//! `token_file = "/run/secrets/lp"`; a secret written in the file itself is refused unless
//! `allow_plaintext_secrets = true`. Every error names the field it is about.
//!
//! ```toml
//! [connections.lp_prod]
//! kind = "liveperson"
//! label = "LivePerson production"
//! account_id = "12345678"
//! csds = "https://api.liveperson.net"   # or: domain = "https://va.ac.liveperson.net"
//! version = "4.0"
//! chunk_size = 100
//! max_users_per_request = 1000          # refused whole above it; at least chunk_size
//! # The account's profiles (the Users API cannot list them): names in the console, and a
//! # warning before a change of role makes LivePerson clear an agent's or manager's fields.
//! profiles = [{ id = 3001, name = "Agent", role = "agent" }, { id = 3003, name = "Admin", role = "admin" }]
//! auth = { scheme = "oauth2", client_id = "…", client_secret_env = "LP_CLIENT_SECRET" }
//!
//! [connections.trintech]
//! kind = "trintech"
//! label = "Trintech IAM"
//! base_url = "https://iam.example.com/api"
//! has_list = false
//! auth = { scheme = "bearer", token_file = "/run/secrets/trintech" }
//! ```
//!
//! An identity provider provisions through SCIM with a table of its own:
//!
//! ```toml
//! [scim]
//! client = "okta"                       # who made each change, in the audit log
//! token_env = "CONSOLE_SCIM_TOKEN"      # or token_file; the Bearer token it sends
//! connections = ["lp_prod"]             # the connections it may provision
//! # Vendor fields SCIM cannot supply, given to every user it creates there.
//! defaults.lp_prod = { profileIds = [3001], memberOf = { agentGroupId = -1 }, maxChats = 2 }
//! ```
//!
//! Any value can be overridden from the environment: `CONSOLE__CONNECTIONS__LP_PROD__LABEL`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use axum::http::HeaderName;
use ipnet::IpNet;

use crate::access::{Access, Gateway};
use crate::config::{
    CommpeakUpstream, ConfigError, Connection, Domain, LivepersonAuth, LivepersonUpstream,
    TrintechUpstream, Upstream,
};

/// Prefix of the environment overrides; `__` separates the levels of a key.
pub const ENV_PREFIX: &str = "CONSOLE";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{0}")]
    Read(#[from] config::ConfigError),
    #[error("{field}: {reason}")]
    Field { field: String, reason: String },
    #[error(transparent)]
    Connection(#[from] ConfigError),
    #[error(transparent)]
    Scim(#[from] crate::scim::SettingsError),
    #[error("the configuration defines no connection (add a [connections.<id>] table)")]
    NoConnection,
}

fn field_error(field: impl Into<String>, reason: impl Into<String>) -> SettingsError {
    SettingsError::Field {
        field: field.into(),
        reason: reason.into(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    allow_plaintext_secrets: bool,
    #[serde(default)]
    connections: BTreeMap<String, ConnectionFile>,
    access: Option<AccessFile>,
    scim: Option<ScimFile>,
}

/// `[scim]`: the identity provider that provisions through SCIM.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScimFile {
    client: String,
    token: Option<String>,
    token_env: Option<String>,
    token_file: Option<PathBuf>,
    connections: Vec<String>,
    #[serde(default)]
    defaults: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase", deny_unknown_fields)]
enum AccessFile {
    Off,
    Gateway {
        #[serde(default = "default_user_header")]
        user_header: String,
        #[serde(default = "default_groups_header")]
        groups_header: String,
        #[serde(default)]
        trusted_sources: Vec<String>,
        shared_secret_header: Option<String>,
        shared_secret: Option<String>,
        shared_secret_env: Option<String>,
        shared_secret_file: Option<PathBuf>,
        #[serde(default)]
        admin_groups: Vec<String>,
        #[serde(default)]
        viewer_groups: Vec<String>,
    },
    Login {
        #[serde(default)]
        users: BTreeMap<String, LoginUserFile>,
        session_key: Option<String>,
        session_key_env: Option<String>,
        session_key_file: Option<PathBuf>,
        #[serde(default = "default_session_hours")]
        session_hours: u64,
    },
}

/// `[access.users.<name>]` in login mode.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginUserFile {
    /// An argon2 PHC string (`proxy --hash-password` makes one); a hash, not a secret.
    password_hash: String,
    role: crate::access::Role,
}

fn default_session_hours() -> u64 {
    8
}

fn default_user_header() -> String {
    "x-forwarded-user".into()
}

fn default_groups_header() -> String {
    "x-forwarded-groups".into()
}

/// Everything the configuration file sets.
#[derive(Debug)]
pub struct Settings {
    pub connections: Vec<Connection>,
    /// `None` when the file has no `[access]` table.
    pub access: Option<Access>,
    /// `None` when the file has no `[scim]` table.
    pub scim: Option<crate::scim::Settings>,
}

fn access(file: Option<AccessFile>, plaintext: bool) -> Result<Option<Access>, SettingsError> {
    let header = |field: &str, name: &str| {
        HeaderName::from_bytes(name.trim().to_ascii_lowercase().as_bytes()).map_err(|_| {
            field_error(
                format!("access.{field}"),
                format!("\"{name}\" is not a header name"),
            )
        })
    };
    Ok(match file {
        None => None,
        Some(AccessFile::Off) => Some(Access::Off),
        Some(AccessFile::Gateway {
            user_header,
            groups_header,
            trusted_sources,
            shared_secret_header,
            shared_secret,
            shared_secret_env,
            shared_secret_file,
            admin_groups,
            viewer_groups,
        }) => {
            let trusted_sources = trusted_sources
                .iter()
                .map(|source| {
                    source
                        .parse::<IpNet>()
                        .or_else(|_| source.parse::<std::net::IpAddr>().map(IpNet::from))
                        .map_err(|_| {
                            field_error(
                                "access.trusted_sources",
                                format!(
                                    "\"{source}\" is not an address or a network like 10.0.0.0/24"
                                ),
                            )
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let given = SecretFile {
                value: shared_secret,
                env: shared_secret_env,
                file: shared_secret_file,
            };
            let shared_secret = match (shared_secret_header, given) {
                (
                    None,
                    SecretFile {
                        value: None,
                        env: None,
                        file: None,
                    },
                ) => None,
                (Some(name), given) => Some((
                    header("shared_secret_header", &name)?,
                    secret("access.shared_secret", given, plaintext)?,
                )),
                (None, _) => {
                    return Err(field_error(
                        "access.shared_secret_header",
                        "missing: name the header the gateway sends the shared secret in",
                    ));
                }
            };
            Some(Access::Gateway(Gateway {
                user_header: header("user_header", &user_header)?,
                groups_header: header("groups_header", &groups_header)?,
                trusted_sources,
                shared_secret,
                admin_groups,
                viewer_groups,
            }))
        }
        Some(AccessFile::Login {
            users,
            session_key,
            session_key_env,
            session_key_file,
            session_hours,
        }) => {
            let given = SecretFile {
                value: session_key,
                env: session_key_env,
                file: session_key_file,
            };
            let session_key = match given {
                SecretFile {
                    value: None,
                    env: None,
                    file: None,
                } => None,
                given => Some(secret("access.session_key", given, plaintext)?),
            };
            if !(1..=24 * 30).contains(&session_hours) {
                return Err(field_error(
                    "access.session_hours",
                    format!("{session_hours} is not between 1 and 720 (30 days)"),
                ));
            }
            let accounts = users
                .into_iter()
                .map(|(name, user)| {
                    (
                        name,
                        crate::login::Account {
                            password_hash: user.password_hash.trim().to_owned(),
                            role: user.role,
                        },
                    )
                })
                .collect();
            let login = crate::login::Login::new(
                accounts,
                session_key.as_ref(),
                std::time::Duration::from_secs(session_hours * 3600),
            )
            .map_err(|e| {
                let text = e.to_string();
                let (field, reason) = text.split_once(": ").unwrap_or(("access", &text));
                field_error(field, reason)
            })?;
            Some(Access::Login(std::sync::Arc::new(login)))
        }
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectionFile {
    kind: shared::VendorKind,
    label: Option<String>,
    /// Trintech and CommPeak.
    base_url: Option<Url>,
    /// LivePerson: a fixed domain …
    domain: Option<Url>,
    /// … or the domain API to look it up from.
    csds: Option<Url>,
    account_id: Option<String>,
    version: Option<String>,
    chunk_size: Option<usize>,
    /// The most users one write request may carry (default: the vendor's, 1000).
    max_users_per_request: Option<usize>,
    /// Trintech: the tenant answers `GET /users`.
    #[serde(default)]
    has_list: bool,
    /// LivePerson: send PUT and DELETE as POST with `X-HTTP-Method-Override`.
    #[serde(default)]
    method_override: bool,
    /// LivePerson: the account's profiles, `[{ id = 3001, name = "Agent", role = "agent" }]`.
    #[serde(default)]
    profiles: Vec<shared::liveperson::Profile>,
    auth: AuthFile,
}

/// A secret given in exactly one of three ways.
#[derive(Debug, Default, Deserialize)]
struct SecretFile {
    value: Option<String>,
    env: Option<String>,
    file: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "scheme", rename_all = "lowercase", deny_unknown_fields)]
enum AuthFile {
    Bearer {
        token: Option<String>,
        token_env: Option<String>,
        token_file: Option<PathBuf>,
    },
    Basic {
        username: String,
        password: Option<String>,
        password_env: Option<String>,
        password_file: Option<PathBuf>,
    },
    #[serde(rename = "oauth1")]
    OAuth1 {
        consumer_key: String,
        consumer_secret: Option<String>,
        consumer_secret_env: Option<String>,
        consumer_secret_file: Option<PathBuf>,
        token: String,
        token_secret: Option<String>,
        token_secret_env: Option<String>,
        token_secret_file: Option<PathBuf>,
    },
    #[serde(rename = "oauth2")]
    OAuth2 {
        client_id: String,
        client_secret: Option<String>,
        client_secret_env: Option<String>,
        client_secret_file: Option<PathBuf>,
        sentinel: Option<Url>,
    },
}

/// Reads a secret from where the configuration says, naming the field on every failure.
fn secret(
    field: &str,
    given: SecretFile,
    allow_plaintext: bool,
) -> Result<SecretString, SettingsError> {
    let value = match (given.value, given.env, given.file) {
        (Some(value), None, None) if allow_plaintext => value,
        (Some(_), None, None) => {
            return Err(field_error(
                field,
                format!(
                    "a secret written in the configuration file is refused; use {field}_env or \
                     {field}_file (or set allow_plaintext_secrets = true)"
                ),
            ));
        }
        (None, Some(variable), None) => std::env::var(&variable).map_err(|_| {
            field_error(
                format!("{field}_env"),
                format!("the environment variable {variable} is not set"),
            )
        })?,
        (None, None, Some(path)) => std::fs::read_to_string(&path).map_err(|e| {
            field_error(
                format!("{field}_file"),
                format!("cannot read {}: {e}", path.display()),
            )
        })?,
        (None, None, None) => {
            return Err(field_error(
                field,
                format!("missing: give {field}_env or {field}_file"),
            ));
        }
        _ => {
            return Err(field_error(
                field,
                format!("give only one of {field}, {field}_env and {field}_file"),
            ));
        }
    };
    Ok(SecretString::from(value.trim().to_owned()))
}

/// Loads `path` (TOML) with the environment's `CONSOLE__…` overrides.
pub fn load(path: &Path) -> Result<Settings, SettingsError> {
    let file: File = config::Config::builder()
        .add_source(config::File::from(path).format(config::FileFormat::Toml))
        .add_source(
            config::Environment::with_prefix(ENV_PREFIX)
                .prefix_separator("__")
                .separator("__"),
        )
        .build()?
        .try_deserialize()?;
    connections(file)
}

/// Parses configuration text.
pub fn from_toml(text: &str) -> Result<Settings, SettingsError> {
    let file: File = config::Config::builder()
        .add_source(config::File::from_str(text, config::FileFormat::Toml))
        .build()?
        .try_deserialize()?;
    connections(file)
}

fn connections(file: File) -> Result<Settings, SettingsError> {
    if file.connections.is_empty() {
        return Err(SettingsError::NoConnection);
    }
    let plaintext = file.allow_plaintext_secrets;
    let access = access(file.access, plaintext)?;
    let mut connections = Vec::new();
    for (id, c) in file.connections {
        let at = |name: &str| format!("connections.{id}.{name}");
        let require_url =
            |value: Option<Url>, name: &str| value.ok_or_else(|| field_error(at(name), "missing"));
        let auth = c.auth;
        if c.kind != shared::VendorKind::Liveperson && !c.profiles.is_empty() {
            return Err(field_error(
                at("profiles"),
                "only LivePerson connections have profiles",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(twice) = c.profiles.iter().find(|p| !seen.insert(p.id)) {
            return Err(field_error(
                at("profiles"),
                format!("profile {} is listed twice", twice.id),
            ));
        }
        let upstream = match c.kind {
            shared::VendorKind::Liveperson => {
                let domain = match (c.domain, c.csds) {
                    (Some(domain), None) => Domain::Fixed(domain),
                    (None, Some(csds)) => Domain::Csds(csds),
                    _ => {
                        return Err(field_error(
                            at("domain"),
                            "give exactly one of domain (fixed) and csds (looked up)",
                        ));
                    }
                };
                let auth = match auth {
                    AuthFile::Bearer {
                        token,
                        token_env,
                        token_file,
                    } => LivepersonAuth::Bearer(secret(
                        &at("auth.token"),
                        SecretFile {
                            value: token,
                            env: token_env,
                            file: token_file,
                        },
                        plaintext,
                    )?),
                    AuthFile::OAuth1 {
                        consumer_key,
                        consumer_secret,
                        consumer_secret_env,
                        consumer_secret_file,
                        token,
                        token_secret,
                        token_secret_env,
                        token_secret_file,
                    } => LivepersonAuth::OAuth1 {
                        consumer_key,
                        consumer_secret: secret(
                            &at("auth.consumer_secret"),
                            SecretFile {
                                value: consumer_secret,
                                env: consumer_secret_env,
                                file: consumer_secret_file,
                            },
                            plaintext,
                        )?,
                        token,
                        token_secret: secret(
                            &at("auth.token_secret"),
                            SecretFile {
                                value: token_secret,
                                env: token_secret_env,
                                file: token_secret_file,
                            },
                            plaintext,
                        )?,
                    },
                    AuthFile::OAuth2 {
                        client_id,
                        client_secret,
                        client_secret_env,
                        client_secret_file,
                        sentinel,
                    } => LivepersonAuth::OAuth2 {
                        client_id,
                        client_secret: secret(
                            &at("auth.client_secret"),
                            SecretFile {
                                value: client_secret,
                                env: client_secret_env,
                                file: client_secret_file,
                            },
                            plaintext,
                        )?,
                        sentinel,
                    },
                    AuthFile::Basic { .. } => {
                        return Err(field_error(
                            at("auth.scheme"),
                            "LivePerson takes bearer, oauth1 or oauth2",
                        ));
                    }
                };
                Upstream::Liveperson(LivepersonUpstream {
                    domain,
                    account_id: c
                        .account_id
                        .ok_or_else(|| field_error(at("account_id"), "missing"))?,
                    version: c
                        .version
                        .unwrap_or_else(|| shared::liveperson::ops::DEFAULT_VERSION.into()),
                    auth,
                    method_override: c.method_override,
                    profiles: c.profiles,
                })
            }
            shared::VendorKind::Trintech => {
                let AuthFile::Bearer {
                    token,
                    token_env,
                    token_file,
                } = auth
                else {
                    return Err(field_error(at("auth.scheme"), "Trintech takes bearer"));
                };
                Upstream::Trintech(TrintechUpstream {
                    base_url: require_url(c.base_url, "base_url")?,
                    bearer_token: secret(
                        &at("auth.token"),
                        SecretFile {
                            value: token,
                            env: token_env,
                            file: token_file,
                        },
                        plaintext,
                    )?,
                    has_list: c.has_list,
                })
            }
            shared::VendorKind::Commpeak => {
                let AuthFile::Basic {
                    username,
                    password,
                    password_env,
                    password_file,
                } = auth
                else {
                    return Err(field_error(at("auth.scheme"), "CommPeak takes basic"));
                };
                Upstream::Commpeak(CommpeakUpstream {
                    base_url: require_url(c.base_url, "base_url")?,
                    username,
                    password: secret(
                        &at("auth.password"),
                        SecretFile {
                            value: password,
                            env: password_env,
                            file: password_file,
                        },
                        plaintext,
                    )?,
                })
            }
        };
        let chunk_size = c.chunk_size.unwrap_or(crate::config::DEFAULT_CHUNK_SIZE);
        if chunk_size == 0 {
            return Err(field_error(at("chunk_size"), "must be at least 1"));
        }
        let limit_field = at("max_users_per_request");
        let connection = Connection {
            label: c.label.unwrap_or_else(|| id.clone()),
            id,
            upstream,
            chunk_size,
            max_users: c.max_users_per_request,
        };
        // Named by its field, as every error here is; the rest of the validation follows.
        if let Err(
            e @ (ConfigError::MaxUsersBelowChunk { .. } | ConfigError::MaxUsersAboveVendor { .. }),
        ) = connection.validate()
        {
            let text = e.to_string();
            let reason = text.split_once(": ").map_or(text.as_str(), |(_, r)| r);
            return Err(field_error(limit_field, reason));
        }
        connections.push(connection);
    }
    crate::config::validate_all(&connections)?;
    let scim = match file.scim {
        None => None,
        Some(scim) => {
            let settings = crate::scim::Settings {
                token: secret(
                    "scim.token",
                    SecretFile {
                        value: scim.token,
                        env: scim.token_env,
                        file: scim.token_file,
                    },
                    plaintext,
                )?,
                client: scim.client,
                connections: scim.connections,
                defaults: scim.defaults.into_iter().collect(),
            };
            settings.validate(&connections)?;
            Some(settings)
        }
    };
    Ok(Settings {
        connections,
        access,
        scim,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LP: &str = r#"
        allow_plaintext_secrets = true
        [connections.lp]
        kind = "liveperson"
        label = "LP"
        account_id = "123"
        domain = "https://va.example"
        auth = { scheme = "bearer", token = "t0k" }
    "#;

    #[test]
    fn reads_every_kind() {
        let text = r#"
            allow_plaintext_secrets = true
            [connections.lp]
            kind = "liveperson"
            account_id = "123"
            csds = "https://api.example"
            chunk_size = 50
            profiles = [{ id = 3001, name = "Agent", role = "agent" }]
            auth = { scheme = "oauth2", client_id = "id", client_secret = "s" }
            [connections.tt]
            kind = "trintech"
            label = "Trintech"
            base_url = "https://iam.example/api"
            has_list = true
            auth = { scheme = "bearer", token = "t" }
            [connections.cp]
            kind = "commpeak"
            base_url = "https://x.td.commpeak.com"
            auth = { scheme = "basic", username = "api", password = "p" }
        "#;
        let connections = from_toml(text).unwrap().connections;
        let ids: Vec<&str> = connections.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["cp", "lp", "tt"]);
        assert_eq!(connections[1].label, "lp", "the id is the default label");
        assert_eq!(connections[1].chunk_size, 50);
        assert_eq!(
            connections[1].info().profiles,
            [shared::liveperson::Profile {
                id: 3001,
                name: "Agent".into(),
                role: shared::liveperson::Role::Agent,
            }]
        );
        assert_eq!(
            connections[2].info().operations.len(),
            3,
            "the declared list"
        );
    }

    #[test]
    fn the_limit_per_request() {
        let with = |lines: &str| {
            LP.replace(
                "kind = \"liveperson\"",
                &format!("kind = \"liveperson\"\n{lines}"),
            )
        };
        let limit = |lines: &str| from_toml(&with(lines)).map(|s| s.connections[0].max_users());
        assert_eq!(limit("").unwrap(), 1000, "the vendor's default");
        assert_eq!(limit("max_users_per_request = 5000").unwrap(), 5000);
        assert_eq!(
            limit("chunk_size = 20\nmax_users_per_request = 20").unwrap(),
            20
        );
        for (case, lines, fragment) in [
            (
                "below the chunk",
                "chunk_size = 200\nmax_users_per_request = 150",
                "connections.lp.max_users_per_request: max_users_per_request (150) must be at \
                 least chunk_size (200)",
            ),
            (
                "a chunk above the default",
                "chunk_size = 2000",
                "connections.lp.max_users_per_request:",
            ),
            (
                "not a number",
                "max_users_per_request = \"many\"",
                "max_users_per_request",
            ),
        ] {
            let error = from_toml(&with(lines)).unwrap_err().to_string();
            assert!(error.contains(fragment), "{case}: {error}");
        }
    }

    #[test]
    fn access_tables() {
        let with = |access: &str| format!("{LP}\n[access]\n{access}");
        let settings = from_toml(&with(
            r#"mode = "gateway"
               trusted_sources = ["10.0.0.0/24", "192.168.1.7"]
               admin_groups = ["admins"]"#,
        ))
        .unwrap();
        let Some(Access::Gateway(gateway)) = settings.access else {
            panic!("a gateway")
        };
        assert_eq!(gateway.trusted_sources.len(), 2);
        assert_eq!(gateway.user_header, "x-forwarded-user");
        assert!(matches!(
            from_toml(&with(r#"mode = "off""#)).unwrap().access,
            Some(Access::Off)
        ));
        assert!(from_toml(LP).unwrap().access.is_none());
        for (case, access, fragment) in [
            (
                "bad network",
                r#"mode = "gateway"
               trusted_sources = ["10.0.0.0/33"]"#,
                "access.trusted_sources",
            ),
            (
                "secret without its header",
                r#"mode = "gateway"
               shared_secret = "s""#,
                "access.shared_secret_header: missing",
            ),
            (
                "bad header name",
                r#"mode = "gateway"
               user_header = "x user""#,
                "access.user_header",
            ),
            ("unknown mode", r#"mode = "sso""#, "sso"),
        ] {
            let error = from_toml(&with(access)).unwrap_err().to_string();
            assert!(error.contains(fragment), "{case}: {error}");
        }
    }

    #[test]
    fn scim_tables() {
        const TRINTECH: &str = r#"
            [connections.tt]
            kind = "trintech"
            base_url = "https://iam.example/api"
            auth = { scheme = "bearer", token = "t0k" }
        "#;
        let with = |scim: &str| format!("{LP}\n{TRINTECH}\n[scim]\n{scim}");
        let settings = from_toml(&with(
            r#"client = "okta"
               token = "0123456789abcdef0123"
               connections = ["lp"]
               defaults.lp = { profileIds = [3001], memberOf = { agentGroupId = -1 }, maxChats = 2 }"#,
        ))
        .unwrap();
        let scim = settings.scim.expect("a [scim] table");
        assert_eq!(scim.client, "okta");
        assert_eq!(scim.connections, ["lp"]);
        // Vendor field names keep their case: they are the vendor's JSON members.
        let defaults = &scim.defaults["lp"];
        assert_eq!(defaults["profileIds"], serde_json::json!([3001]));
        assert_eq!(defaults["memberOf"]["agentGroupId"], -1);
        assert!(from_toml(LP).unwrap().scim.is_none());
        for (case, scim, fragment) in [
            (
                "a Trintech tenant without a list",
                r#"client = "okta"
                   token = "0123456789abcdef0123"
                   connections = ["tt"]"#,
                "\"tt\", which does not list its users",
            ),
            (
                "an unknown connection",
                r#"client = "okta"
                   token = "0123456789abcdef0123"
                   connections = ["nope"]"#,
                "\"nope\", which is no configured connection",
            ),
            (
                "a short token",
                r#"client = "okta"
                   token = "short"
                   connections = ["lp"]"#,
                "shorter than 16",
            ),
            (
                "no token",
                r#"client = "okta"
                   connections = ["lp"]"#,
                "scim.token: missing",
            ),
            (
                "a default that is no field",
                r#"client = "okta"
                   token = "0123456789abcdef0123"
                   connections = ["lp"]
                   defaults.lp = { profileIds = [3001], memberOf = { agentGroupId = -1 }, maxChats = 2, shoeSize = 9 }"#,
                "scim.defaults.lp",
            ),
            (
                "defaults of a connection not provisioned",
                r#"client = "okta"
                   token = "0123456789abcdef0123"
                   connections = ["lp"]
                   defaults.lp = { profileIds = [3001], memberOf = { agentGroupId = -1 }, maxChats = 2 }
                   defaults.tt = {}"#,
                "\"tt\", which is not among scim.connections",
            ),
        ] {
            let error = from_toml(&with(scim)).unwrap_err().to_string();
            assert!(error.contains(fragment), "{case}: {error}");
        }
    }

    #[test]
    fn login_tables() {
        let hash = crate::login::hash_password("pw").unwrap();
        let with = |access: &str| format!("{LP}\n[access]\nmode = \"login\"\n{access}");
        let settings = from_toml(&with(&format!(
            r#"session_hours = 12
               [access.users.ada]
               password_hash = "{hash}"
               role = "admin"
               [access.users.bob]
               password_hash = "{hash}"
               role = "viewer""#
        )))
        .unwrap();
        let Some(Access::Login(login)) = settings.access else {
            panic!("login")
        };
        assert_eq!(login.session_lifetime.as_secs(), 12 * 3600);
        for (case, access, fragment) in [
            ("no users", String::new(), "access.users: no user"),
            (
                "a password instead of its hash",
                r#"[access.users.ada]
                   password_hash = "hunter2"
                   role = "admin""#
                    .to_owned(),
                "access.users.ada.password_hash: not an argon2 hash",
            ),
            (
                "unknown role",
                format!(
                    r#"[access.users.ada]
                       password_hash = "{hash}"
                       role = "root""#
                ),
                "root",
            ),
            (
                "no session at all",
                format!(
                    r#"session_hours = 0
                       [access.users.ada]
                       password_hash = "{hash}"
                       role = "admin""#
                ),
                "access.session_hours",
            ),
            (
                "short key",
                format!(
                    r#"session_key = "short"
                       [access.users.ada]
                       password_hash = "{hash}"
                       role = "admin""#
                ),
                "access.session_key: at least 32 bytes",
            ),
        ] {
            let error = from_toml(&with(&access)).unwrap_err().to_string();
            assert!(error.contains(fragment), "{case}: {error}");
        }
    }

    #[test]
    fn every_error_names_its_field() {
        let secret_file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(secret_file.path(), "from-a-file\n").unwrap();
        let from_file = LP.replace(
            r#"token = "t0k""#,
            &format!(r#"token_file = "{}""#, secret_file.path().display()),
        );
        assert!(from_toml(&from_file).is_ok(), "a secret from a file");
        for (case, text, fragment) in [
            (
                "plaintext secret",
                LP.replace("allow_plaintext_secrets = true", ""),
                "connections.lp.auth.token: a secret written",
            ),
            (
                "unset variable",
                LP.replace(
                    r#"token = "t0k""#,
                    r#"token_env = "CONSOLE_TEST_NOT_SET_ANYWHERE""#,
                ),
                "connections.lp.auth.token_env: the environment variable CONSOLE_TEST_NOT_SET_ANYWHERE is not set",
            ),
            (
                "missing file",
                LP.replace(r#"token = "t0k""#, r#"token_file = "/nonexistent/secret""#),
                "connections.lp.auth.token_file: cannot read /nonexistent/secret",
            ),
            (
                "no secret",
                LP.replace(r#", token = "t0k""#, ""),
                "connections.lp.auth.token: missing",
            ),
            (
                "no account",
                LP.replace(r#"account_id = "123""#, ""),
                "connections.lp.account_id: missing",
            ),
            (
                "two domains",
                LP.replace(
                    "domain =",
                    r#"csds = "https://api.example"
domain ="#,
                ),
                "connections.lp.domain: give exactly one",
            ),
            (
                "wrong scheme",
                LP.replace("bearer", "basic"),
                "connections.lp.auth",
            ),
            (
                "unknown kind",
                LP.replace("liveperson", "genesys"),
                "genesys",
            ),
            ("unknown field", LP.replace("label =", "lable ="), "lable"),
            (
                "profile listed twice",
                LP.replace(
                    "label =",
                    r#"profiles = [{ id = 1, name = "A", role = "agent" }, { id = 1, name = "B", role = "admin" }]
label ="#,
                ),
                "connections.lp.profiles: profile 1 is listed twice",
            ),
            (
                "unknown role",
                LP.replace(
                    "label =",
                    r#"profiles = [{ id = 1, name = "A", role = "boss" }]
label ="#,
                ),
                "boss",
            ),
            (
                "bad id",
                LP.replace("connections.lp]", "connections.LP]"),
                "connection id \"LP\"",
            ),
            (
                "bad URL",
                LP.replace("https://va.example", "va.example"),
                "domain",
            ),
            ("nothing", String::new(), "no connection"),
        ] {
            let error = from_toml(&text).unwrap_err().to_string();
            assert!(error.contains(fragment), "{case}: {error}");
        }
    }
}
