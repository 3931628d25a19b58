//! Destroying a `sqlalchemy_schema`. Without `drop_on_destroy` the resource
//! is only forgotten, quietly, as Terraform users expect. With it, the
//! destroy plan is the plan to the empty desired schema within the resource's
//! scope: its statements are shown as a warning, the policy (read from the
//! state, since a destroy has no configuration) judges their hazards, and the
//! apply re-plans and runs exactly those statements, which the planned
//! private state carries to it.

use crate::engine::{self, DatabaseUrl, Options};
use crate::tfproto::cty::Value;
use crate::tfproto::diagnostics::Diagnostics;

use super::super::super::config::missing_url;
use super::super::super::errors;
use super::super::super::field::Field;
use super::super::super::policy::{self, Policy};
use super::super::super::private::ResourcePrivate;
use super::super::super::Context;
use super::{changed_since_refresh, engine_options, resolve_urls, SchemaResource};

/// The desired schema of a destroy: nothing the user wrote.
const NOTHING: &str = "";

/// What a destroy works on, read from the state.
struct Target {
    url: DatabaseUrl,
    dev_url: Option<DatabaseUrl>,
    options: Options,
    policy: Policy,
}

/// `None` when the state does not ask for drops (or cannot, with diagnostics).
fn target(ctx: &Context, prior: &Value, diagnostics: &mut Diagnostics) -> Option<Target> {
    if prior.is_null() {
        return None;
    }
    let resource = SchemaResource::from_value(prior);
    if resource.drop_on_destroy != Field::Known(true) {
        return None;
    }
    let urls = resolve_urls(ctx, &resource, diagnostics)?;
    let Field::Known(url) = urls.url else {
        missing_url(diagnostics);
        return None;
    };
    let policy = Policy::from_value(prior, diagnostics);
    let Some(Field::Known(options)) = engine_options(&resource, &url, &policy, diagnostics) else {
        if !diagnostics.has_errors() {
            diagnostics.error(
                "Settings unknown at destroy time",
                "The resource's settings in the state are not all known, so what to drop is not either.",
            );
        }
        return None;
    };
    Some(Target {
        url,
        dev_url: urls.dev_url.known(),
        options,
        policy,
    })
}

/// Whether destroying this state only forgets the resource.
fn keeps_everything(prior: &Value) -> bool {
    !prior.is_null() && SchemaResource::from_value(prior).drop_on_destroy != Field::Known(true)
}

/// A destroy that drops nothing still says so in the plan: a reader of
/// "1 to destroy" would otherwise expect the tables to go.
fn warn_destroy_keeps_the_database(prior: &Value, diagnostics: &mut Diagnostics) {
    let database = SchemaResource::from_value(prior)
        .id
        .known()
        .map(|id| format!(" ({id})"))
        .unwrap_or_default();
    diagnostics.warning(
        "Destroy keeps the database",
        format!(
            "Destroying this sqlalchemy_schema only removes it from the Terraform state: no table, \
             view, row or other object in the database{database} is dropped. To drop the managed \
             objects on destroy, set `drop_on_destroy = true` and apply before destroying."
        ),
    );
}

/// PlanResourceChange of a destroy. Returns the planned private state: the
/// statements to run, when there are drops to plan.
pub(super) async fn plan(
    ctx: &Context,
    prior: &Value,
    private: &ResourcePrivate,
) -> (Diagnostics, Option<ResourcePrivate>) {
    let mut diagnostics = Diagnostics::new();
    if keeps_everything(prior) {
        warn_destroy_keeps_the_database(prior, &mut diagnostics);
        return (diagnostics, None);
    }
    let Some(target) = target(ctx, prior, &mut diagnostics) else {
        return (diagnostics, None);
    };
    let planned = ctx
        .canceller
        .run(engine::plan_with(
            &target.url,
            target.dev_url.as_ref(),
            NOTHING,
            &target.options,
        ))
        .await;
    let plan = match planned {
        Ok(Ok(plan)) => plan,
        Ok(Err(err)) => {
            errors::engine_error(&mut diagnostics, "plan the drops of destroy", &err);
            return (diagnostics, None);
        }
        Err(cancelled) => {
            errors::cancelled(&mut diagnostics, "plan the drops of destroy", cancelled);
            return (diagnostics, None);
        }
    };
    let scope = target.options.scope.fingerprint();
    if private.changed_since_refresh(&plan.live_hash, scope.as_deref()) {
        changed_since_refresh(&mut diagnostics, &target.url);
        return (diagnostics, None);
    }
    crate::provider::unmanaged::report(&plan.warnings, &mut diagnostics);
    policy::report_kept(&plan.kept, &target.options, &mut diagnostics);
    target.policy.check(&plan.statements, true, &mut diagnostics);
    if !plan.statements.is_empty() && !diagnostics.has_errors() {
        let listed: Vec<String> = plan
            .statements
            .iter()
            .map(|statement| {
                let shown = statement.shown();
                shown
                    .lines()
                    .map(|line| format!("    {line}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        diagnostics.warning(
            "Destroy drops database objects",
            format!(
                "`drop_on_destroy` is set, so destroying this resource runs on {}:\n\n{}",
                target.url.redacted(),
                listed.join("\n\n")
            ),
        );
    }
    let planned_private = ResourcePrivate {
        destroy: Some(plan.sql()),
        ..private.clone()
    };
    (diagnostics, Some(planned_private))
}

/// ApplyResourceChange of a destroy: runs the statements its plan showed,
/// refusing if the database no longer plans them.
pub(super) async fn apply(ctx: &Context, prior: &Value, private: &ResourcePrivate) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let Some(target) = target(ctx, prior, &mut diagnostics) else {
        return diagnostics;
    };
    let Some(expected) = &private.destroy else {
        diagnostics.error(
            "No destroy plan",
            "`drop_on_destroy` is set, but the plan did not record which statements destroy runs \
             (it was made by another provider version). Nothing was dropped; plan the destroy again.",
        );
        return diagnostics;
    };
    let applied = ctx
        .canceller
        .run(engine::apply_with(
            &target.url,
            target.dev_url.as_ref(),
            NOTHING,
            expected,
            &target.options,
        ))
        .await;
    match applied {
        Ok(Ok(outcome)) => {
            tracing::info!(statements = outcome.executed.len(), database = %target.url.redacted(), "dropped on destroy");
        }
        Ok(Err(err)) => errors::engine_error(&mut diagnostics, "drop the managed objects", &err),
        Err(cancelled) => errors::cancelled(&mut diagnostics, "drop the managed objects", cancelled),
    }
    diagnostics
}
