//! The tfplugin6 `Provider` service: decode each request's values with the
//! schema they belong to, dispatch by type name, encode the answer.
//! Problems are reported as diagnostics, never as gRPC errors, so Terraform
//! shows them to the user with context.

use std::collections::HashMap;

use tonic::{Request, Response, Status};

use crate::tfproto::cty::{Type, Value};
use crate::tfproto::diagnostics::Diagnostics;
use crate::tfproto::tfplugin6 as pb;
use crate::tfproto::tfplugin6::provider_server::Provider;

use super::config::{self, ProviderConfig};
use super::data_sources::migrations as migrations_data_source;
use super::data_sources::models as models_data_source;
use super::private::ResourcePrivate;
use super::resources::migration as migration_resource;
use super::resources::schema as schema_resource;
use super::SqlalchemyProvider;

const RESOURCE_TYPES: [&str; 2] = [schema_resource::TYPE_NAME, migration_resource::TYPE_NAME];
const DATA_SOURCE_TYPES: [&str; 2] = [models_data_source::TYPE_NAME, migrations_data_source::TYPE_NAME];

fn resource_schema(type_name: &str) -> Option<crate::tfproto::schema::Schema> {
    match type_name {
        schema_resource::TYPE_NAME => Some(schema_resource::schema()),
        migration_resource::TYPE_NAME => Some(migration_resource::schema()),
        _ => None,
    }
}

fn data_source_schema(type_name: &str) -> Option<crate::tfproto::schema::Schema> {
    match type_name {
        models_data_source::TYPE_NAME => Some(models_data_source::schema()),
        migrations_data_source::TYPE_NAME => Some(migrations_data_source::schema()),
        _ => None,
    }
}

fn resource_type(type_name: &str) -> Option<Type> {
    resource_schema(type_name).map(|schema| schema.value_type())
}

fn data_source_type(type_name: &str) -> Option<Type> {
    data_source_schema(type_name).map(|schema| schema.value_type())
}

fn unknown_data_source(diagnostics: &mut Diagnostics, type_name: &str) {
    diagnostics.error(
        "Unknown data source",
        format!(
            "This provider has no data source `{type_name}`; it has: {}.",
            DATA_SOURCE_TYPES.join(", ")
        ),
    );
}

fn unknown_resource(diagnostics: &mut Diagnostics, type_name: &str) {
    diagnostics.error(
        "Unknown resource type",
        format!(
            "This provider has no resource type `{type_name}`; it has: {}.",
            RESOURCE_TYPES.join(", ")
        ),
    );
}

/// Decode a DynamicValue; an absent value is null.
fn decode(value: Option<&pb::DynamicValue>, ty: &Type, what: &str, diagnostics: &mut Diagnostics) -> Option<Value> {
    let Some(value) = value else { return Some(Value::Null) };
    let decoded = if !value.msgpack.is_empty() {
        Value::decode_msgpack(&value.msgpack, ty)
    } else if !value.json.is_empty() {
        Value::decode_json(&value.json, ty)
    } else {
        return Some(Value::Null);
    };
    match decoded {
        Ok(value) => Some(value),
        Err(err) => {
            diagnostics.error(format!("Invalid {what} from Terraform"), err.to_string());
            None
        }
    }
}

fn encode(value: &Value, ty: &Type, diagnostics: &mut Diagnostics) -> Option<pb::DynamicValue> {
    match value.encode_msgpack(ty) {
        Ok(msgpack) => Some(pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        }),
        Err(err) => {
            diagnostics.error("Provider produced a value it cannot encode", err.to_string());
            None
        }
    }
}

#[tonic::async_trait]
impl Provider for SqlalchemyProvider {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            diagnostics: Vec::new(),
            data_sources: DATA_SOURCE_TYPES
                .iter()
                .map(|name| pb::get_metadata::DataSourceMetadata {
                    type_name: name.to_string(),
                })
                .collect(),
            resources: RESOURCE_TYPES
                .iter()
                .map(|name| pb::get_metadata::ResourceMetadata {
                    type_name: name.to_string(),
                })
                .collect(),
            functions: Vec::new(),
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        let declared = |names: &[&str], schema: fn(&str) -> Option<crate::tfproto::schema::Schema>| {
            names
                .iter()
                .filter_map(|name| Some((name.to_string(), schema(name)?.to_proto())))
                .collect::<HashMap<String, pb::Schema>>()
        };
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(config::schema().to_proto()),
            resource_schemas: declared(&RESOURCE_TYPES, resource_schema),
            data_source_schemas: declared(&DATA_SOURCE_TYPES, data_source_schema),
            diagnostics: Vec::new(),
            provider_meta: None,
            server_capabilities: Some(capabilities()),
            functions: HashMap::new(),
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        Ok(Response::new(pb::get_resource_identity_schemas::Response::default()))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let ty = config::schema().value_type();
        if let Some(value) = decode(request.config.as_ref(), &ty, "provider configuration", &mut diagnostics) {
            diagnostics.extend(ProviderConfig::from_value(&value).validate());
        }
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diagnostics.into_proto(),
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let ty = config::schema().value_type();
        if let Some(value) = decode(request.config.as_ref(), &ty, "provider configuration", &mut diagnostics) {
            let config = ProviderConfig::from_value(&value);
            diagnostics.extend(config.validate());
            tracing::debug!(terraform_version = %request.terraform_version, "provider configured");
            self.context.configure(config);
        }
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diagnostics.into_proto(),
        }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        match resource_type(&request.type_name) {
            None => unknown_resource(&mut diagnostics, &request.type_name),
            Some(ty) => {
                if let Some(config) = decode(request.config.as_ref(), &ty, "configuration", &mut diagnostics) {
                    let write_only_allowed = request
                        .client_capabilities
                        .as_ref()
                        .is_some_and(|capabilities| capabilities.write_only_attributes_allowed);
                    diagnostics.extend(match request.type_name.as_str() {
                        migration_resource::TYPE_NAME => migration_resource::validate(&config, write_only_allowed),
                        _ => schema_resource::validate(&config, write_only_allowed),
                    });
                }
            }
        }
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diagnostics.into_proto(),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        match data_source_type(&request.type_name) {
            None => unknown_data_source(&mut diagnostics, &request.type_name),
            Some(ty) => {
                if let Some(config) = decode(request.config.as_ref(), &ty, "configuration", &mut diagnostics) {
                    diagnostics.extend(match request.type_name.as_str() {
                        migrations_data_source::TYPE_NAME => migrations_data_source::validate(&config),
                        _ => models_data_source::validate(&config),
                    });
                }
            }
        }
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: diagnostics.into_proto(),
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let mut state = None;
        match data_source_type(&request.type_name) {
            None => unknown_data_source(&mut diagnostics, &request.type_name),
            Some(ty) => {
                if let Some(config) = decode(request.config.as_ref(), &ty, "configuration", &mut diagnostics) {
                    let (value, found) = match request.type_name.as_str() {
                        migrations_data_source::TYPE_NAME => migrations_data_source::read(&self.context, &config).await,
                        _ => models_data_source::read(&self.context, &config).await,
                    };
                    diagnostics.extend(found);
                    if !value.is_null() {
                        state = encode(&value, &ty, &mut diagnostics);
                    }
                }
            }
        }
        Ok(Response::new(pb::read_data_source::Response {
            state,
            diagnostics: diagnostics.into_proto(),
            deferred: None,
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let Some(ty) = resource_type(&request.type_name) else {
            unknown_resource(&mut diagnostics, &request.type_name);
            return Ok(Response::new(pb::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics: diagnostics.into_proto(),
            }));
        };
        // Schema version 0 is the only one so far: upgrading is re-encoding
        // the stored JSON as MessagePack.
        let raw = request.raw_state.map(|raw| raw.json).unwrap_or_default();
        let upgraded_state = match Value::decode_json(&raw, &ty) {
            Ok(value) => encode(&value, &ty, &mut diagnostics),
            Err(err) => {
                diagnostics.error(
                    "Unreadable stored state",
                    format!("The state of `{}`: {err}", request.type_name),
                );
                None
            }
        };
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: diagnostics.into_proto(),
        }))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let mut new_state = None;
        let mut private = request.private;
        match resource_type(&request.type_name) {
            None => unknown_resource(&mut diagnostics, &request.type_name),
            Some(ty) => {
                if let Some(current) = decode(request.current_state.as_ref(), &ty, "state", &mut diagnostics) {
                    let (state, found, seen) = match request.type_name.as_str() {
                        migration_resource::TYPE_NAME => {
                            let (state, found) = migration_resource::read(&self.context, &current).await;
                            (state, found, None)
                        }
                        _ => schema_resource::read(&self.context, &current, ResourcePrivate::decode(&private)).await,
                    };
                    diagnostics.extend(found);
                    new_state = encode(&state, &ty, &mut diagnostics);
                    if let Some(seen) = seen {
                        private = seen.encode();
                    }
                }
            }
        }
        Ok(Response::new(pb::read_resource::Response {
            new_state,
            diagnostics: diagnostics.into_proto(),
            private,
            deferred: None,
            new_identity: None,
        }))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let mut planned_state = None;
        let mut planned_private = request.prior_private.clone();
        match resource_type(&request.type_name) {
            None => unknown_resource(&mut diagnostics, &request.type_name),
            Some(ty) => {
                let prior = decode(request.prior_state.as_ref(), &ty, "prior state", &mut diagnostics);
                let proposed = decode(
                    request.proposed_new_state.as_ref(),
                    &ty,
                    "proposed state",
                    &mut diagnostics,
                );
                let config = decode(request.config.as_ref(), &ty, "configuration", &mut diagnostics);
                if let (Some(prior), Some(proposed), Some(config)) = (prior, proposed, config) {
                    let (planned, found, private) = match request.type_name.as_str() {
                        migration_resource::TYPE_NAME => {
                            let (planned, found) =
                                migration_resource::plan(&self.context, &prior, &proposed, &config).await;
                            (planned, found, None)
                        }
                        _ => {
                            schema_resource::plan(
                                &self.context,
                                &prior,
                                &proposed,
                                &config,
                                &ResourcePrivate::decode(&request.prior_private),
                            )
                            .await
                        }
                    };
                    diagnostics.extend(found);
                    planned_state = encode(&planned, &ty, &mut diagnostics);
                    if let Some(private) = private {
                        planned_private = private.encode();
                    }
                }
            }
        }
        Ok(Response::new(pb::plan_resource_change::Response {
            planned_state,
            requires_replace: Vec::new(),
            planned_private,
            diagnostics: diagnostics.into_proto(),
            legacy_type_system: false,
            deferred: None,
            planned_identity: None,
        }))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let mut new_state = None;
        let mut private = request.planned_private.clone();
        match resource_type(&request.type_name) {
            None => unknown_resource(&mut diagnostics, &request.type_name),
            Some(ty) => {
                let prior = decode(request.prior_state.as_ref(), &ty, "prior state", &mut diagnostics);
                let planned = decode(request.planned_state.as_ref(), &ty, "planned state", &mut diagnostics);
                let config = decode(request.config.as_ref(), &ty, "configuration", &mut diagnostics);
                if let (Some(prior), Some(planned), Some(config)) = (prior, planned, config) {
                    let (state, found, seen) = match request.type_name.as_str() {
                        migration_resource::TYPE_NAME => {
                            let (state, found) = migration_resource::apply(&self.context, &planned, &config).await;
                            (state, found, None)
                        }
                        _ => {
                            schema_resource::apply(
                                &self.context,
                                &prior,
                                &planned,
                                &config,
                                &ResourcePrivate::decode(&request.planned_private),
                            )
                            .await
                        }
                    };
                    let failed = found.has_errors();
                    diagnostics.extend(found);
                    if let Some(seen) = seen {
                        private = seen.encode();
                    }
                    if state.is_null() && (!planned.is_null() || failed) {
                        // A failed create, update or destroy: keep what was there before.
                        new_state = request.prior_state.clone();
                    } else {
                        new_state = encode(&state, &ty, &mut diagnostics);
                    }
                }
            }
        }
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state,
            private,
            diagnostics: diagnostics.into_proto(),
            legacy_type_system: false,
            new_identity: None,
        }))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let request = request.into_inner();
        let mut diagnostics = Diagnostics::new();
        let mut imported_resources = Vec::new();
        match resource_type(&request.type_name) {
            None => unknown_resource(&mut diagnostics, &request.type_name),
            Some(ty) => {
                let (state, found) = match request.type_name.as_str() {
                    migration_resource::TYPE_NAME => (Value::Null, migration_resource::import(&request.id)),
                    _ => schema_resource::import(&self.context, &request.id),
                };
                diagnostics.extend(found);
                if !state.is_null() {
                    if let Some(state) = encode(&state, &ty, &mut diagnostics) {
                        imported_resources.push(pb::import_resource_state::ImportedResource {
                            type_name: request.type_name.clone(),
                            state: Some(state),
                            private: Vec::new(),
                            identity: None,
                        });
                    }
                }
            }
        }
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: diagnostics.into_proto(),
            deferred: None,
        }))
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        tracing::info!("StopProvider: cancelling in-flight operations");
        self.context.canceller.stop();
        Ok(Response::new(pb::stop_provider::Response { error: String::new() }))
    }
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        // Destroy is planned like any change: with `drop_on_destroy` it shows
        // the statements that drop the managed objects.
        plan_destroy: true,
        // The schema is static, so Terraform may reuse a cached copy.
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}
