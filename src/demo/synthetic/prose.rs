//! The prose of synthetic use cases: summaries and notes of about two
//! hundred characters, as a governance team writes them, composed from
//! phrases drawn from the seed so that no two files read the same.

use super::super::rng::Rng;
use crate::model::{Date, Stage, UseCase};

/// What the use case does, by task, with `{d}` for the domain.
fn what(task: &str) -> &'static [&'static str] {
    match task {
        "triage" => &[
            "Reads incoming {d} requests and sorts them by urgency",
            "Triages new {d} cases into fast-track, standard and specialist queues",
        ],
        "extraction" => &[
            "Pulls the key fields out of scanned {d} documents into structured records",
            "Extracts amounts, dates and parties from {d} paperwork",
        ],
        "summaries" => &[
            "Writes one-page summaries of long {d} case files",
            "Condenses {d} correspondence threads into a short brief",
        ],
        "classification" => &[
            "Labels {d} items with the categories the monthly report uses",
            "Classifies {d} records against the internal taxonomy",
        ],
        "drafting" => &[
            "Drafts first replies to routine {d} correspondence",
            "Prepares draft {d} letters from the case notes",
        ],
        "translation" => &[
            "Translates {d} documents between English, German and Spanish",
            "Produces working translations of incoming {d} material",
        ],
        "search" => &[
            "Answers questions over the {d} knowledge base with cited passages",
            "Finds the precedent {d} cases closest to a new one",
        ],
        "review" => &[
            "Checks {d} submissions against the written checklist",
            "Reviews {d} files for missing or inconsistent information",
        ],
        "routing" => &[
            "Assigns {d} tickets to the team that owns them",
            "Routes {d} enquiries to the right desk on the first attempt",
        ],
        _ => &[
            "Answers staff questions about {d} rules and procedures",
            "Gives staff quick answers on {d} policy with links to the source",
        ],
    }
}

const WHY: [&str; 6] = [
    "so that specialists spend their time on the hard cases",
    "cutting the backlog that builds up at month end",
    "replacing a manual step of several minutes per item",
    "with its reasoning shown next to every suggestion",
    "in the tools the team already works in",
    "so that service levels hold during seasonal peaks",
];

const OVERSIGHT: [&str; 6] = [
    "a person confirms every decision before it takes effect.",
    "low-confidence results go to a reviewer and the rest are sampled weekly.",
    "nothing reaches a customer without a human reading it first.",
    "reviewers sample a share of outputs each week and log every correction.",
    "the team lead signs off any change to the prompt or the model.",
    "errors are logged and discussed at the monthly quality meeting.",
];

/// A summary of about two hundred characters for a use case in `domain`
/// doing `task` for `team`.
pub(super) fn summary(rng: &mut Rng, domain: &str, task: &str, team: &str) -> String {
    let what = rng.pick(what(task)).replace("{d}", &domain.to_lowercase());
    let why = rng.pick(&WHY);
    let oversight = rng.pick(&OVERSIGHT);
    format!("{what} for {team}, {why}; {oversight}")
}

/// A sentence on how the measurements are going.
fn progress(rng: &mut Rng, u: &UseCase) -> String {
    let acc = u.measurements.last().map_or(0.0, |m| m.accuracy * 100.0);
    let months = u.measurements.len();
    match rng.below(4) {
        0 => format!(
            "Accuracy has stayed near {acc:.0}% for {months} months, so prompt work has stopped paying off."
        ),
        1 => format!(
            "Prompt changes still add a point or two a month (now {acc:.0}%); revisit fine-tuning when the gains flatten."
        ),
        2 => format!(
            "Latency is the open problem: p95 is {} ms at {acc:.0}% accuracy.",
            u.measurements.last().map_or(0, |m| m.p95_latency_ms)
        ),
        _ => format!(
            "Cost per thousand calls is the concern at {acc:.0}% accuracy and growing volume."
        ),
    }
}

/// A sentence on the training data.
fn data(rng: &mut Rng, u: &UseCase) -> String {
    let n = u.profile.curated_examples;
    match rng.below(3) {
        0 => format!("{n} reviewed examples are curated, labelled by the team during normal work."),
        1 => format!("The labelled set ({n} examples) is skewed towards the common cases."),
        _ => format!("{n} examples are curated; the rare cases still need more coverage."),
    }
}

/// A sentence on governance.
fn governance(rng: &mut Rng, u: &UseCase) -> String {
    match rng.below(4) {
        0 => format!(
            "{} risk confirmed with Compliance; no change to the tier.",
            u.risk.name()
        ),
        1 => {
            "The data protection officer asked for a retention check on stored prompts.".to_owned()
        }
        2 => format!("Owned by {}; handover notes are in the team wiki.", u.team),
        _ => "An audit of a sample of outputs is planned before the next review.".to_owned(),
    }
}

/// Notes of about two hundred characters on a new use case.
pub(super) fn notes(rng: &mut Rng, u: &UseCase) -> String {
    let first = progress(rng, u);
    let second = data(rng, u);
    let third = governance(rng, u);
    format!("{first} {second} {third}")
}

/// Notes after a review on `date` that kept the use case in its stage.
pub(super) fn review(rng: &mut Rng, u: &UseCase, date: Date) -> String {
    let stage: Stage = u.stage;
    let first = progress(rng, u);
    let second = governance(rng, u);
    format!(
        "Reviewed on {date}: stays in {}. {first} {second}",
        stage.name()
    )
}
