//! The import screen: a file read and checked in the browser, a preview, then the users
//! created in chunks with progress, cancel, per-row results, a retry of what failed (after
//! checking which login names exist by then) and the failures as a CSV file.

use std::collections::{HashSet, VecDeque};

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ConnectionInfo;

use crate::api;
use crate::grid::download;
use crate::import::{self, ImportFile};
use crate::route::{Link, Route, use_nav};
use shared::format::{row_count, thousands, user_count};

/// What became of a row.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// Valid, not sent yet.
    Ready,
    /// Refused in the browser: never sent.
    Invalid,
    /// A user with this login name exists on the account: not sent.
    Exists,
    Created,
    Failed(String),
    /// The import was cancelled before this row's chunk.
    NotSent,
}

impl Outcome {
    fn retriable(&self) -> bool {
        matches!(self, Outcome::Failed(_) | Outcome::NotSent)
    }
}

#[component]
pub fn ImportScreen(connection: ConnectionInfo) -> impl IntoView {
    let nav = use_nav();
    let has_list = crate::list::has_list(&connection);
    let catalogs = crate::catalog::use_names(&connection, true).0;
    let reading = StoredValue::new(connection.clone());
    let chunk_size = connection.chunk_size.max(1);
    let file = RwSignal::new(None::<(String, ImportFile)>);
    let file_error = RwSignal::new(None::<String>);
    let outcomes = RwSignal::new(Vec::<Outcome>::new());
    let running = RwSignal::new(false);
    let cancel = StoredValue::new(false);
    let progress = RwSignal::new((0_usize, 0_usize));
    let message = RwSignal::new(None::<Result<String, String>>);
    Effect::new(move |_| {
        nav.unsaved.set(
            running
                .get()
                .then(|| "an import that is still running".to_owned()),
        );
    });
    on_cleanup(move || nav.unsaved.set(None));

    // What the file does; a file chosen is read again when it changes.
    let mode = RwSignal::new(import::Mode::Create);
    let offers_update = import::updates_from_file(&connection);
    let chosen_text = StoredValue::new(None::<(String, String)>);
    let read_chosen = move || {
        let Some((name, text)) = chosen_text.get_value() else {
            return;
        };
        let read = reading.with_value(|connection| {
            catalogs.with_untracked(|names| {
                import::read(connection, mode.get_untracked(), &name, &text, names)
            })
        });
        match read {
            Ok(read) => {
                outcomes.set(
                    read.rows
                        .iter()
                        .map(|r| {
                            if r.problems.is_empty() {
                                Outcome::Ready
                            } else {
                                Outcome::Invalid
                            }
                        })
                        .collect(),
                );
                file.set(Some((name, read)));
            }
            Err(e) => file_error.set(Some(format!("{name}: {e}"))),
        }
    };
    let choose = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(chosen) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        let name = chosen.name();
        file.set(None);
        file_error.set(None);
        message.set(None);
        spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(chosen.text()).await {
                Ok(text) => {
                    chosen_text.set_value(Some((name, text.as_string().unwrap_or_default())));
                    read_chosen();
                }
                Err(e) => file_error.set(Some(format!("{name} could not be read: {e:?}"))),
            }
        });
    };
    let choose_mode = move |chosen: import::Mode| {
        mode.set(chosen);
        message.set(None);
        progress.set((0, 0));
        read_chosen();
    };
    let done = move || mode.with(|m| m.done());
    let count = move |wanted: fn(&Outcome) -> bool| {
        outcomes.with(|o| o.iter().filter(|o| wanted(o)).count())
    };

    // Sends the rows at `indices`. First it asks the account which login names exist, so a
    // row whose user is already there is reported as such and never sent (on the first send
    // as on a retry after an answer that never came). A chunk the vendor refuses as a whole
    // is taken apart so each row gets the refusal that is its own: rows the refusal names
    // fail, the others are sent again; a refusal that names no row is halved until it does.
    let send = move |mut indices: Vec<usize>| {
        running.set(true);
        cancel.set_value(false);
        message.set(None);
        spawn_local(async move {
            let connection = reading.get_value();
            let layout = crate::list::Layout::minimal(connection.kind);
            // Without a list (Trintech's), the vendor refuses a user name it has, record by
            // record, so nobody is created twice either.
            let listed = if has_list && mode.get_untracked() == import::Mode::Create {
                api::list_users(&connection.id, &layout, false)
                    .await
                    .map(Some)
            } else {
                Ok(None)
            };
            match listed {
                Ok(None) => {}
                Ok(Some(list)) => {
                    let existing = import::existing_logins(&layout, &list.users);
                    let exists: HashSet<usize> = file.with_untracked(|f| {
                        f.as_ref().map_or_else(HashSet::new, |(_, f)| {
                            indices
                                .iter()
                                .copied()
                                .filter(|&i| existing.contains(&f.rows[i].login.to_lowercase()))
                                .collect()
                        })
                    });
                    outcomes.update(|o| {
                        for &i in &exists {
                            o[i] = Outcome::Exists;
                        }
                    });
                    indices.retain(|i| !exists.contains(i));
                }
                Err(failure) => {
                    message.set(Some(Err(format!(
                        "Nothing was sent: the login names on the account could not be checked first. {failure}"
                    ))));
                    running.set(false);
                    return;
                }
            }
            progress.set((0, indices.len()));
            // Each chunk with the refusal that split it off, if one did.
            let mut queue: VecDeque<(Vec<usize>, Option<String>)> = indices
                .chunks(chunk_size)
                .map(|c| (c.to_vec(), None))
                .collect();
            while let Some((chunk, parent)) = queue.pop_front() {
                if cancel.get_value() {
                    outcomes.update(|o| {
                        for i in chunk.iter().chain(queue.iter().flat_map(|(c, _)| c)) {
                            o[*i] = Outcome::NotSent;
                        }
                    });
                    break;
                }
                let users: Vec<serde_json::Value> = file.with_untracked(|f| {
                    f.as_ref().map_or_else(Vec::new, |(_, f)| {
                        chunk.iter().map(|&i| f.rows[i].user.clone()).collect()
                    })
                });
                let failure =
                    match api::write_users(&connection, mode.get_untracked().operation(), &users)
                        .await
                    {
                        Ok(refusals) => {
                            outcomes.update(|o| {
                                for (&i, refusal) in chunk.iter().zip(refusals) {
                                    o[i] = match refusal {
                                        None => Outcome::Created,
                                        Some(why) => Outcome::Failed(why),
                                    };
                                }
                            });
                            progress.update(|(done, _)| *done += chunk.len());
                            continue;
                        }
                        Err(failure) => failure,
                    };
                let verdict = import::attribute(
                    failure.status,
                    &failure.field_errors,
                    &failure.message,
                    chunk.len(),
                    parent.as_deref(),
                );
                outcomes.update(|o| {
                    for (k, &i) in chunk.iter().enumerate() {
                        if let Some(why) = &verdict.own[k] {
                            o[i] = Outcome::Failed(why.clone());
                        }
                    }
                });
                let failed = verdict.own.iter().flatten().count();
                progress.update(|(done, _)| *done += failed);
                // Resent first, before the chunks behind, so progress reads in file order.
                for part in verdict.resend.into_iter().rev() {
                    queue.push_front((
                        part.into_iter().map(|k| chunk[k]).collect(),
                        Some(failure.message.clone()),
                    ));
                }
            }
            let created =
                outcomes.with_untracked(|o| o.iter().filter(|o| **o == Outcome::Created).count());
            let cancelled = cancel.get_value();
            message.set(Some(Ok(format!(
                "{}{} {} in all.",
                if cancelled {
                    "Import cancelled. "
                } else {
                    "Import finished. "
                },
                user_count(created),
                done(),
            ))));
            running.set(false);
        });
    };
    let start = move |_| {
        let ready: Vec<usize> = outcomes.with_untracked(|o| {
            o.iter()
                .enumerate()
                .filter(|(_, o)| **o == Outcome::Ready)
                .map(|(i, _)| i)
                .collect()
        });
        send(ready);
    };
    let retry = move |_| {
        let failed: Vec<usize> = outcomes.with_untracked(|o| {
            o.iter()
                .enumerate()
                .filter(|(_, o)| o.retriable())
                .map(|(i, _)| i)
                .collect()
        });
        send(failed);
    };
    let download_failures = move |_| {
        let result = file.with_untracked(|f| {
            let (name, f) = f.as_ref()?;
            let failed: Vec<(usize, String)> = outcomes.with_untracked(|o| {
                o.iter()
                    .enumerate()
                    .filter_map(|(i, outcome)| match outcome {
                        Outcome::Invalid => Some((i, f.rows[i].problems.join(" "))),
                        Outcome::Failed(why) => Some((i, why.clone())),
                        Outcome::NotSent => Some((i, "Not sent: the import was cancelled.".into())),
                        _ => None,
                    })
                    .collect()
            });
            let stem = name
                .rsplit_once('.')
                .map_or(name.as_str(), |(stem, _)| stem);
            let (extension, mime) = match f.format {
                import::Format::Csv => ("csv", "text/csv;charset=utf-8"),
                import::Format::Json => ("json", "application/json"),
            };
            Some(
                import::failures_file(f, &failed).and_then(|text| {
                    download(&format!("{stem}-failures.{extension}"), &text, mime)
                }),
            )
        });
        if let Some(Err(e)) = result {
            message.set(Some(Err(format!(
                "The failures file could not be written: {e}"
            ))));
        }
    };

    // Rows worth a line of their own: not ready and not created.
    const SHOWN_PROBLEMS: usize = 200;
    let problem_rows = move || {
        file.with(|f| {
            let Some((_, f)) = f else { return Vec::new() };
            outcomes.with(|o| {
                o.iter()
                    .enumerate()
                    .filter_map(|(i, outcome)| {
                        let why = match outcome {
                            Outcome::Invalid => f.rows[i].problems.join(" "),
                            Outcome::Exists => {
                                "Not sent: a user with this login name already exists.".into()
                            }
                            Outcome::Failed(why) => why.clone(),
                            Outcome::NotSent => "Not sent: the import was cancelled.".into(),
                            Outcome::Ready | Outcome::Created => return None,
                        };
                        Some((f.rows[i].number, f.rows[i].login.clone(), why))
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    // The preview shows the vendor's first list columns, ids by name where the account
    // names them.
    let kind = connection.kind;
    let fields = shared::vendor::fields(kind);
    let shown: Vec<&'static shared::field::FieldSpec> = shared::vendor::description(kind)
        .columns
        .iter()
        .filter_map(|path| shared::field::lookup(fields, path))
        .collect();
    let preview = move || {
        file.with(|f| {
            let (_, f) = f.as_ref()?;
            let rows: Vec<_> = f.rows.iter().filter(|r| r.problems.is_empty()).take(10).cloned().collect();
            let cell = move |r: &import::Row, spec: &'static shared::field::FieldSpec| {
                let value = crate::record::get(&r.user, spec.path);
                let text = match spec.kind {
                    shared::field::FieldKind::Boolean | shared::field::FieldKind::Flag => {
                        let on = crate::record::holds(&r.user, spec.path, shared::description::FieldValue::Bool(true));
                        (if on { "Yes" } else { "No" }).to_owned()
                    }
                    kind => crate::record::text_of(value, kind),
                };
                catalogs.with(|c| match c.for_field(spec.path).filter(|c| !c.is_empty()) {
                    Some(catalog) => catalog.display(&crate::picker::Holds::Many.ids(&text)),
                    None => text,
                })
            };
            let headers = shown.iter().map(|spec| view! { <th scope="col">{spec.label}</th> }).collect_view();
            Some(view! {
                <table>
                    <caption>{format!("Preview: the first users to {}", if mode.get() == import::Mode::Create { "create" } else { "update" })}</caption>
                    <thead><tr><th scope="col">"Row"</th>{headers}</tr></thead>
                    <tbody>
                        {rows.into_iter().map(|r| {
                            let cells = shown.iter().map(|spec| view! { <td>{cell(&r, spec)}</td> }).collect_view();
                            view! { <tr><td>{r.number}</td>{cells}</tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            })
        })
    };
    let vendor = kind.label();
    let login_label = shared::field::lookup(fields, shared::vendor::description(kind).login)
        .map_or("Login", |f| f.label);
    let example_columns = fields
        .iter()
        .filter(|f| !f.read_only && f.kind != shared::field::FieldKind::Structured)
        .take(9)
        .map(|f| f.path.rsplit('/').next().unwrap_or(f.path))
        .collect::<Vec<_>>()
        .join(", ");

    view! {
        <section aria-labelledby="import-heading">
            <p><Link route=Route::list(&connection.id, crate::app::last_list_query(&connection.id))>"Back to the list"</Link></p>
            <h2 id="import-heading">{format!("Import users into {}", connection.label)}</h2>
            <p class="muted">{format!(
                "A CSV file with a header row naming the fields by name or label ({example_columns}, …; lists \
                 separated by ; or ,), or a JSON list of users. Every row is checked here first; nothing is \
                 sent until you say so."
            )}</p>
            <Show when=move || offers_update>
                <fieldset class="choice" disabled=move || running.get()>
                    <legend>"What the file does"</legend>
                    <label>
                        <input type="radio" name="import-mode" prop:checked=move || mode.get() == import::Mode::Create
                            on:change=move |_| choose_mode(import::Mode::Create) />
                        "Create the users it holds"
                    </label>
                    <label>
                        <input type="radio" name="import-mode" prop:checked=move || mode.get() == import::Mode::Update
                            on:change=move |_| choose_mode(import::Mode::Update) />
                        "Update the users it names"
                    </label>
                </fieldset>
            </Show>
            {move || (mode.get() == import::Mode::Update).then(|| view! {
                <p class="warning" role="note">{format!(
                    "{vendor} replaces the whole user with each row: a field the row leaves out or empty is cleared. \
                     Rows are matched by {login_label}; fields an update cannot change are refused before sending."
                )}</p>
            })}
            <div class="field">
                <label for="import-file">"CSV or JSON file"</label>
                <input type="file" id="import-file" accept=".csv,.json,text/csv,application/json"
                    aria-describedby="import-file-error" disabled=move || running.get()
                    on:change=choose />
                <span id="import-file-error" class="field-error" role="alert">{move || file_error.get()}</span>
            </div>
            {move || file.with(|f| f.as_ref().map(|(name, f)| format!("{name}: {}.", row_count(f.rows.len()))))
                .map(|summary| view! {
                    <p role="status">{summary} " "
                        {move || format!("{} ready to {}, {} with errors.",
                            thousands(count(|o| *o == Outcome::Ready)),
                            if mode.get() == import::Mode::Create { "create" } else { "update" },
                            thousands(count(|o| *o == Outcome::Invalid)))}
                    </p>
                })}
            {preview}
            <div class="actions">
                <Show when=move || file.with(Option::is_some)>
                    <button type="button" disabled=move || running.get() || count(|o| *o == Outcome::Ready) == 0
                        on:click=start>
                        {move || format!("{} {}",
                            if mode.get() == import::Mode::Create { "Create" } else { "Update" },
                            user_count(count(|o| *o == Outcome::Ready)))}
                    </button>
                </Show>
                <Show when=move || running.get()>
                    <button type="button" class="secondary" on:click=move |_| cancel.set_value(true)>"Cancel import"</button>
                </Show>
                <Show when=move || { !running.get() && count(Outcome::retriable) > 0 }>
                    <button type="button" on:click=retry>
                        {move || format!("Retry {} not {}", user_count(count(Outcome::retriable)), done())}
                    </button>
                </Show>
                <Show when=move || { !running.get() && count(|o| matches!(o, Outcome::Invalid | Outcome::Failed(_) | Outcome::NotSent)) > 0 }>
                    <button type="button" class="secondary" on:click=download_failures>"Download failures"</button>
                </Show>
            </div>
            <Show when=move || { progress.get().1 > 0 }>
                <div class="field">
                    <label for="import-progress">"Import progress"</label>
                    <progress id="import-progress" max=move || progress.get().1 value=move || progress.get().0></progress>
                    <span role="status">{move || {
                        let (done, total) = progress.get();
                        format!("{} of {} sent. {} {}, {} failed, {} already existed.",
                            thousands(done), thousands(total),
                            thousands(count(|o| *o == Outcome::Created)),
                            mode.with(|m| m.done()),
                            thousands(count(|o| matches!(o, Outcome::Failed(_)))),
                            thousands(count(|o| *o == Outcome::Exists)))
                    }}</span>
                </div>
            </Show>
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p role="status" class="status">{text}</p> }.into_any(),
                Err(text) => view! { <p role="alert" class="alert">{text}</p> }.into_any(),
            })}
            {move || {
                let rows = problem_rows();
                (!rows.is_empty()).then(|| {
                    let total = rows.len();
                    view! {
                        <table>
                            <caption>{format!("Rows not {}", done())}</caption>
                            <thead><tr><th scope="col">"Row"</th><th scope="col">{login_label}</th><th scope="col">"Why"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().take(SHOWN_PROBLEMS).map(|(number, login, why)| view! {
                                    <tr><td>{number}</td><td>{login}</td><td>{why}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        {(total > SHOWN_PROBLEMS).then(|| view! {
                            <p class="muted">{format!("…and {} more: download the failures to see them all.", thousands(total - SHOWN_PROBLEMS))}</p>
                        })}
                    }
                })
            }}
        </section>
    }
}
