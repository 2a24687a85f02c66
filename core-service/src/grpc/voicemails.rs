//! `VoicemailService`: contract part 6's voicemails. Slots and their rows
//! go through the rules; the bytes of an upload are written to disk as
//! they arrive ([`crate::adapters::files`]), never whole in memory, and a
//! download is read back in chunks.

use flexiapi_proto::pb::{
    self, download_file_response, upload_voicemail_request,
    voicemail_service_server::VoicemailService,
};
use tokio::io::AsyncReadExt;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use super::{timestamp, unix_now, Api};
use crate::{
    domain::model::Account,
    error::{CoreError, Result},
    rules::{
        voicemails::{self as rules, store::StoredVoicemail, Verdict},
        Store,
    },
};

fn voicemail(stored: StoredVoicemail, max_bytes: u64) -> pb::Voicemail {
    pb::Voicemail {
        id: stored.uuid,
        name: stored.name,
        size: stored.size,
        content_type: stored.content_type.as_str().into(),
        sip_from: stored.sip_from,
        uploaded_at: stored.uploaded_at.and_then(timestamp),
        created_at: timestamp(stored.created_at),
        max_upload_size: i64::try_from(max_bytes).unwrap_or(i64::MAX),
    }
}

impl<S: Store> Api<S> {
    fn shown(&self, stored: StoredVoicemail) -> pb::Voicemail {
        voicemail(stored, self.settings.voicemails.max_bytes)
    }

    async fn voicemail_owner(&self, owner: Option<&pb::VoicemailOwner>) -> Result<Account> {
        let owner = owner.cloned().unwrap_or_default();
        let actor = self.actor(owner.actor.as_ref()).await?;
        actor
            .own_or_administered(&self.store, owner.account_id)
            .await
    }

    /// Removes the file of a voicemail that had one.
    async fn remove_file(&self, stored: &StoredVoicemail) {
        if let Some(name) = &stored.name {
            let random = rules::random_part(name);
            self.settings.files.remove(&stored.uuid, random).await;
        }
    }

    /// The files of an account about to be deleted: removed after it is.
    pub(super) async fn voicemail_files(&self, account_id: i64) -> Result<Vec<StoredVoicemail>> {
        self.store.voicemails(account_id).await
    }

    pub(super) async fn remove_files(&self, voicemails: &[StoredVoicemail]) {
        for stored in voicemails {
            self.remove_file(stored).await;
        }
    }

    /// Writes the stream into the slot `start` names, judging the type on
    /// the first bytes and the size as they come; the row is filled only
    /// once the file is on disk.
    async fn receive(
        &self,
        start: pb::UploadStart,
        stream: &mut Streaming<pb::UploadVoicemailRequest>,
    ) -> Result<StoredVoicemail> {
        let actor = self.actor(start.actor.as_ref()).await?;
        let slot = rules::upload_target(&self.store, &actor, &start.id).await?;
        let name = rules::stored_name(&start.file_name)?;
        let random = rules::random_part(&name);
        let mut file = self.settings.files.create(&slot.uuid, random).await?;
        let mut head = Vec::with_capacity(rules::HEAD_BYTES);
        let mut received: u64 = 0;
        while let Some(message) = stream.message().await.map_err(cancelled)? {
            let Some(upload_voicemail_request::Part::Chunk(chunk)) = message.part else {
                return Err(CoreError::invalid(
                    "part",
                    "must be a chunk after the start",
                ));
            };
            if chunk.len() > rules::CHUNK_BYTES {
                return Err(CoreError::invalid("chunk", "must be at most 64 KiB"));
            }
            received += chunk.len() as u64;
            rules::too_large(self.settings.voicemails, received)?;
            let wanted = rules::HEAD_BYTES
                .saturating_sub(head.len())
                .min(chunk.len());
            head.extend_from_slice(&chunk[..wanted]);
            file.write(&chunk).await?;
        }
        if slot.content_type.judge(&head) != Verdict::Matches {
            return Err(CoreError::invalid("file", rules::WRONG_TYPE));
        }
        file.keep().await?;
        let size = i64::try_from(received).unwrap_or(i64::MAX);
        let now = unix_now();
        if !self
            .store
            .fill_voicemail(&slot.uuid, &name, size, now)
            .await?
        {
            // Another upload won meanwhile: this file is nobody's.
            self.settings.files.remove(&slot.uuid, random).await;
            return Err(CoreError::FailedPrecondition(rules::ALREADY_UPLOADED));
        }
        Ok(StoredVoicemail {
            name: Some(name),
            size: Some(size),
            uploaded_at: Some(now),
            ..slot
        })
    }
}

/// The sender went away mid-stream: nothing to answer, and the partial
/// file goes with the dropped upload.
fn cancelled(status: Status) -> CoreError {
    CoreError::invalid("chunk", format!("the stream broke: {}", status.message()))
}

#[tonic::async_trait]
impl<S: Store> VoicemailService for Api<S> {
    #[tracing::instrument(skip_all, fields(account_id = request.get_ref().owner.as_ref().map(|o| o.account_id)))]
    async fn create_voicemail(
        &self,
        request: Request<pb::CreateVoicemailRequest>,
    ) -> Result<Response<pb::Voicemail>, Status> {
        let request = request.into_inner();
        let owner = self.voicemail_owner(request.owner.as_ref()).await?;
        let made = rules::create(
            &self.store,
            &owner,
            request.sip_from.as_deref(),
            request.content_type.as_deref(),
            unix_now(),
        )
        .await?;
        Ok(Response::new(self.shown(made)))
    }

    #[tracing::instrument(skip_all, fields(account_id = request.get_ref().account_id))]
    async fn list_voicemails(
        &self,
        request: Request<pb::VoicemailOwner>,
    ) -> Result<Response<pb::ListVoicemailsResponse>, Status> {
        let owner = self.voicemail_owner(Some(request.get_ref())).await?;
        let found = rules::list(&self.store, &owner).await?;
        Ok(Response::new(pb::ListVoicemailsResponse {
            voicemails: found.into_iter().map(|v| self.shown(v)).collect(),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn get_voicemail(
        &self,
        request: Request<pb::VoicemailRef>,
    ) -> Result<Response<pb::Voicemail>, Status> {
        let request = request.into_inner();
        let owner = self.voicemail_owner(request.owner.as_ref()).await?;
        let found = rules::get(&self.store, &owner, &request.id).await?;
        Ok(Response::new(self.shown(found)))
    }

    #[tracing::instrument(skip_all)]
    async fn delete_voicemail(
        &self,
        request: Request<pb::VoicemailRef>,
    ) -> Result<Response<pb::DeleteVoicemailResponse>, Status> {
        let request = request.into_inner();
        let owner = self.voicemail_owner(request.owner.as_ref()).await?;
        let deleted = rules::delete(&self.store, &owner, &request.id).await?;
        self.remove_file(&deleted).await;
        Ok(Response::new(pb::DeleteVoicemailResponse {}))
    }

    #[tracing::instrument(skip_all)]
    async fn upload_voicemail(
        &self,
        request: Request<Streaming<pb::UploadVoicemailRequest>>,
    ) -> Result<Response<pb::Voicemail>, Status> {
        let mut stream = request.into_inner();
        let first = stream.message().await?.and_then(|m| m.part);
        let Some(upload_voicemail_request::Part::Start(start)) = first else {
            return Err(CoreError::invalid("start", "must come first").into());
        };
        let uploaded = self.receive(start, &mut stream).await?;
        tracing::info!(size = uploaded.size, "voicemail uploaded");
        Ok(Response::new(self.shown(uploaded)))
    }

    type DownloadFileStream = ReceiverStream<Result<pb::DownloadFileResponse, Status>>;

    #[tracing::instrument(skip_all)]
    async fn download_file(
        &self,
        request: Request<pb::DownloadFileRequest>,
    ) -> Result<Response<Self::DownloadFileStream>, Status> {
        let request = request.into_inner();
        let missing = || Status::from(CoreError::Missing(rules::FILE_NOT_FOUND));
        let uuid = uuid::Uuid::try_parse(&request.id).map_err(|_| missing())?;
        let found = self
            .store
            .voicemail(&uuid.to_string())
            .await?
            .filter(|v| v.name.as_deref() == Some(request.name.as_str()))
            .ok_or_else(missing)?;
        let random = rules::random_part(&request.name);
        let file = self.settings.files.open_file(&found.uuid, random).await?;
        let info = pb::FileInfo {
            content_type: found.content_type.as_str().into(),
            size: found.size.unwrap_or_default(),
        };
        let (sender, receiver) = tokio::sync::mpsc::channel(4);
        tokio::spawn(send_file(file, info, sender));
        Ok(Response::new(ReceiverStream::new(receiver)))
    }
}

type Chunks = tokio::sync::mpsc::Sender<Result<pb::DownloadFileResponse, Status>>;

/// The info, then the file in chunks; stops when the receiver is gone.
async fn send_file(mut file: tokio::fs::File, info: pb::FileInfo, sender: Chunks) {
    use download_file_response::Part;
    let first = pb::DownloadFileResponse {
        part: Some(Part::Info(info)),
    };
    if sender.send(Ok(first)).await.is_err() {
        return;
    }
    let mut buffer = vec![0; rules::CHUNK_BYTES];
    loop {
        let message = match file.read(&mut buffer).await {
            Ok(0) => return,
            Ok(read) => Ok(pb::DownloadFileResponse {
                part: Some(Part::Chunk(buffer[..read].to_vec())),
            }),
            Err(error) => {
                tracing::error!(%error, "voicemail file unreadable");
                Err(Status::internal("file unreadable"))
            }
        };
        let failed = message.is_err();
        if sender.send(message).await.is_err() || failed {
            return;
        }
    }
}
