//! The voicemail statements: rows only; the files are on disk
//! ([`crate::adapters::files`]). An upload is recorded by one conditional
//! UPDATE, so two uploads into one slot cannot both win.

use sqlx::FromRow;

use super::{text::Text, SqlStore};
use crate::{
    error::{CoreError, Result},
    rules::voicemails::{
        store::{StoredVoicemail, VoicemailStore},
        ContentType,
    },
};

const COLUMNS: &str =
    "uuid, account_id, sip_from, content_type, name, size, uploaded_at, created_at";

#[derive(FromRow)]
struct VoicemailRow {
    uuid: Text,
    account_id: i64,
    sip_from: Option<Text>,
    content_type: Text,
    name: Option<Text>,
    size: Option<i64>,
    uploaded_at: Option<i64>,
    created_at: i64,
}

impl TryFrom<VoicemailRow> for StoredVoicemail {
    type Error = CoreError;

    fn try_from(row: VoicemailRow) -> Result<Self> {
        let content_type = ContentType::parse(&row.content_type.0).ok_or_else(|| {
            anyhow::anyhow!(
                "voicemails.content_type of {} holds {:?}",
                row.uuid.0,
                row.content_type.0
            )
        })?;
        Ok(Self {
            uuid: row.uuid.0,
            account_id: row.account_id,
            sip_from: row.sip_from.map(|t| t.0),
            content_type,
            name: row.name.map(|t| t.0),
            size: row.size,
            uploaded_at: row.uploaded_at,
            created_at: row.created_at,
        })
    }
}

impl VoicemailStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn create_voicemail(&self, voicemail: &StoredVoicemail) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO voicemails (uuid, account_id, sip_from, content_type, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        );
        on_pool!(self, write, pool => {
            sqlx::query(&sql)
                .bind(voicemail.uuid.as_str())
                .bind(voicemail.account_id)
                .bind(voicemail.sip_from.as_deref())
                .bind(voicemail.content_type.as_str())
                .bind(voicemail.created_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn voicemails(&self, account_id: i64) -> Result<Vec<StoredVoicemail>> {
        let sql =
            format!("SELECT {COLUMNS} FROM voicemails WHERE account_id = $1 ORDER BY seq DESC");
        let sql = self.sql(&sql);
        let rows: Vec<VoicemailRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(account_id).fetch_all(pool).await?
        });
        rows.into_iter().map(StoredVoicemail::try_from).collect()
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn voicemail(&self, uuid: &str) -> Result<Option<StoredVoicemail>> {
        let sql = format!("SELECT {COLUMNS} FROM voicemails WHERE uuid = $1");
        let sql = self.sql(&sql);
        let row: Option<VoicemailRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(uuid).fetch_optional(pool).await?
        });
        row.map(StoredVoicemail::try_from).transpose()
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn fill_voicemail(&self, uuid: &str, name: &str, size: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE voicemails SET name = $1, size = $2, uploaded_at = $3 \
            WHERE uuid = $4 AND name IS NULL";
        let changed = self
            .changed(sql, |b| b.text(name).int(size).int(now).text(uuid))
            .await?;
        Ok(changed == 1)
    }

    /// The row read under its lock, then deleted, in one transaction
    /// (SQLite: on its one writer), so an upload landing meanwhile cannot
    /// leave its file unnamed. (MariaDB's DELETE … RETURNING gives sqlx
    /// no column names.)
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn delete_voicemail(
        &self,
        account_id: i64,
        uuid: &str,
    ) -> Result<Option<StoredVoicemail>> {
        let select = format!(
            "SELECT {COLUMNS} FROM voicemails WHERE uuid = $1 AND account_id = $2{}",
            self.row_lock()
        );
        let (select, delete) = (
            self.sql(&select),
            self.sql("DELETE FROM voicemails WHERE uuid = $1"),
        );
        let row: Option<VoicemailRow> = on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            let row: Option<VoicemailRow> = sqlx::query_as(&select)
                .bind(uuid)
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?;
            if row.is_some() {
                sqlx::query(&delete).bind(uuid).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            row
        });
        row.map(StoredVoicemail::try_from).transpose()
    }
}
