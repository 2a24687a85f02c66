//! `PushNotificationService`: Flexisip's pushes, relayed (part 6 §4).

use flexiapi_proto::pb;

use super::CoreClient;
use crate::error::ApiError;

impl CoreClient {
    pub async fn send_push_notification(
        &self,
        request: pb::SendPushNotificationRequest,
    ) -> Result<(), ApiError> {
        rpc!(
            self,
            push_notifications.send_push_notification(request),
            "flexiapi.v1.PushNotificationService/SendPushNotification"
        )?;
        Ok(())
    }
}
