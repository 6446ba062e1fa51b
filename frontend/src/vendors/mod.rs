//! The one place the console turns a connection's vendor into what is particular to it:
//! every screen is generic over `shared`'s description, and asks here for the extras. Each
//! vendor that has any has a module of its own; only these modules name a vendor's module
//! of `shared` (a test in `tests/` keeps it so).

use leptos::prelude::*;
use serde_json::Value;
use shared::ConnectionInfo;
use shared::connection::VendorKind;
use shared::field::FieldSpec;
use shared::operation::{Write, names};

use crate::catalog::Names;
use crate::picker::Holds;

pub mod liveperson;

/// The vendor's rules for an update body, as the browser can apply them: the shared rules
/// for the update operation, and LivePerson's agent rules with the account's profiles.
pub fn update_rules(
    connection: &ConnectionInfo,
    key: &str,
    body: &Value,
) -> shared::ValidationErrors {
    match connection.kind {
        VendorKind::Liveperson => liveperson::rules(connection, Write::Update, body),
        VendorKind::Trintech | VendorKind::Commpeak => {
            crate::record::check_update(connection, key, body)
        }
    }
}

/// The vendor's rules for a new user, likewise.
pub fn create_rules(connection: &ConnectionInfo, user: &Value) -> shared::ValidationErrors {
    match connection.kind {
        VendorKind::Liveperson => liveperson::rules(connection, Write::Create, user),
        VendorKind::Trintech | VendorKind::Commpeak => {
            crate::record::check_operation(connection, names::CREATE_USERS, None, user)
        }
    }
}

/// Fields the vendor will clear because of this change: what to say before the list, and
/// the fields, to show before saving.
pub fn change_warnings(
    connection: &ConnectionInfo,
    fields: &'static [FieldSpec],
    before: &Value,
    after: &Value,
) -> (&'static str, Vec<String>) {
    match connection.kind {
        VendorKind::Liveperson => (
            "With these profiles, LivePerson will clear these fields when you save:",
            liveperson::role_warnings(connection, fields, before, after),
        ),
        VendorKind::Trintech | VendorKind::Commpeak => ("", Vec::new()),
    }
}

/// Whether the field at `path` is chosen by name with a picker, and its hint.
pub fn picker(kind: VendorKind, path: &str) -> Option<(Holds, &'static str)> {
    match kind {
        VendorKind::Liveperson => liveperson::picker(path),
        VendorKind::Trintech | VendorKind::Commpeak => None,
    }
}

/// The names of what the connection's users refer to by id (LivePerson's skills, agent
/// groups and profiles), read from the account; `start` where the vendor has none.
pub async fn catalogs(connection: &ConnectionInfo, start: Names) -> Names {
    match connection.kind {
        VendorKind::Liveperson => liveperson::catalogs(connection, start).await,
        VendorKind::Trintech | VendorKind::Commpeak => start,
    }
}

/// The password reset, where the connection has one.
pub fn password_reset(
    connection: &ConnectionInfo,
    id: String,
    login: Signal<String>,
) -> Option<AnyView> {
    let declared = connection.declares(names::RESET_PASSWORD);
    match connection.kind {
        VendorKind::Liveperson if declared => Some(
            view! { <liveperson::PasswordReset connection=connection.clone() id login /> }
                .into_any(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Files that still name a vendor's module of `shared` outside this one place. The list
    /// only shrinks (it is empty now); a file that no longer names one must leave it.
    const NOT_YET_GENERIC: &[&str] = &[];

    fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("frontend/src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                rust_files(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    #[test]
    fn only_the_vendor_modules_name_a_vendors_module_of_shared() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        assert!(
            files.len() > 10,
            "{} files under {}",
            files.len(),
            src.display()
        );
        for file in files {
            let relative = file.strip_prefix(&src).expect("under src");
            if relative.starts_with("vendors") {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("a readable source file");
            let names = ["liveperson", "commpeak", "trintech"]
                .iter()
                .any(|vendor| text.contains(&format!("shared::{vendor}")));
            let pending = NOT_YET_GENERIC.contains(&relative.to_string_lossy().as_ref());
            assert_eq!(
                names,
                pending,
                "{}: {}",
                relative.display(),
                if names {
                    "names a vendor's module of shared; read shared::vendor's description, or move the vendor-specific part to src/vendors/"
                } else {
                    "no longer names a vendor's module: take it off NOT_YET_GENERIC"
                }
            );
        }
    }
}
