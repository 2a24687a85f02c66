//! The message statements of [`super::statistics`]: a message and its
//! recipients' devices, written in one transaction and read back by id.

use sqlx::FromRow;

use super::{text::Text, SqlStore};
use crate::{
    error::Result,
    rules::statistics::{
        fields::Address,
        store::{MessageDevice, NewMessage, StoredMessage, Window},
    },
};

const MESSAGE_COLUMNS: &str =
    "id, from_username, from_domain, sent_at, encrypted, conference_id, created_at, updated_at";
const DEVICE_COLUMNS: &str =
    "message_id, to_username, to_domain, device_id, last_status, received_at";
/// The messages one address sent or was among the recipients of.
const OF_ADDRESS: &str = "(from_username = $1 AND from_domain = $2) OR id IN \
    (SELECT message_id FROM statistics_message_devices WHERE to_username = $3 AND to_domain = $4)";

/// A recipient device's answer: one left out (NULL) keeps the stored one.
const UPSERT_DEVICE: &str = "INSERT INTO statistics_message_devices (message_id, to_username, \
    to_domain, device_id, last_status, received_at) VALUES ($1, $2, $3, $4, $5, $6) \
    ON CONFLICT (message_id, to_username, to_domain, device_id) DO UPDATE SET \
    last_status = COALESCE(excluded.last_status, statistics_message_devices.last_status), \
    received_at = COALESCE(excluded.received_at, statistics_message_devices.received_at)";

#[derive(FromRow)]
struct MessageRow {
    id: Text,
    from_username: Text,
    from_domain: Text,
    sent_at: i64,
    encrypted: bool,
    conference_id: Option<Text>,
    created_at: i64,
    updated_at: i64,
}

#[derive(FromRow)]
struct DeviceRow {
    message_id: Text,
    to_username: Text,
    to_domain: Text,
    device_id: Text,
    last_status: Option<i64>,
    received_at: Option<i64>,
}

impl From<DeviceRow> for MessageDevice {
    fn from(row: DeviceRow) -> Self {
        Self {
            to: Address {
                username: row.to_username.0,
                domain: row.to_domain.0,
            },
            device_id: row.device_id.0,
            answer: row.last_status.zip(row.received_at),
        }
    }
}

fn stored(row: MessageRow) -> StoredMessage {
    StoredMessage {
        message: NewMessage {
            id: row.id.0,
            from: Address {
                username: row.from_username.0,
                domain: row.from_domain.0,
            },
            sent_at: row.sent_at,
            encrypted: row.encrypted,
            conference_id: row.conference_id.map(String::from),
            devices: Vec::new(),
        },
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// An answer's two columns.
fn split(device: &MessageDevice) -> (Option<i64>, Option<i64>) {
    device.answer.unzip()
}

impl SqlStore {
    pub(super) async fn upsert_message(&self, new: &NewMessage, now: i64) -> Result<()> {
        let message_sql = self.sql(
            "INSERT INTO statistics_messages (id, from_username, from_domain, sent_at, \
             encrypted, conference_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (id) DO UPDATE SET from_username = excluded.from_username, \
             from_domain = excluded.from_domain, sent_at = excluded.sent_at, \
             encrypted = excluded.encrypted, conference_id = excluded.conference_id, \
             updated_at = excluded.updated_at",
        );
        let device_sql = self.sql(UPSERT_DEVICE);
        on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(&message_sql)
                .bind(new.id.as_str())
                .bind(new.from.username.as_str())
                .bind(new.from.domain.as_str())
                .bind(new.sent_at)
                .bind(new.encrypted)
                .bind(new.conference_id.as_deref())
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for device in &new.devices {
                let (status, at) = split(device);
                sqlx::query(&device_sql)
                    .bind(new.id.as_str())
                    .bind(device.to.username.as_str())
                    .bind(device.to.domain.as_str())
                    .bind(device.device_id.as_str())
                    .bind(status)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// False when no message has this id. The message's `updated_at`
    /// moves, as a device's answer changes what the message shows.
    pub(super) async fn upsert_message_device(
        &self,
        message_id: &str,
        device: &MessageDevice,
        now: i64,
    ) -> Result<bool> {
        let touch_sql = self.sql("UPDATE statistics_messages SET updated_at = $1 WHERE id = $2");
        let exists_sql = format!(
            "SELECT id FROM statistics_messages WHERE id = $1{}",
            self.row_lock()
        );
        let (exists_sql, device_sql) = (self.sql(&exists_sql), self.sql(UPSERT_DEVICE));
        let (status, at) = split(device);
        Ok(on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            // Locked, so a purge cannot take the message away in between.
            let exists: Option<Text> = sqlx::query_scalar(&exists_sql)
                .bind(message_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                sqlx::query(&device_sql)
                    .bind(message_id)
                    .bind(device.to.username.as_str())
                    .bind(device.to.domain.as_str())
                    .bind(device.device_id.as_str())
                    .bind(status)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(&touch_sql).bind(now).bind(message_id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            exists.is_some()
        }))
    }

    pub(super) async fn message_by_id(&self, id: &str) -> Result<Option<StoredMessage>> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM statistics_messages WHERE id = $1");
        let sql = self.sql(&sql);
        let row: Option<MessageRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        match row {
            None => Ok(None),
            Some(row) => Ok(self.with_recipients(vec![row]).await?.pop()),
        }
    }

    pub(super) async fn messages_page(
        &self,
        address: &Address,
        window: Window,
    ) -> Result<(Vec<StoredMessage>, i64)> {
        let order = "sent_at DESC, id DESC";
        let (rows, total) = self
            .address_page(
                "statistics_messages",
                MESSAGE_COLUMNS,
                OF_ADDRESS,
                order,
                address,
                window,
            )
            .await?;
        Ok((self.with_recipients(rows).await?, total))
    }

    /// The messages of `rows`, in their order, each with its recipients'
    /// devices.
    async fn with_recipients(&self, rows: Vec<MessageRow>) -> Result<Vec<StoredMessage>> {
        let ids: Vec<&str> = rows.iter().map(|row| row.id.0.as_str()).collect();
        let order = "message_id, to_username, to_domain, device_id";
        let devices: Vec<DeviceRow> = self
            .rows_of(
                "statistics_message_devices",
                DEVICE_COLUMNS,
                "message_id",
                order,
                &ids,
            )
            .await?;
        let mut messages: Vec<StoredMessage> = rows.into_iter().map(stored).collect();
        for device in devices {
            let id = device.message_id.0.clone();
            if let Some(message) = messages.iter_mut().find(|m| m.message.id == id) {
                message.message.devices.push(device.into());
            }
        }
        Ok(messages)
    }
}
