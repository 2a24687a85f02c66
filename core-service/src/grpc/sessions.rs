//! `SessionService`: the web panel's logins and sessions
//! ([`crate::rules::sessions`]).

use flexiapi_proto::pb::{self, session_service_server::SessionService};
use tonic::{Request, Response, Status};

use super::{timestamp, unix_now, Api};
use crate::{error::CoreError, rules::sessions, rules::Store};

#[tonic::async_trait]
impl<S: Store> SessionService for Api<S> {
    #[tracing::instrument(skip_all, fields(outcome))]
    async fn open_session(
        &self,
        request: Request<pb::OpenSessionRequest>,
    ) -> Result<Response<pb::OpenSessionResponse>, Status> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        let Some(mut login) = request.login else {
            return Err(CoreError::invalid("login", "is required").into());
        };
        // The panel is for accounts that may act: a pending one is unknown
        // there, whatever the caller asked.
        login.pending = pb::PendingAccess::None.into();
        let (mut verdict, account) = self.judge_digest(login, peer).await?;
        if !verdict.ok || !verdict.forbidden.is_empty() {
            return Ok(Response::new(pb::OpenSessionResponse {
                verdict: Some(verdict),
                ..Default::default()
            }));
        }
        let now = unix_now();
        let lifetimes = self.settings.sessions;
        let opened =
            sessions::open(&self.store, &account, &request.user_agent, lifetimes, now).await?;
        tracing::info!(account_id = account.id, "panel session opened");
        verdict.account = Some(account.into());
        Ok(Response::new(pb::OpenSessionResponse {
            verdict: Some(verdict),
            token: opened.token.expose().to_owned(),
            csrf_token: opened.csrf_token,
            expires_at: timestamp(opened.expires_at),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn get_session(
        &self,
        request: Request<pb::GetSessionRequest>,
    ) -> Result<Response<pb::GetSessionResponse>, Status> {
        let token = request.into_inner().token;
        let now = unix_now();
        let current = sessions::current(&self.store, &token, self.settings.sessions, now).await?;
        Ok(Response::new(pb::GetSessionResponse {
            account: Some(current.account.into()),
            csrf_token: current.csrf_token,
            expires_at: timestamp(current.expires_at),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn close_session(
        &self,
        request: Request<pb::CloseSessionRequest>,
    ) -> Result<Response<pb::CloseSessionResponse>, Status> {
        sessions::close(&self.store, &request.into_inner().token).await?;
        Ok(Response::new(pb::CloseSessionResponse {}))
    }
}
