//! The three vendors behind one interface, so the proxy and the browser handle a connection
//! by its kind without naming a vendor: its operations, its form fields and its body checks.

use crate::connection::VendorKind;
use crate::description::Description;
use crate::error::ValidationErrors;
use crate::field::FieldSpec;
use crate::operation::{Body, HttpMethod, OperationSpec, PathParams, Reply, names};
use crate::server_set::Unreadable;
use crate::{commpeak, liveperson, server_set, trintech};

/// The vendor's operation table.
pub fn operations(kind: VendorKind) -> &'static [OperationSpec] {
    match kind {
        VendorKind::Liveperson => liveperson::OPERATIONS,
        VendorKind::Trintech => trintech::OPERATIONS,
        VendorKind::Commpeak => commpeak::OPERATIONS,
    }
}

/// How the console handles the vendor's users (key, login, revision, update, disable,
/// delete).
pub fn description(kind: VendorKind) -> &'static Description {
    match kind {
        VendorKind::Liveperson => &liveperson::DESCRIPTION,
        VendorKind::Trintech => &trintech::DESCRIPTION,
        VendorKind::Commpeak => &commpeak::DESCRIPTION,
    }
}

/// How the vendor's users are SCIM Users (`crate::scim::mapping`).
pub fn scim(kind: VendorKind) -> &'static crate::scim::mapping::Mapping {
    match kind {
        VendorKind::Liveperson => &liveperson::scim::SCIM,
        VendorKind::Trintech => &trintech::scim::SCIM,
        VendorKind::Commpeak => &commpeak::scim::SCIM,
    }
}

/// The vendor's form fields.
pub fn fields(kind: VendorKind) -> &'static [FieldSpec] {
    match kind {
        VendorKind::Liveperson => liveperson::FIELDS,
        VendorKind::Trintech => trintech::FIELDS,
        VendorKind::Commpeak => commpeak::FIELDS,
    }
}

/// The fields the vendor sets itself, as paths inside one user: a client writes back what
/// it read, so they are accepted as read and never forwarded (see [`crate::server_set`]).
pub fn server_set(kind: VendorKind) -> &'static [&'static str] {
    match kind {
        VendorKind::Liveperson => liveperson::SERVER_SET,
        VendorKind::Trintech => trintech::SERVER_SET,
        VendorKind::Commpeak => commpeak::SERVER_SET,
    }
}

/// The secret fields the vendor sends back in its answers, as paths inside one user: those of
/// its [`fields`] that are [`FieldSpec::returned_secret`] (CommPeak's
/// `registration_password`; none for LivePerson, whose `passwordSh` is write-only, and
/// Trintech, whose `password` is given on create only).
pub fn revealed_secrets(kind: VendorKind) -> &'static [&'static str] {
    match kind {
        VendorKind::Liveperson => &LIVEPERSON_REVEALED,
        VendorKind::Trintech => &TRINTECH_REVEALED,
        VendorKind::Commpeak => &COMMPEAK_REVEALED,
    }
}

const LIVEPERSON_REVEALED: [&str; revealed_count(liveperson::FIELDS)] =
    revealed(liveperson::FIELDS);
const TRINTECH_REVEALED: [&str; revealed_count(trintech::FIELDS)] = revealed(trintech::FIELDS);
const COMMPEAK_REVEALED: [&str; revealed_count(commpeak::FIELDS)] = revealed(commpeak::FIELDS);

const fn revealed_count(fields: &[FieldSpec]) -> usize {
    let (mut i, mut count) = (0, 0);
    while i < fields.len() {
        if fields[i].returned_secret() {
            count += 1;
        }
        i += 1;
    }
    count
}

const fn revealed<const N: usize>(fields: &[FieldSpec]) -> [&'static str; N] {
    let mut paths = [""; N];
    let (mut i, mut found) = (0, 0);
    while i < fields.len() {
        if fields[i].returned_secret() {
            paths[found] = fields[i].path;
            found += 1;
        }
        i += 1;
    }
    paths
}

/// The secrets to take out of a successful answer to `operation`, by whether its reader may
/// reveal one (an admin may, a viewer may not). A list never carries them, whoever reads
/// it: it does not show them. A read of one user keeps them for an admin only, so that the
/// user page can reveal one when asked. The answer to a write (an admin's, a viewer's are
/// refused) is left as it is. Empty when nothing is to go, the common case: the answer then
/// passes unread.
pub fn withheld_secrets(
    kind: VendorKind,
    operation: &OperationSpec,
    may_reveal: bool,
) -> &'static [&'static str] {
    let read_of_users = operation.method == HttpMethod::Get
        && matches!(operation.reply, Reply::Users | Reply::User);
    if read_of_users && (operation.name == names::LIST_USERS || !may_reveal) {
        revealed_secrets(kind)
    } else {
        &[]
    }
}

/// What the proxy passes on of an answer `withheld` (from [`withheld_secrets`]) applies to:
/// `Ok(None)` for the very bytes the vendor sent, when no user in them carries one of the
/// fields; the same users without them otherwise (one user, a list, or the array a CommPeak
/// get-one answers); an error when the bytes may carry one and cannot be read.
pub fn answer_without(body: &[u8], withheld: &[&str]) -> Result<Option<Vec<u8>>, Unreadable> {
    server_set::stripped_answer(body, withheld)
}

/// A list answer with only the members `kept` of each user (the selection of a vendor
/// without `select`, secrets already left out of `kept`): `Ok(None)` for the very bytes the
/// vendor sent, when no user had another member.
#[cfg(not(target_arch = "wasm32"))]
pub fn answer_narrowed(body: &[u8], kept: &[&str]) -> Result<Option<Vec<u8>>, Unreadable> {
    server_set::narrowed_answer(body, kept)
}

/// What the proxy sends for a body [`check_body`] passed: `None` for the very bytes it
/// checked, or the users without the vendor's server-set fields when they carry some. Here
/// rather than in the proxy so that it never names a vendor to forward.
pub fn forwarded_body(kind: VendorKind, operation: &OperationSpec, body: &[u8]) -> Option<Vec<u8>> {
    match operation.body {
        Body::Users(_) | Body::User(_) => server_set::stripped(body, server_set(kind)),
        Body::None | Body::UserIds | Body::NewPassword => None,
    }
}

/// Reads and checks a request body for `operation`, with the rules that need no account data
/// (LivePerson's agent rules need the account's profiles and are left to the vendor here).
pub fn check_body(
    kind: VendorKind,
    operation: &OperationSpec,
    params: &PathParams,
    body: &[u8],
) -> Result<(), ValidationErrors> {
    match kind {
        VendorKind::Liveperson => liveperson::check_body(
            operation,
            params,
            body,
            &liveperson::ProfileRoles::default(),
        )
        .map(drop),
        VendorKind::Trintech => trintech::check_body(operation, params, body).map(drop),
        VendorKind::Commpeak => commpeak::check_body(operation, params, body).map(drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::{Body, find};
    use std::collections::HashSet;

    const KINDS: [VendorKind; 3] = [
        VendorKind::Liveperson,
        VendorKind::Trintech,
        VendorKind::Commpeak,
    ];

    #[test]
    fn every_operation_table_is_consistent() {
        for kind in KINDS {
            let operations = operations(kind);
            let mut names = HashSet::new();
            let mut routes = HashSet::new();
            for op in operations {
                assert!(names.insert(op.name), "{kind:?}: {} twice", op.name);
                assert!(
                    routes.insert((op.method, op.path)),
                    "{kind:?}: {:?} {} twice",
                    op.method,
                    op.path
                );
                let concrete = op.path.replace("{id}", "42");
                let (found, params) = find(operations, op.method.as_str(), &concrete).unwrap();
                assert_eq!(found.name, op.name, "{kind:?} {concrete}");
                assert_eq!(
                    params.id.is_some(),
                    op.path.contains("{id}"),
                    "{kind:?} {}",
                    op.name
                );
                assert_eq!(
                    op.path.contains("{id}"),
                    op.upstream_path.contains("{id}"),
                    "{kind:?} {}: the id must reach the vendor",
                    op.name
                );
                assert!(op.upstream_path.starts_with('/'), "{kind:?} {}", op.name);
                assert!((200..300).contains(&op.success), "{kind:?} {}", op.name);
                if op.method.as_str() == "GET" {
                    assert_eq!(op.body, Body::None, "{kind:?} {}", op.name);
                }
            }
        }
    }

    #[test]
    fn every_field_table_is_consistent() {
        for kind in KINDS {
            let mut paths = HashSet::new();
            for field in fields(kind) {
                assert!(paths.insert(field.path), "{kind:?}: {} twice", field.path);
                assert!(
                    !(field.read_only && field.required),
                    "{kind:?}: {} read-only and required",
                    field.path
                );
                assert!(!field.label.is_empty());
            }
        }
    }

    /// A LivePerson record read and written back passes the check, and goes without what
    /// the vendor sets; a body with nothing to drop, or for another vendor, goes as it came.
    #[test]
    fn forwarded_bodies_leave_out_server_set_fields() {
        let read_back = r#"{"id": 7, "pid": "p7", "deleted": false, "loginName": "ada",
            "fullName": "Ada L", "nickname": "Ada", "email": "ada@example.com",
            "isEnabled": true, "maxChats": 2, "profileIds": [1001],
            "dateUpdated": "2024-05-06 07:08:09", "lastPwdChangeDate": "2024-01-02 03:04:05",
            "memberOf": {"agentGroupId": -1, "assignmentDate": "2024-01-02 03:04:05"},
            "extra": 1}"#;
        let without = serde_json::json!({"id": 7, "loginName": "ada", "fullName": "Ada L",
            "nickname": "Ada", "email": "ada@example.com", "isEnabled": true, "maxChats": 2,
            "profileIds": [1001], "memberOf": {"agentGroupId": -1}, "extra": 1});
        for (kind, method, path, body, expected) in [
            (
                VendorKind::Liveperson,
                "PUT",
                "/users/7",
                read_back.to_owned(),
                Some(without.clone()),
            ),
            (
                VendorKind::Liveperson,
                "PUT",
                "/users",
                format!("[{read_back}]"),
                Some(serde_json::json!([without])),
            ),
            (
                VendorKind::Liveperson,
                "PUT",
                "/users/7",
                without.to_string(),
                None,
            ),
            (
                VendorKind::Liveperson,
                "DELETE",
                "/users",
                r#"["7"]"#.to_owned(),
                None,
            ),
            (
                VendorKind::Commpeak,
                "PUT",
                "/users/7",
                r#"{"id": 7, "first_name": "A", "pid": "kept"}"#.to_owned(),
                None,
            ),
        ] {
            let (op, params) = find(operations(kind), method, path).unwrap();
            check_body(kind, op, &params, body.as_bytes()).unwrap();
            assert_eq!(
                forwarded_body(kind, op, body.as_bytes())
                    .map(|b| serde_json::from_slice::<serde_json::Value>(&b).unwrap()),
                expected,
                "{kind:?} {method} {path} {body}"
            );
        }
    }

    /// Derived from the field tables: secret, neither create-only nor write-only.
    #[test]
    fn the_revealed_secrets_are_the_secrets_the_vendors_send_back() {
        assert_eq!(
            revealed_secrets(VendorKind::Commpeak),
            ["registration_password"]
        );
        assert!(revealed_secrets(VendorKind::Liveperson).is_empty());
        assert!(revealed_secrets(VendorKind::Trintech).is_empty());
        for kind in KINDS {
            for field in fields(kind) {
                assert_eq!(
                    revealed_secrets(kind).contains(&field.path),
                    field.secret && !field.create_only && !field.write_only,
                    "{kind:?} {}",
                    field.path
                );
            }
        }
    }

    /// Lists never carry them; a get-one only to an admin; writes' answers are not read.
    #[test]
    fn secrets_are_withheld_from_lists_and_viewers() {
        let secret: &[&str] = &["registration_password"];
        for (kind, method, path, may_reveal, expected) in [
            (VendorKind::Commpeak, "GET", "/users", true, secret),
            (VendorKind::Commpeak, "GET", "/users", false, secret),
            (VendorKind::Commpeak, "GET", "/users/7", true, &[]),
            (VendorKind::Commpeak, "GET", "/users/7", false, secret),
            (VendorKind::Commpeak, "POST", "/users", true, &[]),
            (VendorKind::Commpeak, "PUT", "/users/7", true, &[]),
            (VendorKind::Liveperson, "GET", "/users", false, &[]),
            (VendorKind::Liveperson, "GET", "/users/7", false, &[]),
            (VendorKind::Trintech, "GET", "/users", false, &[]),
        ] {
            let (op, _) = find(operations(kind), method, path).unwrap();
            assert_eq!(
                withheld_secrets(kind, op, may_reveal),
                expected,
                "{kind:?} {method} {path} may reveal: {may_reveal}"
            );
        }
    }

    #[test]
    fn bodies_are_checked_by_kind() {
        for (kind, method, path, body, ok) in [
            (VendorKind::Liveperson, "POST", "/users", "[{}]", false),
            (
                VendorKind::Liveperson,
                "DELETE",
                "/users",
                r#"["1","2"]"#,
                true,
            ),
            (
                VendorKind::Liveperson,
                "DELETE",
                "/users",
                r#"["0"]"#,
                false,
            ),
            (
                VendorKind::Liveperson,
                "PUT",
                "/users/7/resetPassword",
                r#"{"newPassword":"N3w-passw0rd"}"#,
                true,
            ),
            (
                // The same password rule as a new user's.
                VendorKind::Liveperson,
                "PUT",
                "/users/7/resetPassword",
                r#"{"newPassword":"abc"}"#,
                false,
            ),
            (
                VendorKind::Liveperson,
                "PUT",
                "/users/7/resetPassword",
                "{}",
                false,
            ),
            (
                VendorKind::Trintech,
                "PUT",
                "/users",
                r#"[{"userName":"ab","password":"x"}]"#,
                false,
            ),
            (
                VendorKind::Commpeak,
                "PUT",
                "/users/7",
                r#"{"first_name":"A"}"#,
                true,
            ),
            (
                VendorKind::Commpeak,
                "PUT",
                "/users/7",
                r#"{"id":8,"first_name":"A"}"#,
                false,
            ),
            (VendorKind::Commpeak, "GET", "/users/7", "", true),
        ] {
            let (op, params) = find(operations(kind), method, path).unwrap();
            assert_eq!(
                check_body(kind, op, &params, body.as_bytes()).is_ok(),
                ok,
                "{kind:?} {method} {path} {body}"
            );
        }
    }
}
