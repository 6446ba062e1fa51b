//! The embedded default: one connection of each kind, pointed at a sandbox running in this
//! process, with the credentials the sandbox was started with.

use crate::config::{
    CommpeakUpstream, Connection, Domain, LivepersonAuth, LivepersonUpstream, TrintechUpstream,
    Upstream,
};

/// One connection per vendor (`liveperson`, `trintech`, `commpeak`) to `sandbox`.
pub fn sandbox_connections(
    sandbox: &sandbox::Running,
    config: &sandbox::Config,
    liveperson_version: &str,
) -> anyhow::Result<Vec<Connection>> {
    Ok(vec![
        Connection {
            id: "liveperson".into(),
            label: "LivePerson (sandbox)".into(),
            chunk_size: crate::config::DEFAULT_CHUNK_SIZE,
            max_users: None,
            upstream: Upstream::Liveperson(LivepersonUpstream {
                domain: Domain::Fixed(sandbox.base_url().parse()?),
                account_id: config.liveperson.account_id.clone(),
                version: liveperson_version.to_owned(),
                auth: LivepersonAuth::Bearer(config.liveperson.bearer_token.clone().into()),
                method_override: false,
                profiles: sandbox::seed::PROFILES
                    .iter()
                    .filter_map(|&(id, name, role)| {
                        Some(shared::liveperson::Profile {
                            id,
                            name: name.to_owned(),
                            role: shared::liveperson::Role::from_type_id(i64::from(role))?,
                        })
                    })
                    .collect(),
            }),
        },
        Connection {
            id: "trintech".into(),
            label: "Trintech (sandbox)".into(),
            chunk_size: crate::config::DEFAULT_CHUNK_SIZE,
            max_users: None,
            upstream: Upstream::Trintech(TrintechUpstream {
                base_url: sandbox.trintech_url().parse()?,
                bearer_token: config.trintech.bearer_token.clone().into(),
                has_list: config.trintech.list_enabled,
            }),
        },
        Connection {
            id: "commpeak".into(),
            label: "CommPeak (sandbox)".into(),
            chunk_size: crate::config::DEFAULT_CHUNK_SIZE,
            max_users: None,
            upstream: Upstream::Commpeak(CommpeakUpstream {
                base_url: sandbox.commpeak_url().parse()?,
                username: config.commpeak.username.clone(),
                password: config.commpeak.password.clone().into(),
            }),
        },
    ])
}

/// The environment variable whose value, when set, is the embedded default's SCIM token.
pub const SCIM_TOKEN_ENV: &str = "CONSOLE_SCIM_TOKEN";

/// SCIM for every connection of the embedded default that lists its users, with `token`,
/// recorded as the client `scim`, and each vendor's defaults for the sandbox's seeded account.
pub fn scim_settings(
    token: secrecy::SecretString,
    connections: &[Connection],
) -> crate::scim::Settings {
    let provisioned: Vec<&Connection> = connections
        .iter()
        .filter(|c| {
            c.operations()
                .iter()
                .any(|op| op.name == shared::operation::names::LIST_USERS)
        })
        .collect();
    crate::scim::Settings {
        client: "scim".into(),
        token,
        connections: provisioned.iter().map(|c| c.id.clone()).collect(),
        defaults: provisioned
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    shared::vendor::scim(c.kind()).sandbox_defaults(),
                )
            })
            .collect(),
    }
}
