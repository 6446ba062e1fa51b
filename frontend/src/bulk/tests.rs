//! The bulk edit's form, application, preview and undo, for each vendor's description.

use serde_json::{Value, json};
use shared::connection::VendorKind;
use shared::description::Description;
use shared::field::FieldSpec;

use super::*;
use crate::catalog::{Catalog, Names};

fn vendor(kind: VendorKind) -> (&'static Description, &'static [FieldSpec]) {
    (
        shared::vendor::description(kind),
        shared::vendor::fields(kind),
    )
}

/// A form with these (label, text) typed, as an admin fills it in.
fn typed(kind: VendorKind, entries: &[(&str, &str)]) -> BulkForm {
    let (description, fields) = vendor(kind);
    let mut form = BulkForm::default();
    for (label, text) in entries {
        let control = controls(description, fields)
            .into_iter()
            .find(|c| c.label(description) == *label)
            .unwrap_or_else(|| panic!("{kind:?} has no control labelled {label}"));
        form.set(&control, (*text).to_owned());
    }
    form
}

fn edit_of(
    kind: VendorKind,
    entries: &[(&str, &str)],
    names: &Names,
) -> Result<BulkEdit, Vec<String>> {
    let (description, fields) = vendor(kind);
    typed(kind, entries).to_edit(description, fields, names)
}

fn agent() -> Value {
    json!({
        "id": 1, "loginName": "a", "isEnabled": true, "maxChats": 3,
        "skillIds": [5001, 5002], "memberOf": {"agentGroupId": 101, "assignmentDate": "d"},
        "profileIds": [3001], "description": "kept"
    })
}

#[test]
fn each_vendor_offers_its_switch_first_in_its_own_words_then_its_bulk_fields() {
    for (kind, expected) in [
        (
            VendorKind::Liveperson,
            &[
                "Set enabled",
                "Set max chats",
                "Skills to add",
                "Skills to remove",
                "Set agent group (or none)",
                "Set profiles",
            ][..],
        ),
        (
            VendorKind::Commpeak,
            &[
                "Set active",
                "Set language",
                "Set two-factor authentication",
                "Set time zone id",
                "Set max concurrent sessions",
                "Set WebRTC",
                "Set member of all desks",
                "Set member of all skill groups",
            ][..],
        ),
        (
            VendorKind::Trintech,
            &[
                "Set locked out",
                "Set department code",
                "Set location code",
                "Set program admin role",
            ][..],
        ),
    ] {
        let (description, fields) = vendor(kind);
        let labels: Vec<String> = controls(description, fields)
            .iter()
            .map(|c| c.label(description))
            .collect();
        assert_eq!(labels, expected, "{kind:?}");
        let ids: std::collections::HashSet<String> = controls(description, fields)
            .iter()
            .map(Control::id)
            .collect();
        assert_eq!(ids.len(), expected.len(), "{kind:?}: ids are unique");
    }
}

#[test]
fn forms() {
    let lp = VendorKind::Liveperson;
    assert_eq!(
        edit_of(
            lp,
            &[
                ("Set enabled", DISABLE),
                ("Skills to add", "5003; 5004"),
                ("Set agent group (or none)", "none"),
            ],
            &Names::default()
        ),
        Ok(BulkEdit(vec![
            ("isEnabled", Op::Set(json!(false))),
            ("memberOf/agentGroupId", Op::Clear),
            (
                "skillIds",
                Op::AddRemove {
                    add: vec![5003, 5004],
                    remove: vec![]
                }
            ),
        ]))
    );
    for (entries, fragment) in [
        (&[][..], "Nothing to change"),
        (
            &[("Set max chats", "lots")][..],
            "Max chats must be a whole number, not \"lots\"",
        ),
        (&[("Set max chats", "-2")][..], "cannot be negative"),
        (
            &[("Skills to remove", "5001, x")][..],
            "\"x\" is not a skill id",
        ),
        (
            &[("Skills to add", "7"), ("Skills to remove", "7")][..],
            "Skill 7 is both added and removed",
        ),
        (&[("Set profiles", " , ")][..], "at least one profile"),
    ] {
        let problems = edit_of(lp, entries, &Names::default()).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains(fragment)),
            "{problems:?} lacks {fragment}"
        );
    }
    // With the account's names, names are taken and unknown ids refused; the vendor's own
    // default group (-1, the Main Group) is taken though no account lists it.
    let names = Names {
        skills: Catalog::of("skill", [(5001, "Billing".to_owned())]),
        groups: Catalog::of("agent group", [(101, "Tier 1".to_owned())]),
        ..Names::default()
    };
    assert_eq!(
        edit_of(
            lp,
            &[
                ("Skills to add", "billing"),
                ("Set agent group (or none)", "Tier 1")
            ],
            &names
        ),
        Ok(BulkEdit(vec![
            ("memberOf/agentGroupId", Op::Set(json!(101))),
            (
                "skillIds",
                Op::AddRemove {
                    add: vec![5001],
                    remove: vec![]
                }
            ),
        ]))
    );
    assert_eq!(
        edit_of(lp, &[("Set agent group (or none)", "-1")], &names),
        Ok(BulkEdit(vec![(
            "memberOf/agentGroupId",
            Op::Set(json!(-1))
        )]))
    );
    for (entries, fragment) in [
        (&[("Skills to add", "9999")][..], "There is no skill 9999"),
        (
            &[("Set agent group (or none)", "Tier 9")][..],
            "No agent group is named \"Tier 9\"",
        ),
    ] {
        let problems = edit_of(lp, entries, &names).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains(fragment)),
            "{problems:?} lacks {fragment}"
        );
    }
}

#[test]
fn each_vendor_writes_its_own_values() {
    // CommPeak's switch and flags are numbers, its choices their codes; Trintech locks out.
    assert_eq!(
        edit_of(
            VendorKind::Commpeak,
            &[
                ("Set active", DISABLE),
                ("Set WebRTC", "yes"),
                ("Set language", "es_ES"),
                ("Set time zone id", "12"),
            ],
            &Names::default()
        ),
        Ok(BulkEdit(vec![
            ("is_active", Op::Set(json!(0))),
            ("default_language", Op::Set(json!("es_ES"))),
            ("timezone_id", Op::Set(json!(12))),
            ("use_webrtc", Op::Set(json!(1))),
        ]))
    );
    assert_eq!(
        edit_of(
            VendorKind::Trintech,
            &[("Set locked out", DISABLE), ("Set location code", " LON ")],
            &Names::default()
        ),
        Ok(BulkEdit(vec![
            ("lockedOut", Op::Set(json!(true))),
            ("locationId", Op::Set(json!("LON"))),
        ]))
    );
    assert_eq!(
        edit_of(
            VendorKind::Trintech,
            &[("Set locked out", ENABLE)],
            &Names::default()
        ),
        Ok(BulkEdit(vec![("lockedOut", Op::Set(json!(false)))]))
    );
}

#[test]
fn applying_and_previewing() {
    let (_, fields) = vendor(VendorKind::Liveperson);
    let edit = BulkEdit(vec![
        ("isEnabled", Op::Set(json!(false))),
        ("maxChats", Op::Set(json!(3))),
        (
            "skillIds",
            Op::AddRemove {
                add: vec![5003, 5001],
                remove: vec![5002],
            },
        ),
        ("memberOf/agentGroupId", Op::Set(json!(102))),
    ]);
    let after = apply(&edit, &agent());
    assert_eq!(after["skillIds"], json!([5001, 5003]));
    assert_eq!(
        after["memberOf"],
        json!({"agentGroupId": 102, "assignmentDate": "d"})
    );
    assert_eq!(after["description"], "kept");
    let summary: Vec<(&str, String, String)> = changes(fields, &edit.paths(), &agent(), &after)
        .into_iter()
        .map(|c| (c.label, c.before, c.after))
        .collect();
    assert_eq!(
        summary,
        [
            ("Enabled", "Yes".into(), "No".into()),
            ("Skills", "5001, 5002".into(), "5001, 5003".into()),
            ("Agent group", "101".into(), "102".into()),
        ],
        "max chats was already 3"
    );
    let removed = apply(
        &BulkEdit(vec![("memberOf/agentGroupId", Op::Clear)]),
        &json!({"memberOf": {"agentGroupId": 101}}),
    );
    assert_eq!(removed.get("memberOf"), None);
}

#[test]
fn commpeak_strings_are_what_they_mean() {
    // CommPeak reads its flags as "0"/"1": asking for what a user already is, is no change.
    let (_, fields) = vendor(VendorKind::Commpeak);
    let user = json!({"id": 7, "username": "u", "is_active": "1", "use_webrtc": "0"});
    let edit = BulkEdit(vec![
        ("is_active", Op::Set(json!(1))),
        ("use_webrtc", Op::Set(json!(1))),
    ]);
    let after = apply(&edit, &user);
    let changed: Vec<&str> = changes(fields, &edit.paths(), &user, &after)
        .iter()
        .map(|c| c.path)
        .collect();
    assert_eq!(changed, ["use_webrtc"]);
    // The undo puts the flag back as CommPeak writes it: a number, not the string it read.
    let undone = undo(fields, &edit.paths(), &user, &after, &after).unwrap();
    assert_eq!(undone["use_webrtc"], json!(0));
    assert_eq!(undone["is_active"], json!(1), "untouched by the batch");
}

#[test]
fn undoing() {
    let (_, fields) = vendor(VendorKind::Liveperson);
    let before = agent();
    let edit = BulkEdit(vec![
        ("isEnabled", Op::Set(json!(false))),
        (
            "skillIds",
            Op::AddRemove {
                add: vec![5009],
                remove: vec![],
            },
        ),
    ]);
    let applied = apply(&edit, &before);
    // Someone else changed an untouched field since: the undo keeps it.
    let mut now = applied.clone();
    now["description"] = json!("theirs");
    let undone = undo(fields, &edit.paths(), &before, &applied, &now).unwrap();
    assert_eq!(undone["isEnabled"], true);
    assert_eq!(undone["skillIds"], json!([5001, 5002]));
    assert_eq!(undone["description"], "theirs");
    // Someone changed a field the batch set: nothing is undone on this user.
    now["isEnabled"] = json!(true);
    assert_eq!(
        undo(fields, &edit.paths(), &before, &applied, &now),
        Err(vec!["Enabled"])
    );
}

#[test]
fn bulk_work_is_offered_where_the_connection_can_read_all_and_update_many() {
    let connection = |kind: VendorKind, operations: &[&str]| shared::ConnectionInfo {
        id: "c".into(),
        label: "c".into(),
        kind,
        operations: operations.iter().map(|o| (*o).to_owned()).collect(),
        chunk_size: 100,
        profiles: Vec::new(),
    };
    use shared::operation::names::*;
    for (kind, operations, route) in [
        (
            VendorKind::Liveperson,
            &[LIST_USERS, UPDATE_USERS][..],
            Some(send::Route::Revision),
        ),
        (
            VendorKind::Trintech,
            &[LIST_USERS, UPDATE_USERS][..],
            Some(send::Route::Batch),
        ),
        (
            VendorKind::Commpeak,
            &[LIST_USERS, UPDATE_USER][..],
            Some(send::Route::OneByOne),
        ),
        (VendorKind::Commpeak, &[LIST_USERS][..], None),
    ] {
        let connection = connection(kind, operations);
        assert_eq!(send::route(&connection), route, "{kind:?} {operations:?}");
        assert_eq!(offered(&connection), route.is_some());
    }
    // Trintech without a declared list cannot preview an edit.
    assert!(!offered(&connection(VendorKind::Trintech, &[UPDATE_USERS])));
}
