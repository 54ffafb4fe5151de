//! The dialogs over the current screen, one component: their state (a
//! stage move, a form, a new use case, accepting a proposal, justifying an
//! external edit, a review decision, a failed edit), their update and
//! their view.

use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::app::{CommitRequest, Data, Effect, Level, ReviewStep};
use super::keymap::{Action, Scope};
use super::theme::Theme;
use super::widgets::{popup, safe};
use crate::change::{self, Edit};
use crate::form::{self, FieldKind, FieldSpec};
use crate::model::Stage;

/// A form field: a text input or a choice.
pub struct Field {
    /// What the field accepts.
    pub spec: FieldSpec,
    /// The text typed (for choices: the chosen name).
    pub input: Input,
}

impl Field {
    /// The field's current problem, if any, in `ctx`.
    pub fn error(&self, ctx: &form::Context) -> Option<String> {
        form::check_in(self.spec.kind, self.input.value(), ctx).err()
    }

    /// A warning about the field's value (a date readiness will not see).
    pub fn warning(&self, ctx: &form::Context) -> Option<String> {
        form::warning(self.spec.kind, self.input.value(), ctx)
    }
}

/// What a form adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// A measurement.
    Measurement,
    /// ROI evidence.
    Roi,
    /// A new use case (id, title, owner, team).
    UseCase,
}

/// A dialog over the current screen.
pub enum Dialog {
    /// Moving a use case to another stage.
    Stage {
        /// Which use case (register index).
        index: usize,
        /// The target stage.
        to: Stage,
        /// The justification typed.
        justification: Input,
        /// Set when the move overrides readiness: why.
        override_reason: Option<String>,
        /// Whether the override confirmation is showing.
        confirming: bool,
        /// The last failure, shown in the dialog.
        error: Option<String>,
    },
    /// Adding a measurement or ROI evidence.
    Form {
        /// Which use case (register index).
        index: usize,
        /// What is added.
        kind: FormKind,
        /// The fields.
        fields: Vec<Field>,
        /// The focused field.
        focus: usize,
        /// The last failure, shown in the form.
        error: Option<String>,
    },
    /// Creating a use case: its id, title, owner and team.
    New {
        /// The fields ([`form::NEW_USE_CASE`]).
        fields: Vec<Field>,
        /// The focused field.
        focus: usize,
        /// The last failure, shown in the form.
        error: Option<String>,
    },
    /// Accepting a proposal, awaiting confirmation.
    Accept {
        /// The branch.
        branch: String,
        /// Its tip when listed: accepting refuses if it moved since.
        tip: git2::Oid,
        /// What accepting does, one line per item.
        summary: Vec<String>,
        /// Whether the proposal changes files other than register files
        /// (each named in the summary): confirming accepts them too.
        other_files: bool,
        /// The moves into FineTune that override readiness, as lines; when
        /// there are any, a reason is typed and confirmed, as for `>`.
        overrides: Vec<String>,
        /// The override reason typed.
        reason: Input,
        /// Whether the override confirmation is showing (or, without
        /// overrides, always: the dialog is a yes/no question).
        confirming: bool,
        /// The last failure, shown in the dialog.
        error: Option<String>,
    },
    /// An external edit is valid: why was it made? Committed with the
    /// justification, as a stage move is.
    Justify {
        /// Which use case (register index).
        index: usize,
        /// The edited use case.
        use_case: Box<crate::model::UseCase>,
        /// The edited copy, kept until the commit lands.
        copy: std::path::PathBuf,
        /// The use case the copy was made from, and its file's bytes: the
        /// edit replaces the whole file, so it is committed only over
        /// exactly what it was made from (never over a change made since).
        base: Box<(crate::model::UseCase, Vec<u8>)>,
        /// The fields the edit changes.
        fields: Vec<&'static str>,
        /// The justification typed.
        justification: Input,
        /// Set when the edit moves it into FineTune although not ready: why.
        override_reason: Option<String>,
        /// Whether the override confirmation is showing.
        confirming: bool,
        /// The last failure, shown in the dialog.
        error: Option<String>,
    },
    /// A decision (or, with `decision` `None`, an approval) on an agenda
    /// item of the open review, with its rationale.
    Review {
        /// The agenda item.
        item: String,
        /// The decision (←/→ choose it); `None`: approving.
        decision: Option<crate::model::review::DecisionKind>,
        /// The rationale typed.
        because: Input,
        /// The last failure, shown in the dialog.
        error: Option<String>,
    },
    /// An external edit produced a file with errors.
    EditFailed {
        /// Which use case (register index).
        index: usize,
        /// The edited copy.
        edited: std::path::PathBuf,
        /// Its diagnostics, as lines.
        problems: Vec<String>,
    },
}

/// What an action on a dialog leads to.
#[derive(Debug, Default)]
pub struct Reply {
    /// Whether the dialog closes.
    pub close: bool,
    /// A message for the status bar.
    pub flash: Option<(Level, String)>,
    /// Work for the runtime.
    pub effects: Vec<Effect>,
}

impl Reply {
    /// The dialog closes.
    fn close() -> Reply {
        Reply {
            close: true,
            ..Reply::default()
        }
    }

    /// The dialog closes, and the runtime performs `effects`.
    fn close_with(effects: Vec<Effect>) -> Reply {
        Reply {
            close: true,
            effects,
            ..Reply::default()
        }
    }

    /// The dialog closes, and the status bar says `msg`.
    fn close_saying(msg: String) -> Reply {
        Reply {
            close: true,
            flash: Some((Level::Info, msg)),
            ..Reply::default()
        }
    }

    /// The dialog stays, and the runtime performs `effects`.
    fn effects(effects: Vec<Effect>) -> Reply {
        Reply {
            effects,
            ..Reply::default()
        }
    }
}

impl Dialog {
    /// Moving use case `i` a stage on (`StageNext`) or back; `Err`: why
    /// it cannot move that way.
    pub fn stage(data: &Data, i: usize, action: Action) -> Result<Dialog, String> {
        let u = &data.register.use_cases[i].use_case;
        let to = if action == Action::StageNext {
            u.stage.next()
        } else {
            u.stage.previous()
        };
        let Some(to) = to else {
            return Err(format!(
                "{} is already the {} stage",
                u.stage.name(),
                if action == Action::StageNext {
                    "last"
                } else {
                    "first"
                }
            ));
        };
        let override_reason = change::override_needed(u, to, &data.assessments[i]);
        Ok(Dialog::Stage {
            index: i,
            to,
            justification: Input::default(),
            override_reason,
            confirming: false,
            error: None,
        })
    }

    /// The form that adds a `kind` to use case `i`.
    pub fn form(data: &Data, i: usize, kind: FormKind) -> Dialog {
        let specs = match kind {
            FormKind::Measurement => form::MEASUREMENT,
            FormKind::Roi => form::ROI,
            FormKind::UseCase => form::NEW_USE_CASE,
        };
        // Today, not the as-of date: a measurement is taken now, and a
        // pinned as-of date would hide it from readiness (the form warns).
        let as_of = data.today.to_string();
        let fields = specs
            .iter()
            .map(|spec| {
                let initial = match spec.kind {
                    FieldKind::Date => as_of.clone(),
                    FieldKind::Choice(options) => options[0].to_owned(),
                    _ => String::new(),
                };
                Field {
                    spec: *spec,
                    input: Input::new(initial),
                }
            })
            .collect();
        Dialog::Form {
            index: i,
            kind,
            fields,
            focus: 0,
            error: None,
        }
    }

    /// The form that creates a use case.
    pub fn new_use_case() -> Dialog {
        let fields = form::NEW_USE_CASE
            .iter()
            .map(|spec| Field {
                spec: *spec,
                input: Input::default(),
            })
            .collect();
        Dialog::New {
            fields,
            focus: 0,
            error: None,
        }
    }

    /// Asks why use case `index` was edited into `use_case` (its copy at
    /// `copy`); `Err`: nothing changed.
    pub fn justify(
        data: &Data,
        index: usize,
        use_case: crate::model::UseCase,
        copy: std::path::PathBuf,
    ) -> Result<Dialog, String> {
        let e = &data.register.use_cases[index];
        let fields = change::changed_fields(&e.use_case, &use_case);
        if fields.is_empty() {
            return Err("no change: nothing to commit".to_owned());
        }
        let override_reason =
            change::override_needed(&e.use_case, use_case.stage, &data.assessments[index]);
        Ok(Dialog::Justify {
            index,
            use_case: Box::new(use_case),
            copy,
            base: Box::new((e.use_case.clone(), e.original.to_vec())),
            fields,
            justification: Input::default(),
            override_reason,
            confirming: false,
            error: None,
        })
    }

    /// The keymap scopes while the dialog is open.
    pub fn scopes(&self) -> Vec<Scope> {
        match self {
            Dialog::Stage {
                confirming: true, ..
            }
            | Dialog::Justify {
                confirming: true, ..
            }
            | Dialog::Accept {
                confirming: true, ..
            }
            | Dialog::EditFailed { .. } => vec![Scope::Confirm],
            Dialog::Stage { .. } | Dialog::Justify { .. } | Dialog::Accept { .. } => {
                vec![Scope::Prompt]
            }
            Dialog::Form { .. } | Dialog::New { .. } | Dialog::Review { .. } => {
                vec![Scope::Dialog]
            }
        }
    }

    /// A key no binding claims, for the focused text input.
    pub fn type_into(&mut self, ev: &Event) {
        match self {
            Dialog::Stage {
                justification,
                confirming: false,
                error,
                ..
            }
            | Dialog::Justify {
                justification,
                confirming: false,
                error,
                ..
            } => {
                justification.handle_event(ev);
                *error = None;
            }
            Dialog::Accept {
                reason,
                confirming: false,
                error,
                ..
            }
            | Dialog::Review {
                because: reason,
                error,
                ..
            } => {
                reason.handle_event(ev);
                *error = None;
            }
            Dialog::Form { fields, focus, .. } | Dialog::New { fields, focus, .. } => {
                if let Some(f) = fields.get_mut(*focus)
                    && !matches!(f.spec.kind, FieldKind::Choice(_))
                {
                    f.input.handle_event(ev);
                }
            }
            _ => {}
        }
    }

    /// The use case the dialog is about (register index), if any.
    pub fn index(&self) -> Option<usize> {
        match self {
            Dialog::Stage { index, .. }
            | Dialog::Form { index, .. }
            | Dialog::Justify { index, .. }
            | Dialog::EditFailed { index, .. } => Some(*index),
            Dialog::Accept { .. } | Dialog::New { .. } | Dialog::Review { .. } => None,
        }
    }

    /// The use case the dialog is about, to point it elsewhere.
    pub fn index_mut(&mut self) -> Option<&mut usize> {
        match self {
            Dialog::Stage { index, .. }
            | Dialog::Form { index, .. }
            | Dialog::Justify { index, .. }
            | Dialog::EditFailed { index, .. } => Some(index),
            Dialog::Accept { .. } | Dialog::New { .. } | Dialog::Review { .. } => None,
        }
    }

    /// Shows a failure inside the dialog (its input is kept); gives it
    /// back when the dialog has no place for it.
    pub fn set_error(&mut self, msg: String) -> Result<(), String> {
        match self {
            Dialog::Stage {
                error, confirming, ..
            }
            | Dialog::Justify {
                error, confirming, ..
            } => {
                *confirming = false;
                *error = Some(msg);
            }
            Dialog::Form { error, .. } | Dialog::New { error, .. } => *error = Some(msg),
            _ => return Err(msg),
        }
        Ok(())
    }

    /// The context the dialog's form is checked in.
    pub fn form_context(&self, data: &Data) -> form::Context {
        let kind = match self {
            Dialog::Form { kind, .. } => *kind,
            _ => FormKind::UseCase,
        };
        form_context(data, kind)
    }

    /// Applies an action to the dialog: what it leads to (quitting is
    /// the application's).
    pub fn update(&mut self, action: Action, data: &Data) -> Reply {
        match self {
            Dialog::Review {
                item,
                decision,
                because,
                error,
            } => match action {
                Action::Back => return Reply::close(),
                Action::Left | Action::Right => {
                    if let Some(d) = decision {
                        use crate::model::review::DecisionKind as K;
                        let n = K::ALL.len();
                        let i = K::ALL.iter().position(|k| k == d).unwrap_or(0);
                        let step = if action == Action::Left { n - 1 } else { 1 };
                        *d = K::ALL[(i + step) % n];
                    }
                }
                Action::Submit => {
                    let why = because.value().trim().to_owned();
                    if why.is_empty() {
                        *error = Some("type a one-line rationale first".to_owned());
                        return Reply::default();
                    }
                    let step = match decision {
                        Some(d) => ReviewStep::Decide {
                            item: item.clone(),
                            decision: *d,
                            because: why,
                        },
                        None => ReviewStep::Approve {
                            item: item.clone(),
                            because: why,
                        },
                    };
                    return Reply::close_with(vec![Effect::Review(step)]);
                }
                _ => {}
            },
            Dialog::Stage {
                index,
                to,
                justification,
                override_reason,
                confirming,
                error,
            } => {
                let (index, to) = (*index, *to);
                match action {
                    Action::Back if !*confirming => return Reply::close(),
                    Action::No => *confirming = false,
                    Action::Submit if !*confirming => {
                        if justification.value().trim().is_empty() {
                            *error = Some("type a one-line justification first".to_owned());
                        } else if override_reason.is_some() {
                            *confirming = true;
                        } else {
                            return Reply::effects(self.submit_stage(data, index, to));
                        }
                    }
                    Action::Yes if *confirming => {
                        return Reply::effects(self.submit_stage(data, index, to));
                    }
                    _ => {}
                }
            }
            Dialog::New {
                fields,
                focus,
                error,
            } => match action {
                Action::Back => return Reply::close(),
                Action::NextField | Action::PrevField | Action::Left | Action::Right => {
                    move_in_form(fields, focus, action);
                }
                Action::Submit => {
                    let values: Vec<String> =
                        fields.iter().map(|f| f.input.value().to_owned()).collect();
                    let ctx = form_context(data, FormKind::UseCase);
                    if let Some((at, msg)) = form::first_error_in(form::NEW_USE_CASE, &values, &ctx)
                    {
                        *focus = at;
                        *error = Some(format!("{}: {msg}", form::NEW_USE_CASE[at].name));
                        return Reply::default();
                    }
                    return Reply::effects(submit_new(data, &values));
                }
                _ => {}
            },
            Dialog::Form {
                index,
                kind,
                fields,
                focus,
                error,
            } => match action {
                Action::Back => return Reply::close(),
                Action::NextField | Action::PrevField | Action::Left | Action::Right => {
                    move_in_form(fields, focus, action);
                }
                Action::Submit => {
                    let values: Vec<String> =
                        fields.iter().map(|f| f.input.value().to_owned()).collect();
                    let specs: Vec<FieldSpec> = fields.iter().map(|f| f.spec).collect();
                    let ctx = form_context(data, *kind);
                    if let Some((at, msg)) = form::first_error_in(&specs, &values, &ctx) {
                        *focus = at;
                        *error = Some(format!("{}: {msg}", specs[at].name));
                        return Reply::default();
                    }
                    let edit = match kind {
                        FormKind::Measurement => {
                            form::measurement(&values).map(Edit::AddMeasurement)
                        }
                        FormKind::Roi => form::roi(&values).map(Edit::AddRoi),
                        FormKind::UseCase => return Reply::default(),
                    };
                    let index = *index;
                    match edit {
                        Ok(edit) => return Reply::effects(self.submit_edit(data, index, edit, "")),
                        Err((at, msg)) => {
                            *focus = at;
                            *error = Some(msg);
                        }
                    }
                }
                _ => {}
            },
            Dialog::Justify {
                index,
                justification,
                override_reason,
                confirming,
                error,
                copy,
                ..
            } => {
                let index = *index;
                match action {
                    Action::Back if !*confirming => {
                        let msg =
                            format!("not committed; your edited copy is at {}", copy.display());
                        return Reply::close_saying(msg);
                    }
                    Action::No => *confirming = false,
                    Action::Submit if !*confirming => {
                        if justification.value().trim().is_empty() {
                            *error = Some("type a one-line justification first".to_owned());
                        } else if override_reason.is_some() {
                            *confirming = true;
                        } else {
                            return Reply::effects(self.submit_justified(data, index));
                        }
                    }
                    Action::Yes if *confirming => {
                        return Reply::effects(self.submit_justified(data, index));
                    }
                    _ => {}
                }
            }
            Dialog::Accept {
                branch,
                tip,
                other_files,
                overrides,
                reason,
                confirming,
                error,
                ..
            } => match action {
                Action::Back if !*confirming => return Reply::close(),
                Action::Submit if !*confirming => {
                    if reason.value().trim().is_empty() {
                        *error = Some("type the reason for the override first".to_owned());
                    } else {
                        *confirming = true;
                    }
                }
                Action::Yes if *confirming => {
                    let override_reason =
                        (!overrides.is_empty()).then(|| reason.value().trim().to_owned());
                    let effect = Effect::Accept {
                        branch: branch.clone(),
                        tip: *tip,
                        options: crate::git::proposals::AcceptOptions {
                            allow_other_files: *other_files,
                            override_reason,
                            author: None,
                            also: None,
                        },
                    };
                    return Reply::close_with(vec![effect]);
                }
                // With an override, `n` goes back to the reason, as for `>`.
                Action::No if !overrides.is_empty() => *confirming = false,
                Action::No => return Reply::close(),
                _ => {}
            },
            Dialog::EditFailed { index, edited, .. } => match action {
                Action::Yes => {
                    let effect = Effect::Edit {
                        index: *index,
                        edited: Some(edited.clone()),
                    };
                    return Reply::close_with(vec![effect]);
                }
                Action::No => {
                    let msg = format!(
                        "kept the file as it was; your edited copy is at {}",
                        edited.display()
                    );
                    return Reply::close_saying(msg);
                }
                _ => {}
            },
        }
        Reply::default()
    }

    fn submit_stage(&mut self, data: &Data, index: usize, to: Stage) -> Vec<Effect> {
        let (justification, reason) = match self {
            Dialog::Stage {
                justification,
                override_reason,
                ..
            } => (justification.value().to_owned(), override_reason.clone()),
            _ => return Vec::new(),
        };
        let e = &data.register.use_cases[index];
        match change::apply(
            &e.id,
            &e.use_case,
            Edit::MoveStage(to),
            &justification,
            reason.as_deref(),
        ) {
            Ok(applied) => vec![Effect::Commit(commit_request(data, index, applied))],
            Err(err) => {
                let _ = self.set_error(err.to_string());
                Vec::new()
            }
        }
    }

    fn submit_edit(
        &mut self,
        data: &Data,
        index: usize,
        edit: Edit,
        justification: &str,
    ) -> Vec<Effect> {
        let e = &data.register.use_cases[index];
        match change::apply(&e.id, &e.use_case, edit, justification, None) {
            Ok(applied) => vec![Effect::Commit(commit_request(data, index, applied))],
            Err(err) => {
                let _ = self.set_error(err.to_string());
                Vec::new()
            }
        }
    }

    fn submit_justified(&mut self, data: &Data, index: usize) -> Vec<Effect> {
        let Dialog::Justify {
            use_case,
            justification,
            override_reason,
            base,
            ..
        } = self
        else {
            return Vec::new();
        };
        let (use_case, justification, reason) = (
            use_case.clone(),
            justification.value().to_owned(),
            override_reason.clone(),
        );
        let (before, original) = (base.0.clone(), base.1.clone());
        let e = &data.register.use_cases[index];
        match change::apply(
            &e.id,
            &before,
            Edit::Replace(use_case),
            &justification,
            reason.as_deref(),
        ) {
            Ok(applied) => {
                let mut req = commit_request(data, index, applied);
                req.expected = Some(original);
                vec![Effect::Commit(req)]
            }
            Err(err) => {
                let _ = self.set_error(err.to_string());
                Vec::new()
            }
        }
    }
}

/// The commit of an edit of use case `i`, over the file as loaded.
fn commit_request(data: &Data, i: usize, applied: change::Applied) -> CommitRequest {
    let e = &data.register.use_cases[i];
    CommitRequest {
        rel: e.rel.clone(),
        expected: Some(e.original.to_vec()),
        text: applied.text,
        message: applied.message,
        head: data.repo.head,
    }
}

/// The commit that creates the use case of the new form's `values`.
fn submit_new(data: &Data, values: &[String]) -> Vec<Effect> {
    let id = match crate::model::UseCaseId::new(values[0].trim()) {
        Ok(id) => id,
        Err(_) => return Vec::new(),
    };
    let applied = change::create(&id, &values[1], &values[2], &values[3]);
    vec![Effect::Commit(CommitRequest {
        rel: change::use_case_rel(&id),
        expected: None,
        text: applied.text,
        message: applied.message,
        head: data.repo.head,
    })]
}

/// The context a form of `kind` is checked in: today, the pinned as-of
/// date, the ids taken.
pub fn form_context(data: &Data, kind: FormKind) -> form::Context {
    form::Context {
        today: Some(data.today),
        pinned_as_of: data.pinned.then_some(data.register.as_of),
        records: match kind {
            FormKind::Measurement => "measurements",
            FormKind::Roi => "ROI evidence",
            FormKind::UseCase => "entries",
        },
        // Ids of files that failed to load are taken too: their file exists.
        taken: data
            .register
            .use_cases
            .iter()
            .map(|e| e.id.to_string())
            .chain(data.register.diagnostics.iter().filter_map(|d| {
                let rel = data.register.rel_of(&d.file)?;
                let stem = rel.strip_prefix("use-cases/")?.strip_suffix(".ron")?;
                Some(stem.to_owned())
            }))
            .collect(),
    }
}

/// Tab, Shift-Tab and the arrows in a form: the focus, or the choice.
fn move_in_form(fields: &mut [Field], focus: &mut usize, action: Action) {
    match action {
        Action::NextField => *focus = (*focus + 1) % fields.len(),
        Action::PrevField => *focus = (*focus + fields.len() - 1) % fields.len(),
        Action::Left | Action::Right => {
            let f = &mut fields[*focus];
            if let FieldKind::Choice(options) = f.spec.kind {
                let at = options
                    .iter()
                    .position(|o| *o == f.input.value())
                    .unwrap_or(0);
                let next = if action == Action::Right {
                    (at + 1) % options.len()
                } else {
                    (at + options.len() - 1) % options.len()
                };
                f.input = Input::new(options[next].to_owned());
            } else {
                let code = if action == Action::Left {
                    ratatui::crossterm::event::KeyCode::Left
                } else {
                    ratatui::crossterm::event::KeyCode::Right
                };
                f.input.handle_event(&Event::Key(KeyEvent::from(code)));
            }
        }
        _ => {}
    }
}

fn frame_block<'a>(title: String, theme: &Theme) -> Block<'a> {
    // Dialogs are at most 76 wide: a longer title (a long id or branch)
    // ends in an ellipsis rather than at the border.
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.focus())
        .title(Line::styled(
            crate::tui::widgets::fit(&title, 70),
            theme.focus(),
        ))
}

/// Draws the open dialog over `area`.
pub fn draw(frame: &mut Frame<'_>, area: Rect, data: &Data, dialog: &Dialog, theme: &Theme) {
    match dialog {
        Dialog::Review {
            item,
            decision,
            because,
            error,
        } => {
            let rect = popup(frame, area, 72, 12);
            let title = match decision {
                Some(_) => format!(" Decide on {} ", safe(item)),
                None => format!(" Approve the decision on {} ", safe(item)),
            };
            let block = frame_block(title, theme);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let mut lines = Vec::new();
            if let Some(d) = decision {
                lines.push(Line::from(vec![
                    Span::raw("decision: ← "),
                    Span::styled(d.word(), theme.header()),
                    Span::raw(" →"),
                ]));
                lines.push(Line::from(""));
            }
            prompt_lines(&mut lines, "", false, because, error.as_deref(), theme);
            draw_prompt(frame, inner, lines, false, because);
        }
        Dialog::Stage {
            index,
            to,
            justification,
            override_reason,
            confirming,
            error,
        } => {
            let e = &data.register.use_cases[*index];
            let rect = popup(frame, area, 72, 14);
            let block = frame_block(format!(" Move {} ", safe(e.id.as_str())), theme);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let lines = vec![
                Line::from(safe(&e.use_case.title)),
                Line::from(vec![
                    Span::raw("from "),
                    Span::styled(e.use_case.stage.name(), theme.header()),
                    Span::raw(" to "),
                    Span::styled(to.name(), theme.header()),
                ]),
                Line::from(""),
            ];
            let question = "Move it although it is not ready? y yes · n no";
            let prompt = Prompt {
                override_reason: override_reason.as_deref(),
                question,
                confirming: *confirming,
                justification,
                error: error.as_deref(),
            };
            prompt.draw(frame, inner, lines, theme);
        }
        Dialog::Form {
            index,
            kind,
            fields,
            focus,
            error,
        } => {
            let e = &data.register.use_cases[*index];
            let what = match kind {
                FormKind::Measurement => "measurement",
                FormKind::Roi => "ROI evidence",
                FormKind::UseCase => "use case",
            };
            let title = format!(" Add {what} to {} ", safe(e.id.as_str()));
            let form = FormView {
                title,
                fields,
                focus: *focus,
                error: error.as_deref(),
                ctx: &dialog.form_context(data),
            };
            draw_form(frame, area, &form, theme);
        }
        Dialog::New {
            fields,
            focus,
            error,
        } => {
            let id = fields[0].input.value().trim();
            let title = if id.is_empty() {
                " New use case ".to_owned()
            } else {
                format!(" New use case {} ", safe(id))
            };
            let form = FormView {
                title,
                fields,
                focus: *focus,
                error: error.as_deref(),
                ctx: &dialog.form_context(data),
            };
            draw_form(frame, area, &form, theme);
        }
        Dialog::Justify {
            index,
            fields,
            justification,
            override_reason,
            confirming,
            error,
            ..
        } => {
            let e = &data.register.use_cases[*index];
            let rect = popup(frame, area, 72, 14);
            let block = frame_block(
                format!(" Commit the edit of {} ", safe(e.id.as_str())),
                theme,
            );
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let lines = vec![
                Line::from(safe(&e.use_case.title)),
                Line::from(vec![
                    Span::raw("fields changed: "),
                    Span::styled(fields.join(", "), theme.header()),
                ]),
                Line::from(""),
            ];
            let question = "Commit it although it is not ready? y yes · n no";
            let prompt = Prompt {
                override_reason: override_reason.as_deref(),
                question,
                confirming: *confirming,
                justification,
                error: error.as_deref(),
            };
            prompt.draw(frame, inner, lines, theme);
        }
        Dialog::Accept {
            branch,
            summary,
            overrides,
            reason,
            confirming,
            error,
            ..
        } => {
            let extra = if overrides.is_empty() {
                0
            } else {
                overrides.len() as u16 + 4
            };
            let rect = popup(
                frame,
                area,
                76,
                (summary.len() as u16 + 6 + extra).min(area.height),
            );
            let block = frame_block(format!(" Accept {} ", safe(branch)), theme);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let mut lines: Vec<Line<'_>> = summary.iter().map(|l| Line::from(safe(l))).collect();
            lines.push(Line::from(""));
            for o in overrides {
                lines.push(Line::from(vec![
                    Span::styled(
                        "⚠ Override: ",
                        theme.severity(crate::register::Severity::Warning),
                    ),
                    Span::raw(format!("{}. The merge commit will record it.", safe(o))),
                ]));
            }
            // The question stays at the bottom, whatever the summary's
            // length: the summary above is cut at small sizes, never it.
            let mut bottom: Vec<Line<'_>> = Vec::new();
            let mut cursor = None;
            if !overrides.is_empty() && !*confirming {
                bottom.push(Line::from(
                    "Reason for the override (one line, goes into the commit):",
                ));
                cursor = Some(bottom.len());
                bottom.push(Line::from(vec![
                    Span::styled("> ", theme.focus()),
                    Span::raw(safe(reason.value())),
                ]));
                bottom.push(Line::styled("Enter continue · Esc cancel", theme.muted()));
            } else if !overrides.is_empty() {
                bottom.push(Line::styled(
                    "Accept it although readiness does not support it? y yes · n no",
                    theme.header(),
                ));
            } else {
                bottom.push(Line::styled(
                    "A merge commit, authored by you. y accept · n cancel",
                    theme.header(),
                ));
            }
            if let Some(err) = error {
                bottom.push(Line::from(vec![
                    Span::styled("✗ ", theme.severity(crate::register::Severity::Error)),
                    Span::raw(safe(err)),
                ]));
            }
            let [top_area, bottom_area] = Layout::vertical([
                Constraint::Fill(1),
                Constraint::Length((bottom.len() as u16).min(inner.height)),
            ])
            .areas(inner);
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top_area);
            frame.render_widget(Paragraph::new(bottom), bottom_area);
            if let Some(row) = cursor {
                let typed = safe(reason.value());
                let x = 2 + unicode_width::UnicodeWidthStr::width(typed.as_str());
                frame.set_cursor_position((
                    (bottom_area.x + x as u16).min(bottom_area.right().saturating_sub(1)),
                    (bottom_area.y + row as u16).min(bottom_area.bottom().saturating_sub(1)),
                ));
            }
        }
        Dialog::EditFailed {
            index, problems, ..
        } => {
            let e = &data.register.use_cases[*index];
            let rect = popup(
                frame,
                area,
                76,
                (problems.len() as u16 + 7).min(area.height),
            );
            let block = frame_block(format!(" {} has errors ", safe(e.id.as_str())), theme);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let mut lines = vec![Line::from("The edited file was not saved. Its problems:")];
            for p in problems {
                lines.push(Line::styled(
                    safe(p),
                    theme.severity(crate::register::Severity::Error),
                ));
            }
            lines.push(Line::from(""));
            lines.push(Line::styled(
                "y edit again · n keep the file as it was (your copy is kept)",
                theme.header(),
            ));
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        }
    }
}

/// The end of a dialog that commits a change: the override warning, if
/// readiness does not support it, and the justification prompt (or the
/// confirmation question).
struct Prompt<'a> {
    override_reason: Option<&'a str>,
    question: &'static str,
    confirming: bool,
    justification: &'a tui_input::Input,
    error: Option<&'a str>,
}

impl Prompt<'_> {
    /// Draws `lines` and the prompt below them in `inner`.
    fn draw(
        &self,
        frame: &mut Frame<'_>,
        inner: Rect,
        mut lines: Vec<Line<'static>>,
        theme: &Theme,
    ) {
        if let Some(why) = self.override_reason {
            lines.push(Line::from(vec![
                Span::styled(
                    "⚠ Override: ",
                    theme.severity(crate::register::Severity::Warning),
                ),
                Span::raw(format!("{why}. The commit will record the override.")),
            ]));
            lines.push(Line::from(""));
        }
        prompt_lines(
            &mut lines,
            self.question,
            self.confirming,
            self.justification,
            self.error,
            theme,
        );
        draw_prompt(frame, inner, lines, self.confirming, self.justification);
    }
}

/// The justification prompt of a stage move or an edit, or its override
/// confirmation, and the last failure.
fn prompt_lines(
    lines: &mut Vec<Line<'static>>,
    question: &'static str,
    confirming: bool,
    justification: &tui_input::Input,
    error: Option<&str>,
    theme: &Theme,
) {
    if confirming {
        lines.push(Line::styled(question, theme.header()));
    } else {
        lines.push(Line::from(
            "Justification (one line, goes into the commit):",
        ));
        lines.push(Line::from(vec![
            Span::styled("> ", theme.focus()),
            Span::raw(safe(justification.value())),
        ]));
        lines.push(Line::from(""));
        lines.push(Line::styled("Enter commit · Esc cancel", theme.muted()));
    }
    if let Some(err) = error {
        lines.push(Line::from(vec![
            Span::styled("✗ ", theme.severity(crate::register::Severity::Error)),
            Span::raw(safe(err)),
        ]));
    }
}

/// Draws prompt lines in `inner` with the cursor in the input row.
fn draw_prompt(
    frame: &mut Frame<'_>,
    inner: Rect,
    lines: Vec<Line<'static>>,
    confirming: bool,
    justification: &tui_input::Input,
) {
    let input_row = lines
        .iter()
        .position(|l| l.spans.first().is_some_and(|s| s.content == "> "));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let (false, Some(row)) = (confirming, input_row) {
        let x = inner.x + 2 + justification.visual_cursor() as u16;
        frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + row as u16));
    }
}

/// A form to draw: its title, fields and state.
struct FormView<'a> {
    title: String,
    fields: &'a [Field],
    focus: usize,
    error: Option<&'a str>,
    ctx: &'a crate::form::Context,
}

/// Draws a form: a row per field with its value and `✓`, `✗ problem` or
/// `! warning`; the warnings in full below; the last failure.
fn draw_form(frame: &mut Frame<'_>, area: Rect, form: &FormView<'_>, theme: &Theme) {
    let fields = form.fields;
    // Beside a field there is room for a short message; longer ones (and
    // every warning) are shown in full below the fields, never cut.
    let beside = 76usize.saturating_sub(2 + 17 + 2 + 24 + 4);
    let below: Vec<(bool, &str, String)> = fields
        .iter()
        .filter_map(|f| match (f.error(form.ctx), f.warning(form.ctx)) {
            (Some(e), _) if e.chars().count() > beside => Some((true, f.spec.name, e)),
            (None, Some(w)) => Some((false, f.spec.name, w)),
            _ => None,
        })
        .collect();
    let rect = popup(
        frame,
        area,
        76,
        fields.len() as u16 + 8 + 2 * below.len() as u16,
    );
    let block = frame_block(form.title.clone(), theme);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let mut lines = Vec::new();
    let mut cursor = None;
    for (n, f) in fields.iter().enumerate() {
        let focused = n == form.focus;
        let label_style = if focused {
            theme.selected()
        } else {
            Style::new()
        };
        // A value longer than its box scrolls with the cursor, as input
        // fields do; `…` marks the hidden part.
        let scroll = f.input.visual_scroll(23);
        let value = match f.spec.kind {
            FieldKind::Choice(_) => format!("◀ {} ▶", f.input.value()),
            _ => {
                let text = safe(f.input.value());
                if unicode_width::UnicodeWidthStr::width(text.as_str()) <= 24 {
                    text
                } else {
                    let shown: String = text.chars().skip(scroll).collect();
                    let shown = crate::tui::widgets::fit(&shown, 24 - usize::from(scroll > 0));
                    if scroll > 0 {
                        format!("…{shown}")
                    } else {
                        shown
                    }
                }
            }
        };
        let status = match (f.error(form.ctx), f.warning(form.ctx)) {
            (Some(msg), _) if msg.chars().count() > beside => Span::styled(
                "  ✗ see below",
                theme.severity(crate::register::Severity::Error),
            ),
            (Some(msg), _) => Span::styled(
                format!("  ✗ {msg}"),
                theme.severity(crate::register::Severity::Error),
            ),
            (None, Some(_)) => Span::styled(
                "  ! see below",
                theme.severity(crate::register::Severity::Warning),
            ),
            (None, None) => Span::styled("  ✓", theme.pass(true)),
        };
        if focused && !matches!(f.spec.kind, FieldKind::Choice(_)) {
            let long = unicode_width::UnicodeWidthStr::width(f.input.value()) > 24;
            let at = if long {
                f.input.visual_cursor() - scroll + usize::from(scroll > 0)
            } else {
                f.input.visual_cursor()
            };
            cursor = Some((19 + at.min(24) as u16, n as u16));
        }
        // Pad the value so every field's ✓/✗ lines up in one column.
        let value = format!("{value:<24}");
        lines.push(Line::from(vec![
            Span::styled(format!("{:<17}", f.spec.name), label_style),
            Span::raw("  "),
            Span::raw(value),
            status,
        ]));
    }
    lines.push(Line::from(""));
    for (error, name, msg) in &below {
        let (mark, severity) = if *error {
            ("✗", crate::register::Severity::Error)
        } else {
            ("!", crate::register::Severity::Warning)
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} {name}: "), theme.severity(severity)),
            Span::raw(msg.clone()),
        ]));
    }
    let invalid = fields
        .iter()
        .filter(|f| f.error(form.ctx).is_some())
        .count();
    lines.push(if invalid == 0 {
        Line::styled(
            "Enter commit · Tab/↑↓ field · ←→ choose · Esc cancel",
            theme.muted(),
        )
    } else {
        Line::styled(
            format!("{invalid} field(s) to fix before Enter commits · Esc cancel"),
            theme.muted(),
        )
    });
    if let Some(err) = form.error {
        lines.push(Line::from(vec![
            Span::styled("✗ ", theme.severity(crate::register::Severity::Error)),
            Span::raw(safe(err)),
        ]));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let Some((x, y)) = cursor {
        frame.set_cursor_position((
            (inner.x + x).min(inner.right().saturating_sub(1)),
            inner.y + y,
        ));
    }
}
