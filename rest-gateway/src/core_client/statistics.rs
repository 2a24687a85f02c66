//! `StatisticsService`: contract part 6's call and message statistics.

use flexiapi_proto::pb;

use super::CoreClient;
use crate::error::ApiError;

impl CoreClient {
    pub async fn record_call(
        &self,
        request: pb::RecordCallRequest,
    ) -> Result<pb::CallRecord, ApiError> {
        rpc!(
            self,
            statistics.record_call(request),
            "flexiapi.v1.StatisticsService/RecordCall"
        )
    }

    pub async fn end_call(&self, request: pb::EndCallRequest) -> Result<pb::CallRecord, ApiError> {
        rpc!(
            self,
            statistics.end_call(request),
            "flexiapi.v1.StatisticsService/EndCall"
        )
    }

    pub async fn record_call_device(
        &self,
        request: pb::RecordCallDeviceRequest,
    ) -> Result<pb::CallRecord, ApiError> {
        rpc!(
            self,
            statistics.record_call_device(request),
            "flexiapi.v1.StatisticsService/RecordCallDevice"
        )
    }

    pub async fn record_message(
        &self,
        request: pb::RecordMessageRequest,
    ) -> Result<pb::MessageRecord, ApiError> {
        rpc!(
            self,
            statistics.record_message(request),
            "flexiapi.v1.StatisticsService/RecordMessage"
        )
    }

    pub async fn record_message_device(
        &self,
        request: pb::RecordMessageDeviceRequest,
    ) -> Result<pb::MessageRecord, ApiError> {
        rpc!(
            self,
            statistics.record_message_device(request),
            "flexiapi.v1.StatisticsService/RecordMessageDevice"
        )
    }

    pub async fn list_calls(
        &self,
        request: pb::StatisticsQuery,
    ) -> Result<pb::ListCallsResponse, ApiError> {
        rpc!(
            self,
            statistics.list_calls(request),
            "flexiapi.v1.StatisticsService/ListCalls"
        )
    }

    pub async fn list_messages(
        &self,
        request: pb::StatisticsQuery,
    ) -> Result<pb::ListMessagesResponse, ApiError> {
        rpc!(
            self,
            statistics.list_messages(request),
            "flexiapi.v1.StatisticsService/ListMessages"
        )
    }
}
