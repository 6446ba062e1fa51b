//! Where LivePerson's Users API lives and what its requests carry, spelled once for the
//! proxy (which builds upstream URLs), the sandbox (which routes them) and the browser.

/// Query parameter carrying the API version; LivePerson requires it on every call.
pub const VERSION_PARAM: &str = "v";
/// The version sent when the caller gives none (the seed pages document 4.0).
pub const DEFAULT_VERSION: &str = "4.0";
/// Query parameter narrowing the returned fields (YOGA "gdata" dialect, see [`super::select`]).
pub const SELECT_PARAM: &str = "select";
/// Query parameter that includes soft-deleted users in a list.
pub const INCLUDE_DELETED_PARAM: &str = "include_deleted";

/// Response header with the account-wide revision of the users collection.
pub const REVISION_HEADER: &str = "ac-revision";
/// `If-Match` value that skips the revision check.
pub const SKIP_REVISION_CHECK: &str = "-1";

/// The users collection path for an account, relative to the vendor's domain.
pub fn users_path(account_id: &str) -> String {
    format!("/api/account/{account_id}/configuration/le-users/users")
}

/// The same path as an axum route pattern, with the account id as a path parameter.
pub const USERS_ROUTE: &str = "/api/account/{account_id}/configuration/le-users/users";

/// Is `account_id` a plausible LivePerson site id (digits and letters only)? The account is
/// spliced into an upstream path, so nothing else may pass.
pub fn is_valid_account_id(account_id: &str) -> bool {
    !account_id.is_empty()
        && account_id.len() <= 32
        && account_id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The fields the console's user list asks for; the rest of a record is fetched when edited.
pub const LIST_SELECT: &str =
    "id,loginName,fullName,nickname,email,isEnabled,maxChats,profileIds,isApiUser";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_path_matches_route() {
        assert_eq!(
            users_path("12345678"),
            USERS_ROUTE.replace("{account_id}", "12345678")
        );
    }

    #[test]
    fn account_ids() {
        for (id, ok) in [
            ("12345678", true),
            ("le1", true),
            ("", false),
            ("1/2", false),
            ("..", false),
        ] {
            assert_eq!(is_valid_account_id(id), ok, "{id:?}");
        }
    }
}
