//! One field of a user as a form input, for the user page and the create form alike: the
//! input the field's kind calls for (text, number, checkbox for flags, choice, JSON, a
//! password, or a picker by name where the vendor's module offers one), its hint, and its
//! errors, announced with it.

use std::sync::Arc;

use leptos::prelude::*;
use shared::connection::VendorKind;
use shared::field::{FieldKind, FieldSpec};

use crate::catalog::Names;
use crate::picker::{Field as PickerField, IdPicker};
use crate::record::Texts;

/// The DOM id of the input of the field at `path`.
pub fn input_id(path: &str) -> String {
    format!("field-{}", path.replace('/', "-"))
}

/// Focuses the input of the first of `fields` (in form order) that `errors` name, so a
/// refused save lands the admin on what to fix.
pub fn focus_first_field<'a>(
    fields: impl IntoIterator<Item = &'a FieldSpec>,
    errors: &shared::ValidationErrors,
) {
    let first = fields.into_iter().find(|spec| {
        errors
            .for_field(crate::record::top_field(spec.path))
            .next()
            .is_some()
    });
    let Some(spec) = first else { return };
    if let Some(input) = document()
        .get_element_by_id(&input_id(spec.path))
        .and_then(|e| leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    {
        let _ = input.focus();
    }
}

#[component]
pub fn FieldInput(
    spec: &'static FieldSpec,
    kind: VendorKind,
    texts: RwSignal<Texts>,
    /// The messages to show for this field (empty: none).
    #[prop(into)]
    errors: Signal<String>,
    /// Called on every edit (a vendor's refusal is taken back then).
    on_edit: Callback<()>,
    names: ReadSignal<Arc<Names>>,
    #[prop(into)] read_only: Signal<bool>,
) -> impl IntoView {
    let dom_id = input_id(spec.path);
    let error_id = format!("{dom_id}-error");
    let value = move || texts.with(|t| t.get(spec.path).cloned().unwrap_or_default());
    let set = move |text: String| {
        on_edit.run(());
        texts.update(|t| {
            t.insert(spec.path, text);
        });
    };
    let invalid = move || {
        if errors.with(String::is_empty) {
            "false"
        } else {
            "true"
        }
    };
    let picker = crate::vendors::picker(kind, spec.path);
    let holds = picker.map(|(holds, _)| holds);
    let hint = match (picker, spec.kind) {
        (Some((_, hint)), _) if !hint.is_empty() => Some(hint),
        (None, FieldKind::IdList) => Some("Numbers, separated by commas."),
        (None, FieldKind::Structured) => Some("JSON."),
        _ => None,
    };
    let hint_id = format!("{dom_id}-hint");
    let described = if hint.is_some() {
        format!("{hint_id} {error_id}")
    } else {
        error_id.clone()
    };
    let control = match (holds, spec.kind) {
        (Some(holds), _) => {
            let path = spec.path;
            view! {
                <IdPicker label=spec.label holds
                    catalog=Signal::derive(move || names.with(|n| n.for_field(path).cloned().unwrap_or_default()))
                    field=PickerField {
                        dom_id: dom_id.clone(),
                        described_by: described.clone(),
                        text: Signal::derive(value),
                        set: Callback::new(set),
                        read_only,
                    } />
            }
            .into_any()
        }
        (None, FieldKind::Boolean) => view! {
            <input type="checkbox" id=dom_id.clone() aria-describedby=described
                disabled=read_only
                prop:checked=move || value() == "true"
                on:change=move |ev| set(event_target_checked(&ev).to_string()) />
        }
        .into_any(),
        // CommPeak's 0/1 flags.
        (None, FieldKind::Flag) => view! {
            <input type="checkbox" id=dom_id.clone() aria-describedby=described
                disabled=read_only
                prop:checked=move || matches!(value().trim(), "1" | "true")
                on:change=move |ev| set(if event_target_checked(&ev) { "1" } else { "0" }.to_owned()) />
        }
        .into_any(),
        (None, FieldKind::Choice(choices)) => {
            let options = choices
                .iter()
                .map(|c| view! { <option value=c.value>{c.label}</option> })
                .collect_view();
            view! {
                <select id=dom_id.clone() aria-describedby=described aria-invalid=invalid
                    disabled=read_only
                    prop:value=value on:change=move |ev| set(event_target_value(&ev))>
                    <option value="">"(not set)"</option>
                    {options}
                </select>
            }
            .into_any()
        }
        (None, FieldKind::Structured) => view! {
            <textarea id=dom_id.clone() aria-describedby=described aria-invalid=invalid rows="3"
                readonly=read_only
                prop:value=value on:input=move |ev| set(event_target_value(&ev))></textarea>
        }
        .into_any(),
        (None, kind) => {
            let (input_type, autocomplete) = match kind {
                FieldKind::Email => ("email", "off"),
                FieldKind::Password => ("password", "new-password"),
                _ => ("text", "off"),
            };
            view! {
                <input type=input_type
                    inputmode=matches!(kind, FieldKind::Integer).then_some("numeric")
                    id=dom_id.clone() autocomplete=autocomplete aria-describedby=described aria-invalid=invalid
                    readonly=read_only
                    prop:value=value on:input=move |ev| set(event_target_value(&ev)) />
            }
            .into_any()
        }
    };
    let checkbox = matches!(spec.kind, FieldKind::Boolean | FieldKind::Flag) && holds.is_none();
    view! {
        <div class=if checkbox { "field checkbox" } else { "field" }>
            {(!checkbox).then(|| view! { <label for=dom_id.clone()>{spec.label}</label> })}
            {control}
            {checkbox.then(|| view! { <label for=dom_id.clone()>{spec.label}</label> })}
            {hint.map(|hint| view! { <span id=hint_id class="muted hint">{hint}</span> })}
            <span id=error_id class="field-error">{move || errors.get()}</span>
        </div>
    }
}
