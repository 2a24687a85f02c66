//! The device statements: bindings by account and uuid.

use sqlx::FromRow;

use super::SqlStore;
use crate::{
    domain::DeviceUuid,
    error::Result,
    model::Device,
    store::{DeviceStore, NewDevice},
};

#[derive(FromRow)]
struct DeviceRow {
    uuid: String,
    contact: String,
    user_agent: String,
    expires_at: i64,
    updated_at: i64,
}

impl From<DeviceRow> for Device {
    fn from(row: DeviceRow) -> Self {
        Self {
            uuid: row.uuid,
            contact: row.contact,
            user_agent: row.user_agent,
            expires_at: row.expires_at,
            updated_at: row.updated_at,
        }
    }
}

const DEVICE_COLUMNS: &str = "uuid, contact, user_agent, expires_at, updated_at";

impl DeviceStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn upsert_device(&self, account_id: i64, device: NewDevice<'_>) -> Result<Device> {
        let sql = format!(
            "INSERT INTO devices (account_id, uuid, contact, user_agent, expires_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (account_id, uuid) DO UPDATE SET contact = excluded.contact, \
             user_agent = excluded.user_agent, expires_at = excluded.expires_at, \
             updated_at = excluded.updated_at \
             RETURNING {DEVICE_COLUMNS}"
        );
        let row: DeviceRow = on_pool!(self, write, pool => {
            sqlx::query_as(&sql)
                .bind(account_id)
                .bind(device.uuid.as_str())
                .bind(device.contact)
                .bind(device.user_agent)
                .bind(device.expires_at)
                .bind(device.updated_at)
                .fetch_one(pool)
                .await?
        });
        Ok(row.into())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn live_devices(&self, account_id: i64, now: i64) -> Result<Vec<Device>> {
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE account_id = $1 AND expires_at > $2 ORDER BY uuid"
        );
        let rows: Vec<DeviceRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(account_id).bind(now).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Device::from).collect())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn remove_device(&self, account_id: i64, uuid: &DeviceUuid, now: i64) -> Result<bool> {
        // An expired binding is deleted too, but reported absent: it was
        // already invisible to the account.
        let sql = "DELETE FROM devices WHERE account_id = $1 AND uuid = $2 RETURNING expires_at";
        let expires_at: Option<i64> = on_pool!(self, write, pool => {
            sqlx::query_scalar(sql).bind(account_id).bind(uuid.as_str()).fetch_optional(pool).await?
        });
        Ok(expires_at.is_some_and(|at| at > now))
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn purge_devices(&self, now: i64) -> Result<u64> {
        let sql = "DELETE FROM devices WHERE expires_at <= $1";
        Ok(on_pool!(self, write, pool => {
            sqlx::query(sql).bind(now).execute(pool).await?.rows_affected()
        }))
    }
}
