//! What the console shows only for LivePerson: its agent rules with the account's profiles,
//! the fields a role change clears, skills, groups and profiles by name, and the password
//! reset (its own operation and rule).

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use shared::field::FieldSpec;
use shared::liveperson::catalog::{self, CatalogEntry};
use shared::liveperson::ops;
use shared::liveperson::password::{MIN_LENGTH, password_problem};
use shared::liveperson::{ProfileRoles, User, role_change_resets, validate_user};
use shared::operation::Write;
use shared::{ConnectionInfo, ValidationErrors};

use crate::api::{self, Failure};
use crate::catalog::{Catalog, Names};
use crate::dialog::Dialog;
use crate::picker::Holds;

/// LivePerson's rules for a body of one user, with the account's profiles (so the agent rules
/// apply too, which the proxy leaves to the vendor).
pub fn rules(connection: &ConnectionInfo, write: Write, body: &Value) -> ValidationErrors {
    let roles = ProfileRoles::of(&connection.profiles);
    let mut rules = ValidationErrors::default();
    match serde_json::from_value::<User>(body.clone()) {
        Ok(user) => validate_user(&user, write, &roles, "", &mut rules),
        Err(e) => rules.push(shared::FieldError::new(
            "",
            shared::ErrorCode::InvalidType,
            format!("The record cannot be read as a LivePerson user: {e}."),
        )),
    }
    rules
}

/// The fields LivePerson clears when the profiles change from `before` to `after`, as the
/// form names them.
pub fn role_warnings(
    connection: &ConnectionInfo,
    fields: &'static [FieldSpec],
    before: &Value,
    after: &Value,
) -> Vec<String> {
    let as_user = |v: &Value| serde_json::from_value::<User>(v.clone()).ok();
    let (Some(before), Some(after)) = (as_user(before), as_user(after)) else {
        return Vec::new();
    };
    let roles = ProfileRoles::of(&connection.profiles);
    role_change_resets(&before, &after, &roles)
        .into_iter()
        .map(|r| {
            let label = shared::field::lookup(fields, r.field)
                .or_else(|| {
                    fields
                        .iter()
                        .find(|f| crate::record::top_field(f.path) == r.field)
                })
                .map_or(r.field, |f| f.label);
            format!("{label} (leaves the {} role)", r.left.label())
        })
        .collect()
}

/// The fields that hold ids the account names, chosen by name, and a hint for each.
pub fn picker(path: &str) -> Option<(Holds, &'static str)> {
    match path {
        "profileIds" | "skillIds" => Some((Holds::Many, "")),
        "memberOf/agentGroupId" => Some((Holds::One, "Empty for no group; -1 is the Main Group.")),
        "managerOf" => Some((Holds::GroupList, "The agent groups this user manages.")),
        _ => None,
    }
}

/// A new password for the user: checked as typed with the same rule as a new user's
/// password, and sent only after the admin confirms in a dialog.
#[component]
pub fn PasswordReset(
    connection: ConnectionInfo,
    id: String,
    login: Signal<String>,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<String, Failure>>);
    let sending = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    // Shown once the admin has tried to go on, then as they type.
    let tried = RwSignal::new(false);
    let target = StoredValue::new((connection, id));
    let problem = move || password.with(|p| password_problem(p, Some(&login.get())));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        outcome.set(None);
        tried.set(true);
        if problem().is_none() {
            confirming.set(true);
        }
    };
    let reset = move |_| {
        let new_password = password.get_untracked();
        sending.set(true);
        spawn_local(async move {
            let (connection, id) = target.get_value();
            let result = api::reset_password(&connection, &id, &new_password).await;
            if result.is_ok() {
                password.set(String::new());
                tried.set(false);
            }
            outcome.set(Some(result.map(|()| {
                format!("The password of {} was reset.", login.get_untracked())
            })));
            sending.set(false);
            confirming.set(false);
        });
    };
    view! {
        <section aria-labelledby="password-heading">
            <h3 id="password-heading">"Password"</h3>
            <form class="inline" novalidate on:submit=submit aria-labelledby="password-heading">
                <div class="field">
                    <label for="new-password">"New password"</label>
                    <input type="password" id="new-password" autocomplete="new-password"
                        aria-describedby="new-password-hint new-password-error"
                        aria-invalid=move || if tried.get() && problem().is_some() { "true" } else { "false" }
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev)) />
                    <span id="new-password-hint" class="muted hint">{format!(
                        "At least {MIN_LENGTH} characters, with a letter and a digit."
                    )}</span>
                    <span id="new-password-error" class="field-error">
                        {move || tried.get().then(problem).flatten()}
                    </span>
                </div>
                <button type="submit" disabled=move || sending.get()>"Reset password"</button>
            </form>
            {move || outcome.get().map(|outcome| match outcome {
                Ok(message) => view! { <p role="status" class="status">{message}</p> }.into_any(),
                Err(failure) => view! { <p role="alert" class="alert">{failure.to_string()}</p> }.into_any(),
            })}
            <Dialog open=confirming title=Signal::derive(move || format!("Reset the password of {}?", login.get()))
                on_dismiss=Callback::new(move |()| confirming.set(false))>
                <p>{move || format!("{} will sign in with the new password from now on; the old one stops working.", login.get())}</p>
                <div class="actions">
                    <button type="button" class="danger" disabled=move || sending.get() on:click=reset>
                        "Reset the password"
                    </button>
                    <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            </Dialog>
        </section>
    }
}

/// The account's skills, agent groups and profiles by name, each read only when the
/// connection offers its read; one that cannot be read is left as `start` has it (ids only,
/// or the configured profiles), since the console works without names.
pub async fn catalogs(connection: &ConnectionInfo, start: Names) -> Names {
    let read = |operation: &'static str| {
        let url = format!(
            "{}?{}=id,name,deleted",
            api::url(connection.kind, &connection.id, operation, None),
            ops::SELECT_PARAM
        );
        async move {
            if connection.declares(operation) {
                api::bytes_if_ok(&url).await
            } else {
                None
            }
        }
    };
    // Deleted entries are still the account's (a user may hold one): known, not offered.
    let read_catalog = |noun: &'static str, body: Option<Vec<u8>>| {
        let entries = catalog::parse_named(&body?).ok()?;
        let retired = entries
            .iter()
            .filter(|e| e.is_deleted())
            .filter_map(|e| e.id)
            .collect();
        let live: Vec<_> = entries.into_iter().filter(|e| !e.is_deleted()).collect();
        Some(
            Catalog::of(noun, catalog::names(&live))
                .by_name()
                .retiring(retired),
        )
    };
    let mut found = start;
    if let Some(skills) = read_catalog("skill", read(ops::LIST_SKILLS).await) {
        found.skills = skills;
    }
    if let Some(groups) = read_catalog("agent group", read(ops::LIST_AGENT_GROUPS).await) {
        found.groups = groups;
    }
    // The account's list makes the profiles complete; the configured names (which carry the
    // roles) are kept where both name a profile.
    if let Some(read) = read_catalog("profile", read(ops::LIST_PROFILES).await) {
        found.profiles = read.renamed_by(&found.profiles);
    }
    found
}
