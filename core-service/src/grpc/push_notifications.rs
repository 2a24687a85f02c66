//! `PushNotificationService`: Flexisip's pushes, relayed (contract part 6
//! §4).

use flexiapi_proto::pb::{self, push_notification_service_server::PushNotificationService};
use tonic::{Request, Response, Status};

use super::Api;
use crate::rules::{
    push_notifications::{self as rules, PushNotificationInput},
    Store,
};

#[tonic::async_trait]
impl<S: Store> PushNotificationService for Api<S> {
    #[tracing::instrument(skip_all, fields(pn_provider = request.get_ref().pn_provider.as_deref()))]
    async fn send_push_notification(
        &self,
        request: Request<pb::SendPushNotificationRequest>,
    ) -> Result<Response<pb::SendPushNotificationResponse>, Status> {
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let input = PushNotificationInput {
            provider: request.pn_provider.as_deref(),
            param: request.pn_param.as_deref(),
            prid: request.pn_prid.as_deref(),
            kind: request.r#type.as_deref(),
            call_id: request.call_id.as_deref(),
        };
        // Flexisip's `send-time`: UTC, to the second.
        let send_time = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string();
        rules::send(&self.onboarding, &actor, &input, send_time).await?;
        Ok(Response::new(pb::SendPushNotificationResponse {}))
    }
}
