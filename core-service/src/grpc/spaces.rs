use flexiapi_proto::{
    app_settings::FEATURES,
    pb::{self, space_service_server::SpaceService},
};
use tonic::{Request, Response, Status};

use super::{timestamp, unix_now, Api};
use crate::{
    domain::{
        app_settings::{AppInput, AppSettings},
        model::Space,
    },
    rules::{
        spaces::{self, SpaceInput},
        Store,
    },
};

impl From<Space> for pb::Space {
    fn from(space: Space) -> Self {
        Self {
            domain: space.domain,
            name: space.name,
            realm: space.realm,
            is_super: space.is_super,
            max_accounts: space.max_accounts,
            default_password_algorithm: space.default_password_algorithm.as_str().into(),
            accounts_count: space.accounts_count,
            created_at: timestamp(space.created_at),
            updated_at: timestamp(space.updated_at),
            app: Some(app_settings(&space.app)),
        }
    }
}

fn app_settings(app: &AppSettings) -> pb::AppSettings {
    pb::AppSettings {
        account_proxy_registrar_address: app.proxy.clone(),
        account_transport: app.transport.into(),
        custom_provisioning_entries: app.custom_entries.as_ref().map(|c| c.text().into()),
        custom_provisioning_overwrite_all: app.overwrite_all,
        features: FEATURES
            .iter()
            .zip(app.features)
            .map(|((key, _), on)| ((*key).into(), on))
            .collect(),
        max_account: app.max_account,
    }
}

fn app_input(fields: Option<&pb::AppSettingsFields>) -> AppInput<'_> {
    let Some(fields) = fields else {
        return AppInput::default();
    };
    fn nullable(text: &Option<pb::NullableText>) -> Option<Option<&str>> {
        text.as_ref().map(|t| t.value.as_deref())
    }
    AppInput {
        proxy: nullable(&fields.account_proxy_registrar_address),
        transport: fields.account_transport.as_deref(),
        custom_entries: nullable(&fields.custom_provisioning_entries),
        overwrite_all: fields.custom_provisioning_overwrite_all,
        features: fields
            .features
            .iter()
            .map(|(key, on)| (key.as_str(), *on))
            .collect(),
        max_account: fields.max_account,
    }
}

fn input(fields: Option<&pb::SpaceFields>) -> SpaceInput<'_> {
    let Some(fields) = fields else {
        return SpaceInput::default();
    };
    SpaceInput {
        new_domain: None,
        name: fields.name.as_deref(),
        realm: fields.realm.as_deref(),
        is_super: fields.is_super,
        max_accounts: fields.max_accounts,
        default_password_algorithm: fields.default_password_algorithm.as_deref(),
        app: app_input(fields.app.as_ref()),
    }
}

#[tonic::async_trait]
impl<S: Store> SpaceService for Api<S> {
    #[tracing::instrument(skip_all)]
    async fn list_spaces(
        &self,
        request: Request<pb::ListSpacesRequest>,
    ) -> Result<Response<pb::ListSpacesResponse>, Status> {
        let actor = self.actor(request.get_ref().actor.as_ref()).await?;
        let found = spaces::list(&self.store, Some(&actor)).await?;
        Ok(Response::new(pb::ListSpacesResponse {
            spaces: found.into_iter().map(Into::into).collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(domain = %super::traced(&request.get_ref().domain)))]
    async fn get_space(
        &self,
        request: Request<pb::GetSpaceRequest>,
    ) -> Result<Response<pb::GetSpaceResponse>, Status> {
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let space = spaces::get(&self.store, Some(&actor), &request.domain).await?;
        Ok(Response::new(pb::GetSpaceResponse {
            space: Some(space.into()),
        }))
    }

    #[tracing::instrument(skip_all, fields(domain = %super::traced(&request.get_ref().domain)))]
    async fn create_space(
        &self,
        request: Request<pb::CreateSpaceRequest>,
    ) -> Result<Response<pb::CreateSpaceResponse>, Status> {
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let fields = input(request.fields.as_ref());
        let space = spaces::create(
            &self.store,
            Some(&actor),
            &request.domain,
            fields,
            unix_now(),
        )
        .await?;
        tracing::info!(domain = %space.domain, "space created");
        Ok(Response::new(pb::CreateSpaceResponse {
            space: Some(space.into()),
        }))
    }

    #[tracing::instrument(skip_all, fields(domain = %super::traced(&request.get_ref().domain)))]
    async fn update_space(
        &self,
        request: Request<pb::UpdateSpaceRequest>,
    ) -> Result<Response<pb::UpdateSpaceResponse>, Status> {
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let fields = SpaceInput {
            new_domain: request.new_domain.as_deref(),
            ..input(request.fields.as_ref())
        };
        let default = &self.settings.default_domain;
        let space = spaces::update(
            &self.store,
            Some(&actor),
            default,
            &request.domain,
            fields,
            unix_now(),
        )
        .await?;
        Ok(Response::new(pb::UpdateSpaceResponse {
            space: Some(space.into()),
        }))
    }

    #[tracing::instrument(skip_all, fields(domain = %super::traced(&request.get_ref().domain)))]
    async fn delete_space(
        &self,
        request: Request<pb::DeleteSpaceRequest>,
    ) -> Result<Response<pb::DeleteSpaceResponse>, Status> {
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let default = &self.settings.default_domain;
        spaces::delete(&self.store, Some(&actor), default, &request.domain).await?;
        tracing::info!(domain = %request.domain, "space deleted");
        Ok(Response::new(pb::DeleteSpaceResponse {}))
    }
}
