//! `StatisticsService`: contract part 6's call and message statistics.
//! Times travel as text into the rules (which name a bad one) and come
//! back as Timestamps with their microseconds.

use flexiapi_proto::pb::{self, statistics_service_server::StatisticsService};
use tonic::{Request, Response, Status};

use super::Api;
use crate::{
    error::Result,
    rules::{
        statistics::{
            self as rules, now_micros,
            store::{StoredCall, StoredMessage},
            CallDeviceInput, CallInput, MessageDeviceInput, MessageInput,
        },
        Store,
    },
};

fn micros(unix_micros: i64) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: unix_micros.div_euclid(1_000_000),
        nanos: i32::try_from(unix_micros.rem_euclid(1_000_000) * 1000).unwrap_or_default(),
    })
}

fn call(stored: StoredCall) -> pb::CallRecord {
    let call = stored.call;
    pb::CallRecord {
        id: call.id,
        sip_call_id: call.sip_call_id,
        from_username: call.from.username,
        from_domain: call.from.domain,
        to_username: call.to.username,
        to_domain: call.to.domain,
        initiated_at: micros(call.initiated_at),
        ended_at: call.ended_at.and_then(micros),
        conference_id: call.conference_id,
        created_at: micros(stored.created_at),
        updated_at: micros(stored.updated_at),
        devices: stored
            .devices
            .into_iter()
            .map(|d| pb::CallDevice {
                device_id: d.device.device_id,
                rang_at: d.device.rang_at.and_then(micros),
                invite_terminated_at: d.device.terminated.and_then(|(at, _)| micros(at)),
                invite_terminated_state: d.device.terminated.map(|(_, s)| s.as_str().into()),
                created_at: micros(d.created_at),
                updated_at: micros(d.updated_at),
            })
            .collect(),
    }
}

fn message(stored: StoredMessage) -> pb::MessageRecord {
    let message = stored.message;
    pb::MessageRecord {
        id: message.id,
        from_username: message.from.username,
        from_domain: message.from.domain,
        sent_at: micros(message.sent_at),
        encrypted: message.encrypted,
        conference_id: message.conference_id,
        created_at: micros(stored.created_at),
        updated_at: micros(stored.updated_at),
        devices: message
            .devices
            .into_iter()
            .map(|d| pb::MessageDevice {
                to_username: d.to.username,
                to_domain: d.to.domain,
                device_id: d.device_id,
                last_status: d.answer.map(|(status, _)| status),
                received_at: d.answer.and_then(|(_, at)| micros(at)),
            })
            .collect(),
    }
}

fn call_device(device: &pb::CallDeviceState) -> CallDeviceInput<'_> {
    CallDeviceInput {
        device_id: &device.device_id,
        rang_at: device.rang_at.as_deref(),
        terminated_at: device.invite_terminated_at.as_deref(),
        terminated_state: device.invite_terminated_state.as_deref(),
    }
}

fn message_device(device: &pb::MessageDeviceState) -> MessageDeviceInput<'_> {
    MessageDeviceInput {
        to: &device.to,
        device_id: &device.device_id,
        last_status: device.last_status,
        received_at: device.received_at.as_deref(),
    }
}

impl<S: Store> Api<S> {
    /// The account a query reads, within the actor's reach.
    async fn statistics_owner(
        &self,
        query: &pb::StatisticsQuery,
    ) -> Result<crate::domain::model::Account> {
        let actor = self.actor(query.actor.as_ref()).await?;
        actor
            .own_or_administered(&self.store, query.account_id)
            .await
    }
}

#[tonic::async_trait]
impl<S: Store> StatisticsService for Api<S> {
    #[tracing::instrument(skip_all, fields(devices = request.get_ref().devices.len()))]
    async fn record_call(
        &self,
        request: Request<pb::RecordCallRequest>,
    ) -> Result<Response<pb::CallRecord>, Status> {
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let input = CallInput {
            id: &request.id,
            sip_call_id: request.sip_call_id.as_deref(),
            from: &request.from,
            to: &request.to,
            initiated_at: &request.initiated_at,
            ended_at: request.ended_at.as_deref(),
            conference_id: request.conference_id.as_deref(),
            devices: request.devices.iter().map(call_device).collect(),
        };
        let stored = rules::record_call(&self.store, &actor, &input, now_micros()).await?;
        Ok(Response::new(call(stored)))
    }

    #[tracing::instrument(skip_all)]
    async fn end_call(
        &self,
        request: Request<pb::EndCallRequest>,
    ) -> Result<Response<pb::CallRecord>, Status> {
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let stored = rules::end_call(
            &self.store,
            &actor,
            &request.id,
            &request.ended_at,
            now_micros(),
        )
        .await?;
        Ok(Response::new(call(stored)))
    }

    #[tracing::instrument(skip_all)]
    async fn record_call_device(
        &self,
        request: Request<pb::RecordCallDeviceRequest>,
    ) -> Result<Response<pb::CallRecord>, Status> {
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let device = request.device.unwrap_or_default();
        let input = call_device(&device);
        let stored =
            rules::record_call_device(&self.store, &actor, &request.call_id, input, now_micros())
                .await?;
        Ok(Response::new(call(stored)))
    }

    #[tracing::instrument(skip_all, fields(devices = request.get_ref().devices.len()))]
    async fn record_message(
        &self,
        request: Request<pb::RecordMessageRequest>,
    ) -> Result<Response<pb::MessageRecord>, Status> {
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let input = MessageInput {
            id: &request.id,
            from: &request.from,
            sent_at: &request.sent_at,
            encrypted: request.encrypted,
            conference_id: request.conference_id.as_deref(),
            devices: request.devices.iter().map(message_device).collect(),
        };
        let stored = rules::record_message(&self.store, &actor, &input, now_micros()).await?;
        Ok(Response::new(message(stored)))
    }

    #[tracing::instrument(skip_all)]
    async fn record_message_device(
        &self,
        request: Request<pb::RecordMessageDeviceRequest>,
    ) -> Result<Response<pb::MessageRecord>, Status> {
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let device = request.device.unwrap_or_default();
        let input = message_device(&device);
        let stored = rules::record_message_device(
            &self.store,
            &actor,
            &request.message_id,
            input,
            now_micros(),
        )
        .await?;
        Ok(Response::new(message(stored)))
    }

    #[tracing::instrument(skip_all, fields(account_id = request.get_ref().account_id))]
    async fn list_calls(
        &self,
        request: Request<pb::StatisticsQuery>,
    ) -> Result<Response<pb::ListCallsResponse>, Status> {
        let query = request.into_inner();
        let owner = self.statistics_owner(&query).await?;
        let (page, per_page, window) = rules::window(query.page, query.per_page)?;
        let (calls, total) = rules::calls_of(&self.store, &owner, window).await?;
        Ok(Response::new(pb::ListCallsResponse {
            calls: calls.into_iter().map(call).collect(),
            total,
            page,
            per_page,
        }))
    }

    #[tracing::instrument(skip_all, fields(account_id = request.get_ref().account_id))]
    async fn list_messages(
        &self,
        request: Request<pb::StatisticsQuery>,
    ) -> Result<Response<pb::ListMessagesResponse>, Status> {
        let query = request.into_inner();
        let owner = self.statistics_owner(&query).await?;
        let (page, per_page, window) = rules::window(query.page, query.per_page)?;
        let (messages, total) = rules::messages_of(&self.store, &owner, window).await?;
        Ok(Response::new(pb::ListMessagesResponse {
            messages: messages.into_iter().map(message).collect(),
            total,
            page,
            per_page,
        }))
    }
}
