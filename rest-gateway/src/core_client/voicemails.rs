//! `VoicemailService`: contract part 6's voicemails, and the streams of
//! their files (an upload sent as it is read, a download passed on as it
//! comes).

use flexiapi_proto::pb::{self, download_file_response, upload_voicemail_request};
use tokio_stream::{Stream, StreamExt as _};

use super::CoreClient;
use crate::error::ApiError;

/// Whose voicemails: the actor's own (`None`) or account `id`'s.
pub fn owner(actor: pb::Actor, id: Option<i64>) -> Option<pb::VoicemailOwner> {
    Some(pb::VoicemailOwner {
        actor: Some(actor),
        account_id: id.unwrap_or(0),
    })
}

/// A file being downloaded: its type and size, then its bytes.
pub struct Download {
    pub info: pb::FileInfo,
    pub chunks: tonic::Streaming<pb::DownloadFileResponse>,
}

impl Download {
    /// The bytes, as a body stream; a break in the middle ends the body
    /// with an error, so the client sees a truncated transfer.
    pub fn bytes(self) -> impl Stream<Item = Result<Vec<u8>, tonic::Status>> + Send {
        self.chunks.filter_map(|message| match message {
            Ok(pb::DownloadFileResponse {
                part: Some(download_file_response::Part::Chunk(bytes)),
            }) => Some(Ok(bytes)),
            Ok(_) => None,
            Err(status) => Some(Err(status)),
        })
    }
}

impl CoreClient {
    pub async fn create_voicemail(
        &self,
        request: pb::CreateVoicemailRequest,
    ) -> Result<pb::Voicemail, ApiError> {
        rpc!(
            self,
            voicemails.create_voicemail(request),
            "flexiapi.v1.VoicemailService/CreateVoicemail"
        )
    }

    pub async fn list_voicemails(
        &self,
        owner: Option<pb::VoicemailOwner>,
    ) -> Result<Vec<pb::Voicemail>, ApiError> {
        let request = owner.unwrap_or_default();
        let answer = rpc!(
            self,
            voicemails.list_voicemails(request),
            "flexiapi.v1.VoicemailService/ListVoicemails"
        )?;
        Ok(answer.voicemails)
    }

    pub async fn get_voicemail(
        &self,
        owner: Option<pb::VoicemailOwner>,
        id: String,
    ) -> Result<pb::Voicemail, ApiError> {
        let request = pb::VoicemailRef { owner, id };
        rpc!(
            self,
            voicemails.get_voicemail(request),
            "flexiapi.v1.VoicemailService/GetVoicemail"
        )
    }

    pub async fn delete_voicemail(
        &self,
        owner: Option<pb::VoicemailOwner>,
        id: String,
    ) -> Result<(), ApiError> {
        let request = pb::VoicemailRef { owner, id };
        rpc!(
            self,
            voicemails.delete_voicemail(request),
            "flexiapi.v1.VoicemailService/DeleteVoicemail"
        )?;
        Ok(())
    }

    /// Sends `start`, then every chunk `chunks` yields, as they come; the
    /// core may answer before the end (a refusal), which ends the call.
    pub async fn upload_voicemail(
        &self,
        start: pb::UploadStart,
        chunks: impl Stream<Item = Vec<u8>> + Send + 'static,
    ) -> Result<pb::Voicemail, ApiError> {
        use upload_voicemail_request::Part;
        let first = pb::UploadVoicemailRequest {
            part: Some(Part::Start(start)),
        };
        let rest = chunks.map(|bytes| pb::UploadVoicemailRequest {
            part: Some(Part::Chunk(bytes)),
        });
        let messages = tokio_stream::once(first).chain(rest);
        rpc!(
            self,
            uploads.upload_voicemail(messages),
            "flexiapi.v1.VoicemailService/UploadVoicemail"
        )
    }

    /// The file of voicemail `id` named `name`; NOT_FOUND for any other pair.
    pub async fn download_file(&self, id: String, name: String) -> Result<Download, ApiError> {
        let request = pb::DownloadFileRequest { id, name };
        let mut chunks = rpc!(
            self,
            voicemails.download_file(request),
            "flexiapi.v1.VoicemailService/DownloadFile"
        )?;
        match chunks.message().await? {
            Some(pb::DownloadFileResponse {
                part: Some(download_file_response::Part::Info(info)),
            }) => Ok(Download { info, chunks }),
            _ => Err(ApiError::Internal(
                "DownloadFile answered without its info".into(),
            )),
        }
    }
}
