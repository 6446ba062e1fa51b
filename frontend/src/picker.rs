//! A searchable picker of named ids (skills, agent groups, profiles) for a form field whose
//! text holds ids: the chosen ones by name, each with its own remove button, and a combobox
//! (an input with the names as suggestions) that takes a name or an id. The form's text stays
//! ids, so saving, conflicts and validation work on what the vendor stores.

use leptos::prelude::*;

use crate::catalog::Catalog;

/// How a field's text holds its ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// One id, or none (`memberOf/agentGroupId`).
    One,
    /// Ids separated by commas (`skillIds`, `profileIds`).
    Many,
    /// A JSON list of `{"agentGroupId": …}` (`managerOf`).
    GroupList,
}

impl Holds {
    /// The ids in the field's text; what cannot be read is left out (the form's own check
    /// names it).
    pub fn ids(self, text: &str) -> Vec<i64> {
        match self {
            Holds::One | Holds::Many => text
                .split([',', ';'])
                .filter_map(|p| p.trim().parse().ok())
                .collect(),
            Holds::GroupList => serde_json::from_str::<Vec<serde_json::Value>>(text)
                .unwrap_or_default()
                .iter()
                .filter_map(|item| item.get("agentGroupId")?.as_i64())
                .collect(),
        }
    }

    /// The field's text holding `ids`.
    pub fn text(self, ids: &[i64]) -> String {
        match self {
            Holds::One | Holds::Many => ids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            Holds::GroupList if ids.is_empty() => String::new(),
            Holds::GroupList => serde_json::Value::Array(
                ids.iter()
                    .map(|id| serde_json::json!({ "agentGroupId": id }))
                    .collect(),
            )
            .to_string(),
        }
    }
}

/// What one picker edits: the field's input id (its label's `for`), what it is described by,
/// and the text it reads and writes.
pub struct Field {
    pub dom_id: String,
    pub described_by: String,
    pub text: Signal<String>,
    pub set: Callback<String>,
    pub read_only: Signal<bool>,
}

#[component]
pub fn IdPicker(
    /// The field's label, also the combobox's.
    label: &'static str,
    field: Field,
    holds: Holds,
    #[prop(into)] catalog: Signal<Catalog>,
) -> impl IntoView {
    let Field {
        dom_id,
        described_by,
        text,
        set,
        read_only,
    } = field;
    let typed = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let list_id = format!("{dom_id}-choices");
    let problem_id = format!("{dom_id}-problem");
    let chosen = move || holds.ids(&text.get());
    let noun = move || catalog.with(|c| c.noun);
    // One id: the input shows its name and a choice replaces it.
    Effect::new(move |_| {
        if holds == Holds::One {
            let shown = chosen()
                .first()
                .map(|id| {
                    catalog.with(|c| c.name(*id).map_or_else(|| id.to_string(), str::to_owned))
                })
                .unwrap_or_default();
            typed.set(shown);
        }
    });
    let take = move || {
        let wanted = typed.get_untracked();
        if wanted.trim().is_empty() {
            if holds == Holds::One {
                set.run(String::new());
            }
            problem.set(None);
            return;
        }
        match catalog.with_untracked(|c| c.resolve_one(&wanted)) {
            Ok(id) => {
                problem.set(None);
                match holds {
                    Holds::One => set.run(holds.text(&[id])),
                    Holds::Many | Holds::GroupList => {
                        let mut ids = holds.ids(&text.get_untracked());
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                        set.run(holds.text(&ids));
                        typed.set(String::new());
                    }
                }
            }
            Err(why) => problem.set(Some(why)),
        }
    };
    let remove = move |id: i64| {
        let ids: Vec<i64> = holds
            .ids(&text.get_untracked())
            .into_iter()
            .filter(|i| *i != id)
            .collect();
        set.run(holds.text(&ids));
    };
    let chips = move || {
        (holds != Holds::One).then(|| {
            let ids = chosen();
            let empty = ids.is_empty();
            view! {
                <ul class="chips" aria-label=format!("Chosen: {label}")>
                    {ids.into_iter().map(|id| {
                        let name = catalog.with(|c| c.name(id).map_or_else(|| id.to_string(), str::to_owned));
                        let remove_label = format!("Remove {name}");
                        view! {
                            <li>
                                <span>{name}</span>
                                <Show when=move || !read_only.get()>
                                    <button type="button" class="chip-remove" aria-label=remove_label.clone()
                                        on:click=move |_| remove(id)>"×"</button>
                                </Show>
                            </li>
                        }
                    }).collect_view()}
                    {empty.then(|| view! { <li class="muted">"None"</li> })}
                </ul>
            }
        })
    };
    let options = move || {
        catalog.with(|c| {
            c.entries()
                .map(|(_, name)| view! { <option value=name.to_owned()></option> })
                .collect_view()
        })
    };
    let placeholder = move || {
        let noun = noun();
        let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        match holds {
            Holds::One => format!("Type {article} {noun} name"),
            Holds::Many | Holds::GroupList => format!("Add {article} {noun} by name"),
        }
    };
    view! {
        {chips}
        <input type="text" id=dom_id list=list_id.clone() autocomplete="off"
            aria-describedby=format!("{described_by} {problem_id}")
            aria-invalid=move || if problem.with(Option::is_some) { "true" } else { "false" }
            placeholder=placeholder readonly=read_only
            prop:value=move || typed.get()
            on:input=move |ev| {
                typed.set(event_target_value(&ev));
                // A suggestion picked from the list is taken at once.
                let exact = typed.with_untracked(|t| catalog.with_untracked(|c| c.entries().any(|(_, n)| n == t)));
                if exact {
                    take();
                }
            }
            on:change=move |_| take()
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                // Enter takes what is typed rather than submitting the form around it.
                if ev.key() == "Enter" {
                    ev.prevent_default();
                    take();
                }
            } />
        <datalist id=list_id>{options}</datalist>
        <span id=problem_id class="field-error">{move || problem.get()}</span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_hold_ids() {
        for (holds, text, ids, written) in [
            (Holds::Many, "5001, 5002", vec![5001, 5002], "5001, 5002"),
            (Holds::Many, "", vec![], ""),
            (Holds::One, "-1", vec![-1], "-1"),
            (
                Holds::GroupList,
                r#"[{"agentGroupId": 101, "assignmentDate": "2024-01-02 03:04:05"}]"#,
                vec![101],
                r#"[{"agentGroupId":101}]"#,
            ),
            (Holds::GroupList, "", vec![], ""),
        ] {
            assert_eq!(holds.ids(text), ids, "{text}");
            assert_eq!(holds.text(&ids), written);
        }
    }
}
